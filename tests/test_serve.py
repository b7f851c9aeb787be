"""`newsmill serve` on a real Prefect server: schedule, concurrency limit, manual and cron runs.

The server is the session's `prefect_api` (a real `prefect server start` on a loopback port, see
conftest). The test serves the deployment from a subprocess, triggers one run through the REST API,
then drops a second dump and lets the every-minute cron pick it up, as a user would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from conftest import (
    free_port,
    run_newsmill,
    start_newsmill,
    stop_group,
    wait_for_health,
    write_stories,
)

FLOW_AND_DEPLOYMENT = "newsmill-scheduled/newsmill-scheduled"
WAIT_SECONDS = 180.0


def api(api_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One JSON call to the Prefect REST API (GET, or POST when `body` is given)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{api_url}{path}", data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def wait_for(what: str, probe: Any, timeout: float = WAIT_SECONDS) -> Any:
    """Call `probe` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def article_count(data: Path) -> int | None:
    """Articles as `newsmill query` reports them, or None while there is no warehouse yet."""
    done = run_newsmill(["query", "select count(*) as n from article", "--data", str(data),
                         "--format", "json"], None, timeout=60)
    if done.returncode != 0:
        return None
    return int(json.loads(done.stdout)[0]["n"])


def test_serve_without_a_server_fails_at_once_with_how_to_start_one(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    common = ["serve", "--raw", str(tmp_path / "raw"), "--data", str(tmp_path / "data")]
    unset = run_newsmill(common, None, timeout=60)
    unreachable = run_newsmill(common, f"http://127.0.0.1:{free_port()}/api", timeout=60)
    for done in (unset, unreachable):
        assert done.returncode == 2
        assert "prefect server start --host 127.0.0.1 --port 4200" in done.stderr
        assert "export PREFECT_API_URL=http://127.0.0.1:4200/api" in done.stderr
    assert "PREFECT_API_URL is not set" in unset.stderr
    assert "no Prefect server answers at http://127.0.0.1:" in unreachable.stderr
    assert not (tmp_path / "data").exists()


def test_serve_schedules_and_runs_the_pipeline(tmp_path: Path, prefect_api: str) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    write_stories(raw / "monday.jsonl", 5, batch="mon")
    server = start_newsmill(["serve", "--cron", "* * * * *", "--raw", str(raw), "--data",
                             str(data)], prefect_api, log=tmp_path / "serve.log",
                            PREFECT_RUNNER_POLL_FREQUENCY="2")
    try:
        deployment = wait_for("the deployment to be registered", lambda: _deployment(prefect_api),
                              timeout=90)
        assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["* * * * *"]
        assert deployment["global_concurrency_limit"]["limit"] == 1
        assert deployment["parameters"] == {"raw": str(raw.resolve()),
                                            "data": str(data.resolve())}

        flow_run = api(prefect_api, f"/deployments/{deployment['id']}/create_flow_run", {})
        state = wait_for("the triggered run to finish",
                         lambda: _final_state(prefect_api, flow_run["id"]))
        assert state == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
        assert article_count(data) == 5
        log = (tmp_path / "serve.log").read_text()
        assert "dump monday.jsonl: json ingested, 5 articles, 0 refused" in log
        assert "dumps done: 1 / 1" in log

        # A user drops a new dump; the every-minute schedule picks it up on its own.
        write_stories(raw / "tuesday.jsonl", 3, batch="tue")
        wait_for("the cron run to ingest the new dump", lambda: article_count(data) == 8)
        assert article_count(data) == 8
    finally:
        stop_group(server)


def _deployment(api_url: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = api(api_url, f"/deployments/name/{FLOW_AND_DEPLOYMENT}")
    except OSError:
        return None
    return found


def _final_state(api_url: str, flow_run_id: str) -> str | None:
    state = api(api_url, f"/flow_runs/{flow_run_id}")["state"]
    return str(state["type"]) if state and state["type"] in {
        "COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None


def test_a_scheduled_run_skips_when_a_manual_run_holds_the_data_folder(
    tmp_path: Path, in_process_prefect: str
) -> None:
    from flows.serve import scheduled_run
    from warehouse.store import Warehouse

    raw, data = tmp_path / "raw", tmp_path / "data"
    write_stories(raw / "monday.jsonl", 2, batch="busy")
    with Warehouse(data).lock():
        result = scheduled_run(str(raw), str(data))
    assert result["published"] is False
    assert result["skipped"].startswith(f"another newsmill run is writing to {data.resolve()}")
    assert not (data / "CURRENT").exists()


def test_only_the_task_that_reads_raw_files_retries() -> None:
    from prefect import Task

    import flows.pipeline as pipeline

    retries = {name: obj.retries for name, obj in vars(pipeline).items() if isinstance(obj, Task)}
    assert retries.pop("parse_batch") == 2
    assert retries and set(retries.values()) == {0}


def test_serve_stops_within_seconds_of_sigterm_after_its_server_died(tmp_path: Path) -> None:
    """The server goes first (a reboot, a crash); SIGTERM to serve must not wait on it."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    home = tmp_path / "prefect-home"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    with (tmp_path / "server.log").open("wb") as server_log:
        prefect_server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--no-ui"],
            env=env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
    raw = tmp_path / "raw"
    raw.mkdir()
    log = tmp_path / "serve.log"
    served = None
    try:
        wait_for_health(api_url, 120, prefect_server)
        served = start_newsmill(["serve", "--cron", "0 0 1 1 *", "--raw", str(raw), "--data",
                                 str(tmp_path / "data")], api_url, log=log)
        wait_for("the deployment to be registered", lambda: _deployment(api_url), timeout=90)
        stop_group(prefect_server)
        time.sleep(2)
        assert served.poll() is None, log.read_text()

        started = time.monotonic()
        os.kill(served.pid, signal.SIGTERM)
        served.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        stop_group(prefect_server)
        if served is not None:
            stop_group(served)
    text = log.read_text()
    assert took < 5.0, f"took {took:.1f} s\n{text[-3000:]}"
    assert served.returncode == 0, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    assert text.rstrip().splitlines()[-1] == (
        f"newsmill: serve stopped (its Prefect server at {api_url} no longer answers)")
