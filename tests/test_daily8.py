"""Daily8 page parser: layouts, glued source/date lines, teasers, chrome, cut-off pages."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.formats.daily8 import (
    CHROME_LINES,
    looks_like_daily8,
    parse_daily8_page,
    parse_when,
    publisher_from_image_url,
    split_source_when,
)
from transforms.records import Article, Reject

FIXTURES = Path(__file__).parent / "fixtures" / "daily8"
SHARED_DAILY8 = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "daily8"
CAPTURED = datetime(2025, 8, 1, 12, 0, tzinfo=UTC)
CHROME_PHRASES = (*CHROME_LINES, "Ready to dive into", "Daily8 app", "Daily8 AI")


def parse(name: str) -> list[Article | Reject]:
    return parse_daily8_page(read(name), captured_at=CAPTURED)


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def articles(items: list[Article | Reject]) -> list[Article]:
    assert all(isinstance(item, Article) for item in items), items
    return [item for item in items if isinstance(item, Article)]


def assert_no_chrome(items: list[Article | Reject]) -> None:
    for article in (item for item in items if isinstance(item, Article)):
        assert article.title not in CHROME_LINES
        assert article.title.strip() == article.title and article.title
        for line in article.body.split("\n") if article.body else []:
            assert line.strip() == line and line, repr(article.body)
            assert line not in CHROME_LINES
            assert not line.startswith(("• ", "- ", "time")) or len(line) > 40
        text = article.title + "\n" + article.body
        for phrase in (
            "Try Our AI Features",
            "Orange background",
            "No comments yet...",
            "Ready to dive into",
            "app-storeplay-store",
            "DOWNLOAD THE APP",
        ):
            assert phrase not in text


# --- layout A --------------------------------------------------------------------------------


def test_layout_a_main_article_and_teasers() -> None:
    # Layout A ("logo"): title twice, a glued "<source><DD-MM-YYYY>" line with a multi-word
    # source, a title suffix naming the source, body noise (video durations, "» READ MORE",
    # empty "()", "> " quote prefix) and three teasers with "time..." lines.
    items = articles(parse("layout_a_full.txt"))
    main, *teasers = items
    assert main.position == "main"
    assert main.title == "Egypt reopens restored Ptolemaic temple gate in Luxor - Heritage"
    assert main.source == "Nile Courier Weekly"
    assert main.published_at == datetime(2025, 7, 18, tzinfo=UTC)
    assert (main.date_precision, main.date_text) == ("day", "18-07-2025")
    assert main.body.split("\n") == [
        "Egypt's antiquities ministry on Thursday reopened the eastern gate of a Ptolemaic-era "
        "temple in Luxor after a three-year restoration carried out jointly with Italian "
        "conservators.",
        "The sandstone gate had lost much of its painted decoration to rising groundwater, and "
        "the team of 40 specialists spent most of 2024 drying and stabilising its foundations.",
        '"Nothing of this period stands more complete anywhere in Upper Egypt," the head of the '
        "Egyptian team told reporters at the ceremony.",
        "Tourism officials expect visitor numbers in Luxor to rise by a fifth this winter as new "
        "direct flights from Germany and the UK begin in October.",
    ]
    assert [(t.title, t.source, t.date_text, t.date_precision) for t in teasers] == [
        (
            "Sudan ceasefire talks resume in Jeddah as aid agencies warn of famine",
            "Nile Courier Weekly",
            "18 hours ago",
            "relative",
        ),
        (
            "Jordan and Iraq sign electricity link deal worth $400 million",
            "Gulf Ledger",
            "a day ago",
            "relative",
        ),
        (
            "Morocco and Spain open new ferry terminal in Tangier",
            "Nile Courier Weekly",
            "14-07-2025",
            "day",
        ),
    ]
    assert all(t.position == "related" for t in teasers)
    assert teasers[0].published_at == CAPTURED - timedelta(hours=18)
    assert teasers[1].published_at == CAPTURED - timedelta(days=1)
    assert teasers[2].published_at == datetime(2025, 7, 14, tzinfo=UTC)
    assert teasers[1].body.startswith("Jordan will begin exporting up to 500 megawatts")
    assert "\n" not in teasers[1].body and teasers[1].title not in teasers[1].body
    assert_no_chrome(items)


def test_layout_a_without_source_line_cut_in_body() -> None:
    # Layout A whose source/date line is missing entirely, and the page stops mid-word in the
    # body: the main article keeps the text it holds, with no source and an unknown date.
    (main,) = articles(parse("layout_a_cut_no_source.txt"))
    assert main.title == "Vietnam's rice exports climb as Philippines lifts import curbs"
    assert (main.source, main.published_at, main.date_precision) == (None, None, "unknown")
    assert main.date_text is None
    lines = main.body.split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("Vietnam shipped 1.1 million tonnes")
    assert lines[1].endswith("as buyers from Manila and Jakarta returned to the ma")


# --- layout B --------------------------------------------------------------------------------


def test_layout_b_compact_page() -> None:
    # Layout B: title once, no source/date for the main article, a video duration line and an
    # e-mail line inside the body, "Show more" instead of "Hashtags", teasers with "- " bullets
    # and plain "4 hours ago" / "09-07-2025" / "an hour ago" lines, a source ending in digits.
    items = articles(parse("layout_b_compact.txt"))
    main, *teasers = items
    assert main.title == (
        "Brazil and Argentina agree to ease beef export quotas ahead of Mercosur summit"
    )
    assert (main.source, main.published_at, main.date_precision) == (None, None, "unknown")
    assert len(main.body.split("\n")) == 3
    assert "12:34" not in main.body and "@" not in main.body
    assert main.body.endswith("at the Mercosur summit in Montevideo next month.")
    assert [(t.source, t.date_text, t.published_at) for t in teasers] == [
        ("Harbour Times", "4 hours ago", CAPTURED - timedelta(hours=4)),
        ("Metro24", "09-07-2025", datetime(2025, 7, 9, tzinfo=UTC)),
        ("Pampas Post", "an hour ago", CAPTURED - timedelta(hours=1)),
    ]
    assert teasers[1].title == "Peru's central bank holds rate at 4.75% as inflation cools"
    assert teasers[2].body == (
        "Drivers in La Paz and Santa Cruz waited up to ten hours for diesel this week, as "
        "Bolivia's shortage of U.S. dollars kept fuel imports below demand."
    )
    assert_no_chrome(items)


def test_layout_b_title_only_page() -> None:
    # Layout B title-only page: the main article has no body at all; teasers use
    # "15 minutes ago" and "a few seconds ago", and one source starts with a digit.
    main, first, second = articles(parse("layout_b_title_only.txt"))
    assert (main.title, main.body) == ("Kenya names new envoy to Ethiopia after border dispute", "")
    assert first.published_at == CAPTURED - timedelta(minutes=15)
    assert (second.source, second.date_text) == ("7 Lakes Radio", "a few seconds ago")
    assert second.published_at == CAPTURED


# --- layout C --------------------------------------------------------------------------------


def test_layout_c_markdown_image_names_publisher() -> None:
    # Layout C: a Markdown image first line whose url= parameter points at the publisher's
    # image host; the title follows the image and the main article takes that publisher.
    main, teaser = articles(parse("layout_c_image.txt"))
    assert main.title == "Seoul and Tokyo agree to restart shuttle diplomacy"
    assert main.source == "Korea Herald"
    assert main.body.startswith("The leaders of South Korea and Japan agreed on Wednesday")
    assert "![" not in main.body and "_next/image" not in main.body
    assert (teaser.date_text, teaser.published_at) == ("2 weeks ago", CAPTURED - timedelta(days=14))


def test_layout_c_alt_text_with_brackets() -> None:
    # Layout C whose image alt text holds square brackets: still an image line, not a title.
    page = read("layout_c_image.txt").replace(
        "![Seoul and Tokyo agree", "![[Photo] Seoul and Tokyo agree", 1
    )
    main = articles(parse_daily8_page(page, captured_at=CAPTURED))[0]
    assert (main.title, main.source) == (
        "Seoul and Tokyo agree to restart shuttle diplomacy",
        "Korea Herald",
    )


def test_layout_c_unknown_image_host_gives_no_source() -> None:
    # Layout C whose image sits on an anonymous CDN host: no publisher is guessed from it.
    page = read("layout_c_image.txt").replace("img.koreaherald.com", "d1x2y3z4.cloudfront.net")
    main = articles(parse_daily8_page(page, captured_at=CAPTURED))[0]
    assert main.source is None


@pytest.mark.parametrize(
    ("url", "publisher"),
    [
        ("/_next/image?url=https%3A%2F%2Fimg.koreaherald.com%2Fa.jpg&w=640&q=75", "Korea Herald"),
        ("/_next/image?url=https%3A%2F%2Fwww.news18.com%2Fimg%2Fx.png&w=64", "News18"),
        ("/_next/image?url=https%3A%2F%2Fweekly.ahram.org.eg%2FMedia%2Fp.jpg", "Al-Ahram Weekly"),
        ("/_next/image?url=https%3A%2F%2Fs.yimg.com%2Fny%2Fapi%2Fres%2F1.2%2Fx.jpg", None),
        ("/_next/image?url=https%3A%2F%2Fcdn.example-images.net%2Fx.jpg", None),
        ("/_next/image?w=640", None),
        ("", None),
    ],
)
def test_publisher_from_image_url(url: str, publisher: str | None) -> None:
    assert publisher_from_image_url(url) == publisher


# --- glued source/date lines and relative times -----------------------------------------------


@pytest.mark.parametrize(
    ("line", "source", "date_text"),
    [
        ("Korea Herald18-07-2025", "Korea Herald", "18-07-2025"),
        ("News1819-06-2025", "News18", "19-06-2025"),
        ("9 News6 days ago", "9 News", "6 days ago"),
        ("Al-Ahram Weekly3 hours ago", "Al-Ahram Weekly", "3 hours ago"),
        ("NDTVa day ago", "NDTV", "a day ago"),
        ("Yahooan hour ago", "Yahoo", "an hour ago"),
        ("The Stara few seconds ago", "The Star", "a few seconds ago"),
        ("Sky News AU5 hours ago", "Sky News AU", "5 hours ago"),
        ("News182 hours ago", "News18", "2 hours ago"),
        ("News1812 hours ago", "News18", "12 hours ago"),
        ("9 News12 hours ago", "9 News", "12 hours ago"),
        ("Metro2415 minutes ago", "Metro24", "15 minutes ago"),
        ("Reuters2 weeks ago", "Reuters", "2 weeks ago"),
        ("Reutersa month ago", "Reuters", "a month ago"),
        ("Reutersa year ago", "Reuters", "a year ago"),
        ("3 hours ago", None, "3 hours ago"),
    ],
)
def test_split_source_when(line: str, source: str | None, date_text: str) -> None:
    split = split_source_when(line, CAPTURED)
    assert split is not None
    assert split[0] == source
    assert split[1].text == date_text


@pytest.mark.parametrize(
    "line",
    [
        "The fire started 3 days ago",  # a sentence: space before the date, too many words
        "Officials met on 18-07-2025.",
        "Korea Herald",
        "Korea Herald31-02-2025",  # not a real day
        "",
    ],
)
def test_split_source_when_refuses_body_lines(line: str) -> None:
    assert split_source_when(line, CAPTURED) is None


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("a few seconds ago", timedelta(0)),
        ("45 seconds ago", timedelta(seconds=45)),
        ("a minute ago", timedelta(minutes=1)),
        ("15 minutes ago", timedelta(minutes=15)),
        ("an hour ago", timedelta(hours=1)),
        ("3 hours ago", timedelta(hours=3)),
        ("a day ago", timedelta(days=1)),
        ("6 days ago", timedelta(days=6)),
        ("a week ago", timedelta(days=7)),
        ("2 weeks ago", timedelta(days=14)),
        ("a month ago", timedelta(days=30)),
        ("3 months ago", timedelta(days=90)),
        ("a year ago", timedelta(days=365)),
        ("2 years ago", timedelta(days=730)),
    ],
)
def test_relative_time_is_counted_back_from_capture(text: str, delta: timedelta) -> None:
    when = parse_when(text, CAPTURED)
    assert when is not None
    assert (when.published_at, when.precision, when.text) == (CAPTURED - delta, "relative", text)


def test_relative_time_uses_utc_for_zoned_or_naive_capture() -> None:
    from zoneinfo import ZoneInfo

    seoul = datetime(2025, 8, 1, 21, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    when = parse_when("an hour ago", seoul)
    assert when is not None and when.published_at == datetime(2025, 8, 1, 11, 0, tzinfo=UTC)
    naive = parse_when("an hour ago", datetime(2025, 8, 1, 12, 0))
    assert naive is not None and naive.published_at == datetime(2025, 8, 1, 11, 0, tzinfo=UTC)


def test_dd_mm_yyyy_is_a_day() -> None:
    when = parse_when("09-07-2025", CAPTURED)
    assert when is not None
    assert (when.published_at, when.precision) == (datetime(2025, 7, 9, tzinfo=UTC), "day")


# --- pages that are not articles ---------------------------------------------------------------


def test_listing_page_is_one_reject() -> None:
    # Hashtag listing page: "logo" / "#" / "Latest news with #Wimbledon", teasers only, with
    # a category bullet above the source bullet. The whole file is refused.
    assert parse("listing_hashtag.txt") == [
        Reject(
            "listing_page",
            "a Daily8 hashtag listing page: teasers only, no article",  # the tag is content
        )
    ]


def test_reader_comments_and_hashtags_stay_out_of_the_body() -> None:
    # Layout B with tags listed under "Hashtags" and a reader comment under "Comments": the
    # body ends where the page chrome starts.
    page = (
        read("layout_b_title_only.txt")
        .replace("Hashtags\n", "Hashtags\n#Kenya\n#Ethiopia\n")
        .replace("Comments\nNo comments yet...\n", "Comments\nA reader wrote: good news at last.\n")
    )
    main = articles(parse_daily8_page(page, captured_at=CAPTURED))[0]
    assert (main.title, main.body) == ("Kenya names new envoy to Ethiopia after border dispute", "")


def test_chrome_only_page_is_no_article() -> None:
    # A page that holds nothing but site chrome.
    (item,) = parse("chrome_only.txt")
    assert isinstance(item, Reject) and item.reason == "no_article" and item.location is None


@pytest.mark.parametrize("text", ["", "\n\n", "logo\n", "   "])
def test_empty_pages_are_no_article(text: str) -> None:
    (item,) = parse_daily8_page(text, captured_at=CAPTURED)
    assert isinstance(item, Reject) and item.reason == "no_article"


# --- pages cut off mid-line --------------------------------------------------------------------


def cut_after(text: str, marker: str, extra: int = 0) -> str:
    return text[: text.index(marker) + len(marker) + extra]


def test_cut_inside_a_teaser_title_drops_that_teaser() -> None:
    # Layout A cut inside the first title line of the third teaser: the half title is not
    # emitted; the two teasers before it are complete.
    page = cut_after(read("layout_a_full.txt"), "\nMorocco and Spain open")
    titles = [a.title for a in articles(parse_daily8_page(page, captured_at=CAPTURED))]
    assert titles[1:] == [
        "Sudan ceasefire talks resume in Jeddah as aid agencies warn of famine",
        "Jordan and Iraq sign electricity link deal worth $400 million",
    ]


def test_cut_inside_the_title_copy_keeps_the_complete_title() -> None:
    # Cut inside the repeated title line: the first copy is complete, so the teaser stays,
    # without source, date or body.
    page = cut_after(read("layout_a_full.txt"), "Tangier\nMorocco and Spain")
    last = articles(parse_daily8_page(page, captured_at=CAPTURED))[-1]
    assert last.title == "Morocco and Spain open new ferry terminal in Tangier"
    assert (last.source, last.date_text, last.body) == (None, None, "")


def test_cut_before_the_teaser_body_keeps_title_source_and_date() -> None:
    # Layout A cut right after a teaser's bullet line: its title, source and date are whole.
    page = cut_after(read("layout_a_full.txt"), "time14-07-2025\n\n  • Nile Courier Weekly\n")
    last = articles(parse_daily8_page(page, captured_at=CAPTURED))[-1]
    assert last.title == "Morocco and Spain open new ferry terminal in Tangier"
    assert (last.source, last.date_text, last.body) == ("Nile Courier Weekly", "14-07-2025", "")


def test_cut_inside_a_teaser_body_keeps_the_text_it_holds() -> None:
    # Layout B cut mid-word in the last teaser's body.
    page = cut_after(read("layout_b_compact.txt"), "waited up to ten ho")
    last = articles(parse_daily8_page(page, captured_at=CAPTURED))[-1]
    assert last.title == "Bolivia's fuel queues lengthen as dollar shortage bites"
    assert last.body == "Drivers in La Paz and Santa Cruz waited up to ten ho"


@pytest.mark.parametrize(
    "marker",
    [
        "\n\n\nPampas Post",  # cut after the source line of a layout B teaser
        "\n\n\nPampas Po",  # cut inside it
        "Pampas Post\nan ho",  # cut inside its time line
        "- Pampas Post\nBolivia's fuel queues",  # cut inside its title
    ],
)
def test_layout_b_teaser_cut_before_its_title_is_dropped(marker: str) -> None:
    # Layout B cut inside the last teaser's header (source, time, bullet or title line): the
    # teaser has no complete title, so it is dropped and the one before it keeps its body.
    page = cut_after(read("layout_b_compact.txt"), marker)
    items = articles(parse_daily8_page(page, captured_at=CAPTURED))
    assert [a.source for a in items[1:]] == ["Harbour Times", "Metro24"]
    assert items[-1].body.endswith("the effect of U.S. tariffs on Peruvian exports.")


def test_main_title_cut_off_is_no_article() -> None:
    page = "\nBrazil and Argentina agree to ease beef"
    (item,) = parse_daily8_page(page, captured_at=CAPTURED)
    assert isinstance(item, Reject) and item.reason == "no_article"
    assert "cut off" in item.detail


def test_cut_inside_chrome_leaves_no_chrome_fragment() -> None:
    # Layout B cut inside "Try Our AI Features": the fragment is chrome, not body text.
    page = cut_after(read("layout_b_compact.txt"), "Try Our AI Fea")
    (main,) = articles(parse_daily8_page(page, captured_at=CAPTURED))
    assert main.body.endswith("in Montevideo next month.")


@pytest.mark.parametrize(
    "name", ["layout_a_full.txt", "layout_b_compact.txt", "layout_c_image.txt"]
)
def test_every_prefix_of_a_page_yields_only_complete_titles(name: str) -> None:
    # Cutting a page at every character never raises, never emits a half title, and never
    # lets chrome into a title or body.
    text = read(name)
    full_titles = {a.title for a in articles(parse_daily8_page(text, captured_at=CAPTURED))}
    for end in range(len(text) + 1):
        items = parse_daily8_page(text[:end], captured_at=CAPTURED)
        for item in items:
            if isinstance(item, Article):
                # Before the source line is read, a source-named title suffix stays on.
                complete = (t for t in full_titles if item.title.startswith(t))
                assert any(item.title in (t, t + " - " + "Nile Courier Weekly") for t in complete)
                assert item.title not in CHROME_LINES
                assert not set(item.body.split("\n")) & CHROME_LINES
            else:
                assert item.reason == "no_article"


# --- content sniffing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "layout_a_full.txt",
        "layout_b_compact.txt",
        "layout_b_title_only.txt",
        "layout_c_image.txt",
        "listing_hashtag.txt",
        "layout_a_cut_no_source.txt",
    ],
)
def test_looks_like_daily8_on_pages(name: str) -> None:
    # Every fixture page, including one cut before any chrome, sniffs as Daily8 (layout A
    # starts with "logo", layout C with a /_next/image Markdown image).
    assert looks_like_daily8(read(name))


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE html><html><body><p>Try Our AI Features</p></body></html>",
        "  <html><head><title>logo</title></head></html>",
        '{"title": "Related Articles", "body": "Try Our AI Features"}',
        '[{"title": "logo"}]',
        "The minister said the talks would continue next week.\nNo date was set.\n",
        "Related Articles\nSee also our coverage of the budget.\n",
        "",
    ],
)
def test_looks_like_daily8_refuses_other_content(text: str) -> None:
    assert not looks_like_daily8(text)


# --- properties ---------------------------------------------------------------------------------

PAGE_PIECES = st.sampled_from(
    [
        "logo",
        "Related Articles",
        "Hashtags",
        "Try Our AI Features",
        "time18 hours ago",
        "timea day ago",
        "4 hours ago",
        "09-07-2025",
        "  • Korea Herald",
        "- Korea Herald",
        "Korea Herald18-07-2025",
        "News1812 hours ago",
        "Korea Herald",
        "A title about Seoul",
        "A title about Seoul",
        "#",
        "Latest news with #",
        "![x](/_next/image?url=https%3A%2F%2Fimg.koreaherald.com%2Fa.jpg)",
        "12:34",
        "» READ MORE",
        "",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PAGE_PIECES, st.text(max_size=40)), max_size=40), st.booleans())
def test_any_page_shaped_text_parses_without_raising(pieces: list[str], newline: bool) -> None:
    text = "\n".join(pieces) + ("\n" if newline else "")
    items = parse_daily8_page(text, captured_at=CAPTURED)
    assert items
    assert all(isinstance(item, Article | Reject) for item in items)
    for item in items:
        if isinstance(item, Article):
            assert item.title and item.title not in CHROME_LINES
            assert item.published_at is None or item.published_at.tzinfo is not None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_without_raising(text: str) -> None:
    items = parse_daily8_page(text, captured_at=CAPTURED)
    assert items and all(isinstance(item, Article | Reject) for item in items)
    looks_like_daily8(text)


# --- the real pages in ../shared (skipped when absent) ------------------------------------------

needs_shared = pytest.mark.skipif(
    not (SHARED_DAILY8 / "real" / "INDEX.tsv").is_file(), reason="../shared samples are absent"
)


@needs_shared
def test_seed_page_gives_four_korea_herald_articles() -> None:
    # The one whole real page: layout A, three Korea Herald teasers with relative times.
    text = (SHARED_DAILY8 / "000_060239a9aa87ed88.txt").read_text(encoding="utf-8")
    items = articles(parse_daily8_page(text, captured_at=CAPTURED))
    assert len(items) == 4
    assert {a.source for a in items} == {"Korea Herald"}
    main = items[0]
    assert (main.position, main.published_at, main.date_precision) == (
        "main",
        datetime(2025, 7, 18, tzinfo=UTC),
        "day",
    )
    assert [a.position for a in items[1:]] == ["related"] * 3
    assert [a.date_text for a in items[1:]] == ["18 hours ago", "a day ago", "2 days ago"]
    assert_no_chrome(items)


def _real_pages() -> list[tuple[Path, dict[str, str]]]:
    index = SHARED_DAILY8 / "real" / "INDEX.tsv"
    if not index.is_file():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(SHARED_DAILY8 / "real" / f"daily8-{row['file']}", row) for row in rows]


@needs_shared
@pytest.mark.parametrize(("path", "row"), _real_pages(), ids=lambda v: getattr(v, "name", ""))
def test_real_page_main_article_matches_index(path: Path, row: dict[str, str]) -> None:
    # Real excerpts, each cut at about 2,000 characters; INDEX.tsv gives what a reader saw.
    text = path.read_text(encoding="utf-8")
    items = parse_daily8_page(text, captured_at=CAPTURED)
    main = articles(items)[0]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first_title = lines[1] if lines[0] == "logo" else lines[0]
    assert main.position == "main"
    assert main.title == first_title
    if row["source_as_seen"] != "(none)":
        assert main.source == row["source_as_seen"]
    else:
        assert main.source is None
    if row["date_as_seen"] != "(none)":
        assert main.date_text == row["date_as_seen"]
    assert_no_chrome(items)
    assert all(a.position == "related" for a in articles(items)[1:])


# --- the bundled sample dumps in raw/ -----------------------------------------------------------

RAW = Path(__file__).resolve().parents[1] / "raw"


def _raw_pages() -> dict[str, list[Article | Reject]]:
    import gzip

    pages: dict[str, list[Article | Reject]] = {}
    for path in sorted(RAW.glob("*.txt*")):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        pages[path.name[:3]] = parse_daily8_page(data.decode("utf-8"), captured_at=CAPTURED)
    return pages


def test_bundled_daily8_samples_parse_as_documented() -> None:
    # raw/README.md lists what each sample holds; this keeps the samples and the parser honest.
    pages = _raw_pages()
    assert sorted(pages) == [f"{n:03d}" for n in range(1, 13)]
    assert [type(i).__name__ for i in pages["011"]] == ["Reject"]
    assert isinstance(pages["011"][0], Reject) and pages["011"][0].reason == "listing_page"
    layouts_without_source = {"002", "005", "008", "012"}  # layout B: no source, no date
    for key, items in pages.items():
        if key == "011":
            continue
        main, *teasers = articles(items)
        assert main.position == "main" and teasers, key
        assert (main.source is None) == (key in layouts_without_source), key
        assert (main.date_precision == "day") == (key not in layouts_without_source), key
        assert_no_chrome(items)
    moyale = "Kenya and Ethiopia reopen Moyale crossing to cargo trucks"
    as_main = articles(pages["003"])[0]
    as_teaser = next(a for a in articles(pages["007"]) if a.title == moyale)
    assert (as_main.title, as_main.source) == (as_teaser.title, as_teaser.source)
    assert (as_main.position, as_teaser.position) == ("main", "related")
    assert len(as_main.body) > len(as_teaser.body)
    assert (
        articles(pages["010"])[0].title
        == "Egypt opens new wing of Grand Museum to visitors - Culture"
    )
    assert articles(pages["009"])[0].source == "Metro24"
    assert articles(pages["006"])[0].source == "Pacific Beacon"
    assert articles(pages["008"])[-1].body.endswith("while supporters say the population is gro")


# --- line splitting: the fast path equals the plain rule ------------------------------------------


def _reference_split_lines(text: str) -> list[tuple[str, bool, bool]]:
    """_split_lines as first written: normalize_space of the whole text, then each line split
    into words and joined again."""
    from transforms.formats.daily8 import _is_chrome_prefix
    from transforms.text import _normalize_space_fully

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cut = not text.endswith("\n")
    raw = _normalize_space_fully(text).split("\n")
    out: list[tuple[str, bool, bool]] = []
    blank = False
    for index, line in enumerate(raw):
        clean = " ".join(line.split())
        if not clean:
            blank = True
            continue
        out.append((clean, blank, cut and index == len(raw) - 1))
        blank = False
    if out and out[-1][2] and _is_chrome_prefix(out[-1][0]):
        out.pop()
    return out


LINE_PIECES = st.sampled_from(
    list("ab .\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\u0085\u00a0\u2009\u200b\u2028\u2029\u3000\u00ad•")
    + ["e\u0301", "\u0301", "\u212b", "\u2000", "\u2001", "\u1100\u1161", "  ", "\n\n", "\r\n"]
    + [" \n ", "logo", "Try Our AI Fea", "中"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(LINE_PIECES, PAGE_PIECES), max_size=40).map("".join))
def test_split_lines_equals_the_plain_rule(text: str) -> None:
    from transforms.formats.daily8 import _split_lines

    got = [(line.text, line.after_blank, line.partial) for line in _split_lines(text)]
    assert got == _reference_split_lines(text)


@given(st.text())
def test_split_lines_equals_the_plain_rule_on_any_text(text: str) -> None:
    from transforms.formats.daily8 import _split_lines

    got = [(line.text, line.after_blank, line.partial) for line in _split_lines(text)]
    assert got == _reference_split_lines(text)


def test_split_lines_examples() -> None:
    from transforms.formats.daily8 import _split_lines

    text = "\n\n  Title\u00a0 one \r\n\r\n\tBody\u200bline  two\u2028end\nTry Our AI Fea"
    got = [(line.text, line.after_blank, line.partial) for line in _split_lines(text)]
    # Leading blanks don't mark the title; the cut chrome prefix at the end is dropped.
    assert got == [("Title one", False, False), ("Body line two end", True, False)]
    got = [(ln.text, ln.partial) for ln in _split_lines("Title\nlast line\n  \t")]
    assert got == [("Title", False), ("last line", True)]  # trailing spaces: still cut
