"""DuckDB views over a generation's Parquet: the views file, the data checks, and their listing."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse import schema
from warehouse.store import Generation, fsync_dir

VIEWS_DIR = Path(__file__).parent / "views"
CHECKS_DIR = Path(__file__).parent / "checks"
STAGING = list(schema.TABLES)  # staging views are named after their tables and come first
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int16(): "SMALLINT",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.date32(): "DATE",
    schema.UTC_TS: "TIMESTAMPTZ",
    pa.binary(): "BLOB",
    schema.STORY_SIGNATURE.field("signature").type: "BLOB",
}


@dataclass(frozen=True, slots=True)
class ViewInfo:
    name: str
    description: str
    grain: str
    sql: str
    # "written": a check that only needs the rows written by this run (see Generation.written)
    scope: str = ""


@dataclass(frozen=True, slots=True)
class CheckFailure:
    check: str
    description: str
    rows: int
    example: str
    sample: tuple[str, ...] = ()  # a few offending rows (the first is `example`)


def _header(sql: str) -> tuple[str, str]:
    description = _comments(sql)[0] if _comments(sql) else ""
    return description, _tagged(sql, "grain")


def _comments(sql: str) -> list[str]:
    return [line[2:].strip() for line in sql.splitlines() if line.startswith("--")]


def _tagged(sql: str, tag: str) -> str:
    """The text of a `-- Tag: text` header line, or ''."""
    line = next((c for c in _comments(sql) if c.lower().startswith(f"{tag}:")), "")
    return line[len(tag) + 1:].strip()


def load_views() -> list[ViewInfo]:
    """Every view definition, staging views first, then each view after the views it reads."""
    files = {p.stem: p.read_text() for p in VIEWS_DIR.glob("*.sql")}
    order = [n for n in STAGING if n in files]
    remaining = sorted(n for n in files if n not in STAGING)
    while remaining:
        ready = [n for n in remaining
                 if not any(d in remaining and d != n for d in _reads(files[n], files))]
        if not ready:
            raise ValueError(f"views read each other in a cycle: {remaining}")
        order += ready
        remaining = [n for n in remaining if n not in ready]
    return [ViewInfo(name, *_header(files[name]), files[name]) for name in order]


def _reads(sql: str, names: dict[str, str]) -> set[str]:
    """The view names a view's SQL refers to."""
    words = set(re.findall(r"\b\w+\b", "\n".join(
        line for line in sql.splitlines() if not line.startswith("--"))))
    return words & set(names)


def load_checks() -> list[ViewInfo]:
    """Every data check: a query returning the rows that break a rule."""
    checks = []
    for path in sorted(CHECKS_DIR.glob("*.sql")):
        sql = path.read_text()
        description, _ = _header(sql)
        scope = _tagged(sql, "scope").split(" ", 1)[0].rstrip(":;,.").lower()
        checks.append(ViewInfo(path.stem, description, "", sql, scope))
    return checks


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _table_source(generation: Generation, table: str,
                  only: dict[str, set[str]] | None = None) -> str:
    """A read_parquet over the generation's parts (those named in `only`, when given), or a typed
    empty relation when there are none."""
    parts = generation.parts(table)
    if only is not None:
        parts = [p for p in parts if p.stem in only.get(table, set())]
    if parts:
        files = ", ".join(_sql_string(str(p)) for p in parts)
        # by name: parts written before a column was added read it as null
        return f"read_parquet([{files}], union_by_name = true)"
    columns = ", ".join(
        f"cast(null as {_DUCKDB_TYPES[f.type]}) as \"{f.name}\"" for f in schema.TABLES[table]
    )
    return f"(select {columns} where false)"


def _country_table() -> pa.Table:
    from transforms.countries import country_names

    names = country_names()
    return pa.table({"country_code": list(names), "country": list(names.values())})


def create_views(con: duckdb.DuckDBPyConnection, generation: Generation) -> None:
    """Create the country lookup table and every view in `con`, pointing at `generation`."""
    countries = _country_table()
    con.register("country_source", countries)
    con.execute("create or replace table country as select * from country_source")
    con.unregister("country_source")
    # The generation's folder too: the views name absolute paths, so a reader can tell a views
    # file made in a folder that was since copied or moved (see warehouse.api.open_warehouse).
    con.execute("create or replace table newsmill_meta as select ? as generation, "
                "? as generation_root", [generation.name, str(generation.root)])
    for view in load_views():
        _create_view(con, view, generation)
        con.execute(f"comment on view {view.name} is {_sql_string(view.description)}")


def _create_view(con: duckdb.DuckDBPyConnection, view: ViewInfo, generation: Generation,
                 only: dict[str, set[str]] | None = None) -> None:
    """One view over `generation`'s parts (those named in `only`, when given)."""
    body = _PLACEHOLDER.sub(lambda m: _table_source(generation, m.group(1), only), view.sql)
    con.execute(f"create or replace view {view.name} as {body}")


def run_checks(generation: Generation) -> list[CheckFailure]:
    """Run every data check against a generation; an empty list means all pass.

    A check scoped to written rows ("-- Scope: written") reads only the parts this run wrote,
    when the generation knows them: the other parts are byte-identical links to parts that passed
    when they were written. It runs part by part, over the staging views only, so a backfill that
    writes every part still joins one part's bodies at a time.
    """
    failures = []
    with duckdb.connect() as con:
        create_views(con, generation)
        for check in load_checks():
            if check.scope == "written" and generation.written is not None:
                failure = _check_written_parts(generation, check)
            else:
                failure = _check(con, check)
            if failure is not None:
                failures.append(failure)
    return failures


def _check(con: duckdb.DuckDBPyConnection, check: ViewInfo) -> CheckFailure | None:
    rows = con.execute(f"select * from ({check.sql}) limit 5").fetchall()
    if not rows:
        return None
    total = con.execute(f"select count(*) from ({check.sql})").fetchone()
    return CheckFailure(check.name, check.description, int(total[0]) if total else len(rows),
                        repr(rows[0]), tuple(repr(row) for row in rows))


def _check_written_parts(generation: Generation, check: ViewInfo) -> CheckFailure | None:
    """One check over each part this generation wrote, with the staging views of that part."""
    written = generation.written or {}
    staging = [view for view in load_views() if view.name in STAGING]
    found: list[CheckFailure] = []
    with duckdb.connect() as con:
        for part in sorted(set().union(*written.values())):
            only = {table: {part} for table in schema.TABLES}
            for view in staging:
                _create_view(con, view, generation, only)
            failure = _check(con, check)
            if failure is not None:
                found.append(failure)
    if not found:
        return None
    return CheckFailure(check.name, check.description, sum(f.rows for f in found),
                        found[0].example, tuple(row for f in found for row in f.sample)[:5])


def write_views_file(path: Path, generation: Generation) -> None:
    """Build the views file beside its final name, then swap it in with one rename."""
    staged = stage_views_file(path, generation)
    try:
        staged.swap()
    finally:
        staged.discard()


@dataclass(slots=True)
class StagedViews:
    """A views file built beside its final name (a hidden temp name), not yet swapped in."""

    tmp: Path
    path: Path

    def swap(self) -> None:
        """Replace the views file with this one: one rename, which needs no free space."""
        os.replace(self.tmp, self.path)
        fsync_dir(self.path.parent)

    def discard(self) -> None:
        """Remove what is left of the temp file (nothing after a swap)."""
        _remove_temp(self.tmp)


def stage_views_file(path: Path, generation: Generation) -> StagedViews:
    """Build a views file over `generation` under a temp name. The build is the step that needs
    disk space, so a run does it before its commit: a full disk then leaves the previous state
    whole, and no temp file behind (the error is raised after the cleanup)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    _remove_temp(tmp)
    try:
        with duckdb.connect(str(tmp)) as con:
            create_views(con, generation)
            con.execute("checkpoint")
    except BaseException:
        _remove_temp(tmp)
        raise
    return StagedViews(tmp, path)


def _remove_temp(tmp: Path) -> None:
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)


def views_generation(path: Path) -> str | None:
    """The generation a views file points at, or None when it is missing or unreadable."""
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute("select generation from newsmill_meta").fetchone()
    except duckdb.Error:
        return None
    return str(row[0]) if row else None
