"""Raw files -> Arrow tables of candidate rows: parse, normalize, extract mentions and topics,
credit wire services and sign each text for the story join.

This runs inside worker processes, one batch of dumps per call. It decides nothing about what is
new; the merge step in the main process compares the candidates with the warehouse.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import operator
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from transforms.entities import extract_entities
from transforms.formats.detect import SNIFF_BYTES, Limits, is_warc_head, read_dump, too_large
from transforms.mentions import extract_mentions
from transforms.normalize import ArticleRow, detect_language, normalize_article
from transforms.records import Article, Mention, ParsedItem, Reject
from transforms.stories import SIGNATURE_BYTES, signatures, story_text
from transforms.text import clean_text
from transforms.topics import score_topics
from warehouse import schema
from warehouse.memory import release_freed_memory
from warehouse.rawfiles import RawFile, RefusedFile, open_raw, read_raw_and_hash, sha256_of_raw

log = logging.getLogger("newsmill.ingest")

ROW = "_row"  # column linking mention/topic candidates to their article's row in the batch
# Tables of rows that belong to an article, and the BatchResult attribute holding each one's
# candidates: merge handles them all alike.
CHILDREN = {"mention": "mentions", "topic": "topics", "entity": "entities"}
CANDIDATES = {table: schema.ARTICLE_TABLES[table].append(pa.field(ROW, pa.int32(), nullable=False))
              for table in CHILDREN}
MENTION_CANDIDATE = CANDIDATES["mention"]
TOPIC_CANDIDATE = CANDIDATES["topic"]
ENTITY_CANDIDATE = CANDIDATES["entity"]
REJECT_CANDIDATE = schema.REJECT.remove(schema.REJECT.get_field_index("run_id"))
# Article candidates carry their story signature (see warehouse/merge.py's story join).
SHINGLES, SIGNATURE = "_shingles", "_signature"
ARTICLE_CANDIDATE = schema.ARTICLE.append(pa.field(SHINGLES, pa.int32(), nullable=False)) \
    .append(schema.STORY_SIGNATURE.field("signature").with_name(SIGNATURE))


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
    entities: pa.Table = field(default_factory=ENTITY_CANDIDATE.empty_table)
    # CPU seconds this batch spent per step in its worker (read+parse, normalize, mentions,
    # topics, entities, rows), so a run can tell its bottleneck even on a busy machine.
    seconds: dict[str, float] = field(default_factory=dict)


def signature_array(packed: np.ndarray) -> pa.Array:
    """Packed story signatures ((n, SIGNATURE_BYTES) uint8) as one Arrow column, no copy per row."""
    data = np.ascontiguousarray(packed, dtype=np.uint8)
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(SIGNATURE_BYTES), len(data),
                                                [None, pa.py_buffer(data.tobytes())])


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
    """Parse each (raw file, previously recorded sha256) pair into candidate rows.

    The work goes stage by stage over the whole batch (parse and normalize every file, then
    detect languages, then mentions, then topics) rather than article by article: each stage's
    tables (the fastText model, the gazetteer automaton, the topic lexicon) then stay in the CPU
    caches, which makes the batch about a third faster than interleaving them.
    """
    release_freed_memory()  # what the previous batch in this process left behind
    batch = _Batch()
    outcomes = [_ingest_file(raw, previous_sha, captured_at, limits, batch)
                for raw, previous_sha in files]
    batch.detect_languages()
    batch.extract_mentions()
    batch.score_topics()
    batch.extract_entities()
    batch.find_stories()
    started = time.thread_time()
    tables = batch.article_table(), batch.mentions.table(), batch.topics.table(), \
        batch.rejects.table()
    entities = batch.entities.table()
    batch.seconds["rows"] += time.thread_time() - started
    return BatchResult(outcomes, *tables, entities=entities, seconds=batch.seconds)


STEPS = ("read+parse", "normalize", "mentions", "topics", "entities", "stories", "rows")


class _Batch:
    """Candidate rows of one batch, filled stage by stage."""

    def __init__(self) -> None:
        self.rows: list[ArticleRow] = []
        self.dump_ids: list[str] = []
        self.first_seen: list[datetime] = []
        self.languages: list[str | None] = []
        self.wire_services: list[str | None] = []
        self.story_shingles: np.ndarray = np.zeros(0, np.int32)
        self.story_signatures: pa.Array = signature_array(np.zeros((0, SIGNATURE_BYTES)))
        self.mentions = _Columns(MENTION_CANDIDATE)
        self.topics = _Columns(TOPIC_CANDIDATE)
        self.entities = _Columns(ENTITY_CANDIDATE)
        self.found_mentions: list[list[Mention]] = []  # per article, for the entity stage
        self.rejects = _Columns(REJECT_CANDIDATE)
        self.seconds = dict.fromkeys(STEPS, 0.0)

    def add_article(self, row: ArticleRow, outcome: DumpOutcome) -> None:
        self.rows.append(row)
        self.dump_ids.append(outcome.dump_id)
        self.first_seen.append(row.captured_at or outcome.captured_at)
        self.languages.append(row.language)
        outcome.articles += 1

    def detect_languages(self) -> None:
        """Language of every article whose input declared none."""
        started = time.thread_time()
        languages, rows = self.languages, self.rows
        for index, language in enumerate(languages):
            if language is None:
                languages[index] = detect_language(rows[index].title, rows[index].body)
        self.seconds["normalize"] += time.thread_time() - started

    def extract_mentions(self) -> None:
        # The article's language picks the local names; the outlet's country is weak evidence.
        languages, found = self.languages, self.found_mentions

        def mentions(index: int, row: ArticleRow) -> list[Mention]:
            records = extract_mentions(row.title, row.body, language=languages[index],
                                       source_country=row.source_country)
            found.append(records)
            return records

        self._add_children(self.mentions, mentions, "mentions")

    def extract_entities(self) -> None:
        """Persons and organizations; each article's mentions say which spans are places."""
        languages, found = self.languages, self.found_mentions

        def entities(index: int, row: ArticleRow) -> list[Any]:
            return extract_entities(row.title, row.body, found[index],
                                    language=languages[index], source=row.source)

        self._add_children(self.entities, entities, "entities")
        self.found_mentions = []

    def score_topics(self) -> None:
        # Each article's language picks its lexicon.
        languages = self.languages
        self._add_children(self.topics, lambda index, row: score_topics(
            row.title, row.body, languages[index]), "topics")

    def find_stories(self) -> None:
        """Each article's wire credit and story signature: the story join in the flow process
        then only compares signatures."""
        started = time.thread_time()
        prepared = [story_text(row.title, row.body) for row in self.rows]
        self.wire_services = [wire for _, wire in prepared]
        sigs = signatures([text for text, _ in prepared])
        self.story_shingles = sigs.shingles  # int32 already: Arrow takes it without a list
        self.story_signatures = signature_array(sigs.packed_matrix())
        self.seconds["stories"] += time.thread_time() - started

    def _add_children(self, target: _Columns,
                      produce: Callable[[int, ArticleRow], Iterable[Any]],
                      step: str) -> None:
        """Rows of `target` for what `produce(index, row)` finds in each article: the record's
        fields by column name, plus the article's id and row in the batch. The records of the
        whole batch are gathered first, then each column is filled by one `map` over them: this
        runs for every mention of every article, and a C-level map per column costs a fraction
        of a Python loop over every record's fields."""
        started = time.thread_time()
        records: list[Any] = []
        gather = records.extend
        article_ids, row_numbers = target.columns["article_id"].extend, target.columns[ROW].extend
        for index, row in enumerate(self.rows):
            found = produce(index, row)
            if not isinstance(found, list):
                found = list(found)
            if found:
                gather(found)
                count = len(found)
                article_ids([row.article_id] * count)
                row_numbers([index] * count)
        for name in target.schema.names:
            if name not in ("article_id", ROW):
                target.columns[name].extend(map(operator.attrgetter(name), records))
        self.seconds[step] += time.thread_time() - started

    def article_table(self) -> pa.Table:
        rows = self.rows
        columns: dict[str, Any] = {  # map(attrgetter) per column: no Python loop per row
            name: list(map(operator.attrgetter(name), rows)) for name in _ROW_COLUMNS}
        columns["language"] = self.languages
        columns["dump_id"] = self.dump_ids
        columns["first_seen_at"] = self.first_seen
        columns["story_id"] = [None] * len(rows)  # decided by the merge's story join
        columns["wire_service"] = self.wire_services
        columns[SHINGLES] = self.story_shingles
        columns[SIGNATURE] = self.story_signatures
        return pa.table([columns[name] for name in ARTICLE_CANDIDATE.names],
                        schema=ARTICLE_CANDIDATE)


# Article columns taken as they are from the normalized row.
_ROW_COLUMNS = tuple(name for name in schema.ARTICLE.names
                     if name not in ("language", "dump_id", "first_seen_at", "story_id",
                                     "wire_service"))


def _capture_time(raw: RawFile, captured_at: datetime | None) -> datetime:
    if captured_at is not None:
        return captured_at
    return datetime.fromtimestamp(raw.mtime_ns / 1e9, tz=UTC)


def _ingest_file(
    raw: RawFile,
    previous_sha: str | None,
    captured_at: datetime | None,
    limits: Limits,
    batch: _Batch,
) -> DumpOutcome:
    """Read, parse and normalize one file into `batch`; mentions and topics come later."""
    started = time.thread_time()
    seconds = batch.seconds
    outcome = DumpOutcome(raw, dump_id_for(raw.path), None, "unread",
                          _capture_time(raw, captured_at))
    capture = outcome.captured_at
    rejects = batch.rejects
    if raw.refused:
        if raw.refused in QUARANTINE_REASONS:
            # Its bytes are recorded, so the next run skips it until they change.
            with contextlib.suppress(OSError):
                outcome.sha256 = sha256_of_raw(raw)
        _refuse(outcome, rejects, Reject(raw.refused, _REFUSAL_DETAIL[raw.refused]))
        return outcome
    content: bytes | None = None  # the whole file, read once for hash and parse
    try:
        if raw.size_bytes > limits.max_file_bytes:
            if not is_warc_head(_head(raw)):
                # Refused for size: don't read a gigabyte just to hash it.
                _refuse(outcome, rejects, too_large(raw.size_bytes, limits))
                return outcome
            sha = sha256_of_raw(raw)  # a big WARC is hashed, then streamed
        else:
            sha, content = read_raw_and_hash(raw)
    except RefusedFile as err:
        _refuse(outcome, rejects, Reject(err.reason, _REFUSAL_DETAIL[err.reason]))
        return outcome
    except OSError as err:
        _refuse(outcome, rejects, Reject("vanished", f"could not read the file: {err.strerror}"))
        return outcome
    finally:
        seconds["read+parse"] += time.thread_time() - started
    outcome.sha256, outcome.format = sha, "unknown"
    if sha == previous_sha:
        outcome.unchanged = True
        return outcome
    if _CRASH_MARKER and content is not None and _CRASH_MARKER in content:
        os._exit(70)  # test hook only: see _CRASH_MARKER
    started = time.thread_time()
    # Parsed items wait here and are taken into the batch in runs of up to _TAKE_EVERY, each run
    # timed as a whole: reading the CPU clock around every article cost more than a tenth of
    # normalizing it. The order of rows, and of the rejects among them, is the parser's.
    pending: list[ParsedItem] = []
    normalizing = 0.0

    def take() -> None:
        nonlocal normalizing
        begun = time.thread_time()
        try:
            for item in pending:
                if isinstance(item, Article):
                    _add_article(item, outcome, batch)
                elif isinstance(item, Reject):
                    _refuse(outcome, rejects, item)
                else:
                    skipped = outcome.skipped_by_reason
                    skipped[item.reason] = skipped.get(item.reason, 0) + 1
        finally:
            pending.clear()  # after a failure too: what follows it is never taken
            normalizing += time.thread_time() - begun

    error: Exception | None = None
    try:
        with contextlib.ExitStack() as stack:
            source = content if content is not None else stack.enter_context(open_raw(raw))
            size = len(content) if content is not None else raw.size_bytes
            dump = read_dump(source, size=size, captured_at=capture, limits=limits,
                             name=raw.path)
            outcome.format = dump.format
            for item in dump.items:
                pending.append(item)
                if len(pending) >= _TAKE_EVERY:
                    take()
    except Exception as err:  # a parser bug must cost one file, never the run
        error = err
    try:
        take()  # what was parsed before the end or the error, in order
    except Exception as err:
        error = err  # it came earlier in the file than any parser error
    if isinstance(error, RefusedFile):
        _refuse(outcome, rejects, Reject(error.reason, _REFUSAL_DETAIL[error.reason]))
    elif isinstance(error, OSError):
        _refuse(outcome, rejects,
                Reject("vanished", f"the file went away mid-read: {error.strerror}"))
    elif error is not None:
        log.error("parser failed on %s", raw.path, exc_info=error)
        # The type only: an exception's message may quote the file's content.
        _refuse(outcome, rejects,
                Reject("parse_error", f"the parser failed ({type(error).__name__})"))
    seconds["read+parse"] += time.thread_time() - started - normalizing
    seconds["normalize"] += normalizing
    if outcome.articles == 0 and outcome.rejects == 0 and not outcome.skipped_by_reason:
        _refuse(outcome, rejects, Reject("no_article", "the dump holds no article"))
    return outcome


_REFUSAL_DETAIL = {
    "symlink_outside_raw": "a symlink pointing outside the raw folder is never followed",
    "not_a_regular_file": "not a regular file (device, socket or fifo)",
    "unreadable": "the file could not be opened (permissions, or it vanished)",
    "worker_crash": "the parser's process died on this file; it is skipped until the file "
                    "changes",
    "worker_error": "the parser failed on this file outside its per-file guard; it is skipped "
                    "until the file changes",
}
# Files a parse worker could not survive: set aside, never retried while their bytes are the same.
QUARANTINE_REASONS = frozenset({"worker_crash", "worker_error"})
# Test hook for the worker-crash path: a worker whose environment names this marker exits hard
# on a file containing it, as a segfaulting C extension would. Unset in normal runs.
_CRASH_MARKER = os.environ.get("NEWSMILL_TEST_CRASH_MARKER", "").encode("utf-8", "replace")


def quarantined(raw: RawFile, reason: str) -> RawFile:
    """The raw file marked so that ingest_batch records it as refused for `reason`."""
    return dataclasses.replace(raw, refused=reason)


def concat_results(results: list[BatchResult]) -> BatchResult:
    """One BatchResult from several, in order (rows of a later part are renumbered)."""
    if len(results) == 1:
        return results[0]
    offset = 0
    mentions, topics = [], []
    for result in results:
        mentions.append(_shift_rows(result.mentions, offset))
        topics.append(_shift_rows(result.topics, offset))
        offset += result.articles.num_rows
    seconds: dict[str, float] = dict.fromkeys(STEPS, 0.0)
    for result in results:
        for step, value in result.seconds.items():
            seconds[step] = seconds.get(step, 0.0) + value
    return BatchResult(
        [outcome for result in results for outcome in result.dumps],
        pa.concat_tables([r.articles for r in results]),
        pa.concat_tables(mentions),
        pa.concat_tables(topics),
        pa.concat_tables([r.rejects for r in results]),
        seconds=seconds,
    )


def _shift_rows(table: pa.Table, offset: int) -> pa.Table:
    if not offset or not table.num_rows:
        return table
    import pyarrow.compute as pc

    index = table.schema.get_field_index(ROW)
    shifted = pc.add(table.column(ROW), pa.scalar(offset, pa.int32())).cast(pa.int32())
    return table.set_column(index, table.schema.field(ROW), shifted)


def _head(raw: RawFile) -> bytes:
    with open_raw(raw) as handle:
        return handle.read(SNIFF_BYTES)


def _refuse(outcome: DumpOutcome, rejects: _Columns, reject: Reject) -> None:
    if reject.location is None:
        outcome.whole_file_rejected = True
    outcome.rejects += 1
    outcome.rejects_by_reason[reject.reason] = outcome.rejects_by_reason.get(reject.reason, 0) + 1
    # A location names a line or a record; a WARC record id comes from the file, so it is capped.
    location = clean_text(reject.location)[:_MAX_LOCATION] if reject.location else None
    rejects.add(dump_id=outcome.dump_id, path=outcome.raw.path, sha256=outcome.sha256,
                reason=reject.reason, detail=clean_text(reject.detail), location=location)


def _add_article(item: Article, outcome: DumpOutcome, batch: _Batch) -> None:
    row = normalize_article(item, detect=False)
    if not row.title and not row.body:
        _refuse(outcome, batch.rejects, Reject(
            "no_article", "an item with neither title nor body",
            f"item {outcome.articles + outcome.rejects + 1}"))
        return
    batch.add_article(row, outcome)


_MAX_LOCATION = 200
_TAKE_EVERY = 256  # parsed items normalized per timed run (see _ingest_file)


def counts_json(counts: dict[str, int]) -> str:
    """Counts by reason as a small JSON object, sorted for stable output."""
    return json.dumps(dict(sorted(counts.items())))

