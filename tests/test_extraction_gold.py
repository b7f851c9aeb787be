"""Extraction quality floor on the in-repo gold pages (tests/fixtures/html_gold), no ../shared needed.

Each page goes through parse_html_page as ingest runs it and is scored with the same bag-of-words
F1 as benchmarks/extraction.py. The floor is the mean measured when the set was written (0.974)
less 0.005: boilerplate leaking into bodies, or body text lost, pulls the mean under it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.extraction import score_body
from transforms.formats.html import parse_html_page
from transforms.records import Article

GOLD_DIR = Path(__file__).parent / "fixtures" / "html_gold"
GOLD: dict[str, dict[str, str]] = json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))
MEAN_F1_FLOOR = 0.969
CAPTURED = datetime(2026, 4, 1, tzinfo=UTC)


def extract(page: str) -> Article:
    item = parse_html_page(
        (GOLD_DIR / f"{page}.html").read_bytes(), url=GOLD[page]["url"], captured_at=CAPTURED
    )
    assert isinstance(item, Article), f"{page}: {item}"
    return item


def test_gold_set_has_twelve_pages_each_with_its_file() -> None:
    assert len(GOLD) == 12
    assert sorted(p.stem for p in GOLD_DIR.glob("*.html")) == sorted(GOLD)


def test_mean_extraction_f1_on_gold_pages_stays_above_the_floor() -> None:
    scores = {page: score_body(extract(page).body, gold["articleBody"]) for page, gold in GOLD.items()}
    mean = sum(s.f1 for s in scores.values()) / len(scores)
    detail = ", ".join(f"{page} {s.f1:.3f}" for page, s in sorted(scores.items()))
    assert mean >= MEAN_F1_FLOOR, f"mean F1 {mean:.4f} < {MEAN_F1_FLOOR}: {detail}"


@pytest.mark.parametrize("page", sorted(GOLD))
def test_no_gold_body_text_is_lost(page: str) -> None:
    # Every gold word is found today (recall 1.0 on every page); boilerplate may leak, text may not.
    assert score_body(extract(page).body, GOLD[page]["articleBody"]).recall >= 0.99


@pytest.mark.parametrize(
    ("page", "outside_text"),
    [
        ("wordpress_comments", "Shareholders first as always"),
        ("comments_disqus", "Teenagers skip breakfast more than anyone"),
        ("arc_ad_slots", "personalise content and ads"),
        ("live_bio_tags", "verify outreach from Ivo"),
        ("newsletter_mostread", "Independent local reporting costs money"),
        ("french_cookie", "retirer votre consentement"),
        ("drupal_breadcrumbs", "crashes into bakery window"),
    ],
)
def test_comments_banners_and_promotions_stay_out_of_the_body(page: str, outside_text: str) -> None:
    assert outside_text not in extract(page).body


def test_headings_inside_the_article_are_kept_as_their_own_lines() -> None:
    lines = extract("headings_in_body").body.split("\n")
    assert "Birds return first" in lines
    assert "The river changes course" in lines
