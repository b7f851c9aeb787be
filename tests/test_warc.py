"""WARC ingest: what each kind of record becomes, on archives written by tests/warc_factory.py."""

from __future__ import annotations

import gzip
import pickle
from collections import Counter
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator

from tests.warc_factory import Capture, warc_bytes
from transforms.formats.html import MAX_HTML_BYTES
from transforms.formats.warc import (
    WarcPage,
    iter_warc,
    iter_warc_pages,
    looks_like_warc,
    parse_warc_page,
)
from transforms.records import Article, Reject, Skip

FIXTURES = Path(__file__).parent / "fixtures" / "html"
SHARED_WARCS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "warc"
DUMP_TIME = datetime(2026, 3, 20, tzinfo=UTC)
ARTICLE_HTML = (FIXTURES / "clean_article.html").read_bytes()
FRENCH_HTML = (FIXTURES / "french_cp1252.html").read_bytes()
CANONICAL = "https://www.coastal-ledger.example/news/2026/03/elmsford-swing-bridge-rebuild"
CRAWLED = "https://www.coastal-ledger.example/news/elmsford?utm_medium=rss"

Item = Article | Reject | Skip


def items(data: bytes) -> list[Item]:
    return list(iter_warc(BytesIO(data), captured_at=DUMP_TIME))


def kinds(found: list[Item]) -> list[str]:
    """Compact outcome names: "article", "reject:<reason>", "skip:<reason>"."""
    return [
        "article" if isinstance(i, Article) else f"{type(i).__name__.lower()}:{i.reason}"
        for i in found
    ]


def response_ids(data: bytes) -> list[str]:
    return [
        r.rec_headers.get_header("WARC-Record-ID").strip("<>")
        for r in ArchiveIterator(BytesIO(data))
        if r.rec_type in ("response", "resource")
    ]


# --- sniffing ------------------------------------------------------------------------------------


def test_looks_like_warc_plain_and_gzip() -> None:
    plain = warc_bytes([Capture(CRAWLED, ARTICLE_HTML)], gzip=False)
    packed = warc_bytes([Capture(CRAWLED, ARTICLE_HTML)], gzip=True)
    assert looks_like_warc(plain[:4096])
    assert looks_like_warc(packed[:4096])
    assert looks_like_warc(packed[:200])  # a head cut inside the first gzip member
    assert not looks_like_warc(ARTICLE_HTML[:4096])
    assert not looks_like_warc(gzip.compress(ARTICLE_HTML)[:4096])
    assert not looks_like_warc(b"\x1f\x8bnot really gzip")
    assert not looks_like_warc(b"")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_looks_like_warc_answers_any_bytes(head: bytes) -> None:
    assert looks_like_warc(head) in (True, False)
    assert looks_like_warc(b"\x1f\x8b" + head) in (True, False)


# --- one record, one outcome ---------------------------------------------------------------------


def test_html_response_becomes_an_article_dated_by_the_capture() -> None:
    [item] = items(warc_bytes([Capture(CRAWLED, ARTICLE_HTML, date="2026-03-15T06:00:00Z")]))
    assert isinstance(item, Article)
    assert item.url == CANONICAL
    assert item.title == "Harbour council backs rebuild of Elmsford swing bridge"
    assert item.captured_at == datetime(2026, 3, 15, 6, 0, tzinfo=UTC)
    assert item.published_at == datetime(2026, 3, 14, 7, 30, tzinfo=UTC)
    assert item.body.count("\n") == 5


def test_mixed_archive_outcomes_in_record_order() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    captures = [
        Capture(CRAWLED, ARTICLE_HTML),
        Capture(
            "https://www.coastal-ledger.example/old",
            b"",
            status="301 Moved Permanently",
            headers=[("Location", CANONICAL)],
        ),
        Capture("https://www.coastal-ledger.example/gone", b"<html>gone</html>", "404 Not Found"),
        Capture("https://www.coastal-ledger.example/busy", b"<html>busy</html>", "503 Busy"),
        Capture("https://www.coastal-ledger.example/logo.png", png, content_type="image/png"),
        Capture(
            "https://www.coastal-ledger.example/api", b'{"a": 1}', content_type="application/json"
        ),
        Capture(
            "https://www.coastal-ledger.example/notes.txt", b"plain notes", "200 OK", "text/plain"
        ),
        Capture("https://www.coastal-ledger.example/fr", FRENCH_HTML, content_type=None),
        Capture("https://www.coastal-ledger.example/r", ARTICLE_HTML, record_type="resource"),
    ]
    assert kinds(items(warc_bytes(captures))) == [
        "article",
        "skip:redirect",
        "skip:http_error",
        "skip:http_error",
        "skip:non_html",
        "skip:non_html",
        "skip:non_html",  # text/plain is sniffed, and this one is not HTML
        "article",  # no Content-Type: sniffed as HTML
        "article",  # a resource record (no HTTP headers) with text/html
    ]


def test_request_metadata_warcinfo_and_revisit_records_yield_nothing() -> None:
    revisit = Capture(CRAWLED, b"", record_type="revisit")
    assert items(warc_bytes([revisit])) == []


def test_page_without_article_is_a_reject_located_at_its_record() -> None:
    data = warc_bytes([Capture(CRAWLED, (FIXTURES / "login_wall.html").read_bytes())])
    [reject] = items(data)
    assert isinstance(reject, Reject)
    assert reject.reason == "login_wall"
    assert reject.location == f"record {response_ids(data)[0]}"


def test_oversized_payload_is_rejected_at_its_record() -> None:
    body = b"<html><body><p>" + b"word " * (MAX_HTML_BYTES // 5 + 10) + b"</p></body></html>"
    data = warc_bytes([Capture(CRAWLED, body), Capture(CRAWLED, ARTICLE_HTML)])
    found = items(data)
    assert kinds(found) == ["reject:page_too_large", "article"]
    assert isinstance(found[0], Reject)
    assert found[0].location == f"record {response_ids(data)[0]}"


def test_gzip_content_encoding_and_http_charset() -> None:
    french_no_meta = FRENCH_HTML.replace(
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">', b""
    )
    captures = [
        Capture(CRAWLED, gzip.compress(ARTICLE_HTML), headers=[("Content-Encoding", "gzip")]),
        Capture(CRAWLED + "&fr", french_no_meta, content_type="text/html; charset=windows-1252"),
    ]
    english, french = items(warc_bytes(captures))
    assert isinstance(english, Article) and isinstance(french, Article)
    assert english.url == CANONICAL
    assert french.title == "Le marché couvert de Saint-Aubrac rouvre ses portes"


def test_content_encoding_that_cannot_be_undone_is_a_reject() -> None:
    brotli_like = bytes(range(256)) * 4  # what a "br" body looks like without a decoder
    captures = [
        Capture(CRAWLED, brotli_like, headers=[("Content-Encoding", "br")]),
        Capture(CRAWLED, ARTICLE_HTML, headers=[("Content-Encoding", "br")]),  # mislabelled
    ]
    assert kinds(items(warc_bytes(captures))) == ["reject:unsupported_encoding", "article"]


def test_bad_warc_date_falls_back_to_the_dump_time() -> None:
    [item] = items(warc_bytes([Capture(CRAWLED, ARTICLE_HTML, date="yesterday")]))
    assert isinstance(item, Article)
    assert item.captured_at == DUMP_TIME


def test_pages_read_and_parsed_apart_match_iter_warc() -> None:
    captures = [
        Capture(CRAWLED, ARTICLE_HTML),
        Capture(CRAWLED + "/old", b"", status="302 Found"),
        Capture(CRAWLED + "/wall", (FIXTURES / "login_wall.html").read_bytes()),
    ]
    data = warc_bytes(captures)
    read = list(iter_warc_pages(BytesIO(data), captured_at=DUMP_TIME))
    assert [type(i).__name__ for i in read] == ["WarcPage", "Skip", "WarcPage"]
    page = read[0]
    assert isinstance(page, WarcPage)
    assert pickle.loads(pickle.dumps(page)) == page  # it can travel to a worker process
    assert page.url == CRAWLED
    assert page.charset == "utf-8"
    assert page.record_id == response_ids(data)[0]
    parsed = [parse_warc_page(i) if isinstance(i, WarcPage) else i for i in read]
    assert parsed == items(data)


# --- duplicates ----------------------------------------------------------------------------------


def test_same_page_captured_twice_yields_two_articles_with_one_url() -> None:
    captures = [
        Capture(CRAWLED, ARTICLE_HTML, date="2026-03-14T10:00:00Z"),
        Capture(CANONICAL + "#top", ARTICLE_HTML, date="2026-03-15T10:00:00Z"),
    ]
    first, second = items(warc_bytes(captures))
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.url == second.url == CANONICAL
    assert first.body == second.body
    assert (first.captured_at, second.captured_at) == (
        datetime(2026, 3, 14, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 15, 10, 0, tzinfo=UTC),
    )


def test_same_url_without_canonical_link_keeps_one_clean_url() -> None:
    page = FRENCH_HTML
    captures = [
        Capture("HTTPS://Www.Coastal-Ledger.example:443/fr/marche?utm_source=x", page),
        Capture("https://www.coastal-ledger.example/fr/marche#haut", page),
    ]
    urls = {i.url for i in items(warc_bytes(captures)) if isinstance(i, Article)}
    assert urls == {"https://www.coastal-ledger.example/fr/marche"}


# --- cut and broken archives ---------------------------------------------------------------------


def three_articles(*, gzip: bool = True) -> bytes:
    return warc_bytes(
        [Capture(f"https://news.example/story-{n}", FRENCH_HTML) for n in range(3)], gzip=gzip
    )


@pytest.mark.parametrize("compressed", [True, False])
def test_whole_archive_reads_clean(compressed: bool) -> None:
    assert kinds(items(three_articles(gzip=compressed))) == ["article"] * 3


@pytest.mark.parametrize("compressed", [True, False])
def test_archive_cut_in_the_last_response_keeps_the_records_before(compressed: bool) -> None:
    data = three_articles(gzip=compressed)
    cut = _offset_of_last_response(data) + 700  # past the WARC and HTTP headers, inside the page
    assert kinds(items(data[:cut])) == ["article", "article", "skip:truncated"]


def _offset_of_last_response(data: bytes) -> int:
    stream = ArchiveIterator(BytesIO(data))
    offset = 0
    for record in stream:
        if record.rec_type == "response":
            offset = stream.get_record_offset()
    return offset


def test_archive_cut_in_a_record_header_is_a_located_reject() -> None:
    data = three_articles(gzip=False)
    cut = _offset_of_last_response(data) + 40  # inside "WARC-Type: response" headers
    found = items(data[:cut])
    assert kinds(found)[:2] == ["article", "article"]
    assert len(found) == 3
    assert isinstance(found[2], Reject | Skip)
    assert found[2].reason == "truncated"


def test_truncated_gzip_tail_is_reported_with_its_byte_offset() -> None:
    data = three_articles(gzip=True)
    start = _offset_of_last_response(data)
    found = items(data[: start + 12])  # only the first bytes of the member's gzip header
    assert kinds(found) == ["article", "article", "reject:truncated"]
    assert isinstance(found[2], Reject)
    assert found[2].location == f"record at byte {start}"


def test_archive_gzipped_as_one_member_is_read_whole() -> None:
    single = gzip.compress(three_articles(gzip=False))
    assert kinds(items(single)) == ["article"] * 3


def test_archive_gzipped_as_one_member_and_cut() -> None:
    single = gzip.compress(three_articles(gzip=False))
    found = items(single[: len(single) * 3 // 4])
    assert found, "the cut must be reported"
    assert kinds(found)[-1] in ("skip:truncated", "reject:truncated")
    assert all(k == "article" for k in kinds(found)[:-1])


def test_not_a_warc_is_one_reject() -> None:
    assert kinds(items(b"<html><body>not an archive</body></html>")) == ["reject:not_warc"]


def test_empty_stream_yields_nothing() -> None:
    assert items(b"") == []


# built once: record ids are random, and hypothesis needs the same bytes on every run
SMALL_ARCHIVES = {
    compressed: warc_bytes(
        [Capture("https://news.example/a", FRENCH_HTML), Capture("https://n.example/b", b"x")],
        gzip=compressed,
    )
    for compressed in (True, False)
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_cut_or_flipped_byte_never_raises(data: st.DataObject) -> None:
    archive = bytearray(SMALL_ARCHIVES[data.draw(st.booleans())])
    for _ in range(data.draw(st.integers(0, 3))):
        archive[data.draw(st.integers(0, len(archive) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(archive)))
    found = items(bytes(archive[:cut]))
    assert all(isinstance(i, Article | Reject | Skip) for i in found)
    assert len(found) <= 3


# --- the real Common Crawl excerpt ---------------------------------------------------------------


@pytest.mark.skipif(not SHARED_WARCS.is_dir(), reason="../shared corpora not present")
def test_common_crawl_excerpt_every_response_has_an_outcome() -> None:
    for path in sorted(SHARED_WARCS.glob("*.warc.gz")):
        with path.open("rb") as stream:
            responses = sum(1 for r in ArchiveIterator(stream) if r.rec_type == "response")
        with path.open("rb") as stream:
            found = list(iter_warc(stream, captured_at=DUMP_TIME))
        assert len(found) == responses
        outcomes = Counter(kinds(found))
        assert outcomes["article"] > 0
        for item in found:
            if isinstance(item, Article):
                assert item.captured_at is not None
                assert item.captured_at.year == 2020  # WARC-Date, not the dump time
            if isinstance(item, Reject):
                assert item.location is not None and item.location.startswith("record urn:")
