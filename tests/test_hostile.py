"""Hostile and broken input: every bad file becomes a reject row with a clear reason, nothing raises,
and the good files of the same batch are kept.

Most cases go through `ingest_batch` (the worker's whole job for a batch of raw files); one
end-to-end `newsmill run` checks the same folder lands in the warehouse's reject and dump tables.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import (
    build_tiny_warehouse,
    run_newsmill,
    story,
    table_rows,
    write_jsonl_dump,
    write_stories,
)
from flows.cli import main
from flows.config import MiB, load_settings
from transforms.formats.detect import Limits, read_dump
from transforms.records import Article, Reject, Skip
from warehouse.api import QueryRefused, open_warehouse, query_df
from warehouse.ingest import BatchResult, ingest_batch
from warehouse.rawfiles import scan_raw

CAPTURED = datetime(2025, 7, 1, 12, tzinfo=UTC)
# The defaults (256 MiB per file, 512 MiB inflated) with a small inflate cap so the bomb is cheap.
LIMITS = Limits(max_file_bytes=256 * MiB, max_decompressed_bytes=16 * MiB)
GOOD = [story(n, "good") for n in range(3)]


def jsonl(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A small gzip that inflates to `inflated_bytes` of zeros, built without holding them."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MiB)
    out = [packer.compress(block) for _ in range(inflated_bytes // MiB)]
    return b"".join(out) + packer.flush()


def make_hostile_raw(root: Path) -> Path:
    """A raw folder with two good dumps and one file per hostile case (see EXPECTED)."""
    raw = root / "raw"
    write_jsonl_dump(raw / "good.jsonl", GOOD)
    write_stories(raw / "name with spaces ünïcødé.jsonl", 2, batch="spaces")
    write_stories(raw / "new\nline.jsonl", 1, batch="newline")
    (raw / "empty.txt").write_bytes(b"")
    (raw / "zeros.bin").write_bytes(bytes(4096))
    (raw / "binary.dat").write_bytes(bytes(range(256)) * 64)
    # Mostly UTF-8 (accents written correctly) with one corrupt byte: damaged, not cp1252.
    (raw / "bad_utf8.jsonl").write_bytes(
        jsonl([story(1, "bad")]).replace("accord", "accord café").encode().replace(
            b"Tuesday", b"Tues\xffday"))
    (raw / "utf16.jsonl").write_bytes(jsonl([story(1, "utf16")]).replace(
        "accord", "accord café").encode("utf-16"))
    (raw / "cp1252.jsonl").write_bytes(jsonl([story(2, "cp")]).replace(
        "accord", "accord café – “quoted”").encode("cp1252"))
    with open(raw / "sparse.bin", "wb") as sparse:
        sparse.truncate(1024 * MiB)  # 1 GiB of nothing; no disk used
    (raw / "bomb.gz").write_bytes(gzip_bomb(64 * MiB))
    outside = root / "outside"
    write_jsonl_dump(outside / "secret.jsonl", [story(7, "secret")])
    os.symlink(outside / "secret.jsonl", raw / "escape.jsonl")
    os.symlink(outside, raw / "escape_dir")
    (raw / "deep.json").write_text("[" * 10_000 + "]" * 10_000)
    (raw / "deep_line.jsonl").write_text(
        jsonl([story(1, "deepline")]) + '{"a":' * 10_000 + "1" + "}" * 10_000 + "\n"
        + jsonl([story(2, "deepline")]))
    (raw / "nested.html").write_text(
        "<html><head><title>Deep</title></head><body>" + "<div>" * 20_000 + "text"
        + "</div>" * 20_000 + "</body></html>")
    (raw / "unclosed.html").write_text("<html><body>" + "<b><i>" * 50_000 + "</body></html>")
    return raw


# path -> (articles read, reject reasons in order)
EXPECTED: dict[str, tuple[int, list[str]]] = {
    "bad_utf8.jsonl": (0, ["bad_encoding"]),
    "binary.dat": (0, ["binary_file"]),
    "bomb.gz": (0, ["too_large"]),
    "cp1252.jsonl": (1, []),
    "deep.json": (0, ["json_too_deep"]),
    "deep_line.jsonl": (2, ["json_too_deep"]),
    "empty.txt": (0, ["empty_file"]),
    "escape.jsonl": (0, ["symlink_outside_raw"]),
    "escape_dir": (0, ["symlink_outside_raw"]),
    "good.jsonl": (3, []),
    "name with spaces ünïcødé.jsonl": (2, []),
    "nested.html": (0, ["too_deeply_nested"]),
    "new\nline.jsonl": (1, []),
    "sparse.bin": (0, ["too_large"]),
    "unclosed.html": (0, ["too_many_elements"]),
    "utf16.jsonl": (1, []),
    "zeros.bin": (0, ["zero_filled_file"]),
}


@pytest.fixture(scope="module")
def hostile_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_hostile_raw(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def batch(hostile_raw: Path) -> BatchResult:
    files = scan_raw(hostile_raw)
    return ingest_batch([(f, None) for f in files], captured_at=CAPTURED, limits=LIMITS)


def outcomes(result: BatchResult) -> dict[str, tuple[int, list[str]]]:
    reasons: dict[str, list[str]] = {}
    for row in result.rejects.to_pylist():
        reasons.setdefault(row["path"], []).append(row["reason"])
    return {d.raw.path: (d.articles, reasons.get(d.raw.path, [])) for d in result.dumps}


def test_every_hostile_file_is_refused_with_its_reason_and_the_rest_is_kept(
    batch: BatchResult,
) -> None:
    assert outcomes(batch) == EXPECTED
    assert batch.articles.num_rows == sum(articles for articles, _ in EXPECTED.values()) == 10


def test_reject_details_say_what_to_do(batch: BatchResult) -> None:
    details = {row["path"]: row["detail"] for row in batch.rejects.to_pylist()}
    assert details["sparse.bin"] == ("1073741824 bytes is over the limit of 256 MiB "
                                     "(NEWSMILL_MAX_FILE_MB)")
    assert details["bomb.gz"] == ("gzip inflates past the limit of 16 MiB "
                                  "(NEWSMILL_MAX_DECOMPRESSED_MB)")
    assert details["escape.jsonl"] == details["escape_dir"] == (
        "a symlink pointing outside the raw folder is never followed")
    assert details["empty.txt"] == "the file is empty: nothing to read"
    assert details["zeros.bin"] == "the file is zero-filled: nothing to read"
    assert details["bad_utf8.jsonl"].startswith("invalid UTF-8 at byte ")
    locations = {(r["path"], r["location"]) for r in batch.rejects.to_pylist()}
    assert ("deep_line.jsonl", "line 2") in locations


def test_encodings_are_read_into_the_right_text(batch: BatchResult) -> None:
    titles = set(batch.articles.column("title").to_pylist())
    assert story(1, "utf16")["title"].replace("accord", "accord café") in titles
    assert story(2, "cp")["title"].replace("accord", "accord café – “quoted”") in titles
    assert not any("Ã" in t for t in titles)


def test_the_secret_behind_a_symlink_is_never_read(batch: BatchResult) -> None:
    assert story(7, "secret")["title"] not in batch.articles.column("title").to_pylist()


def test_a_file_that_vanishes_between_scan_and_parse_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_stories(raw / "a.jsonl", 2, batch="va")
    write_stories(raw / "b.jsonl", 2, batch="vb")
    files = scan_raw(raw)
    (raw / "a.jsonl").unlink()
    result = ingest_batch([(f, None) for f in files], captured_at=CAPTURED, limits=LIMITS)
    assert outcomes(result) == {"a.jsonl": (0, ["vanished"]), "b.jsonl": (2, [])}
    assert result.rejects.to_pylist()[0]["detail"] == (
        "could not read the file: No such file or directory")


def test_a_file_that_changes_between_scan_and_parse_is_read_as_it_now_is(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_stories(raw / "growing.jsonl", 2, batch="g")
    files = scan_raw(raw)
    write_stories(raw / "growing.jsonl", 5, batch="g")  # the downloader appended three more
    result = ingest_batch([(f, None) for f in files], captured_at=CAPTURED, limits=LIMITS)
    assert outcomes(result) == {"growing.jsonl": (5, [])}
    import hashlib

    assert result.dumps[0].sha256 == hashlib.sha256(
        (raw / "growing.jsonl").read_bytes()).hexdigest()


def test_size_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSMILL_MAX_FILE_MB", raising=False)
    monkeypatch.delenv("NEWSMILL_MAX_DECOMPRESSED_MB", raising=False)
    defaults = load_settings()
    assert (defaults.max_file_bytes, defaults.max_decompressed_bytes) == (256 * MiB, 512 * MiB)
    monkeypatch.setenv("NEWSMILL_MAX_FILE_MB", "3")
    monkeypatch.setenv("NEWSMILL_MAX_DECOMPRESSED_MB", "5")
    tight = load_settings()
    assert (tight.max_file_bytes, tight.max_decompressed_bytes) == (3 * MiB, 5 * MiB)


def test_a_run_over_the_hostile_folder_publishes_the_good_and_records_every_refusal(
    hostile_raw: Path, tmp_path: Path, prefect_api: str
) -> None:
    data = tmp_path / "data"
    done = run_newsmill(["run", "--raw", str(hostile_raw), "--data", str(data)], prefect_api,
                        NEWSMILL_MAX_DECOMPRESSED_MB="16")
    assert done.returncode == 0, done.stderr
    assert "articles: 10 parsed: 10 new" in done.stdout
    # Refused dumps are those the manifest marks rejected: every file that gave no article.
    refused = sum(1 for articles, _ in EXPECTED.values() if articles == 0)
    assert refused == 11
    assert f"dumps:    17 seen: 17 new, 0 changed, 0 unchanged, {refused} refused" in done.stdout
    assert "refused:  12 (json_too_deep 2, symlink_outside_raw 2, too_large 2, " in done.stdout
    rejects = sorted((r[1], r[3]) for r in table_rows(data, "reject"))
    assert rejects == sorted((path, reason) for path, (_, reasons) in EXPECTED.items()
                             for reason in reasons)
    dumps = {r[1] for r in table_rows(data, "dump")}
    assert dumps == set(EXPECTED)
    assert len(table_rows(data, "article")) == 10


# Prefixes that steer arbitrary bytes into each parser rather than the binary check.
PREFIXES = [b"", b"\x1f\x8b\x08\x00", b"{", b"[", b'{"title": ', b"<html><body>", b"<!DOCTYPE html>",
            b"WARC/1.0\r\n", b"\xef\xbb\xbf", b"\xff\xfe", b"Title\n\nSource\n01-07-2025\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=3000), gz=st.booleans())
def test_any_bytes_parse_into_articles_rejects_or_skips_and_never_raise(
    prefix: bytes, body: bytes, gz: bool
) -> None:
    data = prefix + body
    if gz:
        data = gzip.compress(data)
    dump = read_dump(io.BytesIO(data), size=len(data), captured_at=CAPTURED,
                     limits=Limits(max_file_bytes=MiB, max_decompressed_bytes=MiB))
    items = list(dump.items)
    assert all(isinstance(item, Article | Reject | Skip) for item in items)
    for item in items:
        if isinstance(item, Reject):
            assert item.reason and item.detail


def test_damaged_utf8_is_refused_but_a_character_cut_at_the_end_is_dropped() -> None:
    from transforms.text import decode_text

    text = "Reykjavík harbour reopens after the storm\nCrews from Höfn returned on Monday.\n"
    assert decode_text(text.encode()[:7] + text.encode()[8:]) == Reject(
        "bad_encoding", "invalid UTF-8 at byte 7 of a UTF-8 file (invalid start byte); "
        "re-save it as UTF-8")  # where and why, never the bytes themselves
    cut = (text + "Next: Höfn").encode()[:-3]  # a download cut inside the "ö"
    assert decode_text(cut) == text + "Next: H"
    assert decode_text("Smörgåsbord".encode("cp1252")) == "Smörgåsbord"


# ---------------------------------------------------------------- hostile SQL

@dataclass(frozen=True)
class Folders:
    data: Path  # a published warehouse
    part: Path  # one of its Parquet parts, absolute
    outside: Path  # a folder beside it: a CSV, a Parquet file and an import_database payload


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Folders:
    root = tmp_path_factory.mktemp("hostile-sql")
    data = build_tiny_warehouse(root / "data")
    outside = root / "outside"
    (outside / "import").mkdir(parents=True)
    (outside / "mine.csv").write_text("country_code,note\nKE,mine\n")
    with duckdb.connect() as con:
        con.execute(f"copy (select 42 as n) to '{outside / 'mine.parquet'}' (format parquet)")
    # What `PRAGMA import_database` runs: a write into the data folder.
    (outside / "import" / "schema.sql").write_text(
        f"copy (select 'pwned') to '{data / 'pwned.csv'}';\n")
    (outside / "import" / "load.sql").write_text("")
    part = sorted((data / ".gen").glob("*/article/*.parquet"))[0]
    return Folders(data, part, outside)


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under the folders with the SHA-256 of its bytes."""
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()}


# Each one would write, delete or attach a file, run SQL from a file, read outside the warehouse,
# install or load an extension, or change settings; {data}, {part}, {outside} are filled in.
HOSTILE_SQL = [
    "EXPLAIN ANALYZE COPY (SELECT * FROM article LIMIT 1) TO '{part}' (FORMAT parquet)",
    "explain /* hide */ analyze copy (select 1 as n) to '{data}/CURRENT' (header false)",
    "EXPLAIN COPY (SELECT 1) TO '{data}/x.csv'",
    "COPY article TO '{part}' (FORMAT parquet, USE_TMP_FILE false)",
    "COPY (SELECT 'g999') TO '{data}/CURRENT' (HEADER false, QUOTE '')",
    "COPY (SELECT 1) TO 'relative.csv'",
    "PRAGMA import_database('{outside}/import')",
    "IMPORT DATABASE '{outside}/import'",
    "EXPORT DATABASE '{data}/exported'",
    "SELECT 1; COPY (SELECT 1) TO '{data}/second.csv'",
    "SELECT 1; SELECT 2",
    "WITH t AS (SELECT 1) SELECT * FROM read_csv('/etc/passwd', sep = ':')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM read_blob('{outside}/mine.csv')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM read_parquet('{outside}/mine.parquet')",
    "SELECT * FROM read_csv('{data}/../outside/mine.csv')",
    "SELECT * FROM query('SELECT * FROM read_text(''/etc/passwd'')')",
    "EXPLAIN ANALYZE SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_parquet('https://example.invalid/a.parquet')",
    "ATTACH '{data}/attached.duckdb' AS other",
    "ATTACH ':memory:' AS scratch",
    "DETACH newsmill",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET lock_configuration",
    "SET allowed_directories = ['/']",
    "SET VARIABLE secret_path = '/etc/passwd'",
    "CALL pragma_version()",
    "CHECKPOINT",
    "VACUUM",
    "CREATE TABLE copied AS SELECT * FROM article",
    "CREATE TEMP TABLE scratch AS SELECT 1",
    "DROP VIEW article",
    "INSERT INTO country VALUES ('XX', 'Nowhere')",
    "CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "BEGIN TRANSACTION",
    "USE memory",
]


def fill(sql: str, folders: Folders) -> str:
    return sql.format(data=folders.data, part=folders.part, outside=folders.outside)


@pytest.mark.parametrize("sql", HOSTILE_SQL)
def test_hostile_sql_is_refused_in_one_line_and_changes_no_file(
        sql: str, folders: Folders, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # where a relative path would land
    statement = fill(sql, folders)
    before = snapshot(folders.data, folders.outside)
    assert main(["query", statement, "--data", str(folders.data)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("newsmill: query refused: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    with pytest.raises(QueryRefused):
        query_df(statement, data_dir=folders.data)
    assert snapshot(folders.data, folders.outside) == before  # nothing changed, nothing created
    assert list(tmp_path.iterdir()) == []


def test_allow_external_files_reads_your_own_files_but_still_writes_nothing(
        folders: Folders, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"  # where DuckDB would install an extension (~/.duckdb)
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    join = ("select m.country_code, c.country, m.note from read_csv('{outside}/mine.csv') m "
            "join country c using (country_code)")
    before = snapshot(folders.data, folders.outside)
    assert main(["query", fill(join, folders), "--data", str(folders.data), "--format", "csv",
                 "--allow-external-files"]) == 0
    assert capsys.readouterr().out == "country_code,country,note\nKE,Kenya,mine\n"
    assert main(["query", fill(join, folders), "--data", str(folders.data)]) == 2
    assert "--allow-external-files" in capsys.readouterr().err
    frame = query_df(fill("select n from read_parquet('{outside}/mine.parquet')", folders),
                     data_dir=folders.data, allow_external_files=True)
    assert frame["n"].tolist() == [42]
    for sql in ("COPY (SELECT 1) TO '{outside}/written.csv'", "SET enable_external_access = false",
                "SELECT * FROM read_parquet('https://example.invalid/a.parquet')"):
        assert main(["query", fill(sql, folders), "--data", str(folders.data),
                     "--allow-external-files"]) == 2
        assert capsys.readouterr().err.startswith("newsmill: query refused: ")
    assert snapshot(folders.data, folders.outside) == before
    assert list(tmp_path.iterdir()) == [home]
    assert list(home.iterdir()) == []  # no extension was downloaded or installed


def test_a_connection_from_the_api_is_sealed_even_for_raw_statements(folders: Folders) -> None:
    """A notebook user's own con.execute meets the same DuckDB settings: only the views' parts
    are readable, settings stay locked, the database is read-only."""
    before = snapshot(folders.data, folders.outside)
    with open_warehouse(folders.data) as con:
        assert con.execute("select count(*) from article").fetchall() == [(4,)]
        raw = [f"copy (select 1) to '{folders.outside}/x.csv'",
               "select * from read_csv('/etc/passwd')", "set enable_external_access = true",
               "set allowed_paths = ['/etc/passwd']", "reset lock_configuration",
               f"attach '{folders.data}/other.duckdb'", "load httpfs",
               f"pragma import_database('{folders.outside}/import')",
               "create table kept as select 1"]
        for statement in raw:
            with pytest.raises(duckdb.Error):
                con.execute(statement)
        settings = dict(con.execute(
            "select name, value from duckdb_settings() where name in ('enable_external_access', "
            "'lock_configuration', 'autoinstall_known_extensions', "
            "'autoload_known_extensions')").fetchall())
    assert settings == {"enable_external_access": "false", "lock_configuration": "true",
                        "autoinstall_known_extensions": "false",
                        "autoload_known_extensions": "false"}
    assert snapshot(folders.data, folders.outside) == before


@pytest.mark.parametrize("sql", [
    "select count(*) as n from article",
    "with t as (select * from mention) select count(*) as n from t",
    "from duckdb_settings() select count(*) > 0 as n",
    "explain select * from article",
    "explain analyze select count(*) from mention",
    "summarize article",
    "describe mentions_by_country",
    "select * from country_pairs",
])
def test_read_only_queries_still_work(sql: str, folders: Folders,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", sql, "--data", str(folders.data), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)
