"""The records that flow from raw dumps to tables: articles, rejects, skips, mentions, topics,
entities.

Parsers emit `Article`, `Reject` and `Skip`; the normalizer turns an `Article` into a row.
Every field here is plain data so records pickle cheaply between worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

DatePrecision = Literal["exact", "day", "relative", "unknown"]
Position = Literal["main", "related"]
MentionKind = Literal["country", "place"]
EntityKind = Literal["person", "organization"]
Field = Literal["title", "body"]


@dataclass(frozen=True, slots=True)
class Article:
    """One article as a parser read it, before ids, language and counts are derived."""

    title: str
    body: str
    source: str | None = None
    url: str | None = None
    published_at: datetime | None = None  # timezone-aware, UTC
    date_precision: DatePrecision = "unknown"
    date_text: str | None = None  # the date exactly as the dump wrote it
    language: str | None = None  # as declared by the input; detected later when None
    position: Position = "main"
    captured_at: datetime | None = None  # per-record capture time (WARC-Date); None = the dump's
    country: str | None = None  # the outlet's country as the input declares it (code or name)


@dataclass(frozen=True, slots=True)
class Reject:
    """Input that was refused: a whole file, or one line/record of it."""

    reason: str  # short stable code, e.g. "listing_page", "malformed_json", "empty_file"
    detail: str  # a sentence a user can act on
    location: str | None = None  # "line 12", "record at byte 3456"; None for the whole file


@dataclass(frozen=True, slots=True)
class Skip:
    """A record deliberately not ingested (a WARC redirect, say): counted, not refused."""

    reason: str  # e.g. "non_html", "redirect", "http_error", "truncated"


@dataclass(frozen=True, slots=True)
class Mention:
    """A country or place named in an article, with offsets into `title` or `body`."""

    kind: MentionKind
    country_code: str  # ISO 3166-1 alpha-2
    name: str  # canonical name of the country or place
    surface: str  # the text as written; equals field_text[start:end]
    field: Field
    start: int
    end: int
    method: str  # name, abbreviation, demonym, capital, city or division
    geonames_id: int | None = None


@dataclass(frozen=True, slots=True)
class TopicScore:
    """One IPTC Media Topic assigned to an article."""

    topic_code: str  # e.g. "medtop:11000000"
    topic: str  # official label
    score: float  # 0..1
    rank: int  # 1 = best
    method: str  # how the score was made, e.g. "lexicon", "lexicon+model"


@dataclass(frozen=True, slots=True)
class Entity:
    """A person or organization named in an article, with offsets into `title` or `body`."""

    kind: EntityKind
    name: str  # canonical: no title, no possessive, the article's full form, no middle initial
    surface: str  # the text as written; equals field_text[start:end]
    field: Field
    start: int
    end: int
    method: str  # lexicon, title, given_name, surname, suffix, acronym or coreference


ParsedItem = Article | Reject | Skip
