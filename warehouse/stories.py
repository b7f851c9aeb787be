"""The story join: each newly kept article joins a stored story or starts its own.

Runs in the flow process when the merge writes a part. The parse workers already computed every
candidate's signature (warehouse/ingest.py), so this only compares signatures: it reads the
stored ones of the days around the new articles, part by part, keeps those that share an LSH
bucket with a new article (or its id), and hands them with the new ones to
`transforms.stories.assign_stories`. Nothing is kept between parts or runs, so memory depends on
the window, not on the warehouse.
"""

from __future__ import annotations

from datetime import timedelta

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
from warehouse.ingest import SHINGLES, SIGNATURE
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
        .append_column(pa.field(SIGNATURE, pa.binary()), pa.array(sigs.packed(), pa.binary()))


def story_days(articles: pa.Table) -> pa.Array:
    """published_date, else the UTC date of first_seen_at."""
    seen = pc.cast(pc.cast(articles["first_seen_at"], pa.timestamp("us")), pa.date32())
    return pc.coalesce(articles["published_date"], seen).combine_chunks()


def join(generation: Generation, articles: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The kept articles with their story_id (and without the signature columns), and their rows
    of story_signature.

    New articles are taken by first_seen_at, then published_at (undated last), then article_id;
    each joins the best verified
    match among stored articles and those before it, else starts a story under its own id. An
    article already stored under the same id (a fuller copy replacing it) keeps that story.
    """
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
    known_ids, known_stories, known_sigs = _stored_candidates(generation, ordered_ids, days,
                                                              band_keys(new_sigs))
    inherited = dict(zip(known_ids, known_stories, strict=True))
    carried = [inherited.get(article_id) for article_id in ordered_ids]
    everything = Signatures.concat([known_sigs, new_sigs]) if known_ids else new_sigs
    is_new = np.array([False] * len(known_ids) + [story is None for story in carried])
    assigned = assign_stories(everything, is_new, [*known_stories, *carried],
                              [*known_ids, *ordered_ids])
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
    return articles, rows


def _stored_candidates(generation: Generation, new_ids: list[str], days: pa.Array,
                       new_keys: np.ndarray) -> tuple[list[str], list[str], Signatures]:
    """Stored rows that could matter to the new articles: in the day window and sharing an LSH
    bucket with one of them, or stored under one of their ids. Read part by part."""
    low = pc.min(days).as_py() - timedelta(days=WINDOW_DAYS)
    high = pc.max(days).as_py() + timedelta(days=WINDOW_DAYS)
    wanted = pa.array(new_ids, pa.string())
    key_sets = [np.unique(new_keys[:, band]) for band in range(new_keys.shape[1])]
    found_ids: list[str] = []
    found_stories: list[str] = []
    found_sigs: list[Signatures] = []
    for path in generation.parts(TABLE):
        meta = generation.read_part(TABLE, path.stem, columns=["article_id", "day"])
        same_id = pc.is_in(meta["article_id"], value_set=wanted)
        near = pc.and_(pc.greater_equal(meta["day"], pa.scalar(low, pa.date32())),
                       pc.less_equal(meta["day"], pa.scalar(high, pa.date32())))
        rows = pc.indices_nonzero(pc.or_(near, same_id).combine_chunks())
        if not len(rows):
            continue
        stored = generation.read_part(TABLE, path.stem).take(rows)
        sigs = Signatures.unpack(_signature_bytes(stored["signature"]),
                                 stored["shingles"].to_numpy())
        keys = band_keys(sigs)
        hit = pc.is_in(stored["article_id"], value_set=wanted).to_numpy(zero_copy_only=False)
        for band, values in enumerate(key_sets):
            hit |= np.isin(keys[:, band], values) & (keys[:, band] != 0)
        keep = np.flatnonzero(hit)
        if not len(keep):
            continue
        taken = stored.take(pa.array(keep))
        found_ids.extend(taken["article_id"].to_pylist())
        found_stories.extend(taken["story_id"].to_pylist())
        found_sigs.append(sigs.take(keep))
    if not found_sigs:
        return [], [], Signatures.empty()
    return found_ids, found_stories, Signatures.concat(found_sigs)


def _signature_bytes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An (n, SIGNATURE_BYTES) uint8 view of a binary column of signatures."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    count = len(array)
    if count == 0:
        return np.zeros((0, SIGNATURE_BYTES), dtype=np.uint8)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset:array.offset + count
                                                                 + 1]
    if not np.all(np.diff(offsets) == SIGNATURE_BYTES):
        raise ValueError("a story signature has the wrong length; was it written by this "
                         "version of newsmill?")
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    return data[offsets[0]:offsets[-1]].reshape(count, SIGNATURE_BYTES)
