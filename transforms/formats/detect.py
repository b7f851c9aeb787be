"""Format detection by content: gzip, WARC, HTML, JSON and Daily8 text told apart by their bytes.

The file name is never trusted: a `.txt` holding HTML is read as HTML, and a gzip without `.gz`
is still unpacked. Whatever cannot be recognised becomes a clear Reject.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from transforms.formats.daily8 import looks_like_daily8, parse_daily8_page
from transforms.formats.jsonrecords import looks_like_json, parse_json_records
from transforms.records import ParsedItem, Reject
from transforms.text import decode_text

GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits that protect a run from hostile files."""

    max_file_bytes: int  # whole-file formats (text, JSON, HTML) larger than this are refused
    max_decompressed_bytes: int  # a gzip that inflates past this is refused


@dataclass(frozen=True, slots=True)
class Dump:
    """A recognised dump: its format name and a lazy stream of parsed items."""

    format: str
    items: Iterator[ParsedItem]


def _single(item: ParsedItem) -> Iterator[ParsedItem]:
    yield item


def refuse(format_name: str, reason: str, detail: str) -> Dump:
    """A dump that is refused as a whole."""
    return Dump(format_name, _single(Reject(reason, detail)))


def _gunzip(data: bytes, limit: int) -> bytes | Reject:
    """Inflate with a hard output cap so a gzip bomb costs at most `limit` bytes of memory."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += inflater.decompress(pending, limit + 1 - len(out))
            if len(out) > limit:
                return Reject(
                    "too_large",
                    f"gzip inflates past the limit of {limit // (1024 * 1024)} MiB "
                    "(NEWSMILL_MAX_DECOMPRESSED_MB)",
                )
            pending = inflater.unconsumed_tail
            if inflater.eof:
                # Concatenated gzip members are legal; continue with the next one.
                rest = inflater.unused_data
                if not rest.strip(b"\x00"):
                    break
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                pending = rest
        if not inflater.eof:
            return Reject("truncated_gzip", f"the gzip stream ends early after {len(out)} bytes")
    except zlib.error as err:
        return Reject("bad_gzip", f"not a valid gzip stream: {err}")
    return bytes(out)


def _head_of_gzip(head: bytes) -> bytes:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 512)
    except zlib.error:
        return b""


def is_warc_head(head: bytes) -> bool:
    """True when a file's first bytes start a WARC, plain or gzipped (streamed, any size)."""
    from transforms.formats.warc import looks_like_warc

    if head.startswith(GZIP_MAGIC):
        return bool(looks_like_warc(_head_of_gzip(head)))
    return bool(looks_like_warc(head))


def too_large(size: int, limits: Limits) -> Reject:
    """The refusal for a whole-file format over the size limit."""
    return Reject("too_large", f"{size} bytes is over the limit of "
                  f"{limits.max_file_bytes // (1024 * 1024)} MiB (NEWSMILL_MAX_FILE_MB)")


def read_dump(stream: BinaryIO | bytes, *, size: int, captured_at: datetime, limits: Limits,
              name: str = "") -> Dump:
    """Recognise a dump by its content and return its parsed items (lazy for WARC).

    `stream` is an open binary file or the file's bytes (from `warehouse.rawfiles.read_and_hash`,
    which spares a second read); both give the same result. `size` is the file size the limits
    are checked against.

    `name` matters only for plain text with no markers at all (a title line and prose): that is
    read as an article only from a file named `.txt` (or `.txt.gz`), so licences and notes are not.
    """
    from transforms.formats.warc import iter_warc, looks_like_warc

    if isinstance(stream, bytes):
        head = stream[:SNIFF_BYTES]
    else:
        head = stream.read(SNIFF_BYTES)
        stream.seek(0)
    if is_warc_head(head):
        source = io.BytesIO(stream) if isinstance(stream, bytes) else stream
        return Dump("warc", iter_warc(source, captured_at=captured_at))
    if size > limits.max_file_bytes:
        return Dump("unknown", _single(too_large(size, limits)))
    if isinstance(stream, bytes):
        data = stream[: limits.max_file_bytes + 1]  # the bytes object itself when shorter
    else:
        data = stream.read(limits.max_file_bytes + 1)
    compression = ""
    if data.startswith(GZIP_MAGIC):
        inflated = _gunzip(data, limits.max_decompressed_bytes)
        if isinstance(inflated, Reject):
            return Dump("gzip", _single(inflated))
        data, compression = inflated, "+gzip"
        if looks_like_warc(data[:SNIFF_BYTES]):
            return Dump("warc", iter_warc(io.BytesIO(data), captured_at=captured_at))
    return _read_content(data, compression=compression, captured_at=captured_at,
                         plain_text_ok=_named_text(name))


def _named_text(name: str) -> bool:
    return name.lower().removesuffix(".gz").endswith(".txt")


def _read_content(data: bytes, *, compression: str, captured_at: datetime,
                  plain_text_ok: bool) -> Dump:
    from transforms.formats.html import looks_like_html, parse_html_page  # heavy: lxml et al.

    if looks_like_html(data[:SNIFF_BYTES]):
        return Dump(
            "html" + compression,
            _single(parse_html_page(data, url=None, captured_at=captured_at)),
        )
    text = decode_text(data)
    if isinstance(text, Reject):
        return Dump("unknown" + compression, _single(text))
    if looks_like_json(text):
        return Dump("json" + compression, parse_json_records(text))
    if _is_markdown(text):
        return refuse(
            "markdown" + compression, "unknown_format", "a Markdown document, not a news dump"
        )
    if looks_like_daily8(text) or (plain_text_ok and looks_like_text_article(text)):
        return Dump("daily8" + compression, iter(parse_daily8_page(text, captured_at=captured_at)))
    return refuse(
        "unknown" + compression,
        "unknown_format",
        f"not a Daily8 page, JSON/JSON Lines, HTML or WARC ({_shape(text)})",
    )


def _shape(text: str) -> str:
    """What a refused text looks like, by size and kind only: reject details never quote it."""
    first = text.lstrip().split("\n", 1)[0]
    lines = text.count("\n") + (not text.endswith("\n"))
    kind = "letters" if any(c.isalpha() for c in first[:200]) else "no letters"
    return (f"{len(text):,} characters in {lines:,} lines; the first non-blank line has "
            f"{len(first):,} characters, {kind}")


def looks_like_text_article(text: str) -> bool:
    """A title line, then prose: a compact Daily8 page cut before its chrome, or any plain-text
    article. Markdown documents, tables, "Key: value" metadata and code are not articles.

    Blank lines, a BOM, CRLF and the spaces or tabs around a line do not matter: a real page
    often starts with an empty line, and a title may itself hold a colon ("Herald Live: Vote").
    """
    head = text[:SNIFF_BYTES].removeprefix("\ufeff")
    raw_lines = [line for line in head.splitlines() if line.strip()]
    lines = [line.strip() for line in raw_lines]
    if len(lines) < 2 or sum("\t" in line for line in lines[:16]) >= 2:
        return False  # a table: tabs inside two lines or more
    title = lines[0]
    if not 3 <= len(title) <= 300 or title.startswith(_NOT_TITLE) or "://" in title:
        return False
    if len({line for line in lines[:8] if _FIELD_LINE.match(line)}) >= 2:
        return False  # metadata or headers: several distinct "Key: value" lines
    return any(_is_prose(line) for line in lines[1:16])


def _is_prose(line: str) -> bool:
    """A sentence-like line: eight or more words, mostly made of letters."""
    words = line.split()
    lettered = sum(w.strip(".,;:'\"!?()").isalpha() for w in words)
    return len(words) >= 8 and lettered >= len(words) / 2


def _is_markdown(text: str) -> bool:
    """Notes and docs dropped into raw/ ("# Title" headings), which mention Daily8's chrome
    words without being pages. A "#Hashtag" title has no space after the hash."""
    return text.lstrip("\ufeff \t\r\n").startswith(("# ", "## "))


# "Key : value" and "Key: value" lines of metadata files and e-mail-like headers.
_FIELD_LINE = re.compile(r"^[\w-]+(?: [\w-]+)?\s*: ")
# Line starts that mark a document (Markdown, tables, code, config), not a news title.
_NOT_TITLE = ("#", "|", "```", "---", "===", "<", "{", "[", "//", "/*", "- ", "* ", "$ ")
