"""The one Parquet writer and reader, with all-or-nothing publishing.

Layout of the data folder:

    data/CURRENT                 name of the published generation (the commit point)
    data/.gen/<gen>/<table>/     Parquet parts of one generation
    data/<table> -> .gen/<gen>/<table>   symlinks, so a plain
                                 `read_parquet('data/mention/**/*.parquet')` works
    data/newsmill.duckdb         views over the published generation

A run builds a new generation beside the published one: unchanged parts are hard links (no copy),
new and rewritten parts are written there, checks run on it, and only then is CURRENT replaced.
Readers see the old generation or the new one, never a mix, and a killed run leaves an orphan
generation that the next run deletes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse import schema

GEN_DIR = ".gen"
CURRENT = "CURRENT"
LOCK = ".lock"
VIEWS_FILE = "newsmill.duckdb"
PART_PREFIX = "part-"
# Readers that opened the previous generation keep working while it is kept.
KEEP_GENERATIONS = 2


class WarehouseBusy(RuntimeError):
    """Another run holds the data folder's lock."""


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


class Warehouse:
    """The data folder: published state, locking, and building the next generation."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()

    @property
    def views_path(self) -> Path:
        return self.data_dir / VIEWS_FILE

    def current(self) -> Generation | None:
        """The published generation, or None before the first run."""
        pointer = self.data_dir / CURRENT
        try:
            name = pointer.read_text().strip()
        except FileNotFoundError:
            return None
        root = self.data_dir / GEN_DIR / name
        return Generation(root, name) if root.is_dir() else None

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
        folder = self.data_dir / GEN_DIR
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name.startswith("g"))

    def clean_orphans(self) -> list[str]:
        """Delete generations a killed run left behind, and all but the newest published ones."""
        current = self.current()
        keep: set[str] = set()
        if current is not None:
            published = [g for g in self._generations() if g <= current.name]
            keep = set(published[-KEEP_GENERATIONS:])
        removed = []
        for name in self._generations():
            if name not in keep:
                shutil.rmtree(self.data_dir / GEN_DIR / name, ignore_errors=True)
                removed.append(name)
        for stray in self.data_dir.glob(".*.tmp-*"):
            stray.unlink(missing_ok=True)
        return removed

    def begin(self) -> Generation:
        """A new generation holding hard links to every part of the published one."""
        current = self.current()
        number = int(current.name[1:]) + 1 if current else 1
        name = f"g{number:06d}"
        root = self.data_dir / GEN_DIR / name
        if root.exists():
            shutil.rmtree(root)
        for table in schema.TABLES:
            (root / table).mkdir(parents=True)
            if current is not None:
                for part in current.parts(table):
                    os.link(part, root / table / part.name)
        return Generation(root, name, fresh=True)

    def publish(self, generation: Generation) -> None:
        """Commit a generation: CURRENT first, then the table symlinks (views: the caller)."""
        for table in schema.TABLES:
            for part in generation.parts(table):
                with open(part, "rb") as handle:
                    os.fsync(handle.fileno())
            fsync_dir(generation.table_dir(table))
        write_atomic_bytes(self.data_dir / CURRENT, f"{generation.name}\n".encode())
        self.link_tables(generation)

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
