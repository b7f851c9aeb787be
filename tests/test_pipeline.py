"""End to end: `newsmill run` over raw folders into a temp warehouse, as a user runs it."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, run_newsmill, table_rows, view_count

SHARED = REPO.parent / "shared"
SEED = SHARED / "samples" / "daily8" / "000_060239a9aa87ed88.txt"
CHROME = ("Try Our AI Features", "Explore what Daily8 AI", "No comments yet", "Related Articles",
          "Hashtags", "Show more", "DOWNLOAD THE APP", "Download the App", "app-store",
          "play-store", "Orange background", "  • ", "\n- ")

# A layout A page whose main article is a story that the next fixture repeats as a teaser.
LAKESIDE_MAIN = """logo
Kenya and Uganda agree to reopen the Busia border crossing
\u0020
Kenya and Uganda agree to reopen the Busia border crossing

Lakeside Courier12-05-2025
Trade ministers from Kenya and Uganda said on Monday that the Busia crossing will reopen to lorries next week.
Officials in Nairobi expect the backlog of grain trucks to clear within days.
Orange background

Try Our AI Features

Explore what Daily8 AI can do for you:

Comments

No comments yet...

Related Articles

Ghana lifts poultry import ban
Ghana lifts poultry import ban

Coastline Post

time09-05-2025

  \u2022 Coastline Post

Ghana lifts poultry import ban

Farmers in Ghana said the decision would raise feed prices before the rainy season.

DOWNLOAD THE APP

Get Started Now: Download the App

Ready to dive into a world of global content with local flavor? Download Daily8 app today from your preferred app store and start exploring.
app-storeplay-store"""

# A compact page (layout B) that repeats the Busia story as a shorter teaser with the same source.
LAKESIDE_TEASER = """
Chile copper output rises for a second month
Mining firms in Chile reported higher copper output in April as new concentrators came online.
Hashtags

Try Our AI Features
Explore what Daily8 AI can do for you:
Comments
No comments yet...
Related Articles


Lakeside Courier
2 days ago
- Lakeside Courier
Kenya and Uganda agree to reopen the Busia border crossing
Trade ministers from Kenya and Uganda said the Busia crossing will reopen to lorries.
"""


def run_ok(api: str, *args: str) -> str:
    result = run_newsmill(["run", *args], api)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def query(data: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def counts(data: Path) -> dict[str, int]:
    return {t: view_count(data, t) for t in ("article", "mention", "topic", "dump", "reject")}


def visible_teasers(page: str) -> int:
    """Teasers whose bullet line ("  • Source" or "- Source") is followed by a complete title."""
    lines = page.split("\n")
    count = 0
    for index, line in enumerate(lines):
        if re.match(r"^(  \u2022 |- )\S", line):
            after = index + 1
            while after < len(lines) and not lines[after].strip():
                after += 1
            count += after < len(lines) - 1
    return count


def assert_offsets_match(data: Path) -> None:
    """Every mention's surface is exactly the text at its offsets, checked in Python."""
    rows = query(data, "select a.title, a.body, m.field, m.start, m.\"end\", m.surface "
                       "from mention m join article a using (article_id)")
    assert rows
    for title, body, field, start, end, surface in rows:
        text = title if field == "title" else body
        assert text[start:end] == surface


@pytest.fixture(scope="module")
def sample_warehouse(prefect_api: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("sample") / "data"
    out = run_ok(prefect_api, "--raw", str(REPO / "raw"), "--data", str(data))
    assert "published g000001" in out
    return data


def test_bundled_sample_every_dump_ends_as_articles_or_a_reject(sample_warehouse: Path) -> None:
    dumps = query(sample_warehouse, "select path, status, articles, rejects from dump "
                                    "order by path")
    raw_files = sorted(p.name for p in (REPO / "raw").iterdir() if not p.name.startswith("."))
    assert [d[0] for d in dumps] == raw_files
    for path, status, articles, rejects in dumps:
        assert articles > 0 or rejects > 0, path
        assert status in ("ingested", "partial", "rejected")
    reasons = dict(query(sample_warehouse, "select path, reason from reject "
                                           "where location is null"))
    assert reasons["011_3628587ec46bc129.txt"] == "listing_page"


def test_bundled_sample_has_no_chrome_and_exact_offsets(sample_warehouse: Path) -> None:
    for title, body in query(sample_warehouse, "select title, body from article"):
        for chrome in CHROME:
            assert chrome not in title and chrome not in body, (chrome, title)
    assert_offsets_match(sample_warehouse)


def test_bundled_sample_repeats_are_one_article(sample_warehouse: Path) -> None:
    # The Moyale story is the main article of 003 and a teaser in 007: one row, 003's fuller text.
    rows = query(sample_warehouse, "select dump_id, body_chars from article "
                                   "where title ilike '%Moyale%'")
    assert len(rows) == 1
    ids = query(sample_warehouse, "select article_id, count(*) from article group by 1 "
                                  "having count(*) > 1")
    assert ids == []


def test_second_run_changes_nothing(prefect_api: str, sample_warehouse: Path) -> None:
    before = {t: table_rows(sample_warehouse, t) for t in ("article", "mention", "topic",
                                                          "dump", "reject", "run")}
    out = run_ok(prefect_api, "--raw", str(REPO / "raw"), "--data", str(sample_warehouse))
    assert "nothing new" in out
    after = {t: table_rows(sample_warehouse, t) for t in before}
    assert after == before


def test_teaser_repeat_in_a_new_dump_does_not_double_counts(prefect_api: str,
                                                            tmp_path: Path) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    (raw / "101_aaaaaaaaaaaaaaaa.txt").write_text(LAKESIDE_MAIN)
    run_ok(prefect_api, "--raw", str(raw), "--data", str(data))
    assert counts(data)["article"] == 2
    by_country = query(data, "select country_code, articles from mentions_by_country "
                             "order by 1")
    assert by_country == [("GH", 1), ("KE", 1), ("UG", 1)]

    (raw / "102_bbbbbbbbbbbbbbbb.txt").write_text(LAKESIDE_TEASER)
    out = run_ok(prefect_api, "--raw", str(raw), "--data", str(data),
                 "--captured-at", "2025-05-14T10:00:00Z")
    assert "1 duplicate" in out
    # New: only the Chile main article. The Busia teaser is the same story.
    assert counts(data)["article"] == 3
    assert query(data, "select country_code, articles from mentions_by_country order by 1") == [
        ("CL", 1), ("GH", 1), ("KE", 1), ("UG", 1)]
    kept = query(data, "select body, published_date::varchar, date_precision from article "
                       "where title like 'Kenya and Uganda%'")
    assert kept == [(
        "Trade ministers from Kenya and Uganda said on Monday that the Busia crossing will "
        "reopen to lorries next week.\nOfficials in Nairobi expect the backlog of grain trucks "
        "to clear within days.", "2025-05-12", "day")]
    assert_offsets_match(data)


def test_changed_file_is_reprocessed_and_its_old_rejects_replaced(prefect_api: str,
                                                                  tmp_path: Path) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    dump = raw / "export.jsonl"
    good = {"title": "Peru opens lithium tender", "text": "Peru invited bids on Friday.",
            "source": "Andes Wire", "date": "2025-03-14"}
    dump.write_text(json.dumps(good) + "\n{not json\n")
    run_ok(prefect_api, "--raw", str(raw), "--data", str(data))
    assert query(data, "select reason, location from reject") == [("malformed_json", "line 2")]

    fixed = {"title": "Chile joins lithium tender", "text": "Chile said it would bid too.",
             "source": "Andes Wire", "date": "2025-03-15"}
    dump.write_text(json.dumps(good) + "\n" + json.dumps(fixed) + "\n")
    os.utime(dump, ns=(dump.stat().st_atime_ns, dump.stat().st_mtime_ns + 10**9))
    out = run_ok(prefect_api, "--raw", str(raw), "--data", str(data))
    assert "1 changed" in out
    assert query(data, "select count(*) from reject") == [(0,)]
    assert query(data, "select title from article order by title") == [
        ("Chile joins lithium tender",), ("Peru opens lithium tender",)]
    assert query(data, "select status, articles, articles_new from dump") == [("ingested", 2, 1)]
    # Every article's dump_id still finds the file's manifest row after the change.
    assert query(data, "select count(*) from article anti join dump using (dump_id)") == [(0,)]


def test_relative_dates_resolve_against_captured_at(prefect_api: str, tmp_path: Path) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    (raw / "102_bbbbbbbbbbbbbbbb.txt").write_text(LAKESIDE_TEASER)
    run_ok(prefect_api, "--raw", str(raw), "--data", str(data),
           "--captured-at", "2025-05-14T10:00:00Z")
    rows = query(data, "select published_at::varchar, date_precision, date_text from article "
                       "where source = 'Lakeside Courier'")
    assert rows == [("2025-05-12 10:00:00+00", "relative", "2 days ago")]


@pytest.mark.skipif(not SEED.exists(), reason="needs ../shared (the real seed page)")
def test_seed_page_gives_exact_country_counts(prefect_api: str, tmp_path: Path) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    shutil.copy(SEED, raw / SEED.name)
    run_ok(prefect_api, "--raw", str(raw), "--data", str(data))
    articles = query(data, "select source, position, published_date::varchar from article "
                           "order by position, title")
    assert len(articles) == 4
    assert {a[0] for a in articles} == {"Korea Herald"}
    assert articles[0][1:] == ("main", "2025-07-18")
    result = run_newsmill(["query", "select country_code, articles from mentions_by_country "
                           "order by 2 desc, 1", "--data", str(data), "--format", "csv"], None)
    assert result.stdout.splitlines() == [
        "country_code,articles", "JP,3", "KR,3", "US,3", "CA,1", "CN,1", "KP,1", "MY,1"]


@pytest.mark.skipif(not SEED.exists(), reason="needs ../shared (the real Daily8 pages)")
def test_real_daily8_pages(prefect_api: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_ok(prefect_api, "--raw", str(SEED.parent), "--data", str(data))
    files = sorted(str(p.relative_to(SEED.parent)) for p in SEED.parent.rglob("*")
                   if p.is_file())
    dumps = query(data, "select path, articles, rejects from dump order by path")
    assert [d[0] for d in dumps] == files
    assert all(articles > 0 or rejects > 0 for _, articles, rejects in dumps)
    per_page = {path: (mains, teasers) for path, mains, teasers in query(data, """
        select d.path, count(a.article_id) filter (where a.position = 'main'),
               count(a.article_id) filter (where a.position = 'related')
        from dump d left join article a using (dump_id) group by d.path""")}
    pages = [p for p in files if p.endswith(".txt")]
    # Every real page and the seed page give their main article...
    assert all(per_page[p][0] == 1 for p in pages)
    assert len(pages) == 25
    # ...and at least every teaser whose source bullet and title line are on the page.
    for page in pages:
        assert per_page[page][1] >= visible_teasers((SEED.parent / page).read_text()), page
    assert sum(per_page[p][1] for p in pages) == 24
    for title, body in query(data, "select title, body from article"):
        for chrome in CHROME:
            assert chrome not in title and chrome not in body, (chrome, title)
    assert_offsets_match(data)


WARC_EXCERPT = SHARED / "corpora" / "warc"


@pytest.mark.skipif(not WARC_EXCERPT.exists(), reason="needs ../shared (the Common Crawl excerpt)")
def test_common_crawl_warc_excerpt(prefect_api: str, tmp_path: Path) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    for warc in WARC_EXCERPT.glob("*.warc.gz"):
        shutil.copy(warc, raw / warc.name)
    run_ok(prefect_api, "--raw", str(raw), "--data", str(data))
    # 16 HTML responses: 14 articles and two refused pages, each counted on the manifest row.
    assert query(data, "select format, status, articles, rejects, rejects_by_reason, skipped "
                       "from dump") == [
        ("warc", "partial", 14, 2, '{"listing_page": 1, "no_article": 1}', 0)]
    assert query(data, "select count(*), count(distinct url) from article") == [(14, 14)]
    assert all(loc.startswith("record urn:uuid:")
               for (loc,) in query(data, "select location from reject"))


def test_html_named_txt_and_gzip_without_gz_are_read_as_html(prefect_api: str,
                                                             tmp_path: Path) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    page = (REPO / "tests" / "fixtures" / "html" / "clean_article.html").read_bytes()
    (raw / "saved-page.txt").write_bytes(page)
    (raw / "saved-page-copy").write_bytes(gzip.compress(page))
    out = run_ok(prefect_api, "--raw", str(raw), "--data", str(data))
    assert "1 duplicate" in out
    assert query(data, "select path, format, status from dump order by path") == [
        ("saved-page-copy", "html+gzip", "ingested"), ("saved-page.txt", "html", "ingested")]
    assert query(data, "select count(*) from article") == [(1,)]


def test_days_are_utc_whatever_the_readers_time_zone(prefect_api: str, tmp_path: Path) -> None:
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    # An undated record captured at 23:30 UTC: its day is the capture day, in UTC.
    (raw / "late.jsonl").write_text(json.dumps(
        {"title": "Oslo ferry strike ends", "text": "Ferries in Norway sail again.",
         "source": "Fjord Times"}) + "\n")
    run_ok(prefect_api, "--raw", str(raw), "--data", str(data),
           "--captured-at", "2025-07-18T23:30:00Z")
    days = set()
    for zone in ("UTC", "Asia/Tokyo", "America/Los_Angeles"):
        with duckdb.connect(str(data / "newsmill.duckdb"), read_only=True) as con:
            con.execute(f"set TimeZone = '{zone}'")
            days.add(str(con.execute("select day from mentions_by_country_day").fetchall()))
    assert days == {"[(datetime.date(2025, 7, 18),)]"}


def test_a_touched_file_with_the_same_bytes_is_not_refused(prefect_api: str,
                                                          tmp_path: Path) -> None:
    """Only the mtime moved: the file is hashed again, found identical, and neither re-read nor
    counted as refused; its manifest row stays as it was."""
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    dump = raw / "export.jsonl"
    dump.write_text(json.dumps({"title": "Peru opens lithium tender", "source": "Andes Wire",
                                "text": "Peru invited bids on Friday.", "date": "2025-03-14"})
                    + "\n")
    run_ok(prefect_api, "--raw", str(raw), "--data", str(data))
    os.utime(dump, ns=(dump.stat().st_atime_ns, dump.stat().st_mtime_ns + 10**9))
    out = run_ok(prefect_api, "--raw", str(raw), "--data", str(data))
    assert "1 changed" in out and "0 refused" in out
    assert query(data, "select status, articles, articles_new from dump") == [("ingested", 1, 1)]
