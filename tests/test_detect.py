"""Format detection by content: names lie, bytes don't."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime

from transforms.formats.detect import Limits, read_dump
from transforms.records import Article, Reject

CAPTURED = datetime(2025, 8, 1, 12, tzinfo=UTC)
LIMITS = Limits(max_file_bytes=1 << 20, max_decompressed_bytes=1 << 20)

# A compact page cut off inside its body, before any chrome: only a title and prose remain.
CUT_COMPACT_PAGE = (
    "\nHarbour cranes idle as dockworkers in Antwerp strike for a second day\n"
    "In today's brief:\n"
    "Dockworkers at the port of Antwerp stayed off the job for a second day on Tuesday, "
    "leaving container ships waiting at anchor in the North Sea.\n"
    "Union leaders said talks with the port authority would resume on Thurs"
)


def detect(data: bytes, name: str = "dump.bin") -> tuple[str, list[object]]:
    dump = read_dump(io.BytesIO(data), size=len(data), captured_at=CAPTURED, limits=LIMITS,
                     name=name)
    return dump.format, list(dump.items)


def test_page_cut_before_its_chrome_is_read_as_a_page() -> None:
    fmt, items = detect(CUT_COMPACT_PAGE.encode(), "004_e80fa1d985553122.txt")
    assert fmt == "daily8"
    assert len(items) == 1 and isinstance(items[0], Article)
    assert items[0].title == "Harbour cranes idle as dockworkers in Antwerp strike for a second day"
    assert items[0].body.endswith("would resume on Thurs")


def test_markdown_notes_and_tables_are_refused_as_unknown() -> None:
    notes = "# Notes on Daily8\n\nRelated Articles and Try Our AI Features are chrome lines.\n"
    for data in (notes.encode(), b"file\turl\tsource\n001.txt\thttps://x.example\tWire\n"):
        fmt, items = detect(data)
        assert len(items) == 1 and isinstance(items[0], Reject)
        assert items[0].reason == "unknown_format", fmt


def test_gzip_without_gz_name_and_html_in_a_txt_are_read_by_content() -> None:
    record = {"title": "Oslo hosts Arctic forum", "body": "Ministers met in Oslo on Monday.",
              "source": "Fjord Times", "date": "2025-06-02"}
    fmt, items = detect(gzip.compress(json.dumps(record).encode()))
    assert fmt == "json+gzip"
    assert [a.title for a in items if isinstance(a, Article)] == ["Oslo hosts Arctic forum"]
    fmt, _ = detect(b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>")
    assert fmt == "html"


def test_gzip_bomb_and_truncated_gzip_are_refused_with_reasons() -> None:
    bomb = gzip.compress(b"\0" * (4 << 20))
    assert len(bomb) < LIMITS.max_file_bytes
    _, items = detect(bomb)
    assert [(i.reason) for i in items if isinstance(i, Reject)] == ["too_large"]
    whole = gzip.compress(CUT_COMPACT_PAGE.encode() * 20)
    _, items = detect(whole[: len(whole) // 2])
    assert [(i.reason) for i in items if isinstance(i, Reject)] == ["truncated_gzip"]


def test_oversized_file_is_refused_before_it_is_read() -> None:
    data = b"x" * (LIMITS.max_file_bytes + 1)
    _, items = detect(data)
    assert len(items) == 1 and isinstance(items[0], Reject) and items[0].reason == "too_large"


def test_title_and_prose_without_txt_name_or_with_metadata_lines_is_not_an_article() -> None:
    licence = "MIT License\n\nPermission is hereby granted, free of charge, to any person who " \
              "obtains a copy of this software.\n"
    source = "Repository : https://example.org/repo\nLicense    : the files are shared for " \
             "research use only and must not be passed on.\n"
    for data, name in ((licence, "LICENSE"), (CUT_COMPACT_PAGE, "notes.md"),
                       (source, "SOURCE.txt")):
        _, items = detect(data.encode(), name)
        assert [getattr(i, "reason", None) for i in items] == ["unknown_format"], name
    _, items = detect(gzip.compress(CUT_COMPACT_PAGE.encode()), "page.txt.gz")
    assert len(items) == 1 and isinstance(items[0], Article)
