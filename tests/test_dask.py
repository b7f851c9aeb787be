"""Scale-out: the pipeline on a 2-worker Dask LocalCluster writes the same tables as a local run.

One raw folder (the bundled sample: Daily8 pages, gzip, JSON and JSONL, plus a small benchmark
corpus with repeated pages and teasers, so dedup and "fuller text wins" decide across tasks) is
run twice: with the local process pool in a few large batches, and with `--dask local --workers 2`
with one file per task, so tasks land on both Dask workers and in a different grouping. Results
are merged in submission order in the flow process, so the tables must match row for row; only
run bookkeeping (run_id, processed_at) differs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.corpus import build_corpus, generated_texts
from conftest import REPO, run_newsmill, table_rows

CAPTURED_AT = "2025-08-27T12:00:00Z"
RUN_COLUMNS = ("run_id", "processed_at")


@pytest.fixture(scope="module")
def raw_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("dask") / "raw"
    shutil.copytree(REPO / "raw", raw)
    build_corpus(raw / "bench", 160, generated_texts(30, seed=2), seed=4)
    return raw


def _run(raw: Path, data: Path, api: str, *args: str, **env: str) -> str:
    done = run_newsmill(["run", "--raw", str(raw), "--data", str(data), "--captured-at",
                         CAPTURED_AT, "--workers", "2", *args], api, **env)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout + done.stderr


def test_dask_local_cluster_writes_the_same_tables_as_the_process_pool(
        raw_folder: Path, prefect_api: str, tmp_path: Path) -> None:
    local, dask = tmp_path / "local", tmp_path / "dask"
    local_out = _run(raw_folder, local, prefect_api)
    dask_out = _run(raw_folder, dask, prefect_api, "--dask", "local", NEWSMILL_BATCH_MB="0")
    assert "distributed.scheduler" in dask_out and "distributed.scheduler" not in local_out
    for table in ("article", "mention", "topic"):
        rows = table_rows(local, table)
        assert rows, f"no {table} rows"
        assert table_rows(dask, table) == rows, table
    for table in ("dump", "reject"):
        assert table_rows(dask, table, RUN_COLUMNS) == table_rows(local, table, RUN_COLUMNS)
    summary_line = next(line for line in local_out.splitlines() if "  articles:" in line)
    assert summary_line in dask_out
    assert "duplicate" in summary_line and " 0 duplicate" not in summary_line
