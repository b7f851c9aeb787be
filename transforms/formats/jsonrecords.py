"""JSON and JSON Lines article exports -> articles.

Accepts JSON Lines (one object per line) and JSON documents: one object, a list of objects, a
NewsAPI response (`{"status": "ok", "articles": [...]}`) or a `data` / `items` / `results`
wrapper. Field names vary by exporter, so each article field is read from a short list of
aliases. A bad line or record becomes a `Reject` and the rest is still read; nothing here raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import accumulate
from typing import Any

from transforms.records import Article, DatePrecision, Reject
from transforms.text import normalize_space

# Field aliases, in order of preference.
TITLE_FIELDS = ("title", "headline")
BODY_FIELDS = ("body", "text", "content", "maintext")  # the longest wins
SUMMARY_FIELDS = ("description", "summary")  # the lead paragraph, unless the body holds it
SOURCE_FIELDS = ("source", "publisher", "source_name", "source_domain")
URL_FIELDS = ("url", "link")
DATE_FIELDS = ("published_at", "publishedAt", "date_publish", "date", "published", "pubDate")
LANGUAGE_FIELDS = ("language", "lang")
# The outlet's country: GDELT's DOC API writes `sourcecountry` (a name), NewsData.io `country` (a
# list of names), a NewsAPI-style source object may carry `country` (a code).
COUNTRY_FIELDS = ("source_country", "sourcecountry", "country")
WRAPPER_FIELDS = ("articles", "data", "items", "results")

# Deeper JSON than this is refused before parsing: no export needs it, and the stdlib parser
# recurses per level.
MAX_DEPTH = 64
# A JSON string (an escape may not hide a newline). Written as an unrolled loop, which matches
# what r'"(?:[^"\\\n]|\\.)*"' does but ~6x faster: the plain characters between escapes go in
# one tight repeat instead of one alternation per character. A quote whose string is never closed
# on its line matches the second branch, to the end of what it opened, and is kept (group 1):
# any quote inside that run is escaped and would open no closed string either, so the result is
# the same as the first branch alone, but a search no longer restarts at each of those quotes
# (quadratic on '"\\"\\"\\"...' without a closing quote). Use as _STRING.sub(r"\1", text).
_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|("[^"\\\n]*(?:\\.[^"\\\n]*)*\\?)')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_MIN_MEAN_LINE = 64  # characters a line; below that nesting_depth reads the text whole
_TRUNCATION_MARK = re.compile(r"\[\+\d+ chars\]")  # NewsAPI's "[+1234 chars]"
_DMY = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH = re.compile(r"-?\d{9,13}(?:\.\d+)?")
# What a number or a date looks like, to tell an out-of-range date from text that is no date.
# (Both match a bounded prefix or run: linear on any input.)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|inf|Infinity|nan|NaN)")
_DATE_SHAPED = re.compile(r"[+-]?\d{4,}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4,}")
_EPOCH_MS_ABOVE = 10**11  # larger epoch numbers are milliseconds (year 5138+ in seconds)
# NewsAPI's placeholder for articles withdrawn by the publisher: no text at all.
_REMOVED = "[Removed]"


def looks_like_json(text: str) -> bool:
    """True when the first non-space character is `{` or `[`."""
    head = text.lstrip("\ufeff \t\r\n")
    return bool(head) and head[0] in "{["


def parse_json_records(text: str) -> Iterator[Article | Reject]:
    """Yield one Article per JSON record (JSON Lines or a JSON document); bad input as Rejects."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        yield Reject("no_article", "the JSON file is empty")
        return
    value, error = _load(text)
    if error is None:
        yield from _records_from_document(value)
    elif _is_json_lines(text, error):
        yield from _records_from_lines(text)
    else:
        yield error


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting in a JSON text, ignoring brackets inside strings.

    Strings never span a newline (`_STRING` stops at one), so each line can be read on its own:
    a typical line (one JSON Lines record) has brackets only before its first quote and after its
    last one, where no string can cover them, so only the rare line with a bracket between its
    first and last quote needs the string regex. On a multi-megabyte export that skips a regex
    pass of ~6 ns a character. Text made of many short lines (pretty-printed or hostile) is read
    whole instead, so no Python loop runs once per tiny line.
    """
    if text.count("\n") > len(text) // _MIN_MEAN_LINE:
        return _depth(_NOT_BRACKET.sub("", _STRING.sub(r"\1", text)))
    return _depth("".join([_line_brackets(line) for line in text.split("\n")]))


def _depth(brackets: str) -> int:
    """The largest running sum of a bracket sequence ("[" and "{" +1, the others -1); 0 if none."""
    if not brackets:
        return 0
    return max(accumulate(1 if c in "[{" else -1 for c in brackets))


def _line_brackets(line: str) -> str:
    """The brackets of one line that lie outside its JSON strings, in order."""
    first = line.find('"')
    if first < 0:
        return _NOT_BRACKET.sub("", line)
    last = line.rfind('"')
    if any(line.find(bracket, first, last) >= 0 for bracket in "[]{}"):
        return _NOT_BRACKET.sub("", _STRING.sub(r"\1", line))
    return _NOT_BRACKET.sub("", line[:first]) + _NOT_BRACKET.sub("", line[last + 1 :])


# --- loading -------------------------------------------------------------------------------------


def _load(text: str, line: int | None = None) -> tuple[Any, Reject | None]:
    """json.loads that never raises: too deep, malformed or huge numbers become a Reject."""
    where = f"line {line}" if line is not None else None
    # Counting brackets is cheap; the exact depth is only worked out when it could be too deep.
    depth = 0
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        detail = f"JSON nested {depth} levels deep; at most {MAX_DEPTH} are read"
        return None, Reject("json_too_deep", detail, where or "line 1")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as err:
        location = where or f"line {err.lineno}"
        detail = f"{err.msg} at line {err.lineno} column {err.colno} (byte {err.pos})"
        if line is not None:
            detail = f"{err.msg} at column {err.colno}"
        return None, Reject("malformed_json", detail, location)
    except (ValueError, RecursionError) as err:
        return None, Reject("malformed_json", f"unreadable JSON ({type(err).__name__})",
                            where or "line 1")


def _is_json_lines(text: str, error: Reject) -> bool:
    """A document that fails with extra data, or whose lines are one-line objects, is JSON Lines."""
    if error.reason == "malformed_json" and error.detail.startswith("Extra data"):
        return True
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) < 2:
        return False
    one_line_objects = sum(1 for s in lines if len(s) > 1 and s[0] == "{" and s[-1] == "}")
    return one_line_objects * 2 >= len(lines)


def _records_from_lines(text: str) -> Iterator[Article | Reject]:
    # Only "\n" ends a record: str.splitlines would also split on U+2028 and other separators
    # that JSON allows raw inside strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        value, error = _load(line, number)
        if error is not None:
            yield error
            continue
        if isinstance(value, list):
            detail = "expected one JSON object per line, got a list"
            yield Reject("not_an_object", detail, f"line {number}")
            continue
        for label, record in _unwrap(value, f"line {number}"):
            item = _record_to_item(record, label)
            if isinstance(item, Article) and item.published_at is None and item.date_text:
                yield from _bad_date(item, label)
            yield item


def _records_from_document(value: Any) -> Iterator[Article | Reject]:
    if isinstance(value, dict) and str(value.get("status", "")).lower() == "error":
        # Its message is not quoted: reject details never carry a file's content.
        yield Reject("api_error", 'the export is an API error response ("status": "error"), '
                     "not articles")
        return
    records = list(_unwrap(value, None))
    if not records:
        yield Reject("no_article", "the JSON document holds no records")
        return
    for label, record in records:
        item = _record_to_item(record, label)
        if isinstance(item, Article) and item.published_at is None and item.date_text:
            yield from _bad_date(item, label)
        yield item


def _unwrap(value: Any, where: str | None) -> Iterator[tuple[str, Any]]:
    """The records inside a value: a list's items, a wrapper's list, or the value itself."""
    items: list[Any] | None = None
    if isinstance(value, list):
        items = value
    elif isinstance(value, dict):
        for key in WRAPPER_FIELDS:
            if isinstance(value.get(key), list) and not _has_article_fields(value):
                items = value[key]
                break
    if items is None:
        yield (where or "record 1"), value
        return
    for index, item in enumerate(items, start=1):
        label = f"record {index}" if where is None else f"{where}, record {index}"
        yield label, item


def _has_article_fields(record: dict[str, Any]) -> bool:
    return any(isinstance(record.get(key), str) for key in TITLE_FIELDS + BODY_FIELDS)


# --- one record ----------------------------------------------------------------------------------


def _bad_date(item: Article, location: str) -> Iterator[Reject]:
    """A `bad_date` Reject when the record's date is one no timestamp can hold (the article is
    kept with a null date); nothing for a date text that is merely not a date."""
    if item.date_text is not None and _unrepresentable(item.date_text):
        yield Reject("bad_date", f"the date is out of the representable range (years 1-9999, "
                     f"{len(item.date_text)} characters); the article is kept without a date",
                     location)


def _record_to_item(record: Any, location: str) -> Article | Reject:
    if not isinstance(record, dict):
        kind = type(record).__name__
        return Reject("not_an_object", f"expected a JSON object, got {kind}", location)
    title = " ".join(normalize_space(_first_text(record, TITLE_FIELDS)).split())
    body = _body(record)
    if not title and not body:
        detail = "the record has neither a title nor a body"
        if record.get("title") == _REMOVED:
            detail = "the record is a NewsAPI [Removed] placeholder: no title or body"
        return Reject("no_article", detail, location)
    published_at, precision, date_text = _published(record)
    language = normalize_space(_first_text(record, LANGUAGE_FIELDS)) or None
    url = normalize_space(_first_text(record, URL_FIELDS)) or None
    return Article(
        title=title,
        body=body,
        source=_source(record),
        url=url,
        published_at=published_at,
        date_precision=precision,
        date_text=date_text,
        language=language,
        position="main",
        country=_country(record),
    )


def _first_text(record: dict[str, Any], fields: tuple[str, ...]) -> str:
    for key in fields:
        value = record.get(key)
        if isinstance(value, str) and value.strip() and value.strip() != _REMOVED:
            return value
    return ""


def _body(record: dict[str, Any]) -> str:
    """The longest body-like field, led by the description; paragraphs one per line.

    NewsAPI's `content` is the article's first ~200 characters cut with "… [+1234 chars]", and its
    `description` is a separate standfirst with text (and places) of its own, so both are kept:
    the description first, unless the body already holds it, or the description holds the whole
    (cut) body.
    """
    body = ""
    candidates = [value for key in BODY_FIELDS if isinstance(value := record.get(key), str)]
    for value in sorted(candidates, key=len, reverse=True):  # stable: ties keep field order
        body = _paragraphs(value)
        if body:
            break
    lead_text = _first_text(record, SUMMARY_FIELDS)
    if not lead_text:
        return body
    lead = _paragraphs(lead_text)
    if not lead or not body:
        return body or lead
    if lead in body:
        return body
    cut = body.rstrip(".…").rstrip()  # the cut content may end in "..." or "…"
    if lead.startswith(cut):
        return lead
    return f"{lead}\n{body}"


def _paragraphs(value: Any) -> str:
    if not isinstance(value, str) or value.strip() == _REMOVED:
        return ""
    if "chars]" in value:
        value = _strip_truncation(value)
    return "\n".join([line for raw in value.splitlines() if (line := normalize_space(raw))])


def _strip_truncation(value: str) -> str:
    r"""Drop NewsAPI's trailing "… [+1234 chars]" (ellipsis optional, any spacing).

    Does what re.sub(r"\s*(?:…|\.\.\.)?\s*\[\+\d+ chars\]\s*$", "", value) does, without
    that regex's quadratic retries over a long run of spaces.
    """
    head = value.rstrip()
    mark = head.rfind("[+")
    if mark < 0 or not _TRUNCATION_MARK.fullmatch(head, mark):
        return value
    head = head[:mark].rstrip()
    if head.endswith("…"):
        head = head[:-1]
    elif head.endswith("..."):
        head = head[:-3]
    return head.rstrip()


def _source(record: dict[str, Any]) -> str | None:
    """source as text, source.name, publisher (text or {"name": ...}), source_domain."""
    for key in SOURCE_FIELDS:
        value = record.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and value.strip() and value.strip() != _REMOVED:
            return normalize_space(value)
    return None


def _country(record: dict[str, Any]) -> str | None:
    """The declared outlet country: a text field, a one-item list, or the source object's."""
    source = record.get("source")
    places = [record, source] if isinstance(source, dict) else [record]
    for place in places:
        for key in COUNTRY_FIELDS:
            value = place.get(key)
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            if isinstance(value, str) and value.strip():
                return normalize_space(value)
    return None


# --- dates ---------------------------------------------------------------------------------------


def _published(record: dict[str, Any]) -> tuple[datetime | None, DatePrecision, str | None]:
    for key in DATE_FIELDS:
        value = record.get(key)
        if isinstance(value, dict):
            value = value.get("$date")  # MongoDB extended JSON exports
        if value is None or isinstance(value, bool) or value == "":
            continue
        if isinstance(value, int | float | str):
            published, precision = parse_published(value)
            return published, precision, str(value).strip()
    return None, "unknown", None


def parse_published(value: str | int | float) -> tuple[datetime | None, DatePrecision]:
    """ISO 8601 (with or without time/zone), "YYYY-MM-DD HH:MM:SS", epoch seconds, DD-MM-YYYY."""
    try:
        if isinstance(value, int | float):
            return _from_epoch(float(value)), "exact"
        text = value.strip()
        if _EPOCH.fullmatch(text):
            return _from_epoch(float(text)), "exact"
        match = _DMY.fullmatch(text)
        if match is not None:
            day, month, year = (int(part) for part in match.groups())
            return datetime(year, month, day, tzinfo=UTC), "day"
        if _DATE_ONLY.fullmatch(text):
            only = date.fromisoformat(text)
            return datetime(only.year, only.month, only.day, tzinfo=UTC), "day"
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # exporters that drop the zone write UTC
        # Inside the try: "9999-12-31T23:59:59-14:00" is past year 9999 in UTC (OverflowError).
        return moment.astimezone(UTC), "exact"
    except (ValueError, OverflowError, OSError):
        return None, "unknown"


def _unrepresentable(date_text: str) -> bool:
    """A date value shaped like a date or a timestamp that `parse_published` could not turn into
    one: out of range (year 0, past 9999, a huge epoch number, NaN), not merely unrecognised."""
    return bool(_NUMBER.fullmatch(date_text) or _DATE_SHAPED.match(date_text))


def _from_epoch(seconds: float) -> datetime:
    if abs(seconds) >= _EPOCH_MS_ABOVE:
        seconds /= 1000
    return datetime.fromtimestamp(seconds, tz=UTC)
