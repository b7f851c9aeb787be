"""Dedup candidate rows against the warehouse and write them into a new generation.

One story, one row: candidates are matched by article_id, and a URL-less article whose dump named
no source (Daily8's compact pages) is matched by title to the sourced copy of the same story. The
row kept is the one with the fullest body; missing fields are filled from the other copy. Rows of
this run are buffered and flushed in parts; rows already in the warehouse are dropped or re-keyed by
rewriting their part, with its child rows (mentions, topics, entities), in the new generation.
"""

from __future__ import annotations

import logging
import operator
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse import schema, stories
from warehouse.ingest import (
    ARTICLE_CANDIDATE,
    CANDIDATES,
    CHILDREN,
    REJECT_CANDIDATE,
    ROW,
    BatchResult,
)
from warehouse.memory import release_freed_memory
from warehouse.store import PART_PREFIX, Generation

log = logging.getLogger("newsmill.merge")

BUFFER = "<buffer>"
# Articles per part. The buffer holds this many rows' batches until it flushes, and the flush
# itself briefly doubles that, so this bounds the flow process's memory (10k: about 75 MB).
FLUSH_ROWS = 10_000
# Fields a kept row borrows from the copy it replaces when it has none of its own. The date fields
# move together, from whichever copy dates the story more precisely.
FILLABLE = ("source", "url", "language", "source_country")
DATE_FIELDS = ("published_at", "published_date", "date_precision", "date_text")
PRECISION_RANK = {"exact": 3, "day": 2, "relative": 1, "unknown": 0}
_INDEX_COLUMNS = ["article_id", "title_key", "source", "url", "body_chars", "first_seen_at",
                  "published_at", "published_date", "date_precision", "date_text", "language",
                  "source_country"]
# Times are kept as integers (microseconds, days) while deciding: Arrow hands them over ten times
# faster than as datetime objects, they take half the memory, and they compare the same way.
_TIME_AS_INT = {"first_seen_at": pa.int64(), "published_at": pa.int64(),
                "published_date": pa.int32()}
_INDEX_SCHEMA = pa.schema([pa.field(name, _TIME_AS_INT.get(name, schema.ARTICLE.field(name).type))
                           for name in _INDEX_COLUMNS])
# What a decision reads of a candidate. Decisions change only index columns, so the buffer keeps
# these as Python values (for decided rows only) and takes every other column (title, body, ...)
# from the batch's Arrow table when it flushes: no Python copy of the texts.
_DECISION_COLUMNS = [*_INDEX_COLUMNS, "dump_id"]
_index_values = operator.itemgetter(*_INDEX_COLUMNS)


@dataclass(slots=True)
class Entry:
    """A kept article while a batch is being decided: enough to compare, fill and locate it."""

    part: str
    row: tuple[Any, ...]  # the _INDEX_COLUMNS of the kept row, in that order
    slot: int | None = None  # its row in the ArticleIndex; None until the batch is folded in

    @property
    def values(self) -> dict[str, Any]:
        return dict(zip(_INDEX_COLUMNS, self.row, strict=True))


DEAD = -2  # ArticleIndex.part_of value of a row that no longer describes a kept article
IN_BUFFER = -1  # ... of a row kept in this run and not yet written


class ArticleIndex:
    """The index columns of every kept article, as Arrow tables, not Python objects.

    A run never holds a Python object per article of the warehouse: each batch looks up only
    the rows its candidates could match (same id, or same title among URL-less rows), decides
    those in Python, and folds its decisions back in as a new chunk. A row that is replaced is
    marked dead, never edited. About 150 bytes per article instead of about 1.5 KB.
    """

    def __init__(self) -> None:
        self.chunks: list[pa.Table] = []
        self.starts: list[int] = []  # first slot of each chunk
        self.size = 0
        self.part_of = array("i")  # per slot: index into part_names, IN_BUFFER or DEAD
        self.part_names: list[str] = []
        self._part_numbers: dict[str, int] = {}

    def append(self, table: pa.Table, parts: list[str]) -> int:
        """Add rows (columns _INDEX_SCHEMA) kept in `parts` (one per row); first slot returned."""
        first = self.size
        if not table.num_rows:
            return first
        self.chunks.append(table)
        self.starts.append(first)
        self.size += table.num_rows
        self.part_of.extend(self.part_number(part) for part in parts)
        if len(self.chunks) > 32:  # fewer, bigger chunks keep each lookup a few Arrow calls
            self.chunks = [pa.concat_tables(self.chunks).combine_chunks()]
            self.starts = [0]
        return first

    def part_number(self, part: str) -> int:
        if part == BUFFER:
            return IN_BUFFER
        if part not in self._part_numbers:
            self._part_numbers[part] = len(self.part_names)
            self.part_names.append(part)
        return self._part_numbers[part]

    def part(self, slot: int) -> str:
        number = self.part_of[slot]
        return BUFFER if number == IN_BUFFER else self.part_names[number]

    def matches(self, ids: pa.Array, titles: pa.Array) -> list[int]:
        """Live slots whose article_id is in `ids`, or URL-less ones whose title_key is in
        `titles`."""
        alive_all = np.frombuffer(self.part_of, dtype=np.int32) != DEAD
        found: list[int] = []
        for start, chunk in zip(self.starts, self.chunks, strict=True):
            hit = pc.or_(
                pc.is_in(chunk["article_id"], value_set=ids),
                pc.and_(pc.is_null(chunk["url"]), pc.is_in(chunk["title_key"], value_set=titles)))
            hit = pc.and_(hit, pa.array(alive_all[start:start + chunk.num_rows]))
            found.extend(start + i for i in pc.indices_nonzero(hit).to_pylist())
        return found

    def rows(self, slots: list[int]) -> list[dict[str, Any]]:
        """The index values of `slots`, as decision rows."""
        if not slots:
            return []
        ordered = sorted(slots)
        taken = []
        for start, chunk in zip(self.starts, self.chunks, strict=True):
            local = [slot - start for slot in ordered if start <= slot < start + chunk.num_rows]
            if local:
                taken.append(chunk.take(pa.array(local, pa.int64())))
        table = pa.concat_tables(taken)
        by_slot = dict(zip(ordered, _decision_rows(table, _INDEX_COLUMNS), strict=True))
        return [by_slot[slot] for slot in slots]


@dataclass(slots=True)
class PartEdit:
    """Changes to a part that is already written: rows to drop, and rows to re-key or patch.

    `rekey` is keyed by the id the row has in the file; `renamed` maps an id given in this run
    back to that file id, so a row can be re-keyed and then patched again before the part is
    rewritten. `drop` holds current ids.
    """

    drop: set[str] = field(default_factory=set)
    rekey: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)

    def change(self, current_id: str, new_id: str, patch: dict[str, Any]) -> None:
        file_id = self.renamed.pop(current_id, current_id)
        _, earlier = self.rekey.get(file_id, (current_id, {}))
        self.rekey[file_id] = (new_id, {**earlier, **patch})
        self.renamed[new_id] = file_id
        self.drop.discard(current_id)


@dataclass(slots=True)
class MergeCounts:
    """What a run changed: articles new, updated (a fuller or re-keyed copy) or duplicate, and the
    net child rows added (one count per table of ingest.CHILDREN, named like its attribute)."""

    new: int = 0
    updated: int = 0
    duplicate: int = 0
    mentions: int = 0
    topics: int = 0
    entities: int = 0

    def add_rows(self, table: str, rows: int) -> None:
        attribute = CHILDREN[table]
        setattr(self, attribute, getattr(self, attribute) + rows)


class Merger:
    """Decides, candidate by candidate and in a fixed order, which rows the warehouse keeps.

    Per batch, Arrow finds the candidates that touch nothing (a new id, and for a URL-less row a
    new title, also within the batch): they are kept as they are, with no Python per row. The
    rest are decided one by one in Python against the few index rows they could match.
    """

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        self.index = ArticleIndex()
        # The index rows the batch being decided touches, as Python entries (see _fold).
        self.entries: dict[str, Entry] = {}
        self.sourced_by_title: dict[str, set[str]] = {}
        self.sourceless_by_title: dict[str, str] = {}
        self.edits: dict[str, PartEdit] = {}
        # id -> (batch, row, decided index values or None when the batch's are kept, slot)
        self.buffer: dict[str, tuple[int, int, dict[str, Any] | None, int | None]] = {}
        self.batches: list[BatchResult] = []
        self.parts_written = 0
        self.counts = MergeCounts()
        self.story_seconds = 0.0  # CPU of the story join (signatures in, story ids out)
        # buffered id -> id of the written row it replaces: the new row keeps that row's story
        self.replaced: dict[str, str] = {}
        self.renamed_stories: dict[str, str] = {}  # story heads now under another id
        self.story_parts = stories.PartCache()  # stored parts as the story join needs them
        self._load_index()

    # -- index ---------------------------------------------------------------------------------
    def _load_index(self) -> None:
        for path in self.generation.parts("article"):
            table = _index_table(self.generation.read_part("article", path.stem))
            self.index.append(table, [path.stem] * table.num_rows)

    def _remember(self, values: dict[str, Any], part: str, slot: int | None = None) -> None:
        article_id = values["article_id"]
        self.entries[article_id] = Entry(part, _index_values(values), slot)
        if values["url"] is None:
            key = values["title_key"]
            if values["source"] is None:
                self.sourceless_by_title[key] = article_id
            else:
                self.sourced_by_title.setdefault(key, set()).add(article_id)

    def _forget(self, article_id: str) -> Entry:
        entry = self.entries.pop(article_id)
        values = entry.values
        if values["url"] is None:
            key = values["title_key"]
            if values["source"] is None:
                if self.sourceless_by_title.get(key) == article_id:
                    del self.sourceless_by_title[key]
            else:
                self.sourced_by_title.get(key, set()).discard(article_id)
        if entry.slot is not None:
            self.index.part_of[entry.slot] = DEAD
        if entry.part == BUFFER:
            del self.buffer[article_id]
        else:
            self.edits.setdefault(entry.part, PartEdit()).drop.add(article_id)
        return entry

    def _load_hot(self, slots: list[int]) -> None:
        """Python entries for the index rows this batch's candidates could match."""
        for slot, values in zip(slots, self.index.rows(slots), strict=True):
            self._remember(values, self.index.part(slot), slot)

    def _fold(self) -> None:
        """Add the entries this batch created to the index, and drop the Python entries."""
        created = [entry for entry in self.entries.values() if entry.slot is None]
        if created:
            table = pa.Table.from_pylist([entry.values for entry in created],
                                         schema=_INDEX_SCHEMA)
            first = self.index.append(table, [entry.part for entry in created])
            for offset, entry in enumerate(created):
                if entry.part == BUFFER:
                    article_id = entry.row[0]
                    batch_no, row_no, row, _ = self.buffer[article_id]
                    self.buffer[article_id] = (batch_no, row_no, row, first + offset)
        self.entries.clear()
        self.sourced_by_title.clear()
        self.sourceless_by_title.clear()

    # -- decisions -----------------------------------------------------------------------------
    def add_batch(self, batch: BatchResult) -> dict[str, int]:
        """Merge one batch; returns new-article counts per dump_id."""
        batch_no = len(self.batches)
        self.batches.append(batch)
        batch.articles = stories.with_signatures(batch.articles)
        articles = batch.articles
        if not articles.num_rows:
            return {}
        ids, titles = articles["article_id"], articles["title_key"]
        urlless = pc.is_null(articles["url"])
        urlless_titles = pc.filter(titles, urlless)
        hot = self.index.matches(pa.array(pc.unique(ids)), pa.array(pc.unique(urlless_titles)))
        self._load_hot(hot)
        touched = pc.or_(
            pc.is_in(ids, value_set=pa.array(list(self.entries) + _repeated(ids), pa.string())),
            pc.and_(urlless, pc.is_in(titles, value_set=pa.array(
                [*self.sourced_by_title, *self.sourceless_by_title, *_repeated(urlless_titles)],
                pa.string()))))
        touched = touched.combine_chunks() if isinstance(touched, pa.ChunkedArray) else touched
        new_per_dump = self._keep_untouched(batch_no, articles, pc.invert(touched))
        rows = pc.indices_nonzero(touched).to_pylist()
        if rows:
            decided = articles.select(_DECISION_COLUMNS).take(pa.array(rows, pa.int64()))
            for row_no, row in zip(rows, _decision_rows(decided, _DECISION_COLUMNS),
                                   strict=True):
                if self._decide(batch_no, row_no, row):
                    new_per_dump[row["dump_id"]] = new_per_dump.get(row["dump_id"], 0) + 1
        self._fold()
        if len(self.buffer) >= FLUSH_ROWS:
            self.flush()
        else:
            release_freed_memory()
        return new_per_dump

    def _keep_untouched(self, batch_no: int, articles: pa.Table,
                        untouched: pa.Array) -> dict[str, int]:
        """Keep, as they are, the candidates that match nothing: no Python object per row."""
        rows = pc.indices_nonzero(untouched)
        if not len(rows):
            return {}
        kept = articles.select(_DECISION_COLUMNS).take(rows)
        first = self.index.append(_index_table(kept), [BUFFER] * kept.num_rows)
        for offset, (row_no, article_id) in enumerate(
                zip(rows.to_pylist(), kept["article_id"].to_pylist(), strict=True)):
            self.buffer[article_id] = (batch_no, row_no, None, first + offset)
        self.counts.new += kept.num_rows
        return dict(Counter(kept["dump_id"].to_pylist()))

    def _decide(self, batch_no: int, row_no: int, row: dict[str, Any]) -> bool:
        """Keep, replace or drop one candidate. True when it is a new article."""
        key = row["title_key"]
        if row["url"] is None and row["source"] is None and self.sourced_by_title.get(key):
            row["article_id"] = min(self.sourced_by_title[key])
        article_id = row["article_id"]
        existing = self.entries.get(article_id)
        if existing is None and row["url"] is None and row["source"] is not None:
            sourceless = self.sourceless_by_title.get(key)
            if sourceless is not None:
                existing = self.entries[sourceless]
        if existing is None:
            self._keep(batch_no, row_no, row)
            self.counts.new += 1
            return True
        kept = existing.values
        old_id = kept["article_id"]
        if row["body_chars"] > kept["body_chars"]:
            row.update(_patch_from(row, kept))
            if existing.part != BUFFER:
                self.replaced[article_id] = self.replaced.pop(old_id, old_id)
            elif old_id in self.replaced:  # a buffered row that had replaced a written one
                self.replaced[article_id] = self.replaced.pop(old_id)
            self._forget(old_id)
            self._keep(batch_no, row_no, row)
            self.counts.updated += 1
            return False
        # The kept copy has the fuller text; it still takes what the other copy knows better.
        patch = _patch_from(kept, row)
        if old_id != article_id:  # a sourceless copy, now known under the sourced id
            self._rekey(old_id, article_id, patch)
            self.counts.updated += 1
        else:
            if patch:
                self._rekey(old_id, old_id, patch)
            self.counts.duplicate += 1
        return False

    def _keep(self, batch_no: int, row_no: int, row: dict[str, Any]) -> None:
        self.buffer[row["article_id"]] = (batch_no, row_no, row, None)
        self._remember(row, BUFFER)

    def _rekey(self, old_id: str, new_id: str, patch: dict[str, Any]) -> None:
        entry = self.entries[old_id]
        if entry.part == BUFFER:
            batch_no, row_no, row, _ = self.buffer[old_id]
            row = entry.values if row is None else row
            if old_id in self.replaced:
                self.replaced[new_id] = self.replaced.pop(old_id)
            self._forget(old_id)
            row.update(patch, article_id=new_id)
            self._keep(batch_no, row_no, row)
            return
        self._forget(old_id)
        self.edits.setdefault(entry.part, PartEdit()).change(old_id, new_id, patch)
        values = {**entry.values, **patch, "article_id": new_id}
        self._remember(values, entry.part)

    # -- writing -------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the buffered rows as one new part of every article table."""
        if not self.buffer:
            return
        part = f"{PART_PREFIX}{self.generation.name}-{self.parts_written:04d}"
        self.parts_written += 1
        rows = sorted((batch_no, row_no, article_id, row)
                      for article_id, (batch_no, row_no, row, _) in self.buffer.items())
        articles = _kept_articles(self.batches, rows)
        # The batches' tables are freed as soon as their rows are taken, not after the writes:
        # the flush then never holds a part's texts three times (batches, taken, sorted).
        # Emptying them in place matters: Prefect keeps every task run's engine, and through
        # its result record the BatchResult the task returned, until the flow run ends (the
        # rollback hooks of the run's transaction hold them), so dropping our references alone
        # freed nothing and the flow process grew with N.
        for done in self.batches:
            done.articles = _EMPTY_ARTICLES
        # Story ids are decided here, once a part's rows are final, against the stored
        # signatures (earlier runs and earlier parts of this run) and each other.
        started = time.thread_time()
        articles, signature_rows, renamed = stories.join(self.generation, articles,
                                                         self.replaced, self.story_parts)
        self.renamed_stories.update(renamed)
        self.replaced.clear()
        self.story_seconds += time.thread_time() - started
        articles = articles.sort_by([("published_date", "ascending"), ("article_id", "ascending")])
        self.generation.write_part("article", part, articles)
        written = articles.num_rows
        del articles
        self.generation.write_part(stories.TABLE, part, signature_rows)
        del signature_rows
        kept_by_batch: dict[int, dict[int, str]] = {}
        for batch_no, row_no, article_id, _ in rows:
            kept_by_batch.setdefault(batch_no, {})[row_no] = article_id
        for table, attribute in CHILDREN.items():
            child_rows = pa.concat_tables([
                _take_children(getattr(self.batches[batch_no], attribute), kept,
                               schema.ARTICLE_TABLES[table])
                for batch_no, kept in sorted(kept_by_batch.items())])
            for done in self.batches:
                setattr(done, attribute, _EMPTY_CHILDREN[table])
            self.counts.add_rows(table, child_rows.num_rows)
            self.generation.write_part(table, part, child_rows)
            del child_rows
        number = self.index.part_number(part)
        for _, _, _, slot in self.buffer.values():
            assert slot is not None, "every buffered row is folded into the index before a flush"
            self.index.part_of[slot] = number
        self.buffer.clear()
        self.batches = [_empty_batch()] * len(self.batches)  # keep the numbering
        log.debug("wrote %s: %d articles", part, written)
        release_freed_memory()

    def finish(self) -> MergeCounts:
        """Flush the buffer, apply drops and re-keys to parts written earlier, and rename the
        stories whose first article was re-keyed. Each part is read and rewritten at most once
        for all of it."""
        self.flush()
        renamed = dict(self.renamed_stories)
        for part, edit in sorted(self.edits.items()):
            renamed.update(self._rekeyed_heads(part, edit))
        rename = _StoryRenaming(renamed) if renamed else None
        signed = {path.stem for path in self.generation.parts(stories.TABLE)}
        for part in sorted(signed | set(self.edits)):
            edit = self.edits.get(part)
            if edit is not None:
                self._apply_edit(part, edit, rename)
            elif rename is not None and part in signed:
                self._rename_stories(part, rename)
            else:
                continue
            release_freed_memory()
        self.edits.clear()
        return self.counts

    def _rekeyed_heads(self, part: str, edit: PartEdit) -> dict[str, str]:
        """The story heads an edit re-keys (old id -> new id): a story's first article was a
        sourceless copy now known under its sourced id."""
        if not edit.rekey:
            return {}
        table = self.generation.read_part("article", part, columns=["article_id", "story_id"])
        rekeyed = table.filter(pc.is_in(table["article_id"], value_set=pa.array(
            sorted(edit.rekey), pa.string())))
        return {old: edit.rekey[old][0] for old, story in zip(
            rekeyed["article_id"].to_pylist(), rekeyed["story_id"].to_pylist(), strict=True)
            if story == old and old not in edit.drop}

    def _apply_edit(self, part: str, edit: PartEdit, rename: _StoryRenaming | None) -> None:
        """Rewrite one part: drops, re-keys, and story ids renamed (`rename`)."""
        gone = pa.array(sorted(edit.drop | set(edit.rekey)), pa.string())
        for table_name in schema.ARTICLE_TABLES:
            table = self.generation.read_part(table_name, part)
            before = table.num_rows
            keep = pc.invert(pc.is_in(table["article_id"], value_set=gone))
            rekeyed = table.filter(pc.is_in(table["article_id"], value_set=gone))
            table = table.filter(keep)
            if edit.rekey and rekeyed.num_rows:
                rekeyed = _rekey_rows(rekeyed, edit.rekey, patch=table_name == "article")
                survivors = {new for new, _ in edit.rekey.values()} - edit.drop
                rekeyed = rekeyed.filter(pc.is_in(
                    rekeyed["article_id"], value_set=pa.array(sorted(survivors), pa.string())))
                table = pa.concat_tables([table, rekeyed.cast(table.schema)])
            if rename is not None and table_name in _STORY_TABLES:
                table = rename.apply(table) or table
            self.generation.write_part(table_name, part, table)
            # Counts are net: rows of a replaced copy, written earlier, are taken back out.
            if table_name in CHILDREN:
                self.counts.add_rows(table_name, table.num_rows - before)

    def _rename_stories(self, part: str, rename: _StoryRenaming) -> None:
        """A story's first article was re-keyed (a sourceless copy now known under its sourced
        id): its story id follows, in every part, so a story id always names a kept article and
        the warehouse does not depend on which run saw which copy."""
        stored = self.generation.read_part(stories.TABLE, part, columns=["story_id"])
        if not pc.any(pc.is_in(stored["story_id"], value_set=rename.old_ids)).as_py():
            return
        for table_name in _STORY_TABLES:
            table = self.generation.read_part(table_name, part)
            renamed = rename.apply(table)
            if renamed is not None:
                self.generation.write_part(table_name, part, renamed)


_STORY_TABLES = ("article", stories.TABLE)


class _StoryRenaming:
    """Story ids to rename (old id -> new id), followed to their last name."""

    def __init__(self, renamed: dict[str, str]) -> None:
        def final(story: str) -> str:
            seen = set()
            while story in renamed and story not in seen:
                seen.add(story)
                story = renamed[story]
            return story

        old = sorted(renamed)
        self.old_ids = pa.array(old, pa.string())
        self.new_ids = pa.array([final(story) for story in old], pa.string())

    def apply(self, table: pa.Table) -> pa.Table | None:
        """`table` with its story ids renamed; None when none is to be renamed."""
        column = table["story_id"]
        hit = pc.is_in(column, value_set=self.old_ids)
        if not pc.any(hit).as_py():
            return None
        renamed = pc.if_else(hit, pc.take(self.new_ids, pc.index_in(
            column, value_set=self.old_ids)), column)
        index = table.schema.get_field_index("story_id")
        return table.set_column(index, table.schema.field(index), renamed)


def _kept_articles(batches: list[BatchResult],
                   rows: list[tuple[int, int, str, dict[str, Any] | None]]) -> pa.Table:
    """The kept rows: texts from the batches, index columns as decided where a decision changed
    them (rows kept untouched are taken whole)."""
    plain, changed = [], []
    for batch_no in sorted({b for b, _, _, _ in rows}):
        table = batches[batch_no].articles
        same = [row_no for b, row_no, _, row in rows if b == batch_no and row is None]
        other = [row_no for b, row_no, _, row in rows if b == batch_no and row is not None]
        if same:
            plain.append(table.take(pa.array(same, pa.int64())))
        if other:
            changed.append(table.take(pa.array(other, pa.int64())))
    decided_rows = [row for _, _, _, row in rows if row is not None]
    if decided_rows:
        articles = pa.concat_tables(changed)
        decided = pa.Table.from_pylist(decided_rows, schema=_INDEX_SCHEMA)
        for name in _INDEX_COLUMNS:
            target = schema.ARTICLE.field(name)
            articles = articles.set_column(articles.schema.get_field_index(name), target,
                                           decided[name].cast(target.type))
        plain.append(articles)
    return pa.concat_tables(plain)


def _index_table(articles: pa.Table) -> pa.Table:
    """The index columns of article rows, times as integers (_INDEX_SCHEMA)."""
    return pa.table([articles[name].cast(field.type) for name, field
                     in zip(_INDEX_COLUMNS, _INDEX_SCHEMA, strict=True)], schema=_INDEX_SCHEMA)


def _repeated(values: pa.Array | pa.ChunkedArray) -> list[str]:
    """The values that occur more than once."""
    counts = pc.value_counts(values)
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    return [value for value in repeated.to_pylist() if value is not None]


def _decision_rows(table: pa.Table, names: list[str]) -> list[dict[str, Any]]:
    """Rows of `table` as dicts of `names`, with times as integers (see _TIME_AS_INT)."""
    columns = [(table[name].cast(_TIME_AS_INT[name]) if name in _TIME_AS_INT
                else table[name]).to_pylist() for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _patch_from(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """What the kept copy of a story takes from another copy: fields it lacks, a more precise
    date, and an earlier first sighting. The same result whichever copy arrived first."""
    patch = {k: other[k] for k in FILLABLE if kept.get(k) is None and other.get(k) is not None}
    patch.update(_better_date(kept, other))
    if other["first_seen_at"] is not None and other["first_seen_at"] < kept["first_seen_at"]:
        patch["first_seen_at"] = other["first_seen_at"]
    return patch


def _better_date(row: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """`other`'s date fields when it dates the story more precisely than `row` (exact > day >
    relative > unknown), else nothing."""
    if PRECISION_RANK[other["date_precision"]] > PRECISION_RANK[row["date_precision"]]:
        return {k: other[k] for k in DATE_FIELDS}
    return {}


def _rekey_rows(table: pa.Table, rekey: dict[str, tuple[str, dict[str, Any]]],
                *, patch: bool) -> pa.Table:
    rows = table.to_pylist()
    for row in rows:
        target = rekey.get(row["article_id"])
        if target is None:
            row["article_id"] = ""
            continue
        new_id, fields = target
        row["article_id"] = new_id
        if patch:
            row.update(fields)
    return pa.Table.from_pylist(rows, schema=table.schema)


def _take_children(table: pa.Table, kept: dict[int, str], target: pa.Schema) -> pa.Table:
    """Child candidates (mentions, topics, ...) of the kept rows, re-keyed to their final
    article_id. One Arrow take per table: no Python per child row."""
    if not table.num_rows:
        return table.drop_columns([ROW]).cast(target)
    row_numbers = table[ROW].to_numpy()
    slot = np.full(max(int(row_numbers.max()), max(kept)) + 1, -1, dtype=np.int64)
    slot[np.fromiter(kept, np.int64, len(kept))] = np.arange(len(kept))
    of_row = slot[row_numbers]
    chosen = np.flatnonzero(of_row >= 0)
    ids = pa.array(list(kept.values()), pa.string()).take(pa.array(of_row[chosen]))
    taken = table.take(pa.array(chosen))
    taken = taken.set_column(taken.schema.get_field_index("article_id"), "article_id", ids)
    return taken.drop_columns([ROW]).cast(target)


_EMPTY_ARTICLES = ARTICLE_CANDIDATE.empty_table()
_EMPTY_CHILDREN = {table: CANDIDATES[table].empty_table() for table in CHILDREN}


def _empty_batch() -> BatchResult:
    return BatchResult([], _EMPTY_ARTICLES, _EMPTY_CHILDREN["mention"], _EMPTY_CHILDREN["topic"],
                       REJECT_CANDIDATE.empty_table(), entities=_EMPTY_CHILDREN["entity"])
