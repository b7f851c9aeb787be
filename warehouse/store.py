"""The one Parquet writer and reader, with all-or-nothing publishing.

Layout of the data folder:

    data/CURRENT                 name of the published generation (the commit point)
    data/.gen/<gen>/<table>/     Parquet parts of one generation
    data/.gen/<gen>/MANIFEST.json  every part's size and SHA-256, written before CURRENT moves
    data/.gen/<gen>/PUBLISHED    written once CURRENT named the generation: it was published
    data/<table> -> .gen/<gen>/<table>   symlinks, so a plain
                                 `read_parquet('data/mention/**/*.parquet')` works
    data/newsmill.duckdb         views over the published generation

A run builds a new generation beside the published one: unchanged parts are hard links (no copy),
new and rewritten parts are written there, checks run on it, and only then is CURRENT replaced.
Readers see the old generation or the new one, never a mix, and a killed run leaves an orphan
generation that the next run deletes.

A generation is deleted only when it is provably unpublished (no PUBLISHED mark, and either newer
than a readable CURRENT or without the MANIFEST.json every publish writes first), or by the
KEEP_GENERATIONS retention while CURRENT is readable. When CURRENT is damaged (garbage, empty,
naming a missing generation, deleted), `recover` re-points it at the newest generation whose parts
still match its manifest, or refuses with DamagedWarehouse; nothing published is deleted.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse import schema
from warehouse.rawfiles import sha256_of

GEN_DIR = ".gen"
CURRENT = "CURRENT"
MANIFEST = "MANIFEST.json"
PUBLISHED = "PUBLISHED"
# Where recovery moves a published generation whose parts no longer match its manifest: out of
# the "g..." names every listing uses, kept for inspection, never deleted by newsmill.
DAMAGED_PREFIX = "damaged-"
LOCK = ".lock"
VIEWS_FILE = "newsmill.duckdb"
PART_PREFIX = "part-"
# Readers that opened the previous generation keep working while it is kept.
KEEP_GENERATIONS = 2
_GEN_NAME = re.compile(r"^g\d{6}$")
_log = logging.getLogger("newsmill.store")


class WarehouseBusy(RuntimeError):
    """Another run holds the data folder's lock."""


class DamagedWarehouse(RuntimeError):
    """CURRENT is unreadable and no generation is provably intact to recover from."""


@dataclass(frozen=True, slots=True)
class PartInfo:
    """One Parquet part of a generation, as MANIFEST.json records it (local and remote alike)."""

    size: int
    sha256: str


def parts_json(parts: Mapping[str, PartInfo]) -> dict[str, dict[str, object]]:
    """The "parts" object of a MANIFEST.json."""
    return {rel: {"size": p.size, "sha256": p.sha256} for rel, p in sorted(parts.items())}


def parts_from_json(data: Mapping[str, Mapping[str, object]]) -> dict[str, PartInfo]:
    return {str(rel): PartInfo(int(str(p["size"])), str(p["sha256"])) for rel, p in data.items()}


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write a small file so that readers see the old or the new content, never a part."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_parquet(table: pa.Table, path: Path) -> None:
    """The one Parquet writer: hidden temp name (matches no glob), fsync, rename."""
    tmp = path.with_name(f".{path.name}.inprogress")
    pq.write_table(table, tmp, compression="zstd", row_group_size=64_000)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class Generation:
    """A generation being built. Nothing in it is visible until `Warehouse.publish`."""

    def __init__(self, root: Path, name: str, *, fresh: bool = False) -> None:
        self.root = root
        self.name = name
        # Parts written (or rewritten) since this generation began, per table; None for a
        # generation opened from disk, whose history is unknown. Checks that only need to see
        # new rows (unchanged parts are hard links of parts checked when they were written)
        # read just these.
        self.written: dict[str, set[str]] | None = {} if fresh else None

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def part_files(self) -> dict[str, Path]:
        """Every part of every table, by its path in the generation ("table/part.parquet")."""
        return {f"{table}/{part.name}": part
                for table in schema.TABLES for part in self.parts(table)}

    def manifest(self) -> dict[str, PartInfo] | None:
        """The parts MANIFEST.json records, or None when there is none (or it is unreadable)."""
        try:
            data = json.loads((self.root / MANIFEST).read_bytes())
            return parts_from_json(data["parts"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    @property
    def published(self) -> bool:
        """Whether CURRENT ever named this generation (its PUBLISHED mark)."""
        return (self.root / PUBLISHED).exists()

    def damage(self) -> str | None:
        """Why this generation is not intact (its parts are not exactly its manifest's), or None."""
        recorded = self.manifest()
        if recorded is None:
            return f"no readable {MANIFEST}"
        found = self.part_files()
        for rel, info in sorted(recorded.items()):
            path = found.get(rel)
            if path is None:
                return f"{rel} is missing"
            try:
                if path.stat().st_size != info.size or sha256_of(str(path)) != info.sha256:
                    return f"{rel} does not match its checksum"
            except OSError as err:
                return f"{rel} is unreadable ({err.strerror})"
        extra = sorted(set(found) - set(recorded))
        return f"{extra[0]} is not in its manifest" if extra else None

    def parts(self, table: str) -> list[Path]:
        folder = self.table_dir(table)
        if not folder.exists():
            return []
        return sorted(p for p in folder.iterdir()
                      if p.name.startswith(PART_PREFIX) and p.suffix == ".parquet")

    def write_part(self, table: str, part: str, rows: pa.Table) -> Path:
        """Write (or replace) one part of a table in this generation."""
        path = self.table_dir(table) / f"{part}.parquet"
        written = self.written.setdefault(table, set()) if self.written is not None else None
        if rows.num_rows == 0:
            path.unlink(missing_ok=True)
            if written is not None:
                written.discard(part)
            return path
        write_parquet(rows.cast(schema.TABLES[table]), path)
        if written is not None:
            written.add(part)
        return path

    def read_part(self, table: str, part: str, columns: list[str] | None = None) -> pa.Table:
        path = self.table_dir(table) / f"{part}.parquet"
        if not path.exists():
            empty = schema.TABLES[table].empty_table()
            return empty.select(columns) if columns else empty
        return pq.read_table(path, columns=columns, schema=schema.TABLES[table])

    def column_range(self, table: str, part: str, column: str) -> tuple[object, object] | None:
        """(min, max) of a column in one part, from the Parquet footer alone (no data read);
        None when the part is missing or its footer keeps no statistics."""
        path = self.table_dir(table) / f"{part}.parquet"
        if not path.exists():
            return None
        metadata = pq.ParquetFile(path).metadata
        index = metadata.schema.names.index(column)
        low = high = None
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(index).statistics
            if stats is None or not stats.has_min_max:
                return None
            low = stats.min if low is None else min(low, stats.min)
            high = stats.max if high is None else max(high, stats.max)
        return (low, high) if low is not None else None

    def write_ledger(self, table: str, rows: pa.Table) -> None:
        """Ledger tables (dump, reject, run) are one part, rewritten whole."""
        for old in self.parts(table):
            old.unlink()
        self.write_part(table, f"{PART_PREFIX}{self.name}", rows)

    def read_table(self, table: str, columns: list[str] | None = None) -> pa.Table:
        """All parts of a table in this generation (empty table when there are none)."""
        table_schema = schema.TABLES[table]
        parts = self.parts(table)
        if not parts:
            empty = table_schema.empty_table()
            return empty.select(columns) if columns else empty
        tables = [pq.read_table(p, columns=columns, schema=table_schema) for p in parts]
        return pa.concat_tables(tables)


@dataclass(frozen=True, slots=True)
class Pointer:
    """What data/CURRENT says: a generation name, or why it cannot be trusted."""

    name: str | None  # None with no damage: nothing was ever published here
    damage: str | None = None


class Warehouse:
    """The data folder: published state, locking, and building the next generation."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()

    @property
    def views_path(self) -> Path:
        return self.data_dir / VIEWS_FILE

    @property
    def gen_root(self) -> Path:
        return self.data_dir / GEN_DIR

    def generation(self, name: str) -> Generation:
        return Generation(self.gen_root / name, name)

    def pointer(self) -> Pointer:
        """Read CURRENT without trusting it: a generation name that exists, or the damage."""
        path = self.data_dir / CURRENT
        try:
            text = path.read_bytes().decode("utf-8", "replace").strip()
        except FileNotFoundError:
            if self._published_before():
                return Pointer(None, f"{path} is missing")
            return Pointer(None)
        except OSError as err:
            return Pointer(None, f"{path} is unreadable ({err.strerror or err})")
        if not text:
            return Pointer(None, f"{path} is empty")
        if not _GEN_NAME.match(text):
            return Pointer(None, f"{path} holds {text[:40]!r}, not a generation name")
        if not (self.gen_root / text).is_dir():
            return Pointer(None, f"{path} names {text}, which does not exist")
        return Pointer(text)

    def _published_before(self) -> bool:
        """Whether anything was ever published here (for a CURRENT that is missing)."""
        return (self.views_path.exists()
                or any((self.data_dir / table).is_symlink() for table in schema.TABLES)
                or any(self.generation(name).published for name in self._generations()))

    def current(self) -> Generation | None:
        """The published generation, or None before the first run.

        While CURRENT is damaged, readers get the newest intact generation, with a warning (a run
        repairs the pointer itself, see `recover`); DamagedWarehouse when none is intact.
        """
        pointer = self.pointer()
        if pointer.damage is None:
            return self.generation(pointer.name) if pointer.name else None
        found, _ = self._newest_intact(pointer)
        _log.warning("newsmill: warning: %s; reading %s, the newest intact generation "
                     "(the next `newsmill run` repairs %s)", pointer.damage, found.name, CURRENT)
        return found

    def _newest_intact(self, pointer: Pointer) -> tuple[Generation, list[tuple[str, str]]]:
        """The newest generation whose parts match its manifest, and why each newer one with a
        manifest does not; DamagedWarehouse when there is none."""
        damaged: list[tuple[str, str]] = []
        for name in reversed(self._generations()):
            generation = self.generation(name)
            if not (generation.root / MANIFEST).exists():
                continue  # a killed run's, or written before manifests: not provably intact
            why = generation.damage()
            if why is None:
                return generation, damaged
            damaged.append((name, why))
        found = "; ".join(f"{name}: {why}" for name, why in damaged) or (
            f"no generation in {self.gen_root} has a {MANIFEST} to check")
        raise DamagedWarehouse(
            f"{pointer.damage}, and no generation is provably intact to recover from ({found}); "
            f"nothing was changed or deleted. If you know which generation to publish, write its "
            f"name into {self.data_dir / CURRENT}")

    def recover(self) -> str | None:
        """Make CURRENT trustworthy before a run (call it holding the lock).

        A readable CURRENT gets its generation's manifest and PUBLISHED mark if a publish was
        cut short before them (or the generation predates them). A damaged one is re-pointed at
        the newest intact generation; newer generations that fail their manifest are moved aside
        (DAMAGED_PREFIX), never deleted. Returns a one-line note of a recovery, None otherwise.
        """
        pointer = self.pointer()
        if pointer.damage is None:
            if pointer.name is not None:
                self._mark_published(self.generation(pointer.name))
            return None
        found, damaged = self._newest_intact(pointer)
        for name, _ in damaged:
            os.replace(self.gen_root / name, self.gen_root / f"{DAMAGED_PREFIX}{name}")
        if damaged:
            fsync_dir(self.gen_root)
        self._point_at(found)
        note = f"{pointer.damage}; recovered {found.name}, the newest intact generation"
        if damaged:
            aside = ", ".join(f"{name} ({why})" for name, why in damaged)
            note += f"; kept damaged {aside} as {GEN_DIR}/{DAMAGED_PREFIX}<name>"
        return note

    def _mark_published(self, generation: Generation) -> None:
        if not (generation.root / MANIFEST).exists():
            self._write_manifest(generation, self._part_infos(generation))
        if not generation.published:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            write_atomic_bytes(generation.root / PUBLISHED, f"{stamp}\n".encode())

    @contextlib.contextmanager
    def lock(self, *, wait: bool = False) -> Iterator[None]:
        """Exclusive lock on the data folder for one run; raises WarehouseBusy when taken."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except OSError as err:
                if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise WarehouseBusy(
                        f"another newsmill run is writing to {self.data_dir}; "
                        "it was left alone (use --wait to queue behind it)"
                    ) from err
                raise
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield
        finally:
            os.close(fd)

    def _generations(self) -> list[str]:
        folder = self.gen_root
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if _GEN_NAME.match(p.name) and p.is_dir())

    def clean_orphans(self, *, superseded: bool = False) -> list[str]:
        """Delete generations no reader can need: those provably never published, and published
        ones beyond the KEEP_GENERATIONS retention while CURRENT is readable.

        With a readable CURRENT, a generation newer than it without a PUBLISHED mark was never
        published (CURRENT only moves forward, except on recovery). `superseded`: published
        generations newer than CURRENT go too (a mirror pulled an older remote generation over
        local ones that were never pushed). With a damaged CURRENT, only generations without a
        manifest that are newer than one with a manifest go: every publish writes the manifest
        before CURRENT, so they never were.
        """
        pointer = self.pointer()
        names = self._generations()
        doomed: list[str] = []
        if pointer.damage is None and pointer.name is not None:
            current = pointer.name
            older = [name for name in names if name < current]
            kept = set(older[len(older) - (KEEP_GENERATIONS - 1):]) if KEEP_GENERATIONS > 1 \
                else set()
            for name in names:
                retired = name < current and name not in kept
                unpublished = name > current and (superseded
                                                  or not self.generation(name).published)
                if retired or unpublished:
                    doomed.append(name)
        elif pointer.damage is None:
            doomed = names  # nothing was ever published here: these are killed first runs
        else:
            with_manifest = [n for n in names if (self.gen_root / n / MANIFEST).exists()]
            for name in names:
                generation = self.generation(name)
                if (with_manifest and name > with_manifest[0] and not generation.published
                        and name not in with_manifest):
                    doomed.append(name)
        for name in doomed:
            shutil.rmtree(self.gen_root / name, ignore_errors=True)
        for stray in self.data_dir.glob(".*.tmp-*"):
            stray.unlink(missing_ok=True)
        return doomed

    def begin(self) -> Generation:
        """A new generation holding hard links to every part of the published one."""
        pointer = self.pointer()
        if pointer.damage is not None:
            raise DamagedWarehouse(f"{pointer.damage}; run `newsmill run` to recover it")
        current = self.generation(pointer.name) if pointer.name else None
        # Above every generation on disk, not just CURRENT: a name is never reused.
        taken = [int(name[1:]) for name in self._generations()]
        name = f"g{max(taken, default=0) + 1:06d}"
        root = self.gen_root / name
        for table in schema.TABLES:
            (root / table).mkdir(parents=True)
            if current is not None:
                for part in current.parts(table):
                    os.link(part, root / table / part.name)
        return Generation(root, name, fresh=True)

    def publish(self, generation: Generation,
                known: Mapping[str, PartInfo] | None = None) -> None:
        """Commit a generation: its manifest, CURRENT, its PUBLISHED mark, then the table symlinks
        (views: the caller). `known`: part sizes and hashes already verified (a pulled copy)."""
        self._write_manifest(generation, self._part_infos(generation, known, sync=True))
        self._point_at(generation)

    def _point_at(self, generation: Generation) -> None:
        write_atomic_bytes(self.data_dir / CURRENT, f"{generation.name}\n".encode())
        self._mark_published(generation)
        self.link_tables(generation)

    def _part_infos(self, generation: Generation, known: Mapping[str, PartInfo] | None = None,
                    *, sync: bool = False) -> dict[str, PartInfo]:
        """Size and SHA-256 of every part. Only new parts are hashed: a part that is a hard link
        of the published generation's (an unchanged part) keeps the hash recorded there."""
        pointer = self.pointer()
        previous = self.generation(pointer.name) if pointer.name else None
        recorded = (previous.manifest() or {}) if previous is not None else {}
        infos: dict[str, PartInfo] = {}
        for table in schema.TABLES:
            for part in generation.parts(table):
                rel = f"{table}/{part.name}"
                size = part.stat().st_size
                info = (known or {}).get(rel)
                if info is None and rel in recorded and previous is not None:
                    old = previous.root / rel
                    with contextlib.suppress(OSError):
                        if os.path.samefile(old, part):
                            info = recorded[rel]
                if info is None or info.size != size:
                    info = PartInfo(size, sha256_of(str(part)))
                infos[rel] = info
                if sync:
                    with open(part, "rb") as handle:
                        os.fsync(handle.fileno())
            if sync:
                fsync_dir(generation.table_dir(table))
        return infos

    def _write_manifest(self, generation: Generation, parts: Mapping[str, PartInfo]) -> None:
        data = {"generation": generation.name, "parts": parts_json(parts)}
        write_atomic_bytes(generation.root / MANIFEST, json.dumps(data, indent=1).encode())

    def link_tables(self, generation: Generation) -> None:
        """Point data/<table> at the generation; each swap is one atomic rename."""
        for table in schema.TABLES:
            link = self.data_dir / table
            if link.exists() and not link.is_symlink():
                raise RuntimeError(f"{link} is a real folder; newsmill expects a symlink there")
            tmp = self.data_dir / f".{table}.tmp-{os.getpid()}"
            tmp.unlink(missing_ok=True)
            os.symlink(os.path.join(GEN_DIR, generation.name, table), tmp)
            os.replace(tmp, link)
        fsync_dir(self.data_dir)
