"""The dump manifest, the reject table and the run log: what was seen, refused and done."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from warehouse import schema
from warehouse.ingest import DumpOutcome, counts_json
from warehouse.rawfiles import RawFile
from warehouse.store import Generation


@dataclass(frozen=True, slots=True)
class Plan:
    """Which raw files this run reads, and which it can skip without opening."""

    to_read: list[tuple[RawFile, str | None]]  # with the sha256 recorded last time, if any
    unchanged: list[RawFile]
    new: int
    changed: int
    manifest: dict[str, dict[str, Any]]  # the published manifest the plan was made against


def load_manifest(generation: Generation | None) -> dict[str, dict[str, Any]]:
    """The latest manifest row per raw path."""
    if generation is None:
        return {}
    rows = generation.read_table("dump").to_pylist()
    return {row["path"]: row for row in rows}


def plan_dumps(files: list[RawFile], manifest: dict[str, dict[str, Any]]) -> Plan:
    """New files and files whose size or mtime moved are read; the rest are skipped unopened."""
    to_read: list[tuple[RawFile, str | None]] = []
    unchanged: list[RawFile] = []
    new = changed = 0
    for raw in files:
        seen = manifest.get(raw.path)
        if seen is None:
            new += 1
            to_read.append((raw, None))
        elif (seen["size_bytes"], seen["mtime_ns"]) == (raw.size_bytes, raw.mtime_ns) \
                and not _read_failed(seen):
            unchanged.append(raw)
        else:
            changed += 1
            to_read.append((raw, seen["sha256"]))
    return Plan(to_read, unchanged, new, changed, manifest)


# Refusals that say nothing about the file's content: it could not be read at that moment
# (moved away mid-run, permissions). Such a file is read again next run even if it looks unchanged.
TRANSIENT_REASONS = frozenset({"vanished", "unreadable"})


def _read_failed(seen: dict[str, Any]) -> bool:
    reasons = json.loads(seen.get("rejects_by_reason") or "{}")
    return seen["sha256"] is None and bool(TRANSIENT_REASONS & set(reasons))


def dump_status(outcome: DumpOutcome) -> str:
    """ingested, partial (some lines refused), skipped (only skips) or rejected."""
    if outcome.articles and outcome.rejects:
        return "partial"
    if outcome.articles:
        return "ingested"
    if outcome.skipped_by_reason and not outcome.rejects:
        return "skipped"
    return "rejected"


def manifest_row(outcome: DumpOutcome, articles_new: int, run_id: str,
                 now: datetime) -> dict[str, Any]:
    return {
        "dump_id": outcome.dump_id,
        "path": outcome.raw.path,
        "sha256": outcome.sha256,
        "size_bytes": outcome.raw.size_bytes,
        "mtime_ns": outcome.raw.mtime_ns,
        "format": outcome.format,
        "status": dump_status(outcome),
        "articles": outcome.articles,
        "articles_new": articles_new,
        "rejects": outcome.rejects,
        "rejects_by_reason": counts_json(outcome.rejects_by_reason),
        "skipped": sum(outcome.skipped_by_reason.values()),
        "skipped_by_reason": counts_json(outcome.skipped_by_reason),
        "captured_at": outcome.captured_at,
        "run_id": run_id,
        "processed_at": now,
    }


def write_ledgers(
    generation: Generation,
    manifest: dict[str, dict[str, Any]],
    outcomes: list[DumpOutcome],
    rejects: list[pa.Table],
    new_per_dump: dict[str, int],
    run_row: dict[str, Any],
) -> None:
    """Rewrite dump, reject and run for the new generation."""
    run_id, now = run_row["run_id"], run_row["finished_at"]
    rows = dict(manifest)
    reread: set[str] = set()
    for outcome in outcomes:
        if outcome.unchanged:  # only the mtime moved: same bytes, same dump
            rows[outcome.raw.path] = {**rows[outcome.raw.path], "mtime_ns": outcome.raw.mtime_ns}
            continue
        reread.add(outcome.raw.path)
        rows[outcome.raw.path] = manifest_row(
            outcome, new_per_dump.get(outcome.dump_id, 0), run_id, now)
    dump_table = pa.Table.from_pylist(sorted(rows.values(), key=lambda r: r["path"]),
                                      schema=schema.DUMP)
    generation.write_ledger("dump", dump_table)

    old_rejects = generation.read_table("reject")
    if reread:
        stale = pc.is_in(old_rejects["path"], value_set=pa.array(sorted(reread), pa.string()))
        old_rejects = old_rejects.filter(pc.invert(stale))
    new_rejects = [
        t.append_column("run_id", pa.array([run_id] * t.num_rows, pa.string()))
        for t in rejects if t.num_rows
    ]
    generation.write_ledger("reject", pa.concat_tables(
        [old_rejects, *[t.cast(schema.REJECT) for t in new_rejects]]))

    runs = generation.read_table("run")
    generation.write_ledger("run", pa.concat_tables(
        [runs, pa.Table.from_pylist([run_row], schema=schema.RUN)]))
