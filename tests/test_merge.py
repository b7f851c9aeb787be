"""Dedup rules of the merge step: one story, one row, fullest body, in any arrival order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.normalize import article_id, title_key
from warehouse import merge, schema
from warehouse.ingest import (
    ENTITY_CANDIDATE,
    MENTION_CANDIDATE,
    REJECT_CANDIDATE,
    TOPIC_CANDIDATE,
    BatchResult,
)
from warehouse.merge import Merger
from warehouse.store import Warehouse

DAY1 = datetime(2025, 7, 18, tzinfo=UTC)
DAY2 = datetime(2025, 7, 19, 6, tzinfo=UTC)
TITLE = "Port strike halts grain exports from Odesa"


def candidate(title: str, body: str, source: str | None, *, seen: datetime = DAY1,
              precision: str = "unknown", published: datetime | None = None,
              position: str = "main", dump: str = "d1") -> dict[str, Any]:
    return {
        "article_id": article_id(None, source, title), "source": source, "title": title,
        "body": body, "url": None, "published_at": published,
        "published_date": published.date() if published else None,
        "date_precision": precision if published else "unknown", "date_text": None,
        "language": "en", "word_count": len(body.split()), "body_chars": len(body),
        "position": position, "title_key": title_key(title), "dump_id": dump,
        "first_seen_at": seen,
    }


def batch(rows: list[dict[str, Any]]) -> BatchResult:
    """Candidates with one mention of "Odesa" and one entity ("Port") per article title, so
    re-keys are visible."""
    mentions = [
        {"article_id": row["article_id"], "kind": "place", "country_code": "UA",
         "name": "Odesa", "surface": "Odesa", "field": "title", "start": 37, "end": 42,
         "method": "city", "geonames_id": 698740, "_row": index}
        for index, row in enumerate(rows)
    ]
    entities = [
        {"article_id": row["article_id"], "kind": "organization", "name": "Port",
         "surface": "Port", "field": "title", "start": 0, "end": 4, "method": "lexicon",
         "_row": index}
        for index, row in enumerate(rows)
    ]
    return BatchResult([], pa.Table.from_pylist(rows, schema=schema.ARTICLE),
                       pa.Table.from_pylist(mentions, schema=MENTION_CANDIDATE),
                       TOPIC_CANDIDATE.empty_table(), REJECT_CANDIDATE.empty_table(),
                       entities=pa.Table.from_pylist(entities, schema=ENTITY_CANDIDATE))


def run(data: Path, *batches: BatchResult) -> Warehouse:
    """One warehouse generation holding the given batches, published."""
    store = Warehouse(data)
    generation = store.begin()
    merger = Merger(generation)
    for item in batches:
        merger.add_batch(item)
    merger.finish()
    store.publish(generation)
    return store


def rows(store: Warehouse, table: str) -> list[dict[str, Any]]:
    current = store.current()
    assert current is not None
    return sorted(current.read_table(table).to_pylist(), key=lambda r: r["article_id"])


def test_same_story_twice_in_one_run_is_one_row_with_the_fullest_body(tmp_path: Path) -> None:
    short = candidate(TITLE, "Dockers walked out.", "Wire", position="related")
    full = candidate(TITLE, "Dockers walked out on Monday. Ships queued offshore.", "Wire")
    store = run(tmp_path, batch([short]), batch([full]))
    articles = rows(store, "article")
    assert len(articles) == 1
    assert articles[0]["body"] == full["body"]
    assert articles[0]["position"] == "main"
    assert len(rows(store, "mention")) == 1


def test_rerun_with_the_same_candidates_changes_nothing(tmp_path: Path) -> None:
    one = candidate(TITLE, "Dockers walked out.", "Wire")
    other = candidate("Wheat prices climb in Chicago", "Futures rose.", "Wire")
    store = run(tmp_path, batch([one, other]))
    before = rows(store, "article"), rows(store, "mention")
    generation = store.begin()
    merger = Merger(generation)
    merger.add_batch(batch([one, other]))
    counts = merger.finish()
    store.publish(generation)
    assert (counts.new, counts.updated, counts.duplicate) == (0, 0, 2)
    assert (rows(store, "article"), rows(store, "mention")) == before


def test_fuller_body_in_a_later_run_replaces_the_row_and_its_mentions(tmp_path: Path) -> None:
    short = candidate(TITLE, "Dockers walked out.", "Wire", seen=DAY1,
                      published=DAY1, precision="day")
    store = run(tmp_path, batch([short]))
    full = candidate(TITLE, "Dockers walked out on Monday. Ships queued offshore.", "Wire",
                     seen=DAY2)
    run(tmp_path, batch([full]))
    articles = rows(store, "article")
    assert len(articles) == 1
    kept = articles[0]
    assert kept["body"] == full["body"]
    # Fields the fuller copy lacks come from the copy it replaced; first sighting is kept.
    assert kept["published_date"].isoformat() == "2025-07-18"
    assert kept["date_precision"] == "day"
    assert kept["first_seen_at"] == DAY1
    assert [m["article_id"] for m in rows(store, "mention")] == [kept["article_id"]]
    assert [e["article_id"] for e in rows(store, "entity")] == [kept["article_id"]]


def test_sourceless_main_and_sourced_teaser_merge_in_either_order(tmp_path: Path) -> None:
    main = candidate(TITLE, "Dockers walked out on Monday. Ships queued offshore.", None)
    teaser = candidate(TITLE, "Dockers walked out.", "Wire", position="related",
                       published=DAY1, precision="relative")
    results = []
    for name, order in (("ab", [main, teaser]), ("ba", [teaser, main])):
        store = run(tmp_path / name, batch([dict(r) for r in order]))
        results.append(rows(store, "article"))
        assert len(rows(store, "mention")) == 1
    for articles in results:
        assert len(articles) == 1
        assert articles[0]["article_id"] == teaser["article_id"]
        assert articles[0]["source"] == "Wire"
        assert articles[0]["body"] == main["body"]
        assert articles[0]["date_precision"] == "relative"


def test_sourceless_fuller_copy_in_an_old_part_is_rekeyed_not_lost(tmp_path: Path) -> None:
    main = candidate(TITLE, "Dockers walked out on Monday. Ships queued offshore.", None)
    store = run(tmp_path, batch([main]))
    teaser = candidate(TITLE, "Dockers walked out.", "Wire", position="related")
    run(tmp_path, batch([teaser]))
    articles = rows(store, "article")
    assert [(a["article_id"], a["source"], a["body"]) for a in articles] == [
        (teaser["article_id"], "Wire", main["body"])]
    assert [m["article_id"] for m in rows(store, "mention")] == [teaser["article_id"]]
    assert [e["article_id"] for e in rows(store, "entity")] == [teaser["article_id"]]


def test_previous_generation_stays_readable_after_publish(tmp_path: Path) -> None:
    store = run(tmp_path, batch([candidate(TITLE, "Dockers walked out.", "Wire")]))
    first = store.current()
    assert first is not None
    run(tmp_path, batch([candidate("Another story", "Text.", "Wire")]))
    assert first.read_table("article").num_rows == 1
    assert rows(store, "article")[0]["title"] in (TITLE, "Another story")
    assert len(rows(store, "article")) == 2


EXACT = datetime(2025, 7, 17, 9, 30, tzinfo=UTC)


def _copies() -> tuple[dict[str, Any], dict[str, Any]]:
    full = candidate(TITLE, "Dockers walked out on Monday. Ships queued offshore.", "Wire",
                     seen=DAY2)
    short = candidate(TITLE, "Dockers walked out.", "Wire", seen=DAY1, position="related",
                      published=EXACT, precision="exact")
    return full, short


def test_kept_fuller_copy_takes_the_shorter_copys_date_and_first_sighting(tmp_path: Path) -> None:
    # Same story, same id: whichever copy comes first, in one run or across two runs, the row
    # has the fuller body, the exact date and the earliest capture.
    results = []
    for name, one_run in (("one-run", True), ("two-runs", False)):
        for order in ("full-first", "short-first"):
            full, short = _copies()
            first, second = (full, short) if order == "full-first" else (short, full)
            data = tmp_path / f"{name}-{order}"
            if one_run:
                store = run(data, batch([first]), batch([second]))
            else:
                run(data, batch([first]))
                store = run(data, batch([second]))
            (kept,) = rows(store, "article")
            results.append((kept["body"], kept["date_precision"], kept["published_at"],
                            kept["first_seen_at"]))
    assert set(results) == {(_copies()[0]["body"], "exact", EXACT, DAY1)}


def test_rekeyed_sourceless_copy_takes_the_earliest_first_sighting(tmp_path: Path) -> None:
    main = candidate(TITLE, "Dockers walked out on Monday. Ships queued offshore.", None,
                     seen=DAY2)
    store = run(tmp_path, batch([main]))
    teaser = candidate(TITLE, "Dockers walked out.", "Wire", seen=DAY1, position="related")
    run(tmp_path, batch([teaser]))
    (kept,) = rows(store, "article")
    assert (kept["article_id"], kept["source"], kept["first_seen_at"]) == (
        teaser["article_id"], "Wire", DAY1)


def test_a_written_row_patched_twice_keeps_both_patches(tmp_path: Path) -> None:
    full = candidate(TITLE, "Dockers walked out on Monday. Ships queued offshore.", "Wire",
                     seen=DAY2)
    store = run(tmp_path, batch([full]))
    dated = candidate(TITLE, "Dockers walked out.", "Wire", seen=DAY2,
                      published=DAY1, precision="day")
    dated["language"] = None
    earlier = candidate(TITLE, "Dockers out.", "Wire", seen=DAY1)
    run(tmp_path, batch([dated]), batch([earlier]))
    (kept,) = rows(store, "article")
    assert (kept["date_precision"], kept["first_seen_at"], kept["body"]) == (
        "day", DAY1, full["body"])


def test_a_file_that_could_not_be_read_is_read_again_next_run(tmp_path: Path) -> None:
    from warehouse.ledger import plan_dumps
    from warehouse.rawfiles import RawFile

    raw = RawFile("b.jsonl", str(tmp_path / "b.jsonl"), 120, 5)
    seen = {"path": "b.jsonl", "size_bytes": 120, "mtime_ns": 5, "sha256": None,
            "rejects_by_reason": '{"vanished": 1}'}
    assert [r.path for r, _ in plan_dumps([raw], {"b.jsonl": seen}).to_read] == ["b.jsonl"]
    # Refused for what it holds (size, format): unchanged means skipped, as for any dump.
    for reasons in ('{"too_large": 1}', '{"unknown_format": 1}'):
        plan = plan_dumps([raw], {"b.jsonl": {**seen, "rejects_by_reason": reasons}})
        assert (plan.to_read, [r.path for r in plan.unchanged]) == ([], ["b.jsonl"])


# -- property: where batches and parts begin changes nothing -------------------------------------
# The merger keeps candidates that match nothing straight from Arrow and decides the others one by
# one in Python against the index rows they could match. Cutting the same candidates into other
# batches moves rows between those two paths (a repeat inside one batch is decided in Python; in
# the next batch it is found in the index), and other flush sizes move kept rows between the
# buffer and written parts. The warehouse must come out the same.

_TITLES = [f"Ferry service to Odesa resumes, day {n}" for n in range(5)]
_SOURCES = [None, "Lakeside Courier", "Harbour Ledger"]


@st.composite
def _candidates(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for _ in range(draw(st.integers(1, 14))):
        title, source = draw(st.sampled_from(_TITLES)), draw(st.sampled_from(_SOURCES))
        url = draw(st.sampled_from([None, None, "https://harbour.example/a",
                                    "https://harbour.example/b"]))
        words = draw(st.integers(1, 20))
        hours = draw(st.integers(0, 90))
        published = DAY1 + timedelta(hours=draw(st.integers(0, 90)))
        row = candidate(title, " ".join(["ferry"] * words), source,
                        seen=DAY1 + timedelta(hours=hours),
                        precision=draw(st.sampled_from(["exact", "day", "relative", "unknown"])),
                        published=published, dump=f"d{draw(st.integers(1, 3))}")
        row["url"] = url
        row["article_id"] = article_id(url, source, title)
        rows.append(row)
    return rows


def _cut(rows: list[dict[str, Any]], sizes: list[int]) -> list[BatchResult]:
    batches, start = [], 0
    for size in sizes:
        if start < len(rows):
            batches.append(batch(rows[start:start + size]))
        start += size
    if start < len(rows):
        batches.append(batch(rows[start:]))
    return batches


def _published(store: Warehouse) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    current = store.current()
    assert current is not None
    return (current.read_table("article").sort_by("article_id").to_pylist(),
            current.read_table("mention").sort_by("article_id").to_pylist())


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_candidates(), sizes=st.lists(st.integers(1, 6), max_size=6),
       flush=st.sampled_from([1, 2, 20_000]), split_run=st.integers(0, 14))
def test_batch_and_part_boundaries_do_not_change_the_warehouse(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
    rows: list[dict[str, Any]], sizes: list[int], flush: int, split_run: int,
) -> None:
    root = tmp_path_factory.mktemp("cut")
    whole = run(root / "whole", batch(rows))
    monkeypatch.setattr(merge, "FLUSH_ROWS", flush)
    # The same candidates, cut into other batches and spread over two runs.
    cut = Warehouse(root / "cut")
    for part in (rows[:split_run], rows[split_run:]):
        if part:
            run(root / "cut", *_cut(part, sizes))
    assert _published(cut) == _published(whole)


def test_mention_counts_are_net_when_a_written_copy_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With every batch flushed to its own part, the short copy's mention is written and then
    taken out when the fuller copy replaces it: the run reports the rows the table holds."""
    monkeypatch.setattr(merge, "FLUSH_ROWS", 1)
    store = Warehouse(tmp_path)
    generation = store.begin()
    merger = Merger(generation)
    merger.add_batch(batch([candidate(TITLE, "Short.", "Harbour Ledger")]))
    merger.add_batch(batch([candidate(TITLE, "A much fuller account of the strike.",
                                      "Harbour Ledger")]))
    counts = merger.finish()
    assert (counts.new, counts.updated) == (1, 1)
    assert counts.mentions == generation.read_table("mention").num_rows == 1
    assert counts.entities == generation.read_table("entity").num_rows == 1
