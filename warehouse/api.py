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

from warehouse.store import VIEWS_FILE

if TYPE_CHECKING:
    import duckdb

Engine = Literal["pandas", "polars", "arrow"]
ENGINES: tuple[Engine, ...] = ("pandas", "polars", "arrow")
# Tables written as Parquet; the views file holds one staging view per table plus `country`.
PARQUET_TABLES = ("article", "mention", "topic", "dump", "reject", "run")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class NoWarehouse(FileNotFoundError):
    """The data folder has no views file yet: nothing was ever published there."""


def open_warehouse(data_dir: str | Path = "data", *,
                   storage_options: Mapping[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every view and `country`: read-only on `data_dir`'s views file,
    or in memory over the published Parquet when `data_dir` is a URL (s3://bucket/prefix)."""
    import duckdb

    from warehouse.remote import RemoteWarehouse, is_url

    if is_url(data_dir):
        remote = RemoteWarehouse(str(data_dir), storage_options, listings_cache=True)
        try:
            return remote.connect()
        except FileNotFoundError as err:
            raise NoWarehouse(str(err)) from err
    path = Path(data_dir) / VIEWS_FILE
    if not path.exists():
        raise NoWarehouse(f"no warehouse at {Path(data_dir)} ({path} is missing); "
                          "run `newsmill run` first")
    return duckdb.connect(str(path), read_only=True)


def relation_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every view and table a connection can read, by name."""
    rows = con.execute("select table_name from information_schema.tables "
                       "order by table_name").fetchall()
    return [str(row[0]) for row in rows]


def query_df(sql: str, params: Sequence[Any] | None = None, *, data_dir: str | Path = "data",
             engine: Engine = "pandas", con: duckdb.DuckDBPyConnection | None = None,
             storage_options: Mapping[str, Any] | None = None) -> Any:
    """Run SQL over the views and return the result as a pandas, polars or Arrow table."""
    _check_engine(engine)
    if con is not None:
        return _fetch(con, sql, params, engine)
    with open_warehouse(data_dir, storage_options=storage_options) as own:
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
    with duckdb.connect(config={"autoinstall_known_extensions": False,
                                "autoload_known_extensions": False}) as con:
        if remote is not None:
            con.register_filesystem(remote.fs)
        files = [str(p) for p in parts]
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
    relation = con.sql(sql, params=list(params) if params is not None else None)
    if engine == "polars":
        return relation.pl()
    if engine == "arrow":
        return relation.to_arrow_table()
    return relation.df()


def _convert(table: Any, engine: Engine) -> Any:
    if engine == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if engine == "arrow":
        return table
    return table.to_pandas()
