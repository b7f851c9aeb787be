"""The story join: each newly kept article joins a stored story or starts its own.

Runs in the flow process when the merge writes a part. The parse workers already computed every
candidate's signature (warehouse/ingest.py), so this only compares signatures: it reads the
stored ones of the days around the new articles, part by part, keeps those that share an LSH
bucket with a new article (or its id), and hands them with the new ones to
`transforms.stories.assign_stories`. What a part alone decides is kept for the run (PartCache,
bounded); nothing is kept between runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from transforms.stories import (
    SIGNATURE_BYTES,
    Signatures,
    assign_stories,
    band_keys,
    signatures,
    story_text,
)
from warehouse import schema
from warehouse.ingest import ARTICLE_CANDIDATE, SHINGLES, SIGNATURE, signature_array
from warehouse.store import Generation

TABLE = "story_signature"
# Copies of a story appear within days of each other: stored articles whose day is this close to
# a new article's are compared with it.
WINDOW_DAYS = 3


def with_signatures(articles: pa.Table) -> pa.Table:
    """Article candidates with their story columns; computed here for a batch that came without
    them (one built by hand rather than by ingest_batch)."""
    if SIGNATURE in articles.column_names:
        return articles
    prepared = [story_text(title, body) for title, body in
                zip(articles["title"].to_pylist(), articles["body"].to_pylist(), strict=True)]
    sigs = signatures([text for text, _ in prepared])
    index = articles.schema.get_field_index("wire_service")
    articles = articles.set_column(index, articles.schema.field(index),
                                   pa.array([wire for _, wire in prepared], pa.string()))
    return articles.append_column(pa.field(SHINGLES, pa.int32()), pa.array(sigs.shingles)) \
        .append_column(ARTICLE_CANDIDATE.field(SIGNATURE), signature_array(sigs.packed_matrix()))


def story_days(articles: pa.Table) -> pa.Array:
    """published_date, else the UTC date of first_seen_at."""
    seen = pc.cast(pc.cast(articles["first_seen_at"], pa.timestamp("us")), pa.date32())
    return pc.coalesce(articles["published_date"], seen).combine_chunks()


def join(generation: Generation, articles: pa.Table, replaced: dict[str, str] | None = None,
         cache: PartCache | None = None) -> tuple[pa.Table, pa.Table, dict[str, str]]:
    """The kept articles with their story_id (and without the signature columns), their rows of
    story_signature, and the stories whose first article is now stored under another id (old id
    -> new id: a sourceless copy replaced by its sourced one), for the merge to rename.

    New articles are taken by first_seen_at, then published_at (undated last), then article_id;
    each joins the best verified match among stored articles and those before it, else starts a
    story under its own id. An article that replaces a stored one (`replaced`: its id -> the
    stored id, a fuller copy) keeps the stored story.
    """
    replaced = replaced or {}
    count = articles.num_rows
    ids = articles["article_id"].to_pylist()
    days = story_days(articles)
    shingles = articles[SHINGLES].to_numpy().astype(np.int32)
    new_sigs = Signatures.unpack(_signature_bytes(articles[SIGNATURE]), shingles)
    published = pc.fill_null(pc.cast(articles["published_at"], pa.int64()), np.iinfo(np.int64).max)
    order = np.lexsort((np.array(ids, dtype=str), published.to_numpy(),
                        pc.cast(articles["first_seen_at"], pa.int64()).to_numpy()))
    new_sigs = new_sigs.take(order)
    ordered_ids = [ids[i] for i in order]
    looked_up = sorted({replaced[i] for i in ids if i in replaced})
    known_ids, known_stories, known_days, known_sigs = _stored_candidates(
        generation, looked_up, days.take(pa.array(order)), band_keys(new_sigs),
        PartCache() if cache is None else cache)
    inherited = dict(zip(known_ids, known_stories, strict=True))
    carried = [inherited.get(replaced.get(article_id, "")) for article_id in ordered_ids]
    renamed = {replaced[i]: i for i in ordered_ids if i in replaced and replaced[i] != i
               and inherited.get(replaced[i]) == replaced[i]}
    everything = Signatures.concat([known_sigs, new_sigs]) if known_ids else new_sigs
    is_new = np.array([False] * len(known_ids) + [story is None for story in carried])
    day_numbers = np.concatenate([known_days, _day_numbers(days).take(order)])
    assigned = assign_stories(everything, is_new, [*known_stories, *carried],
                              [*known_ids, *ordered_ids], day_numbers, WINDOW_DAYS)
    story_of = dict(zip(ordered_ids, assigned[len(known_ids):], strict=True))
    story_ids = pa.array([story_of[article_id] for article_id in ids], pa.string())
    rows = pa.table({
        "article_id": articles["article_id"], "story_id": story_ids, "day": days,
        "shingles": articles[SHINGLES], "signature": articles[SIGNATURE]},
        schema=schema.STORY_SIGNATURE)
    articles = articles.drop_columns([SHINGLES, SIGNATURE])
    index = articles.schema.get_field_index("story_id")
    articles = articles.set_column(index, articles.schema.field(index), story_ids)
    assert articles.num_rows == count
    return articles, rows, renamed


def _stored_candidates(generation: Generation, stored_ids: list[str], days: pa.Array,
                       new_keys: np.ndarray, cache: PartCache
                       ) -> tuple[list[str], list[str], np.ndarray, Signatures]:
    """Stored rows that could matter to the new articles, read part by part: those stored under
    `stored_ids` (copies being replaced), and, in the day window, each story's first article and
    its fullest copy in the part when they share an LSH bucket with a new article. A story
    republished a hundred times is compared through two of its copies per part, not a hundred.
    Parts whose days (from their Parquet footer) are all outside the window are not read.

    What a part alone decides (its representatives, their days and bucket keys) is worked out
    once per part and run (`cache`), so a run's later parts do not pay again for its earlier
    ones: each visit only looks the new keys up and reads the signatures of the rows it keeps.
    """
    low = pc.min(days).as_py() - timedelta(days=WINDOW_DAYS)
    high = pc.max(days).as_py() + timedelta(days=WINDOW_DAYS)
    low_day, high_day = _day_number(low), _day_number(high)
    wanted = pa.array(stored_ids, pa.string())
    # A stored row is wanted when it shares a bucket with a new article near its day. Days go in
    # bins as wide as a window, so a new article's window touches at most two bins: each new key
    # is searched under both, each stored key under its own bin (the exact day distance is
    # checked per pair later).
    new_days = _day_numbers(days)
    bins = np.stack([(new_days - WINDOW_DAYS) // _BIN_DAYS, (new_days + WINDOW_DAYS) // _BIN_DAYS],
                    axis=1)
    wanted_keys = _dated(new_keys[:, :, None], bins[:, None, :]).ravel()
    wanted_keys.sort()
    # High halves, still sorted (the high bits order the keys), as 32-bit values: the
    # lookups below then read half the memory.
    wanted_prefixes = (wanted_keys >> np.uint64(32)).astype(np.uint32)
    # A byte per value of the top bits of those halves: one look-up in it rules out most stored
    # keys before any search (a few percent pass by chance and are searched).
    wanted_top = np.zeros(1 << _TOP_BITS, dtype=bool)
    wanted_top[wanted_prefixes >> np.uint32(32 - _TOP_BITS)] = True
    found_ids: list[str] = []
    found_stories: list[str] = []
    found_days: list[np.ndarray] = []
    found_sigs: list[Signatures] = []
    for path in generation.parts(TABLE):
        view = cache.view(generation, path)
        if view.day_range is not None and (view.day_range[1] < low or view.day_range[0] > high) \
                and not (stored_ids and _may_hold(generation, path.stem, wanted)):
            continue  # a part of other days (read from its footer), and none of these ids
        if stored_ids:
            ids = generation.read_part(TABLE, path.stem, columns=["article_id"])["article_id"]
            same_id = pc.is_in(ids, value_set=wanted).to_numpy(zero_copy_only=False)
        else:
            same_id = np.zeros(view.rows, dtype=bool)
        near = (view.days >= low_day) & (view.days <= high_day)
        near_heads = near[view.heads]
        chosen = int(np.count_nonzero(same_id)) + int(np.count_nonzero(
            near_heads & ~same_id[view.heads]))
        if not chosen:
            continue
        # The keys are compared as contains_any compares them over the chosen rows: above as
        # many low bits as it needs to tag their positions. The cached prefixes (fewer bits)
        # only narrow the rows down to those that may match.
        reps, bands = view.prefix_hits(wanted_prefixes, wanted_top)
        near_key = near_heads[reps]
        reps, bands = reps[near_key], bands[near_key]
        maybe = same_id.copy()
        maybe[view.heads[reps]] = True
        check = np.flatnonzero(maybe)
        if not len(check):
            continue
        taken_rows = pa.array(check)
        stored = generation.read_part(TABLE, path.stem,
                                      columns=["article_id", "story_id", "day", "shingles"]
                                      ).take(taken_rows)
        signature = generation.read_part(TABLE, path.stem, columns=["signature"])["signature"]
        sigs = Signatures.unpack(_signature_bytes(signature.take(taken_rows)),
                                 stored["shingles"].to_numpy())
        # Only the keys whose high half matched can match whole.
        keys = _dated(band_keys(sigs), (view.days[check] // _BIN_DAYS)[:, None])
        at = np.searchsorted(check, view.heads[reps])
        hit = same_id[check]
        hit[at[_matches_as(keys[at, bands], wanted_keys, chosen * keys.shape[1])]] = True
        keep = np.flatnonzero(hit)
        if not len(keep):
            continue
        taken = stored.take(pa.array(keep))
        found_ids.extend(taken["article_id"].to_pylist())
        found_stories.extend(taken["story_id"].to_pylist())
        found_days.append(_day_numbers(taken["day"]))
        found_sigs.append(sigs.take(keep))
    if not found_sigs:
        return [], [], np.zeros(0, np.int32), Signatures.empty()
    return found_ids, found_stories, np.concatenate(found_days), Signatures.concat(found_sigs)


_BIN_DAYS = 2 * WINDOW_DAYS + 1
# The high half of a dated key: what PartView keeps of each representative's keys.
_PREFIX = np.uint64(0xFFFFFFFF00000000)
_TOP_BITS = 24
_EPOCH = date(1970, 1, 1)


def _day_number(day: date) -> int:
    return (day - _EPOCH).days


@dataclass(slots=True)
class PartView:
    """What the story join needs of one stored part, whatever the new articles: its number of
    rows, each row's day, its representatives (first article and fullest copy per story) and
    their bucket keys' high halves, sorted, each tagged with its position."""

    identity: tuple[int, int, int]  # inode, size, mtime of the file it describes
    rows: int
    day_range: tuple[object, object] | None  # from the footer
    days: np.ndarray  # int32 per row
    heads: np.ndarray  # rows of the representatives, ascending
    prefixes: np.ndarray  # uint32 high halves of their keys, sorted
    positions: np.ndarray  # uint32 per prefix: representative * bands + band
    bands: int

    @property
    def nbytes(self) -> int:
        return self.days.nbytes + self.heads.nbytes + self.prefixes.nbytes + self.positions.nbytes

    def prefix_hits(self, wanted: np.ndarray, wanted_top: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """(representative, band) of every key whose high half is in `wanted` (sorted);
        `wanted_top` marks the top _TOP_BITS of the values in `wanted`."""
        if not len(self.prefixes) or not len(wanted):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        maybe = np.flatnonzero(wanted_top[self.prefixes >> np.uint32(32 - _TOP_BITS)])
        prefixes = self.prefixes[maybe]
        at = np.minimum(np.searchsorted(wanted, prefixes), len(wanted) - 1)
        position = self.positions[maybe[wanted[at] == prefixes]].astype(np.int64)
        return position // self.bands, position % self.bands


class PartCache:
    """PartViews of the stored parts a run has visited, by part name. A part rewritten since (a
    new file) is read again. The views take about 260 bytes per stored article; past
    `max_bytes` further parts are not kept but worked out on each visit (as before the cache),
    so a run's memory stays bounded whatever the warehouse holds. Keeping the first parts
    rather than evicting old ones: every join visits the parts in the same order, so an
    evicting cache would miss on every visit."""

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self.views: dict[str, PartView] = {}
        self.max_bytes = max_bytes
        self.bytes = 0

    def view(self, generation: Generation, path: Path) -> PartView:
        stat = path.stat()
        identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        view = self.views.get(path.stem)
        if view is not None and view.identity == identity:
            return view
        if view is not None:
            del self.views[path.stem]
            self.bytes -= view.nbytes
        view = _part_view(generation, path.stem, identity)
        if self.bytes + view.nbytes <= self.max_bytes:
            self.views[path.stem] = view
            self.bytes += view.nbytes
        return view


def _part_view(generation: Generation, part: str, identity: tuple[int, int, int]) -> PartView:
    meta = generation.read_part(TABLE, part, columns=["article_id", "story_id", "day", "shingles"])
    days = _day_numbers(meta["day"]).astype(np.int32)
    heads = np.flatnonzero(_representatives(meta))
    day_range = generation.column_range(TABLE, part, "day")
    if not len(heads):  # an empty part
        return PartView(identity, meta.num_rows, day_range, days, heads, np.zeros(0, np.uint32),
                        np.zeros(0, np.uint32), 1)
    signature = generation.read_part(TABLE, part, columns=["signature"])["signature"]
    sigs = Signatures.unpack(_signature_bytes(signature.take(pa.array(heads))),
                             meta["shingles"].to_numpy()[heads])
    keys = _dated(band_keys(sigs), (days[heads] // _BIN_DAYS)[:, None])
    flat = keys.ravel()
    position = np.arange(len(flat), dtype=np.uint64)
    live = flat != 0  # a text too short: its keys match nothing
    if len(flat) >= 1 << 32:
        raise ValueError(f"part {part} has too many rows for the story join")
    tagged = np.sort((flat[live] & _PREFIX) | position[live])
    return PartView(identity, meta.num_rows, day_range, days, heads,
                    (tagged >> np.uint64(32)).astype(np.uint32),
                    (tagged & ~_PREFIX).astype(np.uint32), keys.shape[1])


def _matches_as(keys: np.ndarray, wanted: np.ndarray, tagged: int) -> np.ndarray:
    """Per key: whether `contains_any` finds it in `wanted` when it tags `tagged` keys. It
    compares keys above the low bits that tag their positions, so this compares them the same
    way. `wanted` is sorted, and stays so with its low bits cleared."""
    if not len(wanted) or not keys.size:
        return np.zeros(len(keys), dtype=bool)
    bits = max(1, int(tagged - 1).bit_length())
    mask = np.uint64(0xFFFFFFFFFFFFFFFF) if bits > 24 else ~np.uint64((1 << bits) - 1)
    values = keys & mask
    targets = wanted & mask
    at = np.minimum(np.searchsorted(targets, values), len(targets) - 1)
    return (targets[at] == values) & (values != 0)


def _dated(keys: np.ndarray, days: np.ndarray) -> np.ndarray:
    """LSH keys bound to a day bin number (0, a text too short, stays 0)."""
    dated = keys ^ (days.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    dated *= np.uint64(0xBF58476D1CE4E5B9)  # in place: no second array of the full size
    dated |= np.uint64(1)
    np.multiply(dated, keys != 0, out=dated)
    return dated


def _may_hold(generation: Generation, part: str, ids: pa.Array) -> bool:
    """Whether the part's article_id range (from its footer) could hold one of `ids`."""
    held = generation.column_range(TABLE, part, "article_id")
    if held is None:
        return True
    low, high = held
    return bool(pc.any(pc.and_(pc.greater_equal(ids, pa.scalar(low, pa.string())),
                               pc.less_equal(ids, pa.scalar(high, pa.string())))).as_py())


def _representatives(meta: pa.Table) -> np.ndarray:
    """Rows that stand for their story in a part: its first article, and its fullest copy."""
    heads = pc.equal(meta["article_id"], meta["story_id"]).to_numpy(zero_copy_only=False)
    stories = meta["story_id"].to_numpy(zero_copy_only=False)
    sizes = meta["shingles"].to_numpy()
    order = np.lexsort((-sizes, stories))
    ordered = stories[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    fullest = np.zeros(len(order), dtype=bool)
    fullest[order[first]] = True
    return heads | fullest


def _day_numbers(days: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.cast(days, pa.int32()).to_numpy(zero_copy_only=False)


def _signature_bytes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An (n, SIGNATURE_BYTES) uint8 view of a fixed-size binary column of signatures."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    count = len(array)
    if count == 0:
        return np.zeros((0, SIGNATURE_BYTES), dtype=np.uint8)
    if array.type != pa.binary(SIGNATURE_BYTES) or array.null_count:
        raise ValueError(f"story signatures must be {SIGNATURE_BYTES} bytes each, never null")
    data = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    start = array.offset * SIGNATURE_BYTES
    return data[start:start + count * SIGNATURE_BYTES].reshape(count, SIGNATURE_BYTES)
