"""Daily8 page dumps: the visible text of one daily8.com article page -> main article + teasers.

A page holds the main article, site chrome and "Related Articles" teasers, in one of three
layouts (see ../shared/samples/daily8/FORMAT.md): A starts with "logo" and repeats the title
before a glued "<source><date>" line; B ("compact") shows the title once and has no source or
date for the main article; C starts with a Markdown image whose URL may name the publisher.
Hashtag listing pages hold teasers only and are refused as a whole.

Dumps are often excerpts cut mid-line, so the last line of a text that does not end in a newline
is treated as possibly partial: it never becomes a title, and a partial chrome line is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from transforms.records import Article, DatePrecision, Reject
from transforms.text import normalize_space

# --- site chrome -------------------------------------------------------------------------------
# Lines that belong to the Daily8 page frame, never to an article.
CHROME_LINES = frozenset(
    {
        "logo",
        "Orange background",
        "Try Our AI Features",
        "Explore what Daily8 AI can do for you:",
        "Comments",
        "No comments yet...",
        "Related Articles",
        "Hashtags",
        "Show more",
        "Show less",
        "DOWNLOAD THE APP",
        "Get Started Now: Download the App",
        "app-storeplay-store",
    }
)
# Lines after which only the app promo follows: everything from here on is footer.
FOOTER_LINES = frozenset(
    {"DOWNLOAD THE APP", "Get Started Now: Download the App", "app-storeplay-store"}
)
RELATED_MARKER = "Related Articles"
_PROMO = "Ready to dive into"  # the app promo line: chrome when it names Daily8
# Chrome that ends the main article: nothing after it (reader comments, say) is article text.
MAIN_END_LINES = frozenset(
    {"Orange background", "Try Our AI Features", "Explore what Daily8 AI can do for you:"}
)
_HASHTAG = re.compile(r"#\w[\w-]*")
# Markers that only a Daily8 page carries (used by format sniffing).
SNIFF_MARKERS = ("Try Our AI Features", "Explore what Daily8 AI", "Download Daily8 app")
_SNIFF_CHARS = 200_000

# --- body noise ----------------------------------------------------------------------------------
_VIDEO_DURATION = re.compile(r"(?:Duration:? )?\d{1,2}:\d{2}(?::\d{2})?")
_EMAIL_ONLY = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMPTY_PARENS = re.compile(r"\s*\(\s*\)(?!\s*=>)")
_SCRIPT_TAIL = re.compile(r"\s*\(\)\s*=>\s*\{.*$")
_QUOTE_PREFIX = re.compile(r"^>\s+")
_NOISE_SUFFIXES = ("Copy the Story Link",)
_NOISE_LINES = frozenset({"Last Updated:", "Copy the Story Link", "READ MORE", "» READ MORE"})
_DROPPED_LINES = CHROME_LINES | _NOISE_LINES

# --- dates ---------------------------------------------------------------------------------------
_DMY = r"(?P<day>\d{2})-(?P<month>\d{2})-(?P<year>\d{4})"
_UNIT = r"second|minute|hour|day|week|month|year"
_RELATIVE = (
    rf"(?P<few>a few seconds)|(?P<one>an?) (?P<unit1>{_UNIT})"
    rf"|(?P<count>\d+) (?P<unit>{_UNIT})s?"
)
_WHEN = re.compile(rf"(?:{_DMY}|(?:{_RELATIVE}) ago)", re.IGNORECASE)
# A glued "<source><date>" line ends in its date, so the date is looked for at the end only:
# a lazy "(?P<source>.*?)" before it would retry the date at every position of a long line
# (quadratic: 42 s for 100,000 digits). The day date is always its last 10 characters; the
# relative label is found in the last _RELATIVE_TAIL characters and its count extended left.
_DATE_AT = re.compile(_DMY)
_RELATIVE_AT = re.compile(rf"(?:{_RELATIVE}) ago", re.IGNORECASE)
_RELATIVE_TAIL = 24  # "a few seconds ago" is 17; " minutes ago" plus a digit is 13
# What can begin a cut-off "when" line: "an hou", "16 min", "09-07-20".
_WHEN_PREFIX = re.compile(r"(?:a|an|a few|\d{1,3})(?: [a-z ]{0,16})?|\d{2}(?:-\d{0,2}){0,2}\d{0,4}")
_UNIT_SECONDS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,
    "year": 365 * 86400,
}
# The largest count a "N <unit>s ago" label shows before the site switches to the next unit;
# used to split a source ending in digits from the count ("News182 hours ago").
_MAX_COUNT = {
    "second": 59,
    "minute": 59,
    "hour": 23,
    "day": 31,
    "week": 5,
    "month": 12,
    "year": 99,
}
_MAX_COUNT_DIGITS = 9  # more is no time ago any calendar holds
_MAX_SOURCE_CHARS = 60
_MAX_SOURCE_WORDS = 6
# Source names that end in digits or start with them; they settle "News1812 hours ago".
KNOWN_SOURCES = ("News18", "9 News", "7NEWS", "10 News First", "Channel 4 News", "WION")

# --- layout C ------------------------------------------------------------------------------------
_IMAGE_URL = re.compile(r"[^)\s]*")
# Image hosts that clearly name one publisher. Unknown hosts (CDNs, image services) name nobody.
PUBLISHER_DOMAINS = {
    "koreaherald.com": "Korea Herald",
    "koreatimes.co.kr": "Korea Times",
    "news18.com": "News18",
    "ndtv.com": "NDTV",
    "9news.com.au": "9 News",
    "skynews.com.au": "Sky News AU",
    "canberratimes.com.au": "Canberra Times",
    "afr.com": "AU Financial Review",
    "weekly.ahram.org.eg": "Al-Ahram Weekly",
    "thestar.com.my": "The Star",
    "thestar.com": "Toronto Star",
    "khaleejtimes.com": "Khaleej Times",
    "thenationalnews.com": "The National",
    "scmp.com": "South China Morning Post",
    "straitstimes.com": "Straits Times",
    "irishtimes.com": "Irish Times",
    "theguardian.com": "The Guardian",
    "guim.co.uk": "The Guardian",
    "dailymail.co.uk": "Daily Mail",
    "axios.com": "Axios",
    "ctvnews.ca": "CTV News",
    "winnipegfreepress.com": "Winnipeg Free Press",
    "pinkvilla.com": "Pink Villa",
    "theindependent.sg": "Independent Singapore",
    "aljazeera.com": "Al Jazeera",
    "japantimes.co.jp": "Japan Times",
    "bbc.co.uk": "BBC",
    "bbci.co.uk": "BBC",
    "reuters.com": "Reuters",
}

_LISTING_PREFIX = "Latest news with #"
_LISTING_TAG = re.compile(rf"{_LISTING_PREFIX}\s*(?P<tag>.*)")
_BULLET_PREFIXES = ("•", "- ")
_BULLET = re.compile(r"(?:•|- )\s*(?P<text>.*)")
_TITLE_SUFFIX_SEPARATORS = (" - ", " | ", " – ", " — ")
_MAX_TITLE_CHARS = 300


@dataclass(slots=True)
class _Line:
    text: str
    after_blank: bool  # a blank line separated it from the previous non-blank line
    partial: bool  # last line of a text cut off mid-line


@dataclass(frozen=True, slots=True)
class DateLabel:
    """A Daily8 date label read against the capture time."""

    published_at: datetime | None
    precision: DatePrecision
    text: str


@dataclass(slots=True)
class _Teaser:
    title: str
    source: str | None = None
    when: DateLabel | None = None
    body: list[_Line] = field(default_factory=list)
    style: str = "B"  # "A" (title twice, "time" line, "•" bullet) or "B" ("- " bullet)


def looks_like_daily8(text: str) -> bool:
    """True when the text is a Daily8 page dump (chrome markers or a Daily8 first line)."""
    head = text.lstrip("\ufeff \t\r\n")
    if not head or head[0] in "<{[":
        return False
    first = normalize_space(head.split("\n", 1)[0])
    if first == "logo" or (image_url(first) is not None and "/_next/image" in first):
        return True
    if any(marker in text for marker in SNIFF_MARKERS):
        return True
    lines = {normalize_space(line) for line in text[:_SNIFF_CHARS].splitlines()}
    return RELATED_MARKER in lines and bool({"No comments yet...", "Hashtags"} & lines)


def parse_daily8_page(text: str, *, captured_at: datetime) -> list[Article | Reject]:
    """Parse one Daily8 page: the main article (position "main") and its teasers ("related")."""
    captured = _as_utc(captured_at)
    lines = _split_lines(text)
    listing_tag = _listing_tag(lines)
    if listing_tag is not None:
        return [
            Reject(
                "listing_page",
                "a Daily8 hashtag listing page: teasers only, no article",
            )
        ]
    page_source: str | None = None
    is_logo_layout = False
    image = image_url(lines[0].text) if lines and not lines[0].partial else None
    if image is not None:
        page_source = publisher_from_image_url(image)
        lines = lines[1:]
        is_logo_layout = True
    if lines and lines[0].text == "logo":
        lines = lines[1:]
        is_logo_layout = True

    related_at = next((i for i, ln in enumerate(lines) if ln.text == RELATED_MARKER), len(lines))
    items: list[Article | Reject] = []
    known = _page_sources(lines[related_at + 1 :])
    main = _parse_main(lines[:related_at], is_logo_layout, page_source, known, captured)
    if main is not None:
        items.append(main)
    for teaser in _parse_related(lines[related_at + 1 :], captured):
        items.append(_teaser_article(teaser, captured))
    items = _with_bad_dates(items)
    if not items:
        reason = "the page is empty or holds only site chrome"
        if lines and lines[0].partial:
            reason = "the page is cut off inside its title"
        return [Reject("no_article", f"no article on this Daily8 page: {reason}")]
    return items


def _with_bad_dates(items: list[Article | Reject]) -> list[Article | Reject]:
    """Each article whose date label no timestamp can hold ("31-02-2025", "00-00-0000", a count
    of centuries of hours) keeps a null date and is preceded by a `bad_date` Reject naming it."""
    out: list[Article | Reject] = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, Article) and item.date_text and item.published_at is None:
            where = "main article" if item.position == "main" else f"item {number} (related)"
            out.append(Reject("bad_date", f"the date label ({len(item.date_text)} characters) "
                              "is no representable date; the article is kept without a date",
                              where))
        out.append(item)
    return out


def parse_when(text: str, captured_at: datetime) -> DateLabel | None:
    """A Daily8 date label ("18-07-2025", "3 hours ago", "a day ago") -> timestamp + precision."""
    match = _WHEN.fullmatch(text.strip())
    if match is None:
        return None
    return _when_from_match(match, text.strip(), _as_utc(captured_at))


def split_source_when(
    line: str, captured_at: datetime, known_sources: Sequence[str] = ()
) -> tuple[str | None, DateLabel] | None:
    """Split a glued "<source><date>" line ("News1819-06-2025", "NDTVa day ago"), else None."""
    line = line.strip()
    captured = _as_utc(captured_at)
    whole = parse_when(line, captured)
    if whole is not None:
        return None, whole
    match = _DATE_AT.fullmatch(line, max(0, len(line) - 10))
    if match is not None:
        when = _when_from_match(match, line[match.start("day") :], captured)
        source = line[: match.start()]
        if when.published_at is not None and _looks_like_source(source):
            return source.strip(), when
        return None
    if line[-3:].lower() != "ago":
        return None
    match = _relative_at_end(line)
    if match is None:
        return None
    source = line[: match.start()]
    if match.group("count") is None:
        when_text = line[len(source) :]
        if not _looks_like_source(source):
            return None
        return source.strip(), _when_from_match(match, when_text, captured)
    return _split_counted(line, source, match, captured, known_sources)


def _relative_at_end(line: str) -> re.Match[str] | None:
    """The relative label ("3 hours ago", "a day ago") that ends the line, starting as early as
    it can (a count takes every digit before its unit), found in linear time."""
    match = _RELATIVE_AT.search(line, max(0, len(line) - _RELATIVE_TAIL))
    while match is not None and match.end() != len(line):
        match = _RELATIVE_AT.search(line, match.start() + 1)
    if match is None or match.group("count") is None:
        return match
    start = match.start()
    while start > 0 and line[start - 1].isdigit():
        start -= 1
    return _RELATIVE_AT.fullmatch(line, start) if start != match.start() else match


def image_url(line: str) -> str | None:
    r"""The URL of a Markdown image line "![alt](url)" (the alt text may hold "]"), else None.

    The URL holds no ")" and no space, so it follows the line's last "](": found with rfind,
    where the regex r"!\[(.*)\]\(([^)\s]*)\)" backtracks quadratically on a line of "](".
    """
    if not (line.startswith("![") and line.endswith(")")):
        return None
    opening = line.rfind("](", 2)
    if opening < 0:
        return None
    url = line[opening + 2 : -1]
    return url if _IMAGE_URL.fullmatch(url) else None


def publisher_from_image_url(url: str) -> str | None:
    """The publisher named by an image URL's host (or its url= parameter), if clearly known."""
    try:
        inner = parse_qs(urlsplit(url).query).get("url")  # parse_qs already decodes %2F etc.
        host = (urlsplit(inner[0] if inner else url).hostname or "").lower()
    except ValueError:
        return None
    if not host:
        return None
    for domain, name in PUBLISHER_DOMAINS.items():
        if host == domain or host.endswith("." + domain):
            return name
    return None


# --- page structure ------------------------------------------------------------------------------


def _split_lines(text: str) -> list[_Line]:
    """Non-blank, space-normalized lines, each knowing if a blank preceded it and if it is cut.

    Each line is NFC with every whitespace run as one space and no space at its ends. That is
    `normalize_space` of the whole text followed by " ".join(line.split()) per line, done with
    less work: str.split() already folds the odd spaces normalize_space maps, except the
    zero-width space (not whitespace to Python); NFC never joins characters across a newline,
    so only the non-ASCII lines need it; and a line whose only whitespace is U+0020 needs just
    its spaces stripped and, rarely, a run collapsed, without splitting it into words. That
    holds for a printable line (tab, NBSP, U+2028... are all non-printable) and for an ASCII line
    of a text without ASCII control whitespace, which a few substring tests over the whole text
    rule out far faster than isprintable reads each line.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    cut = not text.endswith("\n")
    if "\u200b" in text:
        text = text.replace("\u200b", " ")
    # Stripping the whole text (not just its lines) matches normalize_space: leading blank lines
    # don't mark the first line, and trailing whitespace moves the cut to the last real line.
    # (NFC maps whitespace to whitespace only, so stripping before it changes nothing.)
    text = text.strip()
    raw = text.split("\n")
    plain_ascii = not any(char in text for char in _ASCII_ODD_WHITESPACE)
    last = len(raw) - 1
    out: list[_Line] = []
    blank = False
    for index, line in enumerate(raw):
        if line.isascii():  # O(1): CPython knows each string's widest character
            spaces_only = plain_ascii or line.isprintable()
        else:
            line = unicodedata.normalize("NFC", line)
            spaces_only = line.isprintable()
        if spaces_only:
            clean = line.strip(" ")
            if "  " in clean:
                clean = " ".join(clean.split())
        else:
            clean = " ".join(line.split())  # also folds U+2028, \v and other odd breaks
        if not clean:
            blank = True
            continue
        out.append(_Line(clean, blank, cut and index == last))
        blank = False
    if out and out[-1].partial and _is_chrome_prefix(out[-1].text):
        out.pop()
    return out


# ASCII whitespace other than the space, newline and carriage return (replaced before use).
_ASCII_ODD_WHITESPACE = "\t\x0b\x0c\x1c\x1d\x1e\x1f"


def _is_chrome(text: str) -> bool:
    return text in CHROME_LINES or (text.startswith(_PROMO) and "Daily8" in text)


def _is_chrome_prefix(text: str) -> bool:
    """A cut-off line that is the start of a chrome line ("Try Our AI Fea")."""
    if len(text) < 4 or _is_chrome(text):
        return _is_chrome(text)
    starts = (*CHROME_LINES, "Ready to dive into")
    return any(chrome.startswith(text) for chrome in starts)


def _listing_tag(lines: list[_Line]) -> str | None:
    head = [ln.text for ln in lines[:4]]
    for text in head:
        match = _LISTING_TAG.fullmatch(text) if text.startswith(_LISTING_PREFIX) else None
        if match is not None:
            return match.group("tag").strip() or "(unnamed)"
    if head[:2] == ["logo", "#"]:
        return "(unnamed)"
    return None


def _parse_main(
    lines: list[_Line],
    is_logo_layout: bool,
    page_source: str | None,
    known_sources: Sequence[str],
    captured: datetime,
) -> Article | None:
    """The main article: title, optional glued source/date line (layouts A and C), body."""
    lines = _strip_trailing_chrome(lines)
    if not lines or lines[0].partial or _is_chrome(lines[0].text):
        return None
    title = lines[0].text
    start = 1
    while start < len(lines) and _is_title_copy(lines[start], title):
        start += 1
    rest = lines[start:]
    source, when = page_source, None
    # A title shown twice is layout A even when the page lost its "logo" line.
    if (is_logo_layout or start > 1) and rest and not rest[0].partial:
        glued = split_source_when(rest[0].text, captured, known_sources)
        if glued is not None:
            source = glued[0] or source
            when = glued[1]
            rest = rest[1:]
    elif is_logo_layout and len(rest) == 1 and len(rest[0].text) <= _MAX_SOURCE_CHARS:
        rest = []  # the page stops inside its source/date line: no body yet
    body = _clean_body([ln.text for ln in rest if not _is_title_copy(ln, title)])
    return _article(title, body, source, when, "main", captured)


def _strip_trailing_chrome(lines: list[_Line]) -> list[_Line]:
    """Cut the main part at the AI-features block, then drop the chrome and tags before it."""
    end = next((i for i, ln in enumerate(lines) if i and ln.text in MAIN_END_LINES), len(lines))
    while end > 1 and (_is_chrome(lines[end - 1].text) or _HASHTAG.fullmatch(lines[end - 1].text)):
        end -= 1
    return lines[:end]


def _is_title_copy(line: _Line, title: str) -> bool:
    return line.text == title or (line.partial and title.startswith(line.text))


def _page_sources(lines: list[_Line]) -> tuple[str, ...]:
    """Source names the teasers spell out on their own lines; they help split glued lines."""
    names = {
        m.group("text").strip()
        for ln in lines
        if ln.text.startswith(_BULLET_PREFIXES) and (m := _BULLET.fullmatch(ln.text))
    }
    return tuple(sorted(names | set(KNOWN_SOURCES), key=len, reverse=True))


def _parse_related(lines: list[_Line], captured: datetime) -> list[_Teaser]:
    """Teasers after "Related Articles", in layout A or layout B shape, up to the app footer."""
    # The footer test is inline: it runs for every teaser line.
    footer = next(
        (
            i
            for i, ln in enumerate(lines)
            if ln.text in FOOTER_LINES or (ln.text.startswith(_PROMO) and "Daily8" in ln.text)
        ),
        len(lines),
    )
    lines = [
        ln
        for ln in lines[:footer]
        if ln.text not in CHROME_LINES
        and not (ln.text.startswith(_PROMO) and "Daily8" in ln.text)
    ]
    starts = [i for i in range(len(lines)) if _teaser_starts_at(lines, i)]
    teasers: list[_Teaser] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        teaser = _parse_teaser(lines[start:end], captured)
        if teaser is None:
            continue
        teasers.append(teaser)
        if n + 1 == len(starts):
            teasers.extend(_split_cut_tail(teaser))
    return teasers


def _teaser_starts_at(lines: list[_Line], i: int) -> bool:
    """Layout A: the title twice (the copy may be cut). Layout B: source, when, "- source"."""
    line, nxt = lines[i], (lines[i + 1] if i + 1 < len(lines) else None)
    if line.partial or nxt is None:
        return False
    # A cut copy only counts right below its title (a blank there means a new block).
    # (_is_title_copy written out: this runs for every teaser line.)
    title, copy = line.text, nxt.text
    is_copy = copy == title or (nxt.partial and not nxt.after_blank and title.startswith(copy))
    if is_copy and len(title) <= _MAX_TITLE_CHARS:
        return True
    if _is_when_line(nxt.text) or (nxt.partial and _WHEN_PREFIX.fullmatch(nxt.text)):
        after = lines[i + 2] if i + 2 < len(lines) else None
        return after is None or after.text.startswith("- ")
    return False


def _split_cut_tail(teaser: _Teaser) -> list[_Teaser]:
    """A teaser body is one paragraph; lines after a blank at the cut belong to the next teaser.

    A layout A teaser cut after its first title line leaves that complete title: keep it as a
    teaser without body. Anything else there (a cut title, a layout B source line) is dropped.
    """
    gap = next((j for j, ln in enumerate(teaser.body) if j > 0 and ln.after_blank), None)
    if gap is None:
        return []
    tail = teaser.body[gap:]
    teaser.body = teaser.body[:gap]
    lone = tail[0] if len(tail) == 1 else None
    if teaser.style == "A" and lone and not lone.partial and len(lone.text) <= _MAX_TITLE_CHARS:
        return [_Teaser(title=tail[0].text, style="A")]
    return []


def _is_when_line(text: str) -> bool:
    text = text.removeprefix("time")
    # Every label is a 10-character date or ends in "ago" (no other character matches a, g or o
    # case-insensitively): a cheap test that keeps the regex off nearly every line of a page.
    if len(text) != 10 and text[-3:].lower() != "ago":
        return False
    return _WHEN.fullmatch(text) is not None


def _parse_teaser(block: list[_Line], captured: datetime) -> _Teaser | None:
    """One teaser block -> title, source, when, body; None when its title is not all there."""
    if len(block) >= 2 and _is_title_copy(block[1], block[0].text):
        return _parse_teaser_a(block, captured)
    return _parse_teaser_b(block, captured)


def _parse_teaser_a(block: list[_Line], captured: datetime) -> _Teaser:
    """Layout A: title, title, source, "time<when>", "  • source", title, body."""
    teaser = _Teaser(title=block[0].text, style="A")
    k = 2
    line = block[k] if k < len(block) else None
    if (
        line is not None
        and not line.partial
        and not line.text.startswith("time")
        and _BULLET.fullmatch(line.text) is None
        and _is_header_next(block[k + 1] if k + 1 < len(block) else None)
    ):
        teaser.source = line.text
        k += 1
    line = block[k] if k < len(block) else None
    if line is not None and line.text.startswith("time") and _is_when_line(line.text):
        teaser.when = parse_when(line.text.removeprefix("time"), captured)
        k += 1
    elif line is not None and line.partial and line.text.startswith("time"):
        k += 1  # cut inside the time line
    while k < len(block) and block[k].text.startswith("•"):
        bullet = _BULLET.fullmatch(block[k].text)
        if teaser.source is None and bullet is not None and not block[k].partial:
            teaser.source = bullet.group("text").strip() or None
        k += 1
    teaser.body = [ln for ln in block[k:] if not _is_title_copy(ln, teaser.title)]
    return teaser


def _is_header_next(line: _Line | None) -> bool:
    """After a layout A source line comes the time line or the bullet (or the cut)."""
    if line is None:
        return True
    return line.text.startswith(("time", "•")) or line.partial


def _parse_teaser_b(block: list[_Line], captured: datetime) -> _Teaser | None:
    """Layout B: source, when, "- source", title, body."""
    if len(block) < 4 or block[3].partial:
        return None  # cut before or inside the title
    source = block[0].text
    bullet = _BULLET.fullmatch(block[2].text)
    if bullet is not None and bullet.group("text").strip():
        source = bullet.group("text").strip()
    teaser = _Teaser(title=block[3].text, source=source, when=parse_when(block[1].text, captured))
    teaser.body = [ln for ln in block[4:] if not _is_title_copy(ln, teaser.title)]
    return teaser


def _teaser_article(teaser: _Teaser, captured: datetime) -> Article:
    body = _clean_body([ln.text for ln in teaser.body])
    return _article(teaser.title, body, teaser.source, teaser.when, "related", captured)


def _article(
    title: str,
    body: str,
    source: str | None,
    when: DateLabel | None,
    position: str,
    captured: datetime,
) -> Article:
    source = normalize_space(source) if source else None
    title = _strip_source_suffix(title, source)
    return Article(
        title=title,
        body=body,
        source=source or None,
        published_at=when.published_at if when else None,
        date_precision=when.precision if when else "unknown",
        date_text=when.text if when else None,
        position="related" if position == "related" else "main",
    )


def _strip_source_suffix(title: str, source: str | None) -> str:
    """Drop a title suffix naming the source ("Tomb found - Heritage - Al-Ahram Weekly")."""
    if not source:
        return title
    for separator in _TITLE_SUFFIX_SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        if sep and head.strip() and tail.strip().casefold() == source.casefold():
            return head.strip()
    return title


# --- body cleaning -------------------------------------------------------------------------------


def _clean_body(lines: list[str]) -> str:
    """Paragraphs one per line, chrome and clear noise removed, real sentences kept."""
    return "\n".join([clean for line in lines if (clean := _clean_line(line))])


def _clean_line(line: str) -> str:
    if line in _DROPPED_LINES or (line.startswith(_PROMO) and "Daily8" in line):
        return ""  # chrome (see _is_chrome) or a noise line
    # A duration has at most 18 characters ("Duration: 12:34:56"), an address holds "@".
    if len(line) <= 18 and _VIDEO_DURATION.fullmatch(line):
        return ""
    if "@" in line and _EMAIL_ONLY.fullmatch(line):
        return ""
    # The substring checks keep the regexes off the long lines that don't need them.
    if line.startswith(">"):
        line = _QUOTE_PREFIX.sub("", line)
    if "=>" in line:
        line = _SCRIPT_TAIL.sub("", line)
    if "READ MORE" in line:
        line = _strip_read_more(line)
    if "()" in line or "( )" in line:
        line = _EMPTY_PARENS.sub("", line)
    for suffix in _NOISE_SUFFIXES:
        line = line.removesuffix(suffix)
    return line.strip()


def _strip_read_more(line: str) -> str:
    r"""Drop a trailing "» READ MORE" or "READ MORE »" (with any spacing), like the regex
    r"\s*(?:»\s*READ MORE|READ MORE\s*»)\s*$" but without its quadratic retries on spaces."""
    head = line.rstrip()
    if head.endswith("READ MORE"):
        rest = head[: -len("READ MORE")].rstrip()
        return rest[:-1].rstrip() if rest.endswith("»") else line
    if head.endswith("»"):
        rest = head[:-1].rstrip()
        return rest[: -len("READ MORE")].rstrip() if rest.endswith("READ MORE") else line
    return line


# --- dates ---------------------------------------------------------------------------------------


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _when_from_match(match: re.Match[str], text: str, captured: datetime) -> DateLabel:
    groups = match.groupdict()
    if groups.get("year"):
        try:
            day = datetime(
                int(groups["year"]), int(groups["month"]), int(groups["day"]), tzinfo=UTC
            )
        except ValueError:
            return DateLabel(None, "unknown", text)
        return DateLabel(day, "day", text)
    if groups.get("few"):
        seconds = 0
    elif groups.get("one"):
        seconds = _UNIT_SECONDS[groups["unit1"].lower()]
    elif len(groups["count"]) > _MAX_COUNT_DIGITS:  # int() refuses past 4,300 digits
        return DateLabel(None, "unknown", text)
    else:
        seconds = int(groups["count"]) * _UNIT_SECONDS[groups["unit"].lower()]
    try:
        published = captured - timedelta(seconds=seconds)
    except OverflowError:
        return DateLabel(None, "unknown", text)
    return DateLabel(published, "relative", text)


def _looks_like_source(source: str) -> bool:
    """A glued source is short and ends right before the date, with no space."""
    if not source or source != source.rstrip() or len(source) > _MAX_SOURCE_CHARS:
        return False
    return len(source.split()) <= _MAX_SOURCE_WORDS and source[-1] not in ".,;:!?"


def _split_counted(
    line: str, prefix: str, match: re.Match[str], captured: datetime,
    known_sources: Sequence[str],
) -> tuple[str | None, DateLabel] | None:
    """Split "<source><N> <unit>s ago" where the source may itself end in digits."""
    digits, unit = match.group("count"), match.group("unit").lower()
    choices: list[tuple[str, str]] = []
    # A count is at most two digits (_MAX_COUNT): only the last two cuts can give one, and a
    # longer run of digits must not be turned into ever longer ints (quadratic, and past 4,300
    # digits int() refuses).
    for cut in range(max(0, len(digits) - 2), len(digits)):
        count = digits[cut:]
        if count.startswith("0") or not 1 <= int(count) <= _MAX_COUNT[unit]:
            continue
        source = prefix + digits[:cut]
        if source.strip() and _looks_like_source(source):
            choices.append((source, count))
    if not choices:
        return None
    known = {name.casefold() for name in known_sources}
    source, count = next(((s, c) for s, c in choices if s.casefold() in known), choices[0])
    when_text = line[len(source) :]
    when = parse_when(when_text, captured)
    if when is None:
        return None
    return source.strip(), when
