"""One bad input never fails a run (issue 14, points 3, 5, 6, 8, 11, 12).

Lone surrogates and file names that are not UTF-8, a parser that kills its worker, dates no
timestamp can hold, files swapped for fifos or symlinks after the scan, control characters, the
NewsAPI description, one list of country names, and Daily8 pages that open with blank lines.
Each one gives articles or a reject row; the other files publish.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_newsmill, story, table_rows, write_jsonl_dump, write_stories
from flows.config import MiB
from transforms.countries import country_names
from transforms.formats.daily8 import parse_daily8_page
from transforms.formats.detect import Limits, read_dump
from transforms.formats.jsonrecords import parse_json_records
from transforms.normalize import normalize_article
from transforms.records import Article, Reject
from warehouse.ingest import BatchResult, ingest_batch
from warehouse.rawfiles import display_path, scan_raw

CAPTURED = datetime(2025, 7, 1, 12, tzinfo=UTC)
LIMITS = Limits(max_file_bytes=16 * MiB, max_decompressed_bytes=16 * MiB)
LATIN1_NAME = os.fsdecode(b"caf\xe9.jsonl")  # a name whose bytes are not UTF-8
CRASH_MARKER = "KILL-THE-PARSER-7f3a"


def ingest(raw: Path) -> BatchResult:
    files = scan_raw(raw)
    return ingest_batch([(f, None) for f in files], captured_at=CAPTURED, limits=LIMITS)


def reasons(result: BatchResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in result.rejects.to_pylist():
        found.setdefault(row["path"], []).append(row["reason"])
    return found


def control(char: str) -> bool:
    """A C0 or C1 control character, or DEL."""
    return ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F


def writable(result: BatchResult) -> None:
    """Every table of the batch goes through the Parquet writer (UTF-8 or bust)."""
    for table in (result.articles, result.mentions, result.topics, result.rejects):
        pq.write_table(table, io.BytesIO())


# --- 3: any bytes, any file name -----------------------------------------------------------------


def test_a_lone_surrogate_becomes_a_replacement_character_and_the_file_is_kept(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    record = {**story(1, "sur"), "title": "Kenya \ud800 talks", "source": "Wire\udfff"}
    (raw / "surrogate.jsonl").parent.mkdir(parents=True)
    (raw / "surrogate.jsonl").write_text(
        json.dumps(record) + "\n" + json.dumps(story(2, "sur")) + "\n", encoding="ascii")
    write_stories(raw / "good.jsonl", 2, batch="g")
    result = ingest(raw)
    writable(result)
    assert reasons(result) == {}
    titles = sorted(result.articles.column("title").to_pylist())
    assert "Kenya \ufffd talks" in titles and len(titles) == 4
    assert "Wire\ufffd" in result.articles.column("source").to_pylist()


def test_a_file_name_that_is_not_utf8_is_stored_escaped_with_a_stable_dump_id(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    write_stories(raw / LATIN1_NAME, 2, batch="latin")
    write_stories(raw / "good.jsonl", 1, batch="g")
    first, second = ingest(raw), ingest(raw)
    writable(first)
    paths = sorted(d.raw.path for d in first.dumps)
    assert paths == ["caf\\xe9.jsonl", "good.jsonl"]
    assert first.articles.num_rows == 3
    assert [d.dump_id for d in first.dumps] == [d.dump_id for d in second.dumps]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.binary(min_size=1, max_size=40).filter(
    lambda b: b"/" not in b and b"\x00" not in b and not b.startswith(b".")
    and b not in (b"..",) and not b.endswith((b"~", b".part", b".tmp", b".swp"))))
def test_any_file_name_gives_articles_or_rejects_with_a_utf8_path(
    tmp_path_factory: pytest.TempPathFactory, name: bytes,
) -> None:
    raw = tmp_path_factory.mktemp("names") / "raw"
    write_stories(raw / os.fsdecode(name), 1, batch="n")
    result = ingest(raw)
    writable(result)
    (dump,) = result.dumps
    assert dump.raw.path == display_path(os.fsdecode(name))
    dump.raw.path.encode("utf-8")
    assert (dump.articles, reasons(result)) == (1, {})


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(max_size=60))
def test_any_json_text_normalizes_into_utf8_without_controls(body: str, title: str) -> None:
    text = json.dumps({"title": title, "body": body, "source": title, "published_at": title})
    for item in parse_json_records(text):
        if isinstance(item, Article):
            row = normalize_article(item, detect=False)
            for value in (row.title, row.source or "", row.date_text or ""):
                value.encode("utf-8")
                assert not any(control(c) for c in value)
            row.body.encode("utf-8")
            assert not any(control(c) and c not in "\n\t" for c in row.body)
        else:
            assert isinstance(item, Reject)
            (item.detail + (item.location or "")).encode("utf-8")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=12))
def test_any_daily8_text_parses_and_normalizes_into_utf8(lines: list[str]) -> None:
    for item in parse_daily8_page("\n".join(lines), captured_at=CAPTURED):
        if isinstance(item, Article):
            row = normalize_article(item, detect=False)
            (row.title + row.body + (row.source or "")).encode("utf-8")


# --- 3: a parser that kills its worker -----------------------------------------------------------


def test_a_file_that_kills_its_worker_is_quarantined_and_the_rest_publishes(
    tmp_path: Path, prefect_api: str,
) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    write_stories(raw / "a.jsonl", 3, batch="ca")
    write_stories(raw / "b.jsonl", 2, batch="cb")
    killer = raw / "killer.jsonl"
    write_jsonl_dump(killer, [{**story(9, "ck"), "body": f"text {CRASH_MARKER} text"}])
    env = {"NEWSMILL_TEST_CRASH_MARKER": CRASH_MARKER}
    done = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api, **env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "articles: 5 parsed: 5 new" in done.stdout
    rejects = [(r[1], r[2], r[3]) for r in table_rows(data, "reject")]
    sha = hashlib.sha256(killer.read_bytes()).hexdigest()
    assert rejects == [("killer.jsonl", sha, "worker_crash")]
    dumps = {r[1]: (r[2], r[6]) for r in table_rows(data, "dump")}
    assert dumps["killer.jsonl"] == (sha, "rejected")
    # Never retried while its bytes are the same, even when only its mtime moves.
    os.utime(killer, ns=(time.time_ns(), time.time_ns()))
    again = run_newsmill(["run", "--raw", str(raw), "--data", str(data)], prefect_api, **env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert [(r[1], r[3]) for r in table_rows(data, "reject")] == [("killer.jsonl", "worker_crash")]
    assert len(table_rows(data, "article")) == 5


def test_a_url_with_an_impossible_port_costs_only_its_canonical_url(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    records = [story(1, "u"), {**story(2, "u"), "url": "https://example.com:99999/a"},
               {**story(3, "u"), "url": "http://[::1/a"}, story(4, "u")]
    write_jsonl_dump(raw / "urls.jsonl", records)
    result = ingest(raw)
    assert (result.articles.num_rows, reasons(result)) == (4, {})
    urls = sorted(result.articles.column("url").to_pylist(), key=str)
    assert urls[:2] == [None, None]


# --- 5: dates no timestamp can hold --------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "0000-01-01", "0000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z", "31-12-0000", 1e20, -1e20, 10**30, "99999999999999999999",
])
def test_an_unrepresentable_date_is_null_with_a_reject_and_the_file_is_kept(
    tmp_path: Path, value: object,
) -> None:
    raw = tmp_path / "raw"
    records = [story(1, "d"), {**story(2, "d"), "published_at": value}, story(3, "d")]
    write_jsonl_dump(raw / "dates.jsonl", records)
    result = ingest(raw)
    writable(result)
    assert result.articles.num_rows == 3
    dates = dict(zip(result.articles.column("title").to_pylist(),
                     result.articles.column("published_at").to_pylist(), strict=True))
    assert dates[story(2, "d")["title"]] is None
    assert dates[story(3, "d")["title"]] == datetime(2025, 6, 4, 8, 30, tzinfo=UTC)
    assert [(r["reason"], r["location"]) for r in result.rejects.to_pylist()] == [
        ("bad_date", "line 2")]


def test_a_daily8_teaser_with_an_impossible_date_is_kept_undated_with_a_reject() -> None:
    page = ("logo\nFerry fares rise\n\nFerry fares rise\n\nBaltic Wire12-02-2025\n"
            "Operators raised fares by a tenth on Monday.\nRelated Articles\n"
            "Port opens\nPort opens\nHarbour Daily\ntime00-13-2025\n  \u2022 Harbour Daily\n"
            "Port opens\nThe port opened.\n")
    items = parse_daily8_page(page, captured_at=CAPTURED)
    assert [type(i).__name__ for i in items] == ["Article", "Reject", "Article"]
    assert (items[1].reason, items[1].location) == ("bad_date", "item 2 (related)")
    assert (items[2].title, items[2].published_at, items[2].date_text) == (
        "Port opens", None, "00-13-2025")


def test_an_unrepresentable_date_in_a_page_is_just_no_date() -> None:
    page = (Path(__file__).parent / "fixtures" / "html" / "clean_article.html").read_text()
    page = page.replace("2026-03-14T09:30:00+02:00", "9999-12-31T23:59:59-14:00").encode()
    (item,) = read_dump(page, size=len(page), captured_at=CAPTURED, limits=LIMITS).items
    assert isinstance(item, Article) and item.body
    assert item.published_at is None or item.published_at.year < 9999


# --- 6: files swapped after the scan -------------------------------------------------------------


def test_a_file_swapped_for_a_fifo_after_the_scan_is_refused_without_blocking(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    write_stories(raw / "pipe.jsonl", 1, batch="f")
    write_stories(raw / "good.jsonl", 1, batch="g")
    files = scan_raw(raw)
    (raw / "pipe.jsonl").unlink()
    os.mkfifo(raw / "pipe.jsonl")
    box: list[BatchResult] = []
    worker = threading.Thread(target=lambda: box.append(ingest_batch(
        [(f, None) for f in files], captured_at=CAPTURED, limits=LIMITS)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the reader so the thread ends, then fail
        os.close(os.open(raw / "pipe.jsonl", os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a fifo blocked the run")
    assert reasons(box[0]) == {"pipe.jsonl": ["not_a_regular_file"]}
    assert box[0].articles.num_rows == 1


def test_a_file_or_folder_swapped_for_a_symlink_after_the_scan_is_never_read(
    tmp_path: Path,
) -> None:
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    secret = "root:x:0:0:SECRET-LINE:/root:/bin/bash\n"
    outside.mkdir()
    (outside / "passwd.txt").write_text(secret * 20)
    (outside / "a.txt").write_text(secret * 20)
    write_stories(raw / "swapped.txt", 1, batch="s")
    write_stories(raw / "sub" / "a.txt", 1, batch="sub")
    write_stories(raw / "good.jsonl", 1, batch="g")
    files = scan_raw(raw)
    (raw / "swapped.txt").unlink()
    os.symlink(outside / "passwd.txt", raw / "swapped.txt")
    for child in (raw / "sub").iterdir():
        child.unlink()
    (raw / "sub").rmdir()
    os.symlink(outside, raw / "sub")  # a symlinked subfolder must not escape raw/ either
    result = ingest_batch([(f, None) for f in files], captured_at=CAPTURED, limits=LIMITS)
    assert reasons(result) == {"swapped.txt": ["symlink_outside_raw"],
                               "sub/a.txt": ["symlink_outside_raw"]}
    assert result.articles.num_rows == 1
    assert not any("SECRET" in (r["detail"] or "") for r in result.rejects.to_pylist())


def test_a_symlink_inside_raw_to_a_file_inside_raw_is_still_read(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_stories(raw / "store" / "a.jsonl", 2, batch="in")
    os.symlink(raw / "store", raw / "alias")  # a symlinked folder that stays inside raw/
    os.symlink(raw / "store" / "a.jsonl", raw / "link.jsonl")
    result = ingest(raw)
    assert reasons(result) == {}
    assert {d.raw.path: d.articles for d in result.dumps} == {"link.jsonl": 2, "store/a.jsonl": 2}


PREFIXES = [b"", b"{", b'{"title": ', b"<html><body>", b"WARC/1.0\r\n", b"\xef\xbb\xbf",
            b"Title\n\nSource\n01-07-2025\n", b"logo\n#\nLatest news with #", b'{"status": "error",']


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from(PREFIXES), before=st.binary(max_size=200),
       after=st.binary(max_size=200), name=st.sampled_from(["x.txt", "x.json", "x.bin"]))
def test_reject_details_never_quote_the_file(
    prefix: bytes, before: bytes, after: bytes, name: str
) -> None:
    marker = "QZXJVWK"
    data = prefix + before + marker.encode() + after
    dump = read_dump(data, size=len(data), captured_at=CAPTURED, limits=LIMITS, name=name)
    for item in dump.items:
        if isinstance(item, Reject):
            assert marker not in item.detail


# --- 8: control characters -----------------------------------------------------------------------


def test_control_characters_are_stripped_and_mention_offsets_match_the_stored_text(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    record = {
        "title": "\x1b[2J\x07Talks in Kenya\x9b end",
        "source": "Harbour\x1b]0;pwned\x07 Ledger",
        "body": "Officials in\x1b[31m Ghana met.\n\tDelegates from\x00 Norway\x9b came too.",
        "url": "https://example.com/a\x07b", "published_at": "2025-06-02T08:00:00Z",
    }
    write_jsonl_dump(raw / "controls.jsonl", [record])
    result = ingest(raw)
    (article,) = result.articles.to_pylist()
    assert article["title"] == "[2JTalks in Kenya end"
    assert article["source"] == "Harbour]0;pwned Ledger"
    assert article["body"] == "Officials in[31m Ghana met.\nDelegates from Norway came too."
    mentions = result.mentions.to_pylist()
    assert {m["name"] for m in mentions} == {"Kenya", "Ghana", "Norway"}
    for mention in mentions:
        text = article[mention["field"]]
        assert text[mention["start"]:mention["end"]] == mention["surface"]


# --- 11: NewsAPI description, one list of country names --------------------------------------------


def test_newsapi_description_is_kept_as_the_lead_paragraph_with_its_mentions(
    tmp_path: Path,
) -> None:
    raw = tmp_path / "raw"
    export = {"status": "ok", "articles": [
        {"source": {"id": None, "name": "Gulf Ledger"}, "title": "Grid link deal signed",
         "description": "The link lets Qatar trade power at peak times.",
         "content": "Officials in Doha signed the agreement on Wednesday, allowing the two "
                    "countries to… [+1873 chars]",
         "url": "https://gulf.example/a", "publishedAt": "2025-07-09T14:05:00Z"},
        {"source": {"name": "Gulf Ledger"}, "title": "Port reopens",
         "description": "Ships return to the port of Jebel Ali.",
         "content": "Ships return to the port of Jebel Ali. The harbour master said [+120 chars]",
         "url": "https://gulf.example/b", "publishedAt": "2025-07-09T15:05:00Z"},
    ]}
    (raw / "newsapi.json").parent.mkdir(parents=True)
    (raw / "newsapi.json").write_text(json.dumps(export, ensure_ascii=False))
    result = ingest(raw)
    bodies = dict(zip(result.articles.column("title").to_pylist(),
                      result.articles.column("body").to_pylist(), strict=True))
    assert bodies["Grid link deal signed"] == (
        "The link lets Qatar trade power at peak times.\n"
        "Officials in Doha signed the agreement on Wednesday, allowing the two countries to")
    assert bodies["Port reopens"] == (
        "Ships return to the port of Jebel Ali. The harbour master said")
    assert "QA" in set(result.mentions.column("country_code").to_pylist())


def test_mention_names_the_views_and_the_summary_share_one_list_of_country_names() -> None:
    from transforms.gazetteer import _parse_candidate, load_gazetteer
    from transforms.mentions import extract_mentions
    from warehouse.views import _country_table

    names = country_names()
    table = _country_table().to_pylist()
    assert {r["country_code"]: r["country"] for r in table} == names
    gazetteer = load_gazetteer()
    assert gazetteer.country_names == {c: names[c] for c in gazetteer.country_names}
    countries = [_parse_candidate(row) for rows in gazetteer.rows for row in rows
                 if row.startswith("country\t") and "\tcapital\t" not in row]
    assert countries and all(c.name == names[c.country_code] for c in countries)
    found = extract_mentions("Turkey and DR Congo sign a deal",
                             "Talks in the Netherlands and Russia followed.")
    assert {(m.country_code, m.name) for m in found if m.kind == "country"} == {
        ("TR", "Turkey"), ("CD", "Democratic Republic of the Congo"), ("NL", "Netherlands"),
        ("RU", "Russia")}


# --- 12: Daily8 pages that open with blank lines -----------------------------------------------

COMPACT_PAGE = (
    "Harbour Live: Tallinn port strike enters its third day\n"
    "Dockworkers in Tallinn kept the container terminal closed on Wednesday as talks with the "
    "port authority stalled over night-shift pay and the pension fund.\n"
    "The union said its members would return once the authority put a written offer on the "
    "table, and that ferry traffic to Helsinki would not be affected by the stoppage.\n"
    "Shipping lines diverted two feeder vessels to Riga, where the terminal said it had space "
    "for the extra boxes until the end of the week, but warned that"
)


@pytest.mark.parametrize("lead", ["\n", "\n\n\n", " \n\t\n", "\ufeff\n", "  ", "\t", "\ufeff",
                                  "\r\n"])
@pytest.mark.parametrize("crlf", [False, True])
def test_a_daily8_page_is_read_whatever_blank_lines_or_spacing_open_it(
    lead: str, crlf: bool
) -> None:
    text = lead + COMPACT_PAGE
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    dump = read_dump(data, size=len(data), captured_at=CAPTURED, limits=LIMITS,
                     name="017_5e1c.txt")
    items = list(dump.items)
    assert dump.format == "daily8"
    assert [type(i) for i in items] == [Article]
    assert items[0].title == "Harbour Live: Tallinn port strike enters its third day"
    assert items[0].body.startswith("Dockworkers in Tallinn kept")


def test_a_page_that_lost_its_logo_line_still_splits_its_source_and_date() -> None:
    page = ("\nFerry fares rise across the Baltic\n\nFerry fares rise across the Baltic\n\n"
            "Baltic Wire12-07-2025\n"
            "Operators on the Tallinn to Helsinki route raised fares by a tenth on Monday, "
            "citing fuel and port fees.\n")
    data = page.encode()
    dump = read_dump(data, size=len(data), captured_at=CAPTURED, limits=LIMITS, name="p.txt")
    (item,) = dump.items
    assert isinstance(item, Article)
    assert (item.title, item.source, item.published_at) == (
        "Ferry fares rise across the Baltic", "Baltic Wire", datetime(2025, 7, 12, tzinfo=UTC))
    assert item.body.startswith("Operators on the Tallinn")


def test_a_metadata_file_is_still_not_an_article() -> None:
    data = (b"\nTitle: Notes\nAuthor: desk\nDate: 2025-07-01\n\n"
            b"These are the notes the desk keeps about which dumps came from where this week.\n")
    dump = read_dump(data, size=len(data), captured_at=CAPTURED, limits=LIMITS, name="notes.txt")
    (item,) = dump.items
    assert isinstance(item, Reject) and item.reason == "unknown_format"
