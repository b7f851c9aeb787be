"""The notebook API (warehouse.api) and the direct Parquet reads the README documents."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from conftest import REPO, build_tiny_warehouse
from warehouse import open_warehouse, query_df, table_df, view_df
from warehouse.api import NoWarehouse, QueryRefused, relation_names

# a2 is a copy of a1 (see build_tiny_warehouse): Kenya is named in 2 articles but 1 story
COUNTRY_ROWS = [("KE", "Kenya", 3, 2, 0.5, 1), ("GH", "Ghana", 2, 2, 0.5, 2),
                ("NO", "Norway", 1, 1, 0.25, 1)]


def test_open_warehouse_sees_every_view_and_the_country_table(tiny_warehouse: Path) -> None:
    with open_warehouse(tiny_warehouse) as con:
        names = relation_names(con)
        rows = con.sql("select * from mentions_by_country").fetchall()
    for name in ("article", "mention", "topic", "dump", "reject", "run", "country",
                 "mentions_by_country", "mentions_by_country_day", "country_pairs",
                 "topics_by_country", "topics_by_day", "articles_by_source", "rejects_by_reason"):
        assert name in names
    assert rows == COUNTRY_ROWS


def test_connection_is_read_only_but_temp_tables_work(tiny_warehouse: Path) -> None:
    with open_warehouse(tiny_warehouse) as con:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table scratch as select 1 as n")
        con.execute("create temp table scratch as select country_code from mention")
        assert con.execute("select count(*) from scratch").fetchall() == [(6,)]


def test_no_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NoWarehouse, match="run `newsmill run` first"):
        open_warehouse(tmp_path)
    with pytest.raises(FileNotFoundError):
        table_df("mention", data_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_view_df_pandas_and_polars(tiny_warehouse: Path) -> None:
    frame = view_df("mentions_by_country", data_dir=tiny_warehouse)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.itertuples(index=False, name=None)) == COUNTRY_ROWS
    polars_frame = view_df("mentions_by_country", data_dir=tiny_warehouse, engine="polars")
    assert isinstance(polars_frame, pl.DataFrame)
    assert polars_frame.rows() == COUNTRY_ROWS
    with open_warehouse(tiny_warehouse) as con:
        assert view_df("country", con=con, limit=2).shape == (2, 2)
        pairs = view_df("country_pairs", con=con, engine="arrow")
    assert isinstance(pairs, pa.Table)
    assert pairs.column("articles").to_pylist() == [1, 1]


def test_view_df_refuses_unknown_names(tiny_warehouse: Path) -> None:
    with pytest.raises(KeyError, match="mentions_by_country"):
        view_df("mentions; drop table country", data_dir=tiny_warehouse)
    with pytest.raises(ValueError, match="engine"):
        view_df("article", data_dir=tiny_warehouse, engine="spark")  # type: ignore[arg-type]


def test_table_df_reads_the_parquet_of_the_published_generation(tiny_warehouse: Path) -> None:
    mentions = table_df("mention", data_dir=tiny_warehouse,
                        columns=["article_id", "country_code", "start", "end"])
    assert list(mentions.columns) == ["article_id", "country_code", "start", "end"]
    assert sorted(mentions.itertuples(index=False, name=None)) == [
        ("a1", "GH", 10, 15), ("a1", "KE", 0, 5), ("a1", "KE", 13, 18), ("a2", "KE", 11, 16),
        ("a3", "GH", 0, 5), ("a3", "NO", 11, 17)]
    articles = table_df("article", data_dir=tiny_warehouse, engine="polars")
    assert articles.height == 4 and "body" in articles.columns
    with pytest.raises(ValueError, match="column"):
        table_df("mention", data_dir=tiny_warehouse, columns=['start" from x; --'])
    with pytest.raises(KeyError):
        table_df("mentions_by_country", data_dir=tiny_warehouse)


def test_query_df_with_parameters(tiny_warehouse: Path) -> None:
    frame = query_df("select article_id from mention where country_code = ? order by all",
                     ["KE"], data_dir=tiny_warehouse)
    assert frame["article_id"].tolist() == ["a1", "a1", "a2"]
    with open_warehouse(tiny_warehouse) as con:
        frame = query_df("select count(*) as n from article", con=con, engine="polars")
    assert frame.item() == 4


def test_offsets_slice_the_surface_out_of_the_text(tiny_warehouse: Path) -> None:
    """The recipe the notebook uses: title/body[start:end] is the surface."""
    rows = query_df("select m.field, m.start, m.\"end\", m.surface, a.title, a.body "
                    "from mention m join article a using (article_id)",
                    data_dir=tiny_warehouse, engine="polars")
    for field, start, end, surface, title, body in rows.iter_rows():
        assert (title if field == "title" else body)[start:end] == surface


def test_readme_direct_parquet_reads(tiny_warehouse: Path) -> None:
    """pandas, polars and DuckDB read the Parquet without newsmill, as the README shows."""
    data = tiny_warehouse
    assert len(pd.read_parquet(data / "mention")) == 6
    assert pl.read_parquet(f"{data}/mention/*.parquet").height == 6
    assert pl.scan_parquet(f"{data}/article/*.parquet").select(pl.len()).collect().item() == 4
    counts = duckdb.sql(f"select country_code, count(*) from read_parquet('{data}/mention/**/"
                        "*.parquet') group by all order by all").fetchall()
    assert counts == [("GH", 2), ("KE", 3), ("NO", 1)]


def test_importing_warehouse_does_not_load_duckdb() -> None:
    code = ("import sys, warehouse, warehouse.schema; "
            "print('duckdb' in sys.modules, callable(warehouse.open_warehouse), "
            "'duckdb' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO)}, check=True)
    assert done.stdout.split() == ["False", "True", "False"]


def test_query_df_runs_one_select_and_refuses_everything_else(tiny_warehouse: Path) -> None:
    frame = query_df("select count(*) as n from mention where country_code = ?", ["KE"],
                     data_dir=tiny_warehouse)
    assert frame["n"].tolist() == [3]
    with open_warehouse(tiny_warehouse) as con:
        for sql, message in [("select 1; select 2", "one statement at a time"),
                             ("copy mention to 'm.csv'", "COPY statements are not allowed"),
                             ("explain analyze copy mention to 'm.csv'", "EXPLAIN of COPY"),
                             ("pragma version", "PRAGMA statements are not allowed"),
                             ("  -- nothing\n", "empty query"),
                             ("select * from read_csv('/etc/passwd')", "allow_external_files")]:
            with pytest.raises(QueryRefused, match=message):
                query_df(sql, con=con)
        with pytest.raises(duckdb.ParserException):  # a typo is DuckDB's own error, not refusal
            query_df("selec 1", con=con)


def test_a_sealed_connection_still_takes_registered_frames_and_temp_tables(
        tiny_warehouse: Path) -> None:
    mine = pd.DataFrame({"country_code": ["KE", "NO"], "weight": [2.0, 0.5]})
    with open_warehouse(tiny_warehouse) as con:
        con.register("mine", mine)
        rows = query_df("select m.country_code, sum(m.weight) as w from mention join mine m "
                        "using (country_code) group by 1 order by 1", con=con)
        assert list(rows.itertuples(index=False, name=None)) == [("KE", 6.0), ("NO", 0.5)]


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_data_folder_that_is_missing_or_a_file_is_no_warehouse(tmp_path: Path,
                                                                  kind: str) -> None:
    data = tmp_path / "data"
    if kind == "file":
        data.write_text("x")
    with pytest.raises(NoWarehouse, match="does not exist" if kind == "missing" else "a file"):
        open_warehouse(data, allow_empty=True)
    assert [p.name for p in tmp_path.iterdir()] == (["data"] if kind == "file" else [])


def test_allow_empty_gives_empty_views_over_a_folder_with_nothing_published(
        tmp_path: Path) -> None:
    with open_warehouse(tmp_path, allow_empty=True) as con:
        assert con.execute("select count(*) from mentions_by_country").fetchall() == [(0,)]
        with pytest.raises(duckdb.PermissionException):
            con.execute("select * from read_text('/etc/hostname')")
    assert list(tmp_path.iterdir()) == []


def test_a_url_warehouse_is_sealed_too(tmp_path: Path) -> None:
    import fsspec

    from warehouse.remote import Mirror, RemoteWarehouse
    from warehouse.store import Warehouse

    url = f"memory://newsmill-api-{uuid.uuid4().hex[:8]}/warehouse"
    data = build_tiny_warehouse(tmp_path / "cache")
    Mirror(RemoteWarehouse(url), Warehouse(data)).push()
    with fsspec.open(f"{url}-secret/notes.csv", "w") as handle:
        handle.write("a,b\n1,2\n")
    assert query_df("select count(*) as n from article", data_dir=url)["n"].tolist() == [4]
    for sql in (f"select * from read_csv('{url}-secret/notes.csv')",
                "select * from read_csv('/etc/passwd')"):
        with pytest.raises(QueryRefused):
            query_df(sql, data_dir=url)
