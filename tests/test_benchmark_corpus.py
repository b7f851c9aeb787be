"""The scale benchmark's corpus: exactly N articles, as the real parsers read them, with repeats."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from benchmarks.corpus import (
    CAPTURED_AT,
    SourceText,
    Story,
    build_corpus,
    generated_texts,
    load_source_texts,
    page_layout_a,
    page_layout_b,
)
from transforms.formats.detect import Limits, read_dump
from transforms.records import Article
from transforms.stories import assign_stories, signatures, story_text

BBC = Path(__file__).resolve().parent.parent.parent / "shared/corpora/bbc/bbc"
LIMITS = Limits(64 * 1024 * 1024, 64 * 1024 * 1024)


def _read_all(folder: Path) -> dict[str, list[Article]]:
    """Every file of a corpus through format detection and its parser, as the pipeline reads it."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with open(path, "rb") as stream:
            dump = read_dump(stream, size=path.stat().st_size, captured_at=CAPTURED_AT,
                             limits=LIMITS)
            items = list(dump.items)
        assert all(isinstance(item, Article) for item in items), (path, items)
        found[str(path.relative_to(folder))] = items  # type: ignore[assignment]
    return found


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("bench") / "corpus"
    stats = build_corpus(out, 1500, generated_texts(60, seed=3), seed=11, source="generated",
                         source_kind="generated")
    return out, stats


def test_corpus_holds_exactly_n_articles_as_the_parsers_read_them(corpus) -> None:
    out, stats = corpus
    items = _read_all(out)
    positions = Counter(a.position for articles in items.values() for a in articles)
    assert stats.articles == 1500
    assert sum(positions.values()) == 1500
    jsonl = sum(len(v) for k, v in items.items() if k.endswith(".jsonl"))
    assert jsonl == stats.jsonl_records == 375
    assert positions["main"] == stats.main_articles + stats.jsonl_records
    assert positions["related"] == stats.teasers
    assert len(items) == stats.files


def test_corpus_repeats_pages_byte_for_byte_and_teasers_by_title(corpus) -> None:
    out, stats = corpus
    pages = {p.read_bytes() for p in (out / "daily8").rglob("*.txt")}
    copies = list((out / "daily8-again").rglob("*.txt"))
    assert len(copies) == stats.repeated_page_files > 0
    assert all(copy.read_bytes() in pages for copy in copies)
    assert stats.repeated_teasers > 0 and stats.repeated_jsonl_records > 0
    items = _read_all(out)
    main_titles = {a.title for v in items.values() for a in v if a.position == "main"}
    teaser_titles = [a.title for v in items.values() for a in v if a.position == "related"]
    assert sum(title in main_titles for title in teaser_titles) >= stats.repeated_teasers


def test_corpus_is_deterministic(tmp_path: Path) -> None:
    texts = generated_texts(20, seed=1)
    build_corpus(tmp_path / "a", 200, texts, seed=5)
    build_corpus(tmp_path / "b", 200, texts, seed=5)
    build_corpus(tmp_path / "c", 200, texts, seed=6)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_pages_parse_back_to_their_stories() -> None:
    main = Story("Harbour cranes return to the north quay", ("Work resumed on Monday.",
                 "Dockers said the delay cost two weeks."), "Harbour Times",
                 CAPTURED_AT.replace(day=21))
    teaser = Story("Ferry timetable changes from September", ("Fewer evening sailings.",),
                   "Metro24", CAPTURED_AT)
    import random

    from transforms.formats.daily8 import parse_daily8_page

    page_a = list(parse_daily8_page(page_layout_a(main, [teaser], random.Random(1)),
                                    captured_at=CAPTURED_AT))
    assert [(a.position, a.title, a.source) for a in page_a] == [
        ("main", main.title, "Harbour Times"), ("related", teaser.title, "Metro24")]
    assert page_a[0].body == "Work resumed on Monday.\nDockers said the delay cost two weeks."
    page_b = list(parse_daily8_page(page_layout_b(main, [teaser], random.Random(1)),
                                    captured_at=CAPTURED_AT))
    assert [(a.position, a.title, a.source) for a in page_b] == [
        ("main", main.title, None), ("related", teaser.title, "Metro24")]
    assert page_b[1].body == "Fewer evening sailings."


def test_source_folder_texts_take_the_first_line_as_title(tmp_path: Path) -> None:
    (tmp_path / "sport").mkdir()
    (tmp_path / "sport" / "001.txt").write_text("Late goal lifts the visitors\n\nFirst para.\n"
                                                "\nSecond para.\n")
    (tmp_path / "sport" / "002.txt").write_text("Title without a body\n")
    assert load_source_texts(tmp_path) == [
        SourceText("Late goal lifts the visitors", ("First para.", "Second para."))]


@pytest.mark.skipif(not BBC.is_dir(), reason="the shared BBC corpus is not here")
def test_bbc_folder_gives_every_article() -> None:
    texts = load_source_texts(BBC)
    assert len(texts) == 2225
    assert all(t.title and t.paragraphs for t in texts)


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("bench-mixed") / "corpus"
    stats = build_corpus(out, 1500, generated_texts(60, seed=3), seed=11, source="generated",
                         source_kind="generated", mixed=True)
    return out, stats


def test_mixed_corpus_has_a_third_of_its_stories_in_eight_other_languages(mixed_corpus) -> None:
    import json

    from benchmarks.corpus import FOREIGN, load_news_items

    out, stats = mixed_corpus
    assert stats.mixed and stats.articles == 1500
    counts = stats.stories_by_language
    foreign = sum(n for language, n in counts.items() if language != "en")
    assert set(counts) == {"en", *FOREIGN}
    assert 0.28 < foreign / sum(counts.values()) < 0.39
    # Every JSONL record that declares a language is written in it: its title is one of that
    # language's items (framed), and its URL is on the language's country domain.
    items = load_news_items()
    declared = 0
    for path in (out / "jsonl").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            language = record.get("language")
            if language and language != "en":
                declared += 1
                assert any(item.title in record["title"] for item in items[language])
                assert record["url"].startswith(f"https://news.example.{FOREIGN[language][3]}/")
    assert declared > 20
    assert len(_read_all(out)) == stats.files


def test_mixed_corpus_is_deterministic_and_english_corpora_are_unchanged(tmp_path: Path) -> None:
    texts = generated_texts(40, seed=5)
    first = build_corpus(tmp_path / "a", 400, texts, seed=3, mixed=True)
    second = build_corpus(tmp_path / "b", 400, texts, seed=3, mixed=True)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert first.stories_by_language == second.stories_by_language
    english = build_corpus(tmp_path / "c", 400, texts, seed=3)
    assert set(english.stories_by_language) == {"en"}
    assert _digest(tmp_path / "c") != _digest(tmp_path / "a")
def test_corpus_holds_syndicated_copies_the_story_join_groups(corpus) -> None:
    out, stats = corpus
    assert stats.syndicated_copies > 0.1 * stats.articles
    items = [a for articles in _read_all(out).values() for a in articles
             if a.position == "main" and a.body]
    texts = [story_text(a.title, a.body)[0] for a in items]
    stories = assign_stories(signatures(texts), np.ones(len(items), bool), [None] * len(items),
                             [str(i) for i in range(len(items))])
    assert len(set(stories)) < 0.95 * len(items)  # copies were found and grouped
