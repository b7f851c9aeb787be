"""Concurrency: two runs on one data folder, and readers that keep answering while a run publishes.

The first run is frozen (SIGSTOP on its process group) right after it has taken the data folder's
lock, which it records in data/.lock, so the second run meets a held lock every time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb

from conftest import (
    REPO,
    RUN_TIMEOUT,
    newsmill_command,
    newsmill_env,
    run_newsmill,
    start_newsmill,
    table_rows,
    write_stories,
)

ARTICLES = 7
RUN_COLUMNS = ("run_id", "processed_at", "started_at", "finished_at")


def wait_for_lock_holder(data: Path, pid: int, process: subprocess.Popen[str]) -> None:
    """Block until `pid` has written itself into data/.lock (it holds the lock from then on)."""
    deadline = time.monotonic() + RUN_TIMEOUT
    lock = data / ".lock"
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip() == str(pid):
            return
        assert process.poll() is None, f"run ended before taking the lock: {process.returncode}"
        time.sleep(0.05)
    raise AssertionError("the run never took the lock")


def test_second_run_exits_busy_or_waits_and_data_is_one_run(
    tmp_path: Path, prefect_api: str
) -> None:
    raw = tmp_path / "raw"
    write_stories(raw / "wire.jsonl", ARTICLES, batch="w")
    data, reference = tmp_path / "data", tmp_path / "reference"
    done = run_newsmill(["run", "--raw", str(raw), "--data", str(reference)], prefect_api)
    assert done.returncode == 0, done.stderr

    first = start_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
    waiting = None
    try:
        wait_for_lock_holder(data, first.pid, first)
        os.killpg(first.pid, signal.SIGSTOP)  # frozen while holding the lock
        busy = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
        assert busy.returncode == 3
        assert f"another newsmill run is writing to {data.resolve()}" in busy.stderr
        assert busy.stdout == ""
        waiting = start_newsmill(["run", "--wait", "--raw", str(raw), "--data", str(data)],
                                 prefect_api)
        os.killpg(first.pid, signal.SIGCONT)
        first_out, first_err = first.communicate(timeout=RUN_TIMEOUT)
        assert first.returncode == 0, first_err
        assert f"{ARTICLES} new" in first_out
        waited_out, waited_err = waiting.communicate(timeout=RUN_TIMEOUT)
        assert waiting.returncode == 0, waited_err
        assert "nothing new" in waited_out
    finally:
        for process in (first, waiting):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    for table in ("article", "mention", "topic", "dump", "reject", "run"):
        assert table_rows(data, table, RUN_COLUMNS) == table_rows(reference, table, RUN_COLUMNS)
    assert len(table_rows(data, "article")) == ARTICLES
    assert len(table_rows(data, "run")) == 1


def test_readers_keep_answering_while_a_run_publishes(tmp_path: Path, prefect_api: str) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    write_stories(raw / "early.jsonl", 5, batch="e")
    done = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
    assert done.returncode == 0, done.stderr
    write_stories(raw / "late.jsonl", 4, batch="l")

    stop = threading.Event()
    seen: dict[str, set[int]] = {"views": set(), "glob": set(), "query": set()}
    errors: list[str] = []
    reads = {"views": 0, "glob": 0, "query": 0}

    def views_file() -> None:
        while not stop.is_set():
            try:
                with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
                    row = con.execute("select count(*) from article").fetchone()
                    con.execute("select * from mentions_by_country").fetchall()
                assert row is not None
                seen["views"].add(int(row[0]))
                reads["views"] += 1
                time.sleep(0.01)
            except Exception as err:  # every failure is a finding, whatever its type
                errors.append(f"views file: {err!r}")

    def parquet_glob() -> None:
        pattern = str(data / "article" / "**" / "*.parquet")
        while not stop.is_set():
            try:
                with duckdb.connect() as con:
                    row = con.execute(f"select count(*) from read_parquet('{pattern}')").fetchone()
                assert row is not None
                seen["glob"].add(int(row[0]))
                reads["glob"] += 1
                time.sleep(0.01)
            except Exception as err:
                errors.append(f"parquet glob: {err!r}")

    def cli_query() -> None:
        while not stop.is_set():
            result = subprocess.run(
                newsmill_command("query", "select count(*) as n from article", "--data",
                                 str(data), "--format", "json"),
                cwd=REPO, env=newsmill_env(None), capture_output=True, text=True, timeout=120)
            if result.returncode != 0:
                errors.append(f"newsmill query: {result.stderr}")
            else:
                seen["query"].add(int(json.loads(result.stdout)[0]["n"]))
                reads["query"] += 1

    readers = [threading.Thread(target=f, daemon=True)
               for f in (views_file, parquet_glob, cli_query)]
    for reader in readers:
        reader.start()
    try:
        done = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
        # Keep reading until every reader has seen the new state once.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(9 in c for c in seen.values()):
            time.sleep(0.2)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=120)
    assert done.returncode == 0, done.stderr
    assert errors == []
    for name, counts in seen.items():
        assert reads[name] > 0, name
        assert counts <= {5, 9}, (name, counts)  # the old state or the new, never a mix
        assert 9 in counts, (name, counts)
    assert len(table_rows(data, "article")) == 9

