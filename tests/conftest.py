"""Shared test fixtures: a private Prefect home, a real Prefect server, and small dump writers.

Prefect: every test process gets its own PREFECT_HOME (set here, before anything imports
prefect), so tests never touch ~/.prefect. Tests that start `newsmill run` / `newsmill serve`
subprocesses ask for the `prefect_api` fixture: one real `prefect server start` on a free loopback
port for the whole session (about 15 s, once). Each subprocess then talks to it instead of booting
its own ephemeral server, which would cost 15-30 s per run. In-process flow tests may use it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT = 120.0
RUN_TIMEOUT = 240.0

_PREFECT_HOME = tempfile.mkdtemp(prefix="newsmill-test-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(api_url: str, timeout: float, process: subprocess.Popen[Any]) -> None:
    """Poll {api_url}/health until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"prefect server at {api_url} not healthy after {timeout:.0f} s")


def stop_group(process: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """SIGTERM a process group started with start_new_session=True, then SIGKILL it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """PREFECT_API_URL of a real Prefect server (sqlite in a temp PREFECT_HOME) for the session."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port), "--no-ui"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for_health(api_url, SERVER_START_TIMEOUT, server)
        yield api_url
    finally:
        stop_group(server)
        log.close()


def newsmill_env(api_url: str | None, **extra: str) -> dict[str, str]:
    """Environment for a `newsmill` subprocess: the repo importable, the test server, extras."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSMILL_WORKERS": "1", **extra}
    for name in ("NEWSMILL_RAW", "NEWSMILL_DATA", "NEWSMILL_TEST_PAUSE_AT", "PREFECT_API_URL"):
        if name not in extra:
            env.pop(name, None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def newsmill_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *args]


def run_newsmill(args: Sequence[str], api_url: str | None, timeout: float = RUN_TIMEOUT,
                 **extra: str) -> subprocess.CompletedProcess[str]:
    """Run `newsmill ARGS` to completion in a subprocess and return its outcome."""
    return subprocess.run(newsmill_command(*args), cwd=REPO, env=newsmill_env(api_url, **extra),
                          capture_output=True, text=True, timeout=timeout)


def start_newsmill(args: Sequence[str], api_url: str | None, log: Path | None = None,
                   **extra: str) -> subprocess.Popen[str]:
    """Start `newsmill ARGS` in its own process group (so a test can kill it and its workers).

    Output goes to pipes, or to the file `log` for long-lived chatty processes such as `serve`
    (a full pipe nobody reads would block it).
    """
    out: Any = log.open("w") if log else subprocess.PIPE
    try:
        return subprocess.Popen(newsmill_command(*args), cwd=REPO,
                                env=newsmill_env(api_url, **extra), stdout=out,
                                stderr=subprocess.STDOUT if log else subprocess.PIPE, text=True,
                                start_new_session=True)
    finally:
        if log:
            out.close()


# Small JSON Lines dumps whose articles each name two countries, so every article has mentions.
COUNTRIES = ("Kenya", "Ghana", "Norway", "Chile", "Vietnam", "Portugal", "Canada", "Egypt",
             "Peru", "Japan", "Poland", "Morocco")


def story(number: int, batch: str = "a") -> dict[str, Any]:
    """One distinct news record, number `number` of batch `batch`."""
    first = COUNTRIES[number % len(COUNTRIES)]
    second = COUNTRIES[(number * 5 + 3) % len(COUNTRIES)]
    if second == first:
        second = COUNTRIES[(number + 1) % len(COUNTRIES)]
    return {
        "title": f"{first} and {second} sign fisheries accord number {number}{batch}",
        "body": (f"Negotiators from {first} and {second} agreed on Tuesday to share patrol data "
                 f"along their shipping lanes, the {number}{batch} accord of its kind this year. "
                 f"Officials in {first} said inspections would start next month, while "
                 f"fishing groups in {second} asked for the quotas to be published."),
        "source": "Harbour Ledger",
        "url": f"https://harbour-ledger.example/{batch}/accord-{number}",
        "published_at": f"2025-06-{1 + number % 28:02d}T08:30:00Z",
    }


def write_jsonl_dump(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    """Write records as a JSON Lines dump (one object per line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def write_stories(path: Path, count: int, batch: str = "a", start: int = 0) -> Path:
    """A JSONL dump holding `count` distinct stories."""
    return write_jsonl_dump(path, [story(n, batch) for n in range(start, start + count)])


def table_rows(data_dir: Path, table: str,
               exclude: Sequence[str] = ()) -> list[tuple[Any, ...]]:
    """Every row of a published table through the plain Parquet glob, sorted, minus `exclude`."""
    import duckdb

    pattern = str(data_dir / table / "**" / "*.parquet")
    if not list((data_dir / table).glob("**/*.parquet")):
        return []  # an empty table has no part files
    with duckdb.connect() as con:
        names = [r[0] for r in con.execute(
            f"describe select * from read_parquet('{pattern}')").fetchall()]
        keep = ", ".join(f'"{n}"' for n in names if n not in exclude)
        rows = con.execute(f"select {keep} from read_parquet('{pattern}') order by all").fetchall()
    return [tuple(r) for r in rows]


def view_count(data_dir: Path, view: str) -> int:
    """Row count of a view, read through the views file (read-only)."""
    import duckdb

    with duckdb.connect(str(data_dir / "newsmill.duckdb"), read_only=True) as con:
        row = con.execute(f"select count(*) from {view}").fetchone()
    assert row is not None
    return int(row[0])


# ---------------------------------------------------------------------------------------------
# Report, notebook and browser tests (issue 8): one warehouse built from the bundled raw/ sample,
# shared by the whole session. Treat it as read-only; tests that change a warehouse build their own.
# A fixed capture time keeps relative dates ("3 hours ago") the same on every machine.
BUNDLED_CAPTURED_AT = "2025-08-27T12:00:00Z"


@pytest.fixture(scope="session")
def bundled_warehouse(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder after one `newsmill run` over the repo's raw/ sample."""
    data = tmp_path_factory.mktemp("bundled") / "data"
    done = run_newsmill(["run", "--raw", str(REPO / "raw"), "--data", str(data),
                         "--captured-at", BUNDLED_CAPTURED_AT], prefect_api)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (data / "newsmill.duckdb").exists()
    return data
