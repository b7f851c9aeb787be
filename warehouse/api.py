"""The notebook front door: the warehouse as a DuckDB connection or as pandas/polars DataFrames.

    from warehouse import open_warehouse
    con = open_warehouse("data")
    con.sql("select * from mentions_by_country limit 5").df()

    from warehouse.api import view_df, table_df, query_df
    view_df("country_pairs", engine="polars")
    table_df("mention", columns=["article_id", "country_code", "start", "end"])
    query_df("select * from mention where country_code = ?", params=["FR"])

A connection sees the warehouse as it was when it was opened; a later `newsmill run` publishes a
new views file, so reopen to see it. Connections are read-only, but temporary tables and
registered DataFrames still work.

Read-only is built into the connection, not checked in SQL text (docs/hardening.md):
- the views file is opened read-only; DuckDB's `enable_external_access` is off, so the only files
  the connection may open are the Parquet parts its views read (`allowed_paths`), and
  `lock_configuration` stops any statement from turning that back on. Reading your own files
  (read_csv of a CSV to join) needs `allow_external_files=True`. Extensions are never installed
  or loaded automatically, so a network read cannot download anything.
- SQL given as text (`query_df`, `read_rows`, `newsmill query`) must be exactly one statement that
  DuckDB's own parser calls a SELECT (or an EXPLAIN of one); anything else raises QueryRefused.
  A Python caller holding the connection can still execute other statements on it; those meet
  the settings above, which refuse every file outside the views' own parts.

`data_dir` may also be an fsspec URL that `newsmill run --data URL` publishes to, such as
s3://bucket/newsmill: the connection is then an in-memory DuckDB database whose views read the
URL's published generation through the fsspec filesystem (credentials and endpoint as the
filesystem finds them, e.g. AWS_PROFILE or AWS_ENDPOINT_URL for s3fs, or `storage_options`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import duckdb

Engine = Literal["pandas", "polars", "arrow"]
ENGINES: tuple[Engine, ...] = ("pandas", "polars", "arrow")
# Tables written as Parquet; the views file holds one staging view per table plus `country`.
PARQUET_TABLES = ("article", "mention", "topic", "dump", "reject", "run")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class NoWarehouse(FileNotFoundError):
    """The data folder has no views file yet (nothing was ever published there), is missing, or
    is not a folder."""


class QueryRefused(ValueError):
    """SQL the read-only warehouse will not run: not exactly one SELECT, or it asked for a file,
    extension or setting the connection does not allow."""


# Nothing is ever downloaded or loaded behind a query's back (no network at run time).
_NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def open_warehouse(data_dir: str | Path = "data", *,
                   storage_options: Mapping[str, Any] | None = None,
                   allow_external_files: bool = False,
                   allow_empty: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only DuckDB connection with every view and `country`: on `data_dir`'s views file,
    or in memory over the published Parquet when `data_dir` is a URL (s3://bucket/prefix).

    The connection can read only the Parquet its views read, unless `allow_external_files`.
    `allow_empty`: a data folder (or URL) with nothing published yet gives empty views instead of
    NoWarehouse; a folder that does not exist is still NoWarehouse.
    """
    import duckdb

    from warehouse.remote import RemoteWarehouse, is_url
    from warehouse.store import GEN_DIR, Generation, Warehouse
    from warehouse.views import create_views

    generation: Any
    if is_url(data_dir):
        from warehouse.remote import RemoteGeneration
        from warehouse.store import CURRENT

        remote = RemoteWarehouse(str(data_dir), storage_options, listings_cache=True)
        # One look at CURRENT: the views and the readable parts come from the same generation.
        generation = remote.generation()
        if generation is None and not allow_empty:
            raise NoWarehouse(f"no warehouse at {remote.url} ({remote.url}/{CURRENT} is "
                              "missing); run `newsmill run` first")
        con = duckdb.connect(config=_NO_EXTENSIONS)
        try:
            # Parquet is read through the fsspec filesystem: no DuckDB extension is needed.
            con.register_filesystem(remote.fs)
            create_views(con, generation or RemoteGeneration("", {}))
        except BaseException:
            con.close()
            raise
    else:
        folder = Path(data_dir)
        check_data_folder(folder)
        store = Warehouse(folder)
        generation = store.current()
        if generation is None and not allow_empty:
            raise NoWarehouse(f"no warehouse at {folder} (nothing published yet); "
                              "run `newsmill run` first")
        con = _open_views_file(store.views_path, generation)
        if con is None:
            # No views file over this very generation in this very folder (it lags a damaged
            # CURRENT or a publish under way, or the folder was copied or moved: its views name
            # absolute paths): the same views, built in memory. Writes there touch no file.
            con = duckdb.connect(config=_NO_EXTENSIONS)
            try:
                create_views(con, generation or Generation(store.data_dir / GEN_DIR / "none", ""))
            except BaseException:
                con.close()
                raise
    try:
        seal(con, _part_paths(generation), allow_external_files=allow_external_files)
    except BaseException:
        con.close()
        raise
    return con


def check_data_folder(folder: Path) -> None:
    """NoWarehouse unless `folder` is an existing folder (a reader never creates one)."""
    if not folder.exists():
        raise NoWarehouse(f"data folder {folder} does not exist; run `newsmill run --data "
                          f"{folder}` first")
    if not folder.is_dir():
        raise NoWarehouse(f"data folder {folder} is a file, not a folder")


def seal(con: duckdb.DuckDBPyConnection, readable: Sequence[str], *,
         allow_external_files: bool = False) -> None:
    """Lock `con` down: no file but `readable` (unless allow_external_files), no extension
    installed or loaded automatically, and no statement may change these settings again."""
    con.execute("set autoinstall_known_extensions = false")
    con.execute("set autoload_known_extensions = false")
    if not allow_external_files:
        # allowed_paths must be set while external access is still on.
        con.execute("set allowed_paths = ?", [list(readable)])
        con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def _open_views_file(path: Path, generation: Any) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the views file at `path` when its views read exactly
    `generation` at its place on disk, else None. The check reads the connection itself, so a
    views file a run swaps in meanwhile cannot pair one generation's views with another's files.
    """
    import duckdb

    if generation is None or not path.is_file():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True, config=_NO_EXTENSIONS)
    except duckdb.Error:
        return None
    try:
        row = con.execute("select generation, generation_root from newsmill_meta").fetchone()
    except duckdb.Error:  # an older or hand-made views file: rebuild the views in memory
        row = None
    if row is not None and tuple(row) == (generation.name, str(generation.root)):
        return con
    con.close()
    return None


def _part_paths(generation: Any) -> list[str]:
    """Every Parquet part a generation's views read: the only files a sealed connection opens."""
    if generation is None:
        return []
    from warehouse import schema

    return [str(part) for table in schema.TABLES for part in generation.parts(table)]


def read_only_sql(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """`sql` back when DuckDB's parser finds exactly one SELECT (or EXPLAIN [ANALYZE] of one);
    QueryRefused otherwise. Parser errors are DuckDB's own (duckdb.ParserException)."""
    statements = con.extract_statements(sql)
    if not statements:
        raise QueryRefused("empty query: give one SELECT statement")
    if len(statements) > 1:
        raise QueryRefused(f"one statement at a time: this query holds {len(statements)}")
    statement = statements[0]
    kind = statement.type.name
    if kind == "EXPLAIN":
        inner = _explained(con, statement.query)
        if inner != "SELECT":
            raise QueryRefused(f"the warehouse is read-only: EXPLAIN of {inner} is not allowed, "
                               "only EXPLAIN of a SELECT")
    elif kind != "SELECT":
        raise QueryRefused(f"the warehouse is read-only: {kind} statements are not allowed, "
                           "only SELECT")
    return sql


def _explained(con: duckdb.DuckDBPyConnection, query: str) -> str:
    """The statement type an EXPLAIN [ANALYZE] wraps, found by DuckDB's tokenizer and parser
    (EXPLAIN ANALYZE runs what it explains, so that must be a SELECT too)."""
    import duckdb

    tokens = duckdb.tokenize(query)
    ends = [offset for offset, _ in tokens[1:]] + [len(query)]
    words = [(start, query[start:end].strip().lower())
             for (start, kind), end in zip(tokens, ends, strict=True)
             if kind != duckdb.token_type.comment]
    skip = 2 if len(words) > 1 and words[1][1] == "analyze" else 1
    if len(words) <= skip:
        return "nothing"
    try:
        inner = con.extract_statements(query[words[skip][0]:])
    except duckdb.Error:
        return "a statement with options"
    return inner[0].type.name if len(inner) == 1 else f"{len(inner)} statements"


def read_rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
              ) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of one read-only query (see read_only_sql); a file or setting the
    connection refuses is QueryRefused too."""
    import duckdb

    read_only_sql(con, sql)
    try:
        cursor = con.execute(sql, list(params) if params is not None else None)
        columns = [d[0] for d in cursor.description or []]
        return columns, [tuple(row) for row in cursor.fetchall()]
    except duckdb.Error as err:
        _raise_refusal(err)
        raise


def _raise_refusal(err: Exception) -> None:
    """QueryRefused, as one line that says what to do, when DuckDB refused a file or an
    extension because of how the connection was sealed; otherwise nothing (a plain SQL error)."""
    import duckdb

    detail = str(err).splitlines()[0] if str(err) else type(err).__name__
    if isinstance(err, duckdb.PermissionException):
        raise QueryRefused(f"{detail} (the query may read only the warehouse; to read your own "
                           "files, use --allow-external-files or allow_external_files=True)"
                           ) from err
    if "requires the extension" in detail:  # autoload is off: DuckDB's own wording
        raise QueryRefused(f"{detail}; newsmill never installs or loads DuckDB extensions, so "
                           "URLs it cannot read without one stay unread") from err


def relation_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every view and table a connection can read, by name."""
    rows = con.execute("select table_name from information_schema.tables "
                       "order by table_name").fetchall()
    return [str(row[0]) for row in rows]


def query_df(sql: str, params: Sequence[Any] | None = None, *, data_dir: str | Path = "data",
             engine: Engine = "pandas", con: duckdb.DuckDBPyConnection | None = None,
             storage_options: Mapping[str, Any] | None = None,
             allow_external_files: bool = False) -> Any:
    """Run one read-only SELECT over the views and return the result as a pandas, polars or
    Arrow table; anything else raises QueryRefused (see read_only_sql)."""
    _check_engine(engine)
    if con is not None:
        read_only_sql(con, sql)
        return _fetch(con, sql, params, engine)
    with open_warehouse(data_dir, storage_options=storage_options,
                        allow_external_files=allow_external_files) as own:
        read_only_sql(own, sql)
        return _fetch(own, sql, params, engine)


def view_df(name: str, *, data_dir: str | Path = "data", engine: Engine = "pandas",
            con: duckdb.DuckDBPyConnection | None = None, limit: int | None = None,
            storage_options: Mapping[str, Any] | None = None) -> Any:
    """One view (or the `country` table) as a DataFrame, in the view's own row order."""
    _check_engine(engine)
    if con is None:
        with open_warehouse(data_dir, storage_options=storage_options) as own:
            return view_df(name, engine=engine, con=own, limit=limit)
    known = relation_names(con)
    if name not in known:
        raise KeyError(f"no view or table named {name!r}; choose one of: {', '.join(known)}")
    sql = f'select * from "{name}"' + (f" limit {int(limit)}" if limit is not None else "")
    return _fetch(con, sql, None, engine)


def table_df(name: str, *, data_dir: str | Path = "data", engine: Engine = "pandas",
             columns: Sequence[str] | None = None,
             storage_options: Mapping[str, Any] | None = None) -> Any:
    """One Parquet table of the published generation, read straight from its files."""
    _check_engine(engine)
    if name not in PARQUET_TABLES:
        raise KeyError(f"no Parquet table named {name!r}; choose one of: "
                       f"{', '.join(PARQUET_TABLES)}")
    for column in columns or ():
        if not _IDENTIFIER.match(column):
            raise ValueError(f"not a column name: {column!r}")
    import duckdb

    from warehouse.remote import RemoteWarehouse, is_url
    from warehouse.store import Generation, Warehouse

    remote = None
    generation: Generation | None
    if is_url(data_dir):
        remote = RemoteWarehouse(str(data_dir), storage_options, listings_cache=True)
        generation = remote.generation()
    else:
        generation = Warehouse(Path(data_dir)).current()
    if generation is None:
        raise NoWarehouse(f"no published generation in {data_dir}; run `newsmill run` first")
    parts = generation.parts(name)
    if not parts:
        # A table with no rows yet has no files: the typed empty table keeps the columns.
        empty = generation.read_table(name, list(columns) if columns else None)
        return _convert(empty, engine)
    select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    with duckdb.connect(config=_NO_EXTENSIONS) as con:
        if remote is not None:
            con.register_filesystem(remote.fs)
        files = [str(p) for p in parts]
        seal(con, files)
        # by name: parts written before a column was added read it as null
        return _fetch(con, f"select {select} from read_parquet(?, union_by_name = true)",
                      [files], engine)


def json_value(value: Any) -> Any:
    """A query result cell as JSON can hold it: dates as ISO text, decimals as floats."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None,
           engine: Engine) -> Any:
    import duckdb

    try:
        relation = con.sql(sql, params=list(params) if params is not None else None)
        if engine == "polars":
            return relation.pl()
        if engine == "arrow":
            return relation.to_arrow_table()
        return relation.df()
    except duckdb.Error as err:
        _raise_refusal(err)
        raise


def _convert(table: Any, engine: Engine) -> Any:
    if engine == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if engine == "arrow":
        return table
    return table.to_pandas()
