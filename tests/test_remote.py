"""A warehouse published at an fsspec URL: push, pull and remote reads (warehouse/remote.py).

The unit tests use fsspec's in-memory filesystem (memory://). tests/test_remote_s3.py runs the
whole pipeline against a real S3 API (moto's local server).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from conftest import build_tiny_warehouse
from flows.config import data_location, load_settings
from warehouse import schema
from warehouse.api import NoWarehouse, open_warehouse, table_df, view_df
from warehouse.remote import (
    MANIFEST,
    SYNC_FILE,
    Mirror,
    RemoteConflict,
    RemoteWarehouse,
    is_url,
)
from warehouse.store import KEEP_GENERATIONS, Warehouse
from warehouse.views import write_views_file

ANSWERS = ("mentions_by_country", "country_pairs", "topics_by_country", "article", "mention")


@pytest.fixture
def url() -> str:
    """A fresh in-memory warehouse URL (the memory filesystem is shared by the process)."""
    return f"memory://newsmill-test-{uuid.uuid4().hex[:8]}/warehouse"


def mirror(url: str, cache: Path) -> Mirror:
    return Mirror(RemoteWarehouse(url), Warehouse(cache))


def rows(location: str | Path, view: str) -> list[tuple[object, ...]]:
    with open_warehouse(location) as con:
        return [tuple(r) for r in con.sql(f"select * from {view} order by all").fetchall()]


def add_article(data: Path, article_id: str, title: str) -> str:
    """Publish one more local generation: a new article part, other parts hard-linked."""
    store = Warehouse(data)
    with store.lock():
        generation = store.begin()
        row = {"article_id": article_id, "source": "Valley Post", "title": title,
               "body": "Short body.", "url": None, "published_at": None, "published_date": None,
               "date_precision": "unknown", "date_text": None, "language": "en",
               "word_count": 4, "body_chars": 11, "position": "main", "title_key": title.lower(),
               "dump_id": "d1", "first_seen_at": datetime(2025, 6, 4, 9, 0, tzinfo=UTC)}
        generation.write_part("article", f"part-{article_id}",
                              pa.Table.from_pylist([row], schema=schema.TABLES["article"]))
        store.publish(generation)
        write_views_file(store.views_path, generation)
    return generation.name


def test_push_publishes_one_generation_that_reads_like_the_local_one(
        url: str, tmp_path: Path) -> None:
    data = build_tiny_warehouse(tmp_path / "cache")
    pushed = mirror(url, data).push()
    remote = RemoteWarehouse(url)
    assert pushed is not None and remote.current_name() == pushed
    assert pushed.startswith("g000001-")
    manifest = remote.manifest(pushed)
    assert sorted(manifest["parts"]) == [
        "article/part-0000.parquet", "dump/part-g000001.parquet", "mention/part-0000.parquet",
        "reject/part-g000001.parquet", "run/part-g000001.parquet", "topic/part-0000.parquet"]
    assert manifest["base"] is None and manifest["local"] == "g000001"
    for view in ANSWERS:
        assert rows(url, view) == rows(data, view), view
    assert view_df("country_pairs", data_dir=url).equals(view_df("country_pairs", data_dir=data))
    assert table_df("mention", data_dir=url, columns=["article_id", "start"]).equals(
        table_df("mention", data_dir=data, columns=["article_id", "start"]))
    # In step: a second push has nothing to do.
    assert mirror(url, data).push() is None


def test_an_empty_url_is_no_warehouse_and_an_empty_table_keeps_its_columns(
        url: str, tmp_path: Path) -> None:
    with pytest.raises(NoWarehouse, match="run `newsmill run` first"):
        open_warehouse(url)
    data = build_tiny_warehouse(tmp_path / "cache", articles=False)
    mirror(url, data).push()
    empty = table_df("article", data_dir=url, columns=["article_id", "title"])
    assert list(empty.columns) == ["article_id", "title"] and len(empty) == 0
    assert rows(url, "reject") == rows(data, "reject")


def test_a_push_cut_before_current_leaves_readers_on_the_old_generation(
        url: str, tmp_path: Path) -> None:
    data = build_tiny_warehouse(tmp_path / "cache")
    first = mirror(url, data).push()
    before = rows(url, "article")
    add_article(data, "a5", "Harbour cranes repaired")
    staged = mirror(url, data).stage()  # every part and the manifest are up; CURRENT is not
    assert staged is not None
    remote = RemoteWarehouse(url)
    assert set(remote.generations()) == {first, staged.name}
    assert remote.current_name() == first
    assert rows(url, "article") == before
    # The next push (the next run) commits a fresh folder and deletes the orphan.
    pushed = mirror(url, data).push()
    assert pushed not in (None, first, staged.name)
    assert set(remote.generations()) == {first, pushed}
    assert [r[0] for r in rows(url, "article")] == ["a1", "a2", "a3", "a4", "a5"]


def test_unchanged_parts_are_copied_and_old_generations_deleted(
        url: str, tmp_path: Path) -> None:
    data = build_tiny_warehouse(tmp_path / "cache")
    names = [mirror(url, data).push()]
    for number in range(5, 5 + KEEP_GENERATIONS + 1):
        add_article(data, f"a{number}", f"Story {number}")
        names.append(mirror(url, data).push())
    copy = mirror(url, data)
    uploaded: list[str] = []
    put = copy.remote.fs.put

    def recording_put(sources: list[str], targets: list[str], **options: object) -> object:
        uploaded.extend(target.rsplit("/", 2)[-2] + "/" + target.rsplit("/", 1)[-1]
                        for target in targets)
        return put(sources, targets, **options)

    copy.remote.fs.put = recording_put  # type: ignore[method-assign]
    add_article(data, "a99", "Story 99")
    names.append(copy.push())
    assert uploaded == ["article/part-a99.parquet"]  # every other part: a server-side copy
    remote = RemoteWarehouse(url)
    assert remote.generations() == sorted(names[-KEEP_GENERATIONS:])
    last, previous = (remote.manifest(n) for n in names[-1:-3:-1])
    assert last["base"] == names[-2]
    # The mention part never changed: same bytes, every generation.
    assert last["parts"]["mention/part-0000.parquet"] == \
        previous["parts"]["mention/part-0000.parquet"]
    assert len(rows(url, "article")) == 4 + KEEP_GENERATIONS + 2


def test_a_fresh_machine_pulls_the_published_generation(url: str, tmp_path: Path) -> None:
    data = build_tiny_warehouse(tmp_path / "one")
    pushed = mirror(url, data).push()
    other = tmp_path / "two"
    second = mirror(url, other)
    with second.store.lock():
        assert second.pull() == pushed
        assert second.pull() is None  # in step now
    assert (other / "CURRENT").read_text().strip() == "g000001"
    for view in ANSWERS:
        assert rows(other, view) == rows(data, view), view
    # The second machine extends the warehouse; the first pulls that back, reusing its parts.
    add_article(other, "a5", "Ferry timetable changes")
    extended = second.push()
    first = mirror(url, data)
    assert first.pull() == extended
    assert json.loads((data / SYNC_FILE).read_text())["remote"] == extended
    assert (data / ".gen/g000002/mention/part-0000.parquet").stat().st_nlink >= 2
    assert [r[0] for r in rows(data, "article")] == ["a1", "a2", "a3", "a4", "a5"]


def test_a_second_writer_is_refused_and_changes_nothing(url: str, tmp_path: Path) -> None:
    one = build_tiny_warehouse(tmp_path / "one")
    pushed = mirror(url, one).push()
    two = tmp_path / "two"
    mirror(url, two).pull()
    add_article(one, "a5", "Written on machine one")
    add_article(two, "a6", "Written on machine two")
    assert mirror(url, one).push() is not None
    remote = RemoteWarehouse(url)
    published = remote.current_name()
    folders = remote.generations()
    with pytest.raises(RemoteConflict, match="published by another writer"):
        mirror(url, two).push()
    assert remote.current_name() == published and remote.generations() == folders
    assert pushed in folders  # kept as the previous generation
    # Its next run pulls machine one's generation (dropping its own unpushed one).
    assert mirror(url, two).pull() == published
    assert [r[0] for r in rows(two, "article")] == ["a1", "a2", "a3", "a4", "a5"]


def test_a_commit_whose_bookkeeping_was_cut_short_is_recognised(
        url: str, tmp_path: Path) -> None:
    data = build_tiny_warehouse(tmp_path / "cache")
    copy = mirror(url, data)
    staged = copy.stage()
    assert staged is not None
    original = copy._write_state

    def die_after_current(state: object, file: str = SYNC_FILE) -> None:
        original(state, file)  # type: ignore[arg-type]
        if file != SYNC_FILE:  # the pending record is down: let CURRENT go, then "die"
            copy.remote.fs.pipe_file(copy.remote.path("CURRENT"), f"{staged.name}\n".encode())
            raise KeyboardInterrupt

    copy._write_state = die_after_current  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        copy.commit(staged)
    assert not (data / SYNC_FILE).exists()
    # The retry (or the next run) sees its own commit, not another writer's.
    assert mirror(url, data).push() is None
    assert json.loads((data / SYNC_FILE).read_text())["remote"] == staged.name


def test_a_tampered_part_is_refused_on_pull(url: str, tmp_path: Path) -> None:
    data = build_tiny_warehouse(tmp_path / "one")
    pushed = mirror(url, data).push()
    assert pushed is not None
    remote = RemoteWarehouse(url)
    remote.fs.pipe_file(remote.path(".gen", pushed, "article", "part-0000.parquet"), b"PAR1")
    with pytest.raises(ValueError, match="does not match its manifest"):
        mirror(url, tmp_path / "two").pull()
    assert not (tmp_path / "two" / "CURRENT").exists()
    bad = remote.manifest(pushed)
    bad["parts"]["../../escape/part-x.parquet"] = {"size": 1, "sha256": "0"}
    remote.fs.pipe_file(remote.path(".gen", pushed, MANIFEST), json.dumps(bad).encode())
    with pytest.raises(ValueError, match="not a newsmill manifest"):
        mirror(url, tmp_path / "three").pull()


def test_a_deleted_remote_is_not_silently_replaced(url: str, tmp_path: Path) -> None:
    data = build_tiny_warehouse(tmp_path / "cache")
    mirror(url, data).push()
    remote = RemoteWarehouse(url)
    remote.fs.rm(remote.root, recursive=True)
    with pytest.raises(RemoteConflict, match="the remote warehouse was deleted"):
        mirror(url, data).pull()
    (data / SYNC_FILE).unlink()  # what the message says to do to publish the copy again
    assert mirror(url, data).push() is not None
    assert len(rows(url, "article")) == 4


def test_data_urls_get_a_cache_folder_and_raw_urls_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, url = data_location("s3://bucket/newsmill/", tmp_path)
    assert url == "s3://bucket/newsmill"
    assert folder.parent == tmp_path and folder.name.startswith("s3-bucket-newsmill-")
    assert data_location("s3://bucket/other", tmp_path)[0] != folder
    assert data_location("file:///srv/data", tmp_path) == (Path("/srv/data"), None)
    assert data_location("data", tmp_path) == (Path("data"), None)
    assert is_url("gs://b/x") and not is_url("file:///x") and not is_url(Path("data"))
    monkeypatch.setenv("NEWSMILL_DATA", "memory://b/x")
    monkeypatch.setenv("NEWSMILL_CACHE", str(tmp_path))
    settings = load_settings()
    assert settings.data_url == "memory://b/x" and settings.data_dir.parent == tmp_path
    assert settings.with_data("elsewhere").data_url is None
    monkeypatch.setenv("NEWSMILL_RAW", "s3://bucket/raw")
    with pytest.raises(SystemExit, match="not supported for the raw folder"):
        load_settings()
