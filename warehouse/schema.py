"""Parquet schemas: the one place where table column names and types are defined."""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")

ARTICLE = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("source", pa.string()),
    pa.field("title", pa.string(), nullable=False),
    pa.field("body", pa.string(), nullable=False),
    pa.field("url", pa.string()),
    pa.field("published_at", UTC_TS),
    pa.field("published_date", pa.date32()),
    pa.field("date_precision", pa.string(), nullable=False),
    pa.field("date_text", pa.string()),
    pa.field("language", pa.string()),
    pa.field("word_count", pa.int32(), nullable=False),
    pa.field("body_chars", pa.int32(), nullable=False),
    pa.field("position", pa.string(), nullable=False),
    pa.field("title_key", pa.string(), nullable=False),
    pa.field("dump_id", pa.string(), nullable=False),
    pa.field("first_seen_at", UTC_TS, nullable=False),
])

MENTION = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("kind", pa.string(), nullable=False),
    pa.field("country_code", pa.string(), nullable=False),
    pa.field("name", pa.string(), nullable=False),
    pa.field("surface", pa.string(), nullable=False),
    pa.field("field", pa.string(), nullable=False),
    pa.field("start", pa.int32(), nullable=False),
    pa.field("end", pa.int32(), nullable=False),
    pa.field("method", pa.string(), nullable=False),
    pa.field("geonames_id", pa.int64()),
])

TOPIC = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("topic_code", pa.string(), nullable=False),
    pa.field("topic", pa.string(), nullable=False),
    pa.field("score", pa.float64(), nullable=False),
    pa.field("rank", pa.int16(), nullable=False),
    pa.field("method", pa.string(), nullable=False),
])

DUMP = pa.schema([
    pa.field("dump_id", pa.string(), nullable=False),
    pa.field("path", pa.string(), nullable=False),
    pa.field("sha256", pa.string()),
    pa.field("size_bytes", pa.int64(), nullable=False),
    pa.field("mtime_ns", pa.int64(), nullable=False),
    pa.field("format", pa.string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),  # ingested, partial, rejected
    pa.field("articles", pa.int32(), nullable=False),  # articles parsed from this dump
    pa.field("articles_new", pa.int32(), nullable=False),  # of those, new to the warehouse
    pa.field("rejects", pa.int32(), nullable=False),
    pa.field("skipped", pa.int32(), nullable=False),
    pa.field("skipped_by_reason", pa.string(), nullable=False),  # JSON object: reason -> count
    pa.field("captured_at", UTC_TS, nullable=False),
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("processed_at", UTC_TS, nullable=False),
])

REJECT = pa.schema([
    pa.field("dump_id", pa.string(), nullable=False),
    pa.field("path", pa.string(), nullable=False),
    pa.field("sha256", pa.string()),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("detail", pa.string(), nullable=False),
    pa.field("location", pa.string()),
    pa.field("run_id", pa.string(), nullable=False),
])

RUN = pa.schema([
    pa.field("run_id", pa.string(), nullable=False),
    pa.field("started_at", UTC_TS, nullable=False),
    pa.field("finished_at", UTC_TS, nullable=False),
    pa.field("dumps_seen", pa.int32(), nullable=False),
    pa.field("dumps_new", pa.int32(), nullable=False),
    pa.field("dumps_changed", pa.int32(), nullable=False),
    pa.field("dumps_unchanged", pa.int32(), nullable=False),
    pa.field("dumps_rejected", pa.int32(), nullable=False),
    pa.field("articles_parsed", pa.int32(), nullable=False),
    pa.field("articles_new", pa.int32(), nullable=False),
    pa.field("articles_updated", pa.int32(), nullable=False),
    pa.field("articles_duplicate", pa.int32(), nullable=False),
    pa.field("mentions_new", pa.int32(), nullable=False),
    pa.field("topics_new", pa.int32(), nullable=False),
    pa.field("rejects_new", pa.int32(), nullable=False),
])

# Tables that hold one row per article plus rows keyed by article_id; their files are written and
# rewritten together, one part per table with the same name, so an article and its mentions and
# topics are always published in one step.
ARTICLE_TABLES = {"article": ARTICLE, "mention": MENTION, "topic": TOPIC}
# Tables rewritten whole each run (small: one row per raw file, per refusal, per run).
LEDGER_TABLES = {"dump": DUMP, "reject": REJECT, "run": RUN}
TABLES = {**ARTICLE_TABLES, **LEDGER_TABLES}
