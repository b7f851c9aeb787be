"""HTML page ingest: main text, metadata and reject reasons on small pages written for the tests."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.formats import html as html_module
from transforms.formats.html import (
    MAX_HTML_BYTES,
    MIN_ARTICLE_WORDS,
    looks_like_html,
    parse_html_page,
)
from transforms.records import Article, Reject

FIXTURES = Path(__file__).parent / "fixtures" / "html"
CAPTURED = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
CRAWLED_URL = (
    "https://www.coastal-ledger.example/news/elmsford-bridge?utm_source=feed&id=7#comments"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(data: bytes | str, url: str | None = CRAWLED_URL) -> Article | Reject:
    return parse_html_page(data, url=url, captured_at=CAPTURED)


def article(data: bytes | str, url: str | None = CRAWLED_URL) -> Article:
    item = parse(data, url)
    assert isinstance(item, Article), item
    return item


def rejected(data: bytes | str, url: str | None = CRAWLED_URL) -> Reject:
    item = parse(data, url)
    assert isinstance(item, Reject), item
    return item


# --- sniffing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"<!DOCTYPE html><html><head>",
        b"<!doctype HTML>\n<html lang='en'>",
        b"\xef\xbb\xbf  \n\t<HTML>",
        b"<!-- saved by a crawler -->\n<html>",
        b"<head><meta charset='utf-8'>",
        b"   <body><p>hi</p></body>",
        b"<meta http-equiv='Content-Type' content='text/html'>",
        b"<article><h1>Title</h1>",
        b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">',
        "<!DOCTYPE html><html>".encode("utf-16"),
    ],
)
def test_looks_like_html_accepts_page_openings(head: bytes) -> None:
    assert looks_like_html(head)


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"WARC/1.0\r\nWARC-Type: warcinfo\r\n",
        b'{"title": "<b>not html</b>"}',
        b"Daily8 page 3\nSome text <b>bold</b>",
        b"<?xml version='1.0'?><rss><channel>",
        gzip.compress(b"<html><body></body></html>"),
        b"\x00\x01\x02<html>",
    ],
)
def test_looks_like_html_refuses_other_content(head: bytes) -> None:
    assert not looks_like_html(head)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_looks_like_html_answers_any_bytes(head: bytes) -> None:
    assert looks_like_html(head) in (True, False)


# --- a clean article -----------------------------------------------------------------------------


def test_clean_article_metadata() -> None:
    item = article(fixture("clean_article.html"))
    assert item.title == "Harbour council backs rebuild of Elmsford swing bridge"
    assert item.source == "The Coastal Ledger"
    # the page's canonical link wins over the crawled URL with its tracking parameters
    assert item.url == (
        "https://www.coastal-ledger.example/news/2026/03/elmsford-swing-bridge-rebuild"
    )
    assert item.published_at == datetime(2026, 3, 14, 7, 30, tzinfo=UTC)  # 09:30 at +02:00
    assert item.date_precision == "exact"
    assert item.date_text == "2026-03-14T09:30:00+02:00"
    assert item.language == "en"
    assert item.captured_at == CAPTURED
    assert item.position == "main"


def test_clean_article_body_keeps_paragraphs_and_drops_boilerplate() -> None:
    body = article(fixture("clean_article.html")).body
    paragraphs = body.split("\n")
    assert len(paragraphs) == 6
    assert paragraphs[0].startswith("Councillors in Elmsford have voted to rebuild")
    assert paragraphs[3] == (
        '"We have patched this bridge for long enough," said councillor Jory Pascoe, who chairs'
        ' the transport committee. "Every year we spend more on repairs and every year it gets'
        ' less reliable."'
    )
    assert paragraphs[-1].endswith("at the harbour office throughout April.")
    for boilerplate in (
        "cookies",  # the consent banner
        "Weather forecast",  # navigation
        "Share on social media",
        "Ferry timetable",  # related stories
        "Copyright",  # footer
        "Harbour council backs rebuild",  # the headline is the title, not the body's first line
    ):
        assert boilerplate not in body


def test_gzipped_and_str_pages_parse_like_bytes() -> None:
    raw = fixture("clean_article.html")
    expected = article(raw)
    assert article(gzip.compress(raw)) == expected
    assert article(raw.decode("utf-8")) == expected


def test_xhtml_page_with_xml_declaration() -> None:
    page = (
        fixture("clean_article.html")
        .replace(
            b"<!DOCTYPE html>",
            b'<?xml version="1.0" encoding="utf-8"?>\n'
            b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"'
            b' "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
        )
        .replace(
            b'<html lang="en-GB">', b'<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en-GB">'
        )
    )
    assert looks_like_html(page[:4096])
    item = article(page)
    assert item.body == article(fixture("clean_article.html")).body
    assert item.language == "en"


def test_legacy_encoding_day_date_and_fallbacks() -> None:
    item = article(fixture("french_cp1252.html"))
    assert item.title == "Le marché couvert de Saint-Aubrac rouvre ses portes"
    assert "une fromagère installée depuis vingt ans" in item.body
    assert item.language == "fr"  # from Content-Language: the page has no <html lang>
    assert item.source == "coastal-ledger.example"  # no site name: the host without www.
    # no canonical link: the crawled URL without tracking parameters or fragment
    assert item.url == "https://www.coastal-ledger.example/news/elmsford-bridge?id=7"
    assert item.published_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert item.date_precision == "day"
    assert item.date_text == "2026-03-02"


def test_date_after_capture_is_not_a_publication_date() -> None:
    item = parse_html_page(
        fixture("clean_article.html"),
        url=CRAWLED_URL,
        captured_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    assert isinstance(item, Article)
    assert item.published_at is None or item.published_at <= datetime(2026, 3, 2, tzinfo=UTC)


def test_canonical_pointing_at_the_homepage_is_ignored() -> None:
    page = fixture("clean_article.html").replace(
        b'href="https://www.coastal-ledger.example/news/2026/03/elmsford-swing-bridge-rebuild"',
        b'href="https://www.coastal-ledger.example/"',
    )
    assert article(page).url == "https://www.coastal-ledger.example/news/elmsford-bridge?id=7"


def test_relative_canonical_is_resolved_against_the_page_url() -> None:
    page = fixture("clean_article.html").replace(
        b'href="https://www.coastal-ledger.example/news/2026/03/elmsford-swing-bridge-rebuild"',
        b'href="/news/2026/03/bridge"',
    )
    assert article(page).url == "https://www.coastal-ledger.example/news/2026/03/bridge"


def test_page_without_url_or_site_name_has_no_source() -> None:
    page = fixture("french_cp1252.html")
    item = article(page, url=None)
    assert item.url is None
    assert item.source is None


# --- pages without an article --------------------------------------------------------------------


def test_page_not_found_is_no_article() -> None:
    reject = rejected(fixture("no_article.html"))
    assert reject.reason == "no_article"
    assert f"at least {MIN_ARTICLE_WORDS}" in reject.detail
    assert reject.location is None


def test_login_wall() -> None:
    reject = rejected(fixture("login_wall.html"))
    assert reject.reason == "login_wall"
    # Says what and where, never quotes the page.
    assert "sign-in or subscribe notice (at character " in reject.detail
    assert "Subscribe" not in reject.detail


def test_login_box_on_a_page_without_article_is_not_a_login_wall() -> None:
    page = fixture("no_article.html").replace(
        b"</nav>", b'<form><input name="user"><input type="password" name="pw"></form></nav>'
    )
    assert rejected(page).reason == "no_article"


def test_listing_page() -> None:
    assert rejected(fixture("listing_page.html")).reason == "listing_page"


def test_javascript_shell_is_an_empty_page() -> None:
    assert rejected(fixture("empty_shell.html")).reason == "empty_page"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty_page"),
        (b"   \n\t ", "empty_page"),
        (b"Just a line of plain text, no markup at all.", "not_html"),
        (gzip.compress(fixture("clean_article.html"))[:-20], "truncated_gzip"),
        (b"\x1f\x8b\x08\x00garbage after a gzip magic", "bad_gzip"),
    ],
)
def test_unreadable_content(data: bytes, reason: str) -> None:
    assert rejected(data).reason == reason


def test_oversized_page_is_refused_before_parsing() -> None:
    reject = rejected(b"<html><body><p>" + b"word " * (MAX_HTML_BYTES // 5) + b"</p></body></html>")
    assert reject.reason == "page_too_large"


def test_oversized_gzip_is_refused_without_inflating_it_all() -> None:
    bomb = gzip.compress(b"<html><body>" + b" " * (MAX_HTML_BYTES * 2))
    assert rejected(bomb).reason == "page_too_large"


@pytest.mark.parametrize("opening", [b"<div>", b"<a href='#'>", b"<span><b>", b"<div/>"])
def test_pathological_nesting_is_rejected_cheaply(opening: bytes) -> None:
    page = b"<html><body>" + opening * 5_000 + b"deep text</body></html>"
    assert rejected(page).reason == "too_deeply_nested"


@pytest.mark.parametrize("opening", [b"<div>", b"<p>", b"<li>", b"<table><tr><td>", b"<x-tag>"])
def test_hundred_thousand_elements_are_rejected_before_parsing(opening: bytes) -> None:
    page = b"<html><body>" + opening * 100_000 + b"deep text</body></html>"
    reject = rejected(page)
    assert reject.reason == "too_many_elements"
    assert "(limit 50,000)" in reject.detail


def test_moderate_nesting_still_yields_the_article() -> None:
    raw = fixture("clean_article.html")
    page = raw.replace(b"<main>", b"<main>" + b"<div>" * 200).replace(
        b"</main>", b"</div>" * 200 + b"</main>"
    )
    assert article(page).body == article(raw).body


def test_extractor_failure_becomes_a_reject(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("lxml exploded")

    monkeypatch.setattr(html_module, "bare_extraction", broken)
    reject = rejected(fixture("clean_article.html"))
    assert reject.reason == "extraction_error"
    assert reject.detail == "the extractor failed (RuntimeError)"  # the message may quote the page


# --- any input -----------------------------------------------------------------------------------

_HTML_BITS = st.sampled_from(
    [
        "<html>",
        "<body>",
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<article>",
        "<a href='/x'>",
        "</a>",
        "<h2>",
        "</h2>",
        "<script>",
        "</script>",
        "<meta charset='koi8-r'>",
        "<title>",
        "&amp;",
        "<!--",
        "-->",
        "<input type=password>",
        "Subscribe to continue reading ",
        "word ",
        "The council met on Tuesday. ",
        "\n",
        "\x00",
        "é",
        "<link rel=canonical href='//x'>",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_an_article_or_a_reject(data: bytes) -> None:
    assert isinstance(parse(data), Article | Reject)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_HTML_BITS, max_size=80).map("".join),
    st.sampled_from([None, "not a url", "https://a.example/x"]),
)
def test_any_tag_soup_gives_an_article_or_a_reject(page: str, url: str | None) -> None:
    item = parse_html_page(page, url=url, captured_at=CAPTURED)
    assert isinstance(item, Article | Reject)
    if isinstance(item, Article):
        assert item.body.strip()
        assert item.published_at is None or item.published_at.tzinfo is not None


# --- the extraction benchmark's metric (issue 5, point 4) ----------------------------------------


def test_benchmark_metric_is_bag_of_words_overlap() -> None:
    from benchmarks.extraction import score_body

    perfect = score_body("The Bridge, the bridge!", "the bridge THE BRIDGE")
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    partial = score_body("bridge bridge vote", "bridge vote vote council")
    # overlap: bridge x1, vote x1 = 2 of 3 predicted words and 2 of 4 gold words
    assert partial.precision == pytest.approx(2 / 3)
    assert partial.recall == pytest.approx(2 / 4)
    assert partial.f1 == pytest.approx(2 * (2 / 3) * (1 / 2) / (2 / 3 + 1 / 2))
    assert score_body("", "some gold text").f1 == 0.0
    assert score_body("café naïve", "Café NAÏVE").f1 == 1.0  # Unicode \w, lowercased
