"""Crash safety: SIGKILL a `newsmill run` mid-parse, mid-write, before and after its commit point.

Each case starts from the same published warehouse (one dump), adds a second dump, and kills the
run at a named point (the NEWSMILL_TEST_PAUSE_AT hook prints a marker on stderr and waits there).
After the kill the previous state must still read exactly; the next run must end with exactly the
rows a clean run gives, with no duplicate, no orphan and no temp file visible to readers.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    hidden_entries,
    run_newsmill,
    start_newsmill,
    table_rows,
    view_count,
    write_stories,
)

TABLES = ("article", "mention", "topic", "dump", "reject", "run")
# Columns that name or time the run itself; everything else must match a clean run exactly.
RUN_COLUMNS = ("run_id", "processed_at", "started_at", "finished_at")
PAUSE_TIMEOUT = 240.0
FIRST_DAY, SECOND_DAY = 6, 4


@dataclass(frozen=True)
class Warehouses:
    raw: Path  # both dumps
    before: Path  # published after the first dump only
    clean: Path  # `before` plus one uninterrupted run over both dumps
    before_rows: dict[str, list[tuple[Any, ...]]]
    clean_rows: dict[str, list[tuple[Any, ...]]]


def all_rows(data: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {table: table_rows(data, table, RUN_COLUMNS) for table in TABLES}


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> Warehouses:
    root = tmp_path_factory.mktemp("crash")
    first_raw, raw = root / "raw-first", root / "raw"
    write_stories(first_raw / "day1.jsonl", FIRST_DAY, batch="d1")
    raw.mkdir()
    shutil.copy2(first_raw / "day1.jsonl", raw / "day1.jsonl")  # same bytes and mtime
    write_stories(raw / "day2.jsonl", SECOND_DAY, batch="d2")
    before, clean = root / "before", root / "clean"
    done = run_newsmill(["run", "--raw", str(first_raw), "--data", str(before)], prefect_api)
    assert done.returncode == 0, done.stderr
    shutil.copytree(before, clean, symlinks=True)
    done = run_newsmill(["run", "--raw", str(raw), "--data", str(clean)], prefect_api)
    assert done.returncode == 0, done.stderr
    return Warehouses(raw, before, clean, all_rows(before), all_rows(clean))


def kill_at(point: str, raw: Path, data: Path, api_url: str) -> None:
    """Start a run that pauses at `point`, wait for its marker, SIGKILL its process group."""
    run = start_newsmill(["run", "--raw", str(raw), "--data", str(data)], api_url,
                         NEWSMILL_TEST_PAUSE_AT=point)
    marker = f"newsmill: test pause at {point}"
    seen = threading.Event()
    lines: list[str] = []

    def watch() -> None:
        assert run.stderr is not None
        for line in run.stderr:
            lines.append(line)
            if marker in line:
                seen.set()
                return

    threading.Thread(target=watch, daemon=True).start()
    try:
        reached = seen.wait(PAUSE_TIMEOUT)
        assert reached, f"run never paused at {point}: exit {run.poll()}\n{''.join(lines)[-3000:]}"
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert run.returncode == -signal.SIGKILL


def view_counts(data: Path) -> dict[str, int]:
    return {table: view_count(data, table) for table in ("article", "mention", "topic")}


@pytest.mark.parametrize("point", ["parse", "write", "publish", "views"])
def test_sigkill_mid_run_keeps_old_state_and_next_run_repairs(
    point: str, warehouses: Warehouses, tmp_path: Path, prefect_api: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(warehouses.before, data, symlinks=True)
    before_counts = view_counts(warehouses.before)
    assert before_counts["article"] == FIRST_DAY

    kill_at(point, warehouses.raw, data, prefect_api)

    # The views file still answers with the previous state, exactly.
    assert view_counts(data) == before_counts
    glob_rows = all_rows(data)
    if point == "views":
        # Killed after the commit point (CURRENT and the table links swapped): plain Parquet
        # readers already see the complete new generation, the views file the previous one.
        assert glob_rows == warehouses.clean_rows
    else:
        assert glob_rows == warehouses.before_rows

    done = run_newsmill(["run", "--raw", str(warehouses.raw), "--data", str(data)], prefect_api)
    assert done.returncode == 0, done.stderr

    assert all_rows(data) == warehouses.clean_rows
    assert view_counts(data) == view_counts(warehouses.clean)
    assert view_counts(data)["article"] == FIRST_DAY + SECOND_DAY
    assert hidden_entries(data) == []
    generations = sorted(p.name for p in (data / ".gen").iterdir())
    assert len(generations) <= 2
    assert (data / "CURRENT").read_text().strip() == generations[-1]
    # No duplicate ids, no orphan mentions, and the views file reads only the current generation.
    articles = [row[0] for row in table_rows(data, "article")]
    assert len(articles) == len(set(articles))
    mention_ids = {row[0] for row in table_rows(data, "mention")}
    assert mention_ids <= set(articles)
    assert _files_read_by_views(data) <= {
        str(p) for p in (data / ".gen" / generations[-1]).rglob("*.parquet")}


def _files_read_by_views(data: Path) -> set[str]:
    import duckdb

    files: set[str] = set()
    with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
        for table in ("article", "mention", "topic", "dump", "reject"):
            sql = con.execute("select sql from duckdb_views() where view_name = ?",
                              [table]).fetchone()
            assert sql is not None
            files |= set(re.findall(r"'([^']+\.parquet)'", str(sql[0])))
    return files

