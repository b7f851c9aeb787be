"""A damaged data folder loses nothing: a bad CURRENT, a corrupted part, a full disk, refusals.

Issue 14, points 1, 9 (exit 3 and 4) and 10. The published warehouse of each case is built by real
`newsmill run`s (two dumps, two generations); the damage is then done by hand, as a careless user or
a failing disk would, and the next run and the readers must keep every published article.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import hidden_entries, run_newsmill, table_rows, view_count, write_stories
from warehouse import schema
from warehouse.store import (
    DAMAGED_PREFIX,
    MANIFEST,
    PUBLISHED,
    DamagedWarehouse,
    Warehouse,
)

MONDAY, TUESDAY, WEDNESDAY = 5, 4, 3


@dataclass(frozen=True)
class Published:
    raw: Path  # monday.jsonl and tuesday.jsonl
    data: Path  # g000001 (monday), g000002 (monday + tuesday)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> Published:
    root = tmp_path_factory.mktemp("damaged")
    raw, data = root / "raw", root / "data"
    write_stories(raw / "monday.jsonl", MONDAY, batch="mon")
    assert run(["run", "--raw", str(raw), "--data", str(data)], prefect_api).returncode == 0
    write_stories(raw / "tuesday.jsonl", TUESDAY, batch="tue")
    assert run(["run", "--raw", str(raw), "--data", str(data)], prefect_api).returncode == 0
    assert (data / "CURRENT").read_text() == "g000002\n"
    return Published(raw, data)


def run(args: list[str], api_url: str | None) -> subprocess.CompletedProcess[str]:
    done = run_newsmill(args, api_url)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def copy_of(published: Published, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the published warehouse, and a raw folder holding only wednesday.jsonl:
    the dumps behind the published articles were moved away, so a run cannot re-read them."""
    data, raw = tmp_path / "data", tmp_path / "raw"
    shutil.copytree(published.data, data, symlinks=True)
    write_stories(raw / "wednesday.jsonl", WEDNESDAY, batch="wed")
    return data, raw


def article_ids(data: Path) -> set[str]:
    return {row[0] for row in table_rows(data, "article")}


def generations(data: Path) -> list[str]:
    return sorted(p.name for p in (data / ".gen").iterdir())


def one_line(stderr: str) -> str:
    """The stderr of a refused command: exactly one line starting 'newsmill: ' (Prefect's own
    shutdown notices aside), and no traceback."""
    lines = [line for line in stderr.splitlines() if "EventsWorker" not in line]
    assert len(lines) == 1 and lines[0].startswith("newsmill: "), stderr[-3000:]
    return lines[0]


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": lambda current: current.write_bytes(b"\x00\xffnot a generation\n"),
    "empty": lambda current: current.write_text(""),
    "missing generation": lambda current: current.write_text("g000042\n"),
    "deleted": lambda current: current.unlink(),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_run_over_a_damaged_current_recovers_and_keeps_every_published_article(
    damage: str, published: Published, tmp_path: Path, prefect_api: str
) -> None:
    data, raw = copy_of(published, tmp_path)
    before = article_ids(data)
    assert len(before) == MONDAY + TUESDAY
    DAMAGE[damage](data / "CURRENT")

    done = run(["run", "--raw", str(raw), "--data", str(data)], prefect_api)

    assert done.returncode == 0, done.stderr[-3000:]
    warnings = [line for line in done.stderr.splitlines() if "recovered" in line]
    assert len(warnings) == 1, done.stderr
    assert "recovered g000002, the newest intact generation" in warnings[0]
    assert "published g000003" in done.stdout
    after = article_ids(data)
    assert before < after and len(after) == MONDAY + TUESDAY + WEDNESDAY
    assert view_count(data, "article") == len(after)
    assert (data / "CURRENT").read_text() == "g000003\n"
    assert generations(data) == ["g000002", "g000003"]

    # And the run after that is an ordinary one.
    again = run(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
    assert again.returncode == 0 and "recovered" not in again.stderr
    assert "nothing new; g000003 unchanged" in again.stdout


def test_readers_of_a_damaged_current_read_the_published_data(
    published: Published, tmp_path: Path, prefect_api: str
) -> None:
    data, _ = copy_of(published, tmp_path)
    (data / "CURRENT").write_text("")
    expected = MONDAY + TUESDAY

    query = run(["query", "select count(*) as n from article", "--data", str(data),
                 "--format", "json"], None)
    assert query.returncode == 0 and json.loads(query.stdout) == [{"n": expected}]

    # Without a views file the report reads the Parquet itself: from the newest intact
    # generation, saying so in one line, instead of an empty report.
    (data / "newsmill.duckdb").unlink()
    out = tmp_path / "report.html"
    report = run(["report", "--data", str(data), "--out", str(out)], None)
    assert report.returncode == 0, report.stderr
    assert "charts from g000002" in report.stdout
    assert "reading g000002, the newest intact generation" in one_line(report.stderr)

    from warehouse.api import table_df

    assert len(table_df("article", data_dir=data, engine="arrow")) == expected
    assert (data / "CURRENT").read_text() == ""  # readers never write


def test_with_no_intact_generation_a_run_refuses_in_one_line_and_deletes_nothing(
    published: Published, tmp_path: Path, prefect_api: str
) -> None:
    data, raw = copy_of(published, tmp_path)
    for name in generations(data):  # as a warehouse written before manifests existed
        (data / ".gen" / name / MANIFEST).unlink()
    (data / "CURRENT").write_text("garbage\n")
    before = article_ids(data)

    done = run(["run", "--raw", str(raw), "--data", str(data)], prefect_api)

    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "CURRENT holds 'garbage', not a generation name" in line
    assert "no generation is provably intact" in line and "nothing was changed or deleted" in line
    assert generations(data) == ["g000001", "g000002"]
    assert article_ids(data) == before
    out = tmp_path / "report.html"
    (data / "newsmill.duckdb").unlink()
    report = run(["report", "--data", str(data), "--out", str(out)], None)
    assert report.returncode == 2 and "no generation is provably intact" in one_line(report.stderr)


# ------------------------------------------------------------------ the store, directly

def _publish(store: Warehouse, article_id: str) -> str:
    """Publish a generation that adds one article in a part of its own."""
    generation = store.begin()
    title = f"Story {article_id}"
    row = {"article_id": article_id, "source": "Harbour Ledger", "title": title, "body": "Text.",
           "url": None, "published_at": None, "published_date": None, "date_precision": "unknown",
           "date_text": None, "language": "en", "word_count": 3, "body_chars": 5,
           "position": "main", "title_key": title.lower(), "dump_id": "d",
           "first_seen_at": datetime(2025, 6, 3, tzinfo=UTC)}
    generation.write_part("article", f"part-{generation.name}",
                          pa.Table.from_pylist([row], schema=schema.ARTICLE))
    store.publish(generation)
    return generation.name


def test_clean_orphans_keeps_every_generation_with_a_manifest_while_current_is_damaged(
    tmp_path: Path,
) -> None:
    store = Warehouse(tmp_path)
    with store.lock():
        names = [_publish(store, f"a{n}") for n in range(3)]
    for damage in DAMAGE.values():
        orphan = store.begin()  # a run killed before its publish: no manifest, never published
        assert generations(tmp_path) == [*names, orphan.name]
        damage(tmp_path / "CURRENT")
        # No retention without a trustworthy CURRENT: every published generation stays, and
        # only the generation without a manifest (newer than one with) goes.
        assert store.clean_orphans() == [orphan.name]
        assert generations(tmp_path) == names
        for name in names:
            assert (tmp_path / ".gen" / name / MANIFEST).exists()
            assert (tmp_path / ".gen" / name / PUBLISHED).exists()
        (tmp_path / "CURRENT").write_text(f"{names[-1]}\n")
    # With CURRENT readable again, retention keeps the newest two.
    assert store.clean_orphans() == [names[0]]
    assert generations(tmp_path) == names[1:]


def test_recovery_falls_back_past_a_corrupted_part_to_the_previous_intact_generation(
    tmp_path: Path,
) -> None:
    store = Warehouse(tmp_path)
    with store.lock():
        first, second = _publish(store, "a1"), _publish(store, "a2")
    part = tmp_path / ".gen" / second / "article" / f"part-{second}.parquet"
    content = bytearray(part.read_bytes())
    content[len(content) // 2] ^= 0xFF  # one flipped byte: same size, other checksum
    part.write_bytes(bytes(content))
    (tmp_path / "CURRENT").write_text("#!garbage")

    assert store.current() is not None and store.current().name == first  # type: ignore[union-attr]
    with store.lock():
        note = store.recover()

    assert note is not None
    assert f"recovered {first}, the newest intact generation" in note
    assert f"article/part-{second}.parquet does not match its checksum" in note
    assert (tmp_path / "CURRENT").read_text() == f"{first}\n"
    assert os.readlink(tmp_path / "article") == f".gen/{first}/article"
    # The damaged generation is kept aside for inspection, out of every listing.
    assert (tmp_path / ".gen" / f"{DAMAGED_PREFIX}{second}" / "article").is_dir()
    assert store.clean_orphans() == []
    assert [r[0] for r in table_rows(tmp_path, "article")] == ["a1"]


def test_recovery_refuses_when_every_generation_fails_its_manifest(tmp_path: Path) -> None:
    store = Warehouse(tmp_path)
    with store.lock():
        only = _publish(store, "a1")
    part = tmp_path / ".gen" / only / "article" / f"part-{only}.parquet"
    part.write_bytes(part.read_bytes()[:-10])
    (tmp_path / "CURRENT").write_text("g000009\n")
    with store.lock(), pytest.raises(DamagedWarehouse, match="names g000009, which does not "
                                     f"exist.*{only}: article/part-{only}.parquet does not "
                                     "match its checksum"):
        store.recover()
    assert (tmp_path / "CURRENT").read_text() == "g000009\n"
    assert generations(tmp_path) == [only]


def test_a_publish_records_each_part_once_and_reuses_the_hash_of_unchanged_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import warehouse.store as store_module

    store = Warehouse(tmp_path)
    hashed: list[str] = []
    real = store_module.sha256_of
    monkeypatch.setattr(store_module, "sha256_of",
                        lambda path: hashed.append(Path(path).name) or real(path))
    with store.lock():
        first, second = _publish(store, "a1"), _publish(store, "a2")
    assert hashed == [f"part-{first}.parquet", f"part-{second}.parquet"]
    manifest = json.loads((tmp_path / ".gen" / second / MANIFEST).read_text())
    assert sorted(manifest["parts"]) == [f"article/part-{first}.parquet",
                                         f"article/part-{second}.parquet"]
    assert store.generation(second).damage() is None


# ------------------------------------------------------------------ a full disk

def test_a_full_disk_while_writing_the_views_file_publishes_nothing_and_leaves_no_temp_file(
    tmp_path: Path, in_process_prefect: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.cli import main
    from warehouse import views

    raw, data = tmp_path / "raw", tmp_path / "data"
    write_stories(raw / "monday.jsonl", MONDAY, batch="mon")
    assert main(["run", "--raw", str(raw), "--data", str(data), "--workers", "1"]) == 0
    capsys.readouterr()

    real = views.create_views
    temp_files: list[str] = []

    def disk_fills_up(con: Any, generation: Any) -> None:
        real(con, generation)
        row = con.execute("select path from duckdb_databases() "
                          "where database_name = current_database()").fetchone()
        if row and row[0]:  # a views file, not the checks' in-memory database
            temp_files.extend(hidden_entries(data))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(views, "create_views", disk_fills_up)
    write_stories(raw / "tuesday.jsonl", TUESDAY, batch="tue")
    status = main(["run", "--raw", str(raw), "--data", str(data), "--workers", "1"])

    err = capsys.readouterr().err
    assert status == 2
    tmp = f".newsmill.duckdb.tmp-{os.getpid()}"
    assert temp_files == [tmp, f"{tmp}.wal"]  # they were there, mid-write
    message = [line for line in err.splitlines() if line.startswith("newsmill: ")]
    assert message == [f"newsmill: the disk holding {data} is full (No space left on device); "
                       "the published generation is g000001, and this run's unpublished files "
                       "were removed. Free some space and run again"], err
    # Prefect reports the failed task and flow neither with a traceback nor at all. (Not a bare
    # "Traceback" check: in a long session Prefect's console handler may log a "Logging error"
    # of its own, about a stream an earlier test's capture closed.)
    assert [line for line in err.splitlines() if "No space left" in line] == message, err
    assert "Encountered exception" not in err and "Task run failed" not in err, err
    assert hidden_entries(data) == []
    assert generations(data) == ["g000001"]  # the unpublished generation freed its space too
    assert (data / "CURRENT").read_text() == "g000001\n"
    assert views.views_generation(data / "newsmill.duckdb") == "g000001"
    assert view_count(data, "article") == len(table_rows(data, "article")) == MONDAY

    monkeypatch.setattr(views, "create_views", real)
    assert main(["run", "--raw", str(raw), "--data", str(data), "--workers", "1"]) == 0
    assert (data / "CURRENT").read_text() == "g000002\n"
    assert views.views_generation(data / "newsmill.duckdb") == "g000002"
    assert view_count(data, "article") == len(table_rows(data, "article")) == MONDAY + TUESDAY
    assert hidden_entries(data) == []


def test_a_run_starts_by_repairing_a_views_file_left_on_an_older_generation(
    tmp_path: Path, in_process_prefect: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Globs on g2 and the views file on g1 (a run stopped between its commit and the views
    swap): the next run fixes the views file first, even when that run then fails its checks."""
    from flows.cli import main
    from warehouse import views

    raw, data = tmp_path / "raw", tmp_path / "data"
    write_stories(raw / "monday.jsonl", MONDAY, batch="mon")
    assert main(["run", "--raw", str(raw), "--data", str(data), "--workers", "1"]) == 0
    store = Warehouse(data)
    with store.lock():
        _publish(store, "extra")  # g000002 published, views file not rebuilt
    assert views.views_generation(data / "newsmill.duckdb") == "g000001"

    checks = tmp_path / "checks"
    shutil.copytree(views.CHECKS_DIR, checks)
    (checks / "always_fails.sql").write_text("-- Planted for this test.\nselect 1 as one\n")
    monkeypatch.setattr(views, "CHECKS_DIR", checks)
    write_stories(raw / "tuesday.jsonl", TUESDAY, batch="tue")
    assert main(["run", "--raw", str(raw), "--data", str(data), "--workers", "1"]) == 4

    assert (data / "CURRENT").read_text() == "g000002\n"
    assert views.views_generation(data / "newsmill.duckdb") == "g000002"
    assert view_count(data, "article") == MONDAY + 1


# ------------------------------------------------------------------ refusals print one message

def test_a_busy_folder_exits_3_with_the_message_alone(
    published: Published, tmp_path: Path, prefect_api: str
) -> None:
    data, raw = copy_of(published, tmp_path)
    with Warehouse(data).lock():
        done = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)
    assert done.returncode == 3
    assert one_line(done.stderr) == (f"newsmill: another newsmill run is writing to {data}; it was "
                                     "left alone (use --wait to queue behind it)")


def test_failed_checks_exit_4_naming_the_check_and_sample_rows_without_a_traceback(
    published: Published, tmp_path: Path, prefect_api: str
) -> None:
    data, raw = copy_of(published, tmp_path)
    # Plant two orphan mentions in the published generation; the next run carries them over.
    orphans = [{"article_id": f"ghost-{n}", "kind": "country", "country_code": "KE",
                "name": "Kenya", "surface": "Kenya", "field": "body", "start": 0, "end": 5,
                "method": "gazetteer"} for n in range(2)]
    pq.write_table(pa.Table.from_pylist(orphans, schema=schema.MENTION),
                   data / "mention" / "part-planted.parquet")

    done = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api)

    assert done.returncode == 4
    assert "Traceback" not in done.stderr and "ERROR" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if "EventsWorker" not in line]
    assert lines[0] == "newsmill: data checks failed, nothing published:"
    assert lines[1].startswith("  mention_has_article: 2 rows (Every mention points to an "
                               "article: returns orphan mentions.), e.g.:")
    assert [line.split(",")[0] for line in lines[2:4]] == ["    ('ghost-0'", "    ('ghost-1'"]
    assert len(lines) == 4
    assert (data / "CURRENT").read_text() == "g000002\n"
