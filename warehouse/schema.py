"""Parquet schemas: the one place where table column names, types and meanings are defined."""

from __future__ import annotations

import pyarrow as pa

from transforms.stories import SIGNATURE_BYTES

UTC_TS = pa.timestamp("us", tz="UTC")


def col(name: str, kind: pa.DataType, doc: str, *, nullable: bool = True) -> pa.Field:
    """A column with its description, which the README's schema section is generated from."""
    return pa.field(name, kind, nullable=nullable, metadata={"doc": doc})


def doc_of(field: pa.Field) -> str:
    doc: bytes = (field.metadata or {}).get(b"doc", b"")
    return doc.decode()


ARTICLE = pa.schema([
    col("article_id", pa.string(), "stable id: hash of the canonical URL, else of normalized "
        "source and title", nullable=False),
    col("source", pa.string(), "publisher as the dump names it; null when it names none"),
    col("title", pa.string(), "headline, without site chrome", nullable=False),
    col("body", pa.string(), "article text, one paragraph per line; the fullest copy seen",
        nullable=False),
    col("url", pa.string(), "canonical URL (https, no www., no tracking parameters)"),
    col("published_at", UTC_TS, "publication time in UTC"),
    col("published_date", pa.date32(), "UTC date of published_at"),
    col("date_precision", pa.string(), "exact (a time was given), day (a date), relative "
        "(\"3 hours ago\" resolved against the capture time) or unknown", nullable=False),
    col("date_text", pa.string(), "the date exactly as the dump wrote it"),
    col("language", pa.string(), "ISO 639-1 code, declared by the input or detected"),
    col("word_count", pa.int32(), "words in body", nullable=False),
    col("body_chars", pa.int32(), "characters in body", nullable=False),
    col("position", pa.string(), "main (the page's article) or related (a teaser)",
        nullable=False),
    col("title_key", pa.string(), "hash of the normalized title; matches a story across "
        "sources", nullable=False),
    col("dump_id", pa.string(), "the dump the kept copy came from (see dump)", nullable=False),
    col("first_seen_at", UTC_TS, "capture time of the earliest dump holding the article",
        nullable=False),
    col("source_country", pa.string(), "ISO 3166-1 alpha-2 of the outlet's home country: "
        "declared by the input, else from a list of major outlets or the URL's country-code "
        "domain; null when unknown"),
    col("story_id", pa.string(), "the story (copies of one piece: syndicated, edited, cut, "
        "teased) as the article_id of its first-seen article; never changes once published; "
        "null only for articles published before stories were kept"),
    col("wire_service", pa.string(), "wire service the text credits (AP, Reuters, AFP, dpa, "
        "...) in a dateline, byline, credit line or copyright tail; null when none"),
])

MENTION = pa.schema([
    col("article_id", pa.string(), "the article (see article)", nullable=False),
    col("kind", pa.string(), "country (named, abbreviated, demonym or capital-as-government) "
        "or place (a city or first-level division)", nullable=False),
    col("country_code", pa.string(), "ISO 3166-1 alpha-2 of the country meant",
        nullable=False),
    col("name", pa.string(), "canonical name of the country or place", nullable=False),
    col("surface", pa.string(), "the text as written", nullable=False),
    col("field", pa.string(), "title or body", nullable=False),
    col("start", pa.int32(), "offset of the first character in that field (0-based, "
        "code points)", nullable=False),
    col("end", pa.int32(), "offset after the last character: field[start:end] == surface",
        nullable=False),
    col("method", pa.string(), "name, abbreviation, demonym, capital, city or division",
        nullable=False),
    col("geonames_id", pa.int64(), "GeoNames id of a place; null for countries"),
])

TOPIC = pa.schema([
    col("article_id", pa.string(), "the article (see article)", nullable=False),
    col("topic_code", pa.string(), "IPTC Media Topic code, e.g. medtop:11000000",
        nullable=False),
    col("topic", pa.string(), "the topic's official label", nullable=False),
    col("score", pa.float64(), "0 to 1", nullable=False),
    col("rank", pa.int16(), "1 = the article's main topic", nullable=False),
    col("method", pa.string(), "how the score was made: lexicon, lexicon+model or fallback",
        nullable=False),
])

ENTITY = pa.schema([
    col("article_id", pa.string(), "the article (see article)", nullable=False),
    col("kind", pa.string(), "person or organization", nullable=False),
    col("name", pa.string(), "canonical name: no title or honorific, no possessive, no middle "
        "initial; a short form (\"Landau\", \"Mr. Park\", \"the LDP\") takes the full name the "
        "article writes elsewhere", nullable=False),
    col("surface", pa.string(), "the text as written (without title or possessive)",
        nullable=False),
    col("field", pa.string(), "title or body", nullable=False),
    col("start", pa.int32(), "offset of the first character in that field (0-based, "
        "code points)", nullable=False),
    col("end", pa.int32(), "offset after the last character: field[start:end] == surface",
        nullable=False),
    col("method", pa.string(), "how it was found: lexicon (a known organization or a family name "
        "written first), title, given_name, surname, suffix (an organization word), acronym or "
        "coreference", nullable=False),
])

DUMP = pa.schema([
    col("dump_id", pa.string(), "hash of the path: one id per raw file (content: sha256)",
        nullable=False),
    col("path", pa.string(), "path relative to the raw folder", nullable=False),
    col("sha256", pa.string(), "SHA-256 of the file's bytes"),
    col("size_bytes", pa.int64(), "file size", nullable=False),
    col("mtime_ns", pa.int64(), "modification time (ns since the epoch)", nullable=False),
    col("format", pa.string(), "daily8, json, html, warc, ... (+gzip when compressed)",
        nullable=False),
    col("status", pa.string(), "ingested, partial (some lines refused), skipped or rejected",
        nullable=False),
    col("articles", pa.int32(), "articles parsed from the dump", nullable=False),
    col("articles_new", pa.int32(), "of those, new to the warehouse", nullable=False),
    col("rejects", pa.int32(), "refused lines, records or the whole file", nullable=False),
    col("rejects_by_reason", pa.string(), "JSON object: reason -> count (details in reject)",
        nullable=False),
    col("skipped", pa.int32(), "records deliberately not ingested (WARC redirects, ...)",
        nullable=False),
    col("skipped_by_reason", pa.string(), "JSON object: reason -> count", nullable=False),
    col("captured_at", UTC_TS, "capture time used for relative dates", nullable=False),
    col("run_id", pa.string(), "the run that read this content", nullable=False),
    col("processed_at", UTC_TS, "when that run finished", nullable=False),
])

REJECT = pa.schema([
    col("dump_id", pa.string(), "the dump (see dump)", nullable=False),
    col("path", pa.string(), "path relative to the raw folder", nullable=False),
    col("sha256", pa.string(), "SHA-256 of the file's bytes"),
    col("reason", pa.string(), "stable code, e.g. listing_page, malformed_json, too_large",
        nullable=False),
    col("detail", pa.string(), "what was wrong, in words", nullable=False),
    col("location", pa.string(), "line or record within the file; null for the whole file"),
    col("run_id", pa.string(), "the run that refused it", nullable=False),
])

RUN = pa.schema([
    col("run_id", pa.string(), "start time and a random suffix", nullable=False),
    col("started_at", UTC_TS, "", nullable=False),
    col("finished_at", UTC_TS, "", nullable=False),
    col("dumps_seen", pa.int32(), "files in raw/", nullable=False),
    col("dumps_new", pa.int32(), "", nullable=False),
    col("dumps_changed", pa.int32(), "", nullable=False),
    col("dumps_unchanged", pa.int32(), "", nullable=False),
    col("dumps_rejected", pa.int32(), "files refused whole", nullable=False),
    col("articles_parsed", pa.int32(), "", nullable=False),
    col("articles_new", pa.int32(), "", nullable=False),
    col("articles_updated", pa.int32(), "replaced by a fuller copy", nullable=False),
    col("articles_duplicate", pa.int32(), "seen before, kept as they were", nullable=False),
    col("mentions_new", pa.int32(), "", nullable=False),
    col("topics_new", pa.int32(), "", nullable=False),
    col("entities_new", pa.int32(), "person and organization rows added", nullable=False),
    col("rejects_new", pa.int32(), "", nullable=False),
])

STORY_SIGNATURE = pa.schema([
    col("article_id", pa.string(), "the article (see article)", nullable=False),
    col("story_id", pa.string(), "its story (see article.story_id)", nullable=False),
    col("day", pa.date32(), "published_date, else the UTC date of first_seen_at: the story "
        "join compares articles within a few days of each other", nullable=False),
    col("shingles", pa.int32(), "word 4-grams in the text without boilerplate", nullable=False),
    col("signature", pa.binary(SIGNATURE_BYTES), "MinHash slots, little-endian uint32: 128 "
        "over the whole text, then 32 over its first 48 shingles (transforms/stories.py)",
        nullable=False),
])

# Tables that hold one row per article plus rows keyed by article_id; their files are written and
# rewritten together, one part per table with the same name, so an article and its mentions,
# topics, entities and story signature are always published in one step.
ARTICLE_TABLES = {"article": ARTICLE, "mention": MENTION, "topic": TOPIC, "entity": ENTITY,
                  "story_signature": STORY_SIGNATURE}
# Tables rewritten whole each run (small: one row per raw file, per refusal, per run).
LEDGER_TABLES = {"dump": DUMP, "reject": REJECT, "run": RUN}
TABLES = {**ARTICLE_TABLES, **LEDGER_TABLES}
