"""Saved news HTML pages -> one `Article` (main text + metadata) or a `Reject` saying why not.

trafilatura finds the main text and htmldate the date; this module adds what a warehouse needs
around them: byte decoding, cheap guards against hostile input, a canonical URL that is the same
for every capture of a page, an exact-or-day date in UTC, and a reason code for every page that
holds no article (login wall, listing page, empty shell).
"""

from __future__ import annotations

import codecs
import contextlib
import re
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from htmldate import find_date
from lxml.html import HtmlElement  # type: ignore[import-untyped]
from trafilatura import bare_extraction
from trafilatura.metadata import examine_meta, extract_meta_json, extract_sitename, extract_title
from trafilatura.settings import Document
from trafilatura.utils import decode_file, load_html

from transforms.records import Article, DatePrecision, Reject

# --- limits: a news page is a few hundred KB; anything far beyond is not one ---------------------
MAX_HTML_BYTES = 8_000_000  # decoded page size; bigger pages are refused before parsing
MAX_NESTING_DEPTH = 1_000  # estimated open-tag depth; libxml2 itself stops at 256
MAX_ELEMENTS = 50_000  # a long live blog has ~20k; 100k empty <p> take trafilatura ~7 s
SNIFF_BYTES = 4_096

# --- what counts as an article ------------------------------------------------------------------
MIN_ARTICLE_WORDS = 40  # the shortest real article in the benchmark has 66 words
EMPTY_PAGE_WORDS = 25  # a page with fewer visible words is an empty shell
LOGIN_WALL_MAX_WORDS = 150  # a wall message plus a teaser paragraph stays under this
LISTING_MIN_LINES = 6
LISTING_TEASER_SHARE = 0.5  # share of body words that sit in teaser blocks
HEADLINE_LINK_MIN_WORDS = 4
TEASER_MAX_WORDS = 80  # a teaser is a headline link plus a summary of a sentence or two
TEASER_MAX_LEVELS = 4
TEASER_MAX_CHILDREN = 8

# --- trafilatura options, chosen on the html-benchmark (see benchmarks/extraction.py) ------------
# Precision mode first: it drops teaser boxes and bylines (mean F1 0.959 -> 0.965); when it keeps
# too little, balanced mode is tried (-> 0.969); a first line repeating the title goes (-> 0.971).
# Comments are never part of an article.
# deduplicate stays off: its cache is process-global, so a page's text would depend on the pages
# parsed before it in the same process.
INCLUDE_COMMENTS = False
INCLUDE_TABLES = True
# htmldate's extensive search runs dateparser over free text: on the benchmark it dated 2 more
# pages of 181, for several seconds of warm-up per process and slower pages after that.
EXTENSIVE_DATE_SEARCH = False

# What may open an HTML document, after whitespace, an XML declaration and comments (skipped in
# `_opens_like_html` with find: the regex r"(?:<!--.*?-->\s*)*" that did it could split a run of
# comments in exponentially many ways and never return on "<!---->" * 1000 + "x").
_HTML_TAG_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|meta|article|title|link|script|div|p|h1|!--)[\s>/]",
    re.IGNORECASE,
)
_XML_DECLARATION = b"<?xml"
_SPACES = re.compile(rb"\s*")
# A <meta> tag (to its ">" or the end), then the charset inside it: two linear steps where
# r"<meta[^>]+charset..." retried every position of a long tag without one.
_META_TAG = re.compile(rb"<meta[^>]*", re.I)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_NESTING_TAG = re.compile(
    r"<(/?)(?:div|span|section|article|table|ul|ol|blockquote|a|font|b|i|em|strong|main|aside"
    r"|nav|form|center)[\s>/]",
    re.IGNORECASE,
)
_OPEN_TAG = re.compile(r"<[A-Za-z]")
_WORD = re.compile(r"\w+")
_HEADING_XPATH = "//h1|//h2|//h3|//h4"
_LOGIN_PHRASES = re.compile(
    r"\b(?:(?:sign|log)\s?in|subscribe|register|create an? (?:free )?account)"
    r"\s+(?:now\s+)?to\s+(?:continue|read|keep reading|view|access|see)"
    r"|already a (?:subscriber|member)\b|please (?:sign|log)\s?in\b"
    r"|this (?:article|content|story) is (?:only )?(?:available )?(?:for|to)"
    r" (?:subscribers|members)"
    r"|subscribers only\b",
    re.IGNORECASE,
)
_TRACKING_PARAMS = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$", re.I)
_ISO_WITH_TIME = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{10,40})"')
_LANG_CODE = re.compile(r"^[a-z]{2}$")  # ISO 639-1; "utf-8" in a language tag is not a language
_SUPERSETS = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}

# Where pages state their publication timestamp, best first (htmldate finds the day; these give
# the time of day when the page has one).
_PUBLISHED_XPATHS = (
    '//meta[@property="article:published_time" or @name="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//meta[@property="og:published_time" or @name="og:published_time"]/@content',
    '//meta[@name="pubdate" or @name="publishdate" or @name="parsely-pub-date"'
    ' or @name="sailthru.date" or @name="dc.date.issued" or @name="DC.date.issued"'
    ' or @name="dcterms.created"]/@content',
    "//time[@itemprop='datePublished' or @pubdate]/@datetime",
)


def looks_like_html(head: bytes) -> bool:
    """True when the first bytes open like an HTML document (after a BOM and whitespace)."""
    head = head[:SNIFF_BYTES]
    for bom, encoding in (
        (codecs.BOM_UTF8, None),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            head = head[len(bom) :]
            if encoding:
                head = head[: len(head) // 2 * 2].decode(encoding, "replace").encode("utf-8")
            break
    return _opens_like_html(head)


def _opens_like_html(head: bytes) -> bool:
    """An HTML tag first, after whitespace, an XML declaration and complete comments."""
    pos = _SPACES.match(head).end()
    if head[pos : pos + len(_XML_DECLARATION)].lower() == _XML_DECLARATION:
        end = head.find(b">", pos)
        if end < 0:
            return False
        pos = _SPACES.match(head, end + 1).end()
    while True:
        if _HTML_TAG_START.match(head, pos):
            return True
        if not head.startswith(b"<!--", pos):
            return False
        end = head.find(b"-->", pos + 4)
        if end < 0:
            return False
        pos = _SPACES.match(head, end + 3).end()


def _meta_charset(head: bytes) -> str | None:
    """The charset a <meta> tag declares, if any."""
    for tag in _META_TAG.finditer(head):
        found = _CHARSET.search(tag.group())
        if found is not None:
            return found.group(1).decode("ascii")
    return None


def parse_html_page(
    html: bytes | str, *, url: str | None, captured_at: datetime
) -> Article | Reject:
    """Extract the one article of a saved page, or say why the page holds none. Never raises."""
    try:
        return _parse_page(html, url, captured_at)
    except Exception as err:  # the last resort: one odd page must not stop a dump
        # The type only: an error message may quote the page.
        return Reject("extraction_error", f"the extractor failed ({type(err).__name__})")


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """Bytes to text: BOM, then UTF-8, then the HTTP or <meta> charset, then a guess."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for charset in (declared_charset, _meta_charset(data[:SNIFF_BYTES])):
        if charset:
            try:
                return data.decode(_legacy_alias(charset), "replace")
            except LookupError:
                continue
    return decode_file(data)


def _legacy_alias(charset: str) -> str:
    """Browsers read legacy labels as their supersets (WHATWG encoding standard)."""
    name = codecs.lookup(charset).name
    return _SUPERSETS.get(name, name)


def _parse_page(html: bytes | str, url: str | None, captured_at: datetime) -> Article | Reject:
    text = _to_text(html)
    if isinstance(text, Reject):
        return text
    if not text.strip():
        return Reject("empty_page", "the page is empty")
    if "<" not in text:
        return Reject("not_html", "no HTML tags in the content: not a web page")
    elements = _element_count(text)
    if elements > MAX_ELEMENTS:
        return Reject(
            "too_many_elements",
            f"{elements:,} HTML elements (limit {MAX_ELEMENTS:,}): not a single news page",
        )
    depth = _nesting_depth_estimate(text)
    if depth > MAX_NESTING_DEPTH:
        return Reject(
            "too_deeply_nested",
            f"tags nest about {depth} deep (limit {MAX_NESTING_DEPTH}): not a readable page",
        )
    tree = load_html(text)
    if tree is None:
        return Reject("empty_page", "no HTML document could be parsed from the content")
    page_url = _clean_url(url) if url else None
    canonical = _canonical_url(tree, page_url) or page_url
    body, words = _main_text(tree, canonical, favor_precision=True)
    if words < MIN_ARTICLE_WORDS:
        # precision mode sometimes keeps only a boilerplate block; balanced mode finds the text
        fallback_body, fallback_words = _main_text(tree, canonical, favor_precision=False)
        if fallback_words > words:
            body, words = fallback_body, fallback_words
    wall = _login_wall(tree, body, words)
    if wall is not None:
        return wall
    if words < MIN_ARTICLE_WORDS:
        return _no_article(tree, words)
    if _is_listing(tree, body):
        return Reject(
            "listing_page",
            "the main text is a list of teasers (headline link and summary): an index or tag page",
        )
    title, sitename, day = _page_metadata(tree, canonical, captured_at)
    published_at, precision, date_text = _published(tree, day, captured_at)
    return Article(
        title=title,
        body=_without_headline(body, title),
        source=_source(sitename, canonical),
        url=canonical,
        published_at=published_at,
        date_precision=precision,
        date_text=date_text,
        language=_language(tree),
        captured_at=captured_at,
    )


def _to_text(html: bytes | str) -> str | Reject:
    """Decode bytes (gunzipping first when needed), refusing sizes no news page has."""
    if isinstance(html, str):
        if len(html) > MAX_HTML_BYTES:
            return _too_large(len(html))
        return html
    if html[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(html, MAX_HTML_BYTES + 1)
        except zlib.error as err:
            return Reject("bad_gzip", f"the gzip data is corrupt: {err}")
        if len(data) > MAX_HTML_BYTES:
            return _too_large(len(data), "more than ")
        if not inflater.eof:
            return Reject("truncated_gzip", "the gzip data ends before its end-of-stream marker")
        html = data
    if len(html) > MAX_HTML_BYTES:
        return _too_large(len(html))
    return decode_html(html)


def _too_large(size: int, prefix: str = "") -> Reject:
    return Reject(
        "page_too_large",
        f"the page is {prefix}{size:,} bytes (limit {MAX_HTML_BYTES:,}): not a single news page",
    )


def _element_count(text: str) -> int:
    """Opening tags in the page; counting "<" first keeps the common case to one fast pass."""
    if text.count("<") <= MAX_ELEMENTS:
        return 0
    return sum(1 for _ in _OPEN_TAG.finditer(text))


def _nesting_depth_estimate(text: str) -> int:
    """Deepest run of open container tags, from a regex scan: linear and cheap, unlike a parse."""
    depth = deepest = 0
    for match in _NESTING_TAG.finditer(text):
        if match.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _main_text(tree: HtmlElement, url: str | None, *, favor_precision: bool) -> tuple[str, int]:
    """trafilatura's main text with one line per paragraph, and its word count."""
    result = bare_extraction(
        tree,
        url=url,
        favor_precision=favor_precision,
        include_comments=INCLUDE_COMMENTS,
        include_tables=INCLUDE_TABLES,
        deduplicate=False,
        with_metadata=False,
    )
    body = result.text if isinstance(result, Document) and result.text else ""
    return body, len(_WORD.findall(body))


def _page_metadata(
    tree: HtmlElement, url: str | None, captured_at: datetime
) -> tuple[str, str | None, str | None]:
    """Title, site name and publication day, the way trafilatura's metadata step finds them.

    Only these three: its author, category, tag and licence searches cost a sixth of a page's
    time and the tables have no column for them.
    """
    metadata = examine_meta(tree)
    with contextlib.suppress(Exception):  # trafilatura guards its JSON-LD reader the same way
        metadata = extract_meta_json(tree, metadata)
    title = _clean_title(metadata.title or extract_title(tree)) or ""
    sitename = metadata.sitename or extract_sitename(tree)
    if sitename:
        sitename = sitename.strip().lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
    latest = (captured_at.astimezone(UTC) + timedelta(days=1)).strftime("%Y-%m-%d")
    day = find_date(
        tree,
        url=url,
        original_date=True,
        extensive_search=EXTENSIVE_DATE_SEARCH,
        max_date=latest,
    )
    return title, sitename or None, day


# --- rejects -------------------------------------------------------------------------------------


def _visible_words(tree: HtmlElement) -> int:
    """Words a reader would see: text outside script, style and template elements."""
    count = 0
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in ("script", "style", "noscript", "template", "head", "title"):
            count += len(_WORD.findall(element.text or ""))
        count += len(_WORD.findall(element.tail or ""))
    return count


def _login_wall(tree: HtmlElement, body: str, words: int) -> Reject | None:
    """Little text and a "subscribe/sign in to continue" message: the article is behind a login.

    A password field alone proves nothing: site headers carry login boxes on every page,
    broken pages included.
    """
    if words >= LOGIN_WALL_MAX_WORDS:
        return None
    message = _LOGIN_PHRASES.search(body)
    if message is None and words < MIN_ARTICLE_WORDS:
        message = _LOGIN_PHRASES.search(_page_text(tree))
    if message is None:
        return None
    return Reject(
        "login_wall",
        f"the page shows a sign-in or subscribe notice (at character {message.start()}) and"
        f" only {words} words of text: the article is behind a login",
    )


def _page_text(tree: HtmlElement) -> str:
    body = tree.find(".//body")
    root = body if body is not None else tree
    return " ".join(
        t
        for e in root.iter()
        if isinstance(e.tag, str) and e.tag not in ("script", "style")
        for t in (e.text, e.tail)
        if t
    )[:200_000]


def _no_article(tree: HtmlElement, words: int) -> Reject:
    visible = _visible_words(tree)
    if visible < EMPTY_PAGE_WORDS:
        return Reject(
            "empty_page",
            f"the page shows only {visible} words of text: an empty shell (scripts fill it in?)",
        )
    headlines = len(_headline_links(tree))
    if headlines >= LISTING_MIN_LINES:
        return Reject(
            "listing_page",
            f"no article text but {headlines} headline links: an index or tag page",
        )
    return Reject(
        "no_article",
        f"no main text found: {words} words extracted of {visible} on the page, "
        f"an article needs at least {MIN_ARTICLE_WORDS}",
    )


def _normalized(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _headline_links(tree: HtmlElement) -> list[HtmlElement]:
    """Links that are headlines: several words, in or around a heading (h1-h4), as on index pages.

    Links inside paragraphs or bullet lists are not counted: articles are full of those.
    """
    found = []
    for heading in tree.xpath(_HEADING_XPATH):
        links = heading.xpath("ancestor::a[1]") or heading.iterfind(".//a")
        for link in links:
            if len(_WORD.findall(link.text_content())) >= HEADLINE_LINK_MIN_WORDS:
                found.append(link)
    return list(dict.fromkeys(found))


def _teaser_texts(links: list[HtmlElement]) -> str:
    """Texts of teaser blocks: the largest short ancestor of a headline link holding no other one.

    Joined into one string so that "is this body line part of a teaser" is a substring test.
    """
    link_set = set(links)
    teasers = []
    for link in links:
        block = link
        for _ in range(TEASER_MAX_LEVELS):
            parent = block.getparent()
            # many children means a list of teasers or a page section, never one teaser
            if parent is None or len(parent) > TEASER_MAX_CHILDREN:
                break
            if len(_WORD.findall(parent.text_content())) > TEASER_MAX_WORDS:
                break
            if any(other in link_set and other is not link for other in parent.iter("a")):
                break
            block = parent
        teasers.append(_normalized(block.text_content()))
    return "\x00".join(teasers)


def _is_listing(tree: HtmlElement, body: str) -> bool:
    """True when most of the extracted text sits in teaser blocks (headline link + summary)."""
    lines = [_normalized(line) for line in body.split("\n")]
    lines = [line for line in lines if line]
    if len(lines) < LISTING_MIN_LINES:
        return False
    links = _headline_links(tree)
    if len(links) < LISTING_MIN_LINES:
        return False
    teasers = _teaser_texts(links)
    in_teasers = sum(line.count(" ") + 1 for line in lines if line in teasers)
    total = sum(line.count(" ") + 1 for line in lines)
    return in_teasers / total >= LISTING_TEASER_SHARE


# --- metadata ------------------------------------------------------------------------------------


def _clean_url(url: str) -> str | None:
    """Absolute http(s) URL without fragment, default port or tracking parameters; else None."""
    try:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        host = parts.hostname.lower()
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    query = (
        urlencode(
            [
                (k, v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
                if not _TRACKING_PARAMS.match(k)
            ],
            doseq=True,
        )
        if parts.query
        else ""
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _canonical_url(tree: HtmlElement, page_url: str | None) -> str | None:
    """<link rel=canonical>, then og:url, made absolute; a bare homepage does not count."""
    candidates = tree.xpath(
        "//link[contains(concat(' ', translate(@rel,'CANONICAL','canonical'), ' '),"
        " ' canonical ')]/@href"
    ) + tree.xpath('//meta[@property="og:url" or @name="og:url"]/@content')
    for href in candidates:
        href = str(href).strip()
        if not href:
            continue
        cleaned = _clean_url(urljoin(page_url, href) if page_url else href)
        if cleaned is None:
            continue
        # CMSs that point every page's canonical at the homepage would merge all their articles
        if (
            page_url
            and urlsplit(cleaned).path in ("", "/")
            and urlsplit(page_url).path
            not in (
                "",
                "/",
            )
        ):
            continue
        return cleaned
    return None


def _source(sitename: str | None, url: str | None) -> str | None:
    if sitename and sitename.strip().lstrip("@"):
        return sitename.strip().lstrip("@")
    if url:
        host = urlsplit(url).hostname or ""
        return host.removeprefix("www.") or None
    return None


def _without_headline(body: str, title: str) -> str:
    """The body minus a first line that repeats the title, so no mention is counted twice."""
    first, _, rest = body.partition("\n")
    if rest and title and _normalized(first) == _normalized(title):
        return rest
    return body


def _clean_title(title: str | None) -> str | None:
    return " ".join(title.split()) if title else None


def _language(tree: HtmlElement) -> str | None:
    """The declared language as an ISO 639 code: <html lang>, Content-Language, og:locale."""
    root = tree.getroottree().getroot()
    declared: Iterable[object] = (
        [root.get("lang") or "", root.get("xml:lang") or ""]
        + tree.xpath(
            "//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
            "='content-language']/@content"
        )
        + tree.xpath('//meta[@property="og:locale"]/@content')
    )
    for value in declared:
        code = re.split(r"[-_,;\s]", str(value).strip().lower(), maxsplit=1)[0]
        if _LANG_CODE.match(code):
            return code
    return None


def _published(
    tree: HtmlElement, day: str | None, captured_at: datetime
) -> tuple[datetime | None, DatePrecision, str | None]:
    """UTC publication time: exact when the page states a timestamp for htmldate's day, else day."""
    latest = captured_at.astimezone(UTC) + timedelta(days=1)
    for raw in _timestamp_candidates(tree):
        stamp = _parse_timestamp(raw)
        if stamp is None or stamp > latest:
            continue
        if day is None or stamp.date().isoformat() == day or _utc_day(stamp) == day:
            return stamp.astimezone(UTC), "exact", raw
    if day:
        try:
            parsed = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            return None, "unknown", None
        return parsed, "day", day
    return None, "unknown", None


def _utc_day(stamp: datetime) -> str:
    return stamp.astimezone(UTC).date().isoformat()


def _timestamp_candidates(tree: HtmlElement) -> Iterable[str]:
    for xpath in _PUBLISHED_XPATHS:
        for value in tree.xpath(xpath):
            yield str(value).strip()
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        for match in _JSONLD_DATE.finditer(str(script)):
            yield match.group(1).strip()


def _parse_timestamp(raw: str) -> datetime | None:
    """An ISO 8601 timestamp with time of day and UTC offset; a local time alone is skipped."""
    if not _ISO_WITH_TIME.match(raw):
        return None
    try:
        stamp = datetime.fromisoformat(raw.strip().replace(" ", "T", 1))
        # In UTC here, so that a moment past year 9999 once shifted (OverflowError) is skipped.
        return stamp.astimezone(UTC) if stamp.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None
