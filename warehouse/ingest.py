"""Raw files -> Arrow tables of candidate rows: parse, normalize, extract mentions and topics.

This runs inside worker processes, one batch of dumps per call. It decides nothing about what is
new; the merge step in the main process compares the candidates with the warehouse.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from transforms.formats.detect import SNIFF_BYTES, Limits, is_warc_head, read_dump, too_large
from transforms.mentions import extract_mentions
from transforms.normalize import normalize_article
from transforms.records import Article, Reject, Skip
from transforms.topics import score_topics
from warehouse import schema
from warehouse.rawfiles import RawFile, sha256_of

log = logging.getLogger("newsmill.ingest")

ROW = "_row"  # column linking mention/topic candidates to their article's row in the batch
MENTION_CANDIDATE = schema.MENTION.append(pa.field(ROW, pa.int32(), nullable=False))
TOPIC_CANDIDATE = schema.TOPIC.append(pa.field(ROW, pa.int32(), nullable=False))
REJECT_CANDIDATE = schema.REJECT.remove(schema.REJECT.get_field_index("run_id"))


@dataclass(slots=True)
class DumpOutcome:
    """What one raw file turned into; becomes its row in the dump manifest."""

    raw: RawFile
    dump_id: str
    sha256: str | None
    format: str
    captured_at: datetime
    articles: int = 0
    rejects: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    unchanged: bool = False  # same bytes as the manifest already records (only the mtime moved)
    whole_file_rejected: bool = False


@dataclass(slots=True)
class BatchResult:
    """Candidate rows from one batch of dumps, in file order then page order."""

    dumps: list[DumpOutcome]
    articles: pa.Table
    mentions: pa.Table
    topics: pa.Table
    rejects: pa.Table
    # CPU seconds this batch spent per step in its worker (read+parse, normalize, mentions,
    # topics, rows), so a run can tell its bottleneck even on a busy machine.
    seconds: dict[str, float] = field(default_factory=dict)


def dump_id_for(path: str) -> str:
    """One id per raw file, whatever its content (the manifest keeps its latest sha256), so every
    article's dump_id always finds its manifest row, also after the file changed."""
    return hashlib.sha256(path.encode()).hexdigest()[:16]


class _Columns:
    """Accumulates rows column by column, then builds one Arrow table."""

    def __init__(self, table_schema: pa.Schema) -> None:
        self.schema = table_schema
        self.columns: dict[str, list[Any]] = {name: [] for name in table_schema.names}

    def add(self, **values: Any) -> None:
        for name, column in self.columns.items():
            column.append(values.get(name))

    def table(self) -> pa.Table:
        return pa.table(self.columns, schema=self.schema)


def ingest_batch(
    files: list[tuple[RawFile, str | None]],
    *,
    captured_at: datetime | None,
    limits: Limits,
) -> BatchResult:
    """Parse each (raw file, previously recorded sha256) pair into candidate rows."""
    articles = _Columns(schema.ARTICLE)
    mentions = _Columns(MENTION_CANDIDATE)
    topics = _Columns(TOPIC_CANDIDATE)
    rejects = _Columns(REJECT_CANDIDATE)
    outcomes = []
    seconds = dict.fromkeys(STEPS, 0.0)
    for raw, previous_sha in files:
        outcome = _ingest_file(raw, previous_sha, captured_at, limits, articles, mentions,
                               topics, rejects, seconds)
        outcomes.append(outcome)
    started = time.thread_time()
    tables = articles.table(), mentions.table(), topics.table(), rejects.table()
    seconds["rows"] += time.thread_time() - started
    return BatchResult(outcomes, *tables, seconds=seconds)


STEPS = ("read+parse", "normalize", "mentions", "topics", "rows")


def _timed(items: Iterable[Any], seconds: dict[str, float], step: str) -> Iterator[Any]:
    """The items of a lazy parser, adding the time spent producing them to `step`."""
    iterator = iter(items)
    while True:
        started = time.thread_time()
        try:
            item = next(iterator)
        except StopIteration:
            seconds[step] += time.thread_time() - started
            return
        seconds[step] += time.thread_time() - started
        yield item


def _capture_time(raw: RawFile, captured_at: datetime | None) -> datetime:
    if captured_at is not None:
        return captured_at
    return datetime.fromtimestamp(raw.mtime_ns / 1e9, tz=UTC)


def _ingest_file(
    raw: RawFile,
    previous_sha: str | None,
    captured_at: datetime | None,
    limits: Limits,
    articles: _Columns,
    mentions: _Columns,
    topics: _Columns,
    rejects: _Columns,
    seconds: dict[str, float],
) -> DumpOutcome:
    started = time.thread_time()
    outcome = DumpOutcome(raw, dump_id_for(raw.path), None, "unread",
                          _capture_time(raw, captured_at))
    capture = outcome.captured_at
    if raw.refused:
        _refuse(outcome, rejects, Reject(raw.refused, _REFUSAL_DETAIL[raw.refused]))
        return outcome
    try:
        if raw.size_bytes > limits.max_file_bytes and not is_warc_head(_head(raw.absolute)):
            # Refused for size: don't read a gigabyte just to hash it.
            _refuse(outcome, rejects, too_large(raw.size_bytes, limits))
            return outcome
        sha = sha256_of(raw.absolute)
        seconds["read+parse"] += time.thread_time() - started
    except OSError as err:
        _refuse(outcome, rejects, Reject("vanished", f"could not read the file: {err.strerror}"))
        return outcome
    outcome.sha256, outcome.format = sha, "unknown"
    if sha == previous_sha:
        outcome.unchanged = True
        return outcome
    try:
        with open(raw.absolute, "rb") as stream:
            started = time.thread_time()
            dump = read_dump(stream, size=raw.size_bytes, captured_at=capture, limits=limits,
                             name=raw.path)
            seconds["read+parse"] += time.thread_time() - started
            outcome.format = dump.format
            for item in _timed(dump.items, seconds, "read+parse"):
                _add_item(item, outcome, articles, mentions, topics, rejects, seconds)
    except OSError as err:
        _refuse(outcome, rejects, Reject("vanished", f"the file went away mid-read: {err}"))
    except Exception as err:  # a parser bug must cost one file, never the run
        log.exception("parser failed on %s", raw.path)
        _refuse(outcome, rejects, Reject("parse_error", f"{type(err).__name__}: {err}"))
    if outcome.articles == 0 and outcome.rejects == 0 and not outcome.skipped_by_reason:
        _refuse(outcome, rejects, Reject("no_article", "the dump holds no article"))
    return outcome


_REFUSAL_DETAIL = {
    "symlink_outside_raw": "a symlink pointing outside the raw folder is never followed",
    "not_a_regular_file": "not a regular file (device, socket or fifo)",
    "unreadable": "the file could not be opened (permissions, or it vanished)",
}


def _head(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def _refuse(outcome: DumpOutcome, rejects: _Columns, reject: Reject) -> None:
    if reject.location is None:
        outcome.whole_file_rejected = True
    outcome.rejects += 1
    outcome.rejects_by_reason[reject.reason] = outcome.rejects_by_reason.get(reject.reason, 0) + 1
    rejects.add(dump_id=outcome.dump_id, path=outcome.raw.path, sha256=outcome.sha256,
                reason=reject.reason, detail=reject.detail, location=reject.location)


def _add_item(
    item: Article | Reject | Skip,
    outcome: DumpOutcome,
    articles: _Columns,
    mentions: _Columns,
    topics: _Columns,
    rejects: _Columns,
    seconds: dict[str, float],
) -> None:
    if isinstance(item, Reject):
        _refuse(outcome, rejects, item)
        return
    if isinstance(item, Skip):
        outcome.skipped_by_reason[item.reason] = outcome.skipped_by_reason.get(item.reason, 0) + 1
        return
    started = time.thread_time()
    row = normalize_article(item)
    seconds["normalize"] += time.thread_time() - started
    if not row.title and not row.body:
        _refuse(outcome, rejects, Reject("no_article", "an item with neither title nor body",
                                         f"item {outcome.articles + outcome.rejects + 1}"))
        return
    index = len(articles.columns["article_id"])
    first_seen = row.captured_at or outcome.captured_at
    articles.add(
        article_id=row.article_id, source=row.source, title=row.title, body=row.body,
        url=row.url, published_at=row.published_at, published_date=row.published_date,
        date_precision=row.date_precision, date_text=row.date_text, language=row.language,
        word_count=row.word_count, body_chars=row.body_chars, position=row.position,
        title_key=row.title_key, dump_id=outcome.dump_id, first_seen_at=first_seen,
    )
    outcome.articles += 1
    started = time.thread_time()
    found = extract_mentions(row.title, row.body)
    seconds["mentions"] += time.thread_time() - started
    for mention in found:
        mentions.add(
            article_id=row.article_id, kind=mention.kind, country_code=mention.country_code,
            name=mention.name, surface=mention.surface, field=mention.field,
            start=mention.start, end=mention.end, method=mention.method,
            geonames_id=mention.geonames_id, _row=index,
        )
    started = time.thread_time()
    scores = score_topics(row.title, row.body)
    seconds["topics"] += time.thread_time() - started
    for topic in scores:
        topics.add(
            article_id=row.article_id, topic_code=topic.topic_code, topic=topic.topic,
            score=topic.score, rank=topic.rank, method=topic.method, _row=index,
        )


def counts_json(counts: dict[str, int]) -> str:
    """Counts by reason as a small JSON object, sorted for stable output."""
    return json.dumps(dict(sorted(counts.items())))

