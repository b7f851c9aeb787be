"""Data checks: each SQL check in warehouse/checks/ catches its planted violation, and a failing
check stops a run loudly without publishing anything."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from conftest import write_stories
from warehouse import schema, views
from warehouse.store import Generation, Warehouse

SEEN = datetime(2025, 7, 1, 9, tzinfo=UTC)
TITLE = "Kenya and Ghana sign a fisheries accord"
BODY = "Officials in Nairobi said Kenya would share patrol data with Ghana."


def article(article_id: str, title: str = TITLE, body: str = BODY) -> dict[str, Any]:
    return {"article_id": article_id, "source": "Harbour Ledger", "title": title, "body": body,
            "url": f"https://harbour-ledger.example/{article_id}", "published_at": SEEN,
            "published_date": SEEN.date(), "date_precision": "exact", "date_text": None,
            "language": "en", "word_count": len(body.split()), "body_chars": len(body),
            "position": "main", "title_key": f"key-{article_id}", "dump_id": "d1",
            "first_seen_at": SEEN}


def mention(article_id: str, surface: str = "Kenya", field: str = "title", start: int = 0,
            code: str = "KE") -> dict[str, Any]:
    return {"article_id": article_id, "kind": "country", "country_code": code, "name": surface,
            "surface": surface, "field": field, "start": start, "end": start + len(surface),
            "method": "name", "geonames_id": None}


def topic(article_id: str) -> dict[str, Any]:
    return {"article_id": article_id, "topic_code": "medtop:04000000",
            "topic": "economy, business and finance", "score": 0.8, "rank": 1,
            "method": "lexicon"}


def entity(article_id: str, surface: str = "Kenya", field: str = "title", start: int = 0,
           kind: str = "organization") -> dict[str, Any]:
    return {"article_id": article_id, "kind": kind, "name": surface, "surface": surface,
            "field": field, "start": start, "end": start + len(surface), "method": "lexicon"}


Tables = dict[str, list[dict[str, Any]]]


def clean_tables() -> Tables:
    return {
        "article": [article("a1"), article("a2", title="Ghana and Kenya talk trade")],
        "mention": [mention("a1"), mention("a1", "Ghana", "title", 10, "GH"),
                    mention("a1", "Kenya", "body", BODY.index("Kenya")),
                    mention("a2", "Ghana", "title", 0, "GH")],
        "topic": [topic("a1"), topic("a2")],
        "entity": [entity("a1", "Officials", "body", 0, "person")],
    }


def duplicate_article(t: Tables) -> None:
    t["article"].append(article("a1", body=BODY + " A second copy."))


def invalid_country_code(t: Tables) -> None:
    t["mention"].append(mention("a2", "Kenya", "title", 10, "QZ"))


def orphan_mention(t: Tables) -> None:
    t["mention"].append(mention("gone"))


def offsets_off_by_one(t: Tables) -> None:
    t["mention"].append(mention("a2", "Kenya", "title", 9))


def orphan_topic(t: Tables) -> None:
    t["topic"].append(topic("gone"))


def orphan_entity(t: Tables) -> None:
    t["entity"].append(entity("gone"))


def entity_offsets_off_by_one(t: Tables) -> None:
    t["entity"].append(entity("a1", "Nairobi", "body", BODY.index("Nairobi") + 1))
def signature_with_another_story(t: Tables) -> None:
    t["article"][0]["story_id"] = "a1"
    t["story_signature"] = [
        {"article_id": "a1", "story_id": "a1", "day": SEEN.date(), "shingles": 9,
         "signature": bytes(640)},
        {"article_id": "a2", "story_id": "a1", "day": SEEN.date(), "shingles": 9,
         "signature": bytes(640)}]  # a2's article row names no story


# check name (file stem in warehouse/checks/) -> how to break its rule, and the rows it returns
PLANTED: dict[str, tuple[Callable[[Tables], None], int]] = {
    "article_id_unique": (duplicate_article, 1),
    "country_code_valid": (invalid_country_code, 1),
    "mention_has_article": (orphan_mention, 1),
    "mention_offsets_match_surface": (offsets_off_by_one, 1),
    "topic_has_article": (orphan_topic, 1),
    "entity_has_article": (orphan_entity, 1),
    "entity_offsets_match_surface": (entity_offsets_off_by_one, 1),
    "story_signature_matches_article": (signature_with_another_story, 1),
}


def build_generation(data: Path, tables: Tables) -> Generation:
    generation = Warehouse(data).begin()
    for name, rows in tables.items():
        generation.write_part(name, "part-test", pa.Table.from_pylist(
            rows, schema=schema.TABLES[name]))
    return generation


def test_every_check_has_a_planted_violation() -> None:
    assert {c.name for c in views.load_checks()} == set(PLANTED)


def test_a_clean_generation_passes_every_check(tmp_path: Path) -> None:
    assert views.run_checks(build_generation(tmp_path, clean_tables())) == []


@pytest.mark.parametrize("check", sorted(PLANTED))
def test_each_check_catches_its_planted_violation(check: str, tmp_path: Path) -> None:
    break_rule, rows = PLANTED[check]
    tables = clean_tables()
    break_rule(tables)
    failures = views.run_checks(build_generation(tmp_path, tables))
    assert [(f.check, f.rows) for f in failures] == [(check, rows)]
    assert failures[0].description  # the header comment, shown to the user


def test_a_failed_check_fails_the_run_loudly_and_publishes_nothing(
    tmp_path: Path, in_process_prefect: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.cli import main

    raw, data = tmp_path / "raw", tmp_path / "data"
    write_stories(raw / "first.jsonl", 3, batch="c1")
    assert main(["run", "--raw", str(raw), "--data", str(data), "--workers", "1"]) == 0
    published = (data / "CURRENT").read_text()
    views_bytes = (data / "newsmill.duckdb").read_bytes()
    capsys.readouterr()

    # A check the warehouse breaks: no article may mention Norway (story 2 does).
    checks = tmp_path / "checks"
    shutil.copytree(views.CHECKS_DIR, checks)
    (checks / "no_norway.sql").write_text(
        "-- No article mentions Norway (planted for this test).\n"
        "select * from mention where country_code = 'NO'\n")
    monkeypatch.setattr(views, "CHECKS_DIR", checks)
    write_stories(raw / "second.jsonl", 3, batch="c2", start=2)
    status = main(["run", "--raw", str(raw), "--data", str(data), "--workers", "1"])

    err = capsys.readouterr().err
    assert status == 4
    assert "data checks failed, nothing published" in err
    assert "no_norway: " in err
    assert (data / "CURRENT").read_text() == published
    assert (data / "newsmill.duckdb").read_bytes() == views_bytes


def test_offsets_check_reads_only_parts_this_run_wrote(tmp_path: Path) -> None:
    """A bad offset planted in a published part is not re-read by the next run's checks (that part
    passed when written, and the next generation holds a byte-identical link to it); in a part the
    run writes, it is caught; and a generation opened from disk is checked whole."""
    tables = clean_tables()
    offsets_off_by_one(tables)
    store = Warehouse(tmp_path)
    first = build_generation(tmp_path, tables)
    assert [f.check for f in views.run_checks(first)] == ["mention_offsets_match_surface"]
    store.publish(first)

    second = store.begin()
    assert second.written == {}
    good = clean_tables()
    for name, rows in good.items():
        for row in rows:
            row["article_id"] = f"new-{row['article_id']}"
        good["article"][0]["article_id"] = "new-a1"
        second.write_part(name, "part-next", pa.Table.from_pylist(
            rows, schema=schema.TABLES[name]))
    assert second.written == {"article": {"part-next"}, "mention": {"part-next"},
                              "topic": {"part-next"}, "entity": {"part-next"}}
    assert views.run_checks(second) == []

    bad = clean_tables()
    offsets_off_by_one(bad)
    second.write_part("mention", "part-next", pa.Table.from_pylist(
        [{**row, "article_id": f"new-{row['article_id']}"} for row in bad["mention"]],
        schema=schema.MENTION))
    assert [(f.check, f.rows) for f in views.run_checks(second)] == [
        ("mention_offsets_match_surface", 1)]

    reopened = Generation(second.root, second.name)
    assert reopened.written is None
    assert [(f.check, f.rows) for f in views.run_checks(reopened)] == [
        ("mention_offsets_match_surface", 2)]
