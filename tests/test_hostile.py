"""Hostile and broken input: every bad file becomes a reject row with a clear reason, nothing raises,
and the good files of the same batch are kept.

Most cases go through `ingest_batch` (the worker's whole job for a batch of raw files); one
end-to-end `newsmill run` checks the same folder lands in the warehouse's reject and dump tables.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_newsmill, story, table_rows, write_jsonl_dump, write_stories
from flows.config import MiB, load_settings
from transforms.formats.detect import Limits, read_dump
from transforms.records import Article, Reject, Skip
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
