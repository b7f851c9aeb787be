"""The entity extractor: one test per rule, an in-repo gold set with a pinned floor, the seed page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from transforms.entities import extract_entities
from transforms.mentions import extract_mentions
from transforms.records import Entity

GOLD = Path(__file__).parent / "fixtures" / "entities" / "gold.jsonl"
SEED = Path(__file__).resolve().parent.parent.parent / "shared/samples/daily8/000_060239a9aa87ed88.txt"


def entities(body: str, title: str = "", source: str | None = None) -> list[Entity]:
    return extract_entities(title, body, extract_mentions(title, body), source=source)


def people(body: str, title: str = "", source: str | None = None) -> list[tuple[str, str]]:
    return [(e.surface, e.name) for e in entities(body, title, source) if e.kind == "person"]


def orgs(body: str, title: str = "", source: str | None = None) -> list[tuple[str, str]]:
    return [(e.surface, e.name) for e in entities(body, title, source)
            if e.kind == "organization"]


def test_offsets_slice_the_field_to_the_surface() -> None:
    title = "Rubio meets Iwaya"
    body = "Secretary of State Marco Rubio's aides met Takeshi Iwaya in Tokyo."
    found = entities(body, title)
    assert found
    for entity in found:
        text = title if entity.field == "title" else body
        assert text[entity.start:entity.end] == entity.surface


def test_titles_are_not_part_of_the_name() -> None:
    found = entities("First Vice Foreign Minister Park Yoon-joo met US Deputy Secretary of "
                     "State Christopher Landau.")
    assert [(e.surface, e.method) for e in found] == [
        ("Park Yoon-joo", "title"), ("Christopher Landau", "title")]


def test_a_job_title_alone_is_no_entity() -> None:
    assert entities("The Foreign Minister and the Prime Minister met on Monday.") == []


def test_possessive_is_stripped_from_surface_and_name() -> None:
    assert people("Marco Rubio spoke. Rubio's plan was welcomed.") == [
        ("Marco Rubio", "Marco Rubio"), ("Rubio", "Marco Rubio")]
    assert people("Michael Collins' book sold well.") == [("Michael Collins", "Michael Collins")]


def test_short_form_before_the_full_name_is_resolved() -> None:
    assert people("Landau arrived first. Later Christopher Landau spoke.") == [
        ("Landau", "Christopher Landau"), ("Christopher Landau", "Christopher Landau")]


def test_honorific_and_family_name_first_resolve_to_the_full_name() -> None:
    found = entities("Park Yoon-joo led the talks. Mr. Park said they went well.")
    assert [(e.surface, e.name, e.method) for e in found] == [
        ("Park Yoon-joo", "Park Yoon-joo", "lexicon"), ("Park", "Park Yoon-joo", "coreference")]


def test_middle_initial_is_dropped_from_the_name() -> None:
    assert people("Donald J. Trump spoke.") == [("Donald J. Trump", "Donald Trump")]
    assert people("Donald Trump spoke.") == [("Donald Trump", "Donald Trump")]


def test_defined_acronym_resolves_later_uses_both_directions() -> None:
    found = orgs("The LDP met. The Liberal Democratic Party (LDP) chose a leader. The LDP won.")
    assert found == [("LDP", "Liberal Democratic Party"),
                     ("Liberal Democratic Party", "Liberal Democratic Party"),
                     ("LDP", "Liberal Democratic Party"), ("LDP", "Liberal Democratic Party")]


def test_spans_joined_by_and_are_not_one_name() -> None:
    assert entities("India and Pakistan agreed to talk.") == []
    assert people("Officials said Maria Lopez and John Carter met.") == [
        ("Maria Lopez", "Maria Lopez"), ("John Carter", "John Carter")]
    # A known name that holds "and" stays whole.
    assert orgs("The Securities and Exchange Commission fined Acme Ltd.") == [
        ("Securities and Exchange Commission", "Securities and Exchange Commission"),
        ("Acme Ltd.", "Acme Ltd.")]


def test_a_country_is_not_a_person_but_a_person_named_like_one_is() -> None:
    assert people("Jordan closed its border with Syria.") == []
    assert people("Uruguay hosts the Pan American championships.") == []
    assert people("Michael Jordan arrived. Jordan smiled.") == [
        ("Michael Jordan", "Michael Jordan"), ("Jordan", "Michael Jordan")]


def test_months_and_weekdays_are_no_names() -> None:
    assert entities("On Monday, March talks resumed. Friday's meeting ended.") == []
    assert people("President Lee Jae Myung met on Tuesday.") == [("Lee Jae Myung", "Lee Jae Myung")]


def test_adjectives_and_foreign_organization_words() -> None:
    assert [(e.kind, e.surface) for e in entities(
        "Boston-based Reagan Communications hired Deutsche Boerse staff.")] == [
        ("organization", "Reagan Communications"), ("organization", "Deutsche Boerse")]


def test_initials_and_name_shaped_runs_are_people() -> None:
    assert people("M. Gatting and Semyon Sharetsky spoke.") == [
        ("M. Gatting", "M. Gatting"), ("Semyon Sharetsky", "Semyon Sharetsky")]


def test_shape_rule_is_for_english_only() -> None:
    # German capitalizes nouns: "Berliner Zeitungen" has a name's shape in English eyes.
    body = "Semyon Sharetsky sprach mit Berliner Zeitungen."
    assert [(e.surface, e.method) for e in extract_entities("", body, [], language="en")] == [
        ("Semyon Sharetsky", "shape"), ("Berliner Zeitungen", "shape")]
    assert extract_entities("", body, [], language="de") == []


def test_sentence_initial_common_word_is_dropped() -> None:
    assert people("Yesterday Christopher Landau spoke.") == [
        ("Christopher Landau", "Christopher Landau")]
    assert entities("Recalling the meeting, officials smiled.") == []


def test_outlet_name_is_not_an_organization() -> None:
    body = "The Korea Herald reported that the Bank of Korea held rates."
    assert orgs(body, source="Korea Herald") == [("Bank of Korea", "Bank of Korea")]
    assert ("Korea Herald", "Korea Herald") in orgs(body)


def test_organization_heads_suffixes_and_known_bodies() -> None:
    found = entities("Acme Widgets Ltd and the Ministry of Foreign Affairs joined NATO and "
                     "the World Bank.")
    assert [(e.surface, e.name, e.method) for e in found] == [
        ("Acme Widgets Ltd", "Acme Widgets Ltd", "suffix"),
        ("Ministry of Foreign Affairs", "Ministry of Foreign Affairs", "suffix"),
        ("NATO", "North Atlantic Treaty Organization", "lexicon"),
        ("World Bank", "World Bank", "lexicon")]


def test_title_before_a_name_splits_an_organization_from_a_person() -> None:
    found = entities("Federal Reserve Chairman Jerome Powell spoke.")
    assert [(e.kind, e.surface) for e in found] == [
        ("organization", "Federal Reserve"), ("person", "Jerome Powell")]


def test_capitals_only_headline_names_only_what_the_body_names() -> None:
    found = entities("Christopher Landau met officials.", title="LANDAU MEETS WHO OFFICIALS")
    assert [(e.field, e.surface, e.name) for e in found] == [
        ("title", "LANDAU", "Christopher Landau"), ("body", "Christopher Landau",
                                                     "Christopher Landau")]


def _f1(kind: str) -> float:
    found = gold = hits = 0
    for line in GOLD.read_text().splitlines():
        item = json.loads(line)
        predicted = {e.surface.casefold() for e in entities(item["body"], item["title"])
                     if e.kind == kind}
        expected = {s.casefold() for s in item["persons" if kind == "person" else "organizations"]}
        found, gold, hits = found + len(predicted), gold + len(expected), hits + len(
            predicted & expected)
    precision, recall = hits / found, hits / gold
    return 2 * precision * recall / (precision + recall)


def test_gold_set_person_f1_floor() -> None:
    assert _f1("person") >= 0.90


def test_gold_set_organization_f1_floor() -> None:
    assert _f1("organization") >= 0.80


@pytest.mark.skipif(not SEED.exists(), reason="../shared is not there")
def test_seed_page_people_all_found_and_nothing_else() -> None:
    from transforms.formats.daily8 import parse_daily8_page

    article = parse_daily8_page(SEED.read_text(), captured_at=datetime(2025, 7, 28, tzinfo=UTC))[0]
    found = extract_entities(article.title, article.body,  # type: ignore[union-attr]
                             extract_mentions(article.title, article.body),  # type: ignore[union-attr]
                             source=article.source)  # type: ignore[union-attr]
    assert {e.name for e in found if e.kind == "person"} == {
        "Park Yoon-joo", "Christopher Landau", "Takehiro Funakoshi", "Marco Rubio",
        "Takeshi Iwaya", "Lee Jae Myung", "Donald Trump"}


def test_ingest_batch_writes_entity_candidates_with_mentions_and_source(tmp_path: Path) -> None:
    """The worker stage: each article's own mentions keep places out, its source is no entity."""
    from conftest import write_jsonl_dump
    from transforms.formats.detect import Limits
    from warehouse.ingest import ingest_batch
    from warehouse.rawfiles import scan_raw

    body = ("The Korea Herald reported that Foreign Minister Park Yoon-joo met Christopher "
            "Landau in Jordan. Park said the Bank of Korea agreed.")
    write_jsonl_dump(tmp_path / "raw" / "feed.jsonl", [
        {"title": "Park meets Landau", "body": body, "source": "Korea Herald",
         "url": "https://example.org/a", "published_at": "2025-07-18T08:00:00Z"}])
    result = ingest_batch([(raw, None) for raw in scan_raw(tmp_path / "raw")],
                          captured_at=datetime(2025, 7, 20, tzinfo=UTC),
                          limits=Limits(max_file_bytes=1 << 20, max_decompressed_bytes=1 << 22))
    rows = result.entities.to_pylist()
    assert [(r["field"], r["surface"], r["name"], r["kind"]) for r in rows] == [
        ("title", "Park", "Park Yoon-joo", "person"),
        ("title", "Landau", "Christopher Landau", "person"),
        ("body", "Park Yoon-joo", "Park Yoon-joo", "person"),
        ("body", "Christopher Landau", "Christopher Landau", "person"),
        ("body", "Park", "Park Yoon-joo", "person"),
        ("body", "Bank of Korea", "Bank of Korea", "organization"),
    ]
    assert {r["_row"] for r in rows} == {0}
    assert result.seconds["entities"] > 0


CONLL = Path(__file__).resolve().parent.parent.parent / "shared/corpora/conll2003-dev/eng.testa"


@pytest.mark.skipif(not CONLL.exists(), reason="../shared is not there")
def test_conll_dev_scores_stay_above_the_pinned_floors() -> None:
    from benchmarks.entities import FLOORS, evaluate, read_conll

    scores, _ = evaluate(list(read_conll(CONLL)))
    for key, floor in FLOORS.items():
        assert scores[key].f1 >= floor, key
