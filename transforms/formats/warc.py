"""WARC archives (CC-NEWS, wget, heritrix, browsertrix) -> one item per captured web page.

Records are streamed with warcio and each payload is read with a size cap, so memory stays flat
however large the archive is. What each record becomes:

- `response` (or `resource`) record of an HTML page with HTTP 2xx: `parse_html_page` with the
  WARC-Target-URI as url and WARC-Date as capture time -> `Article`, or `Reject` located at
  "record <WARC-Record-ID>" when the page holds no article;
- HTTP 3xx -> `Skip("redirect")`; HTTP 4xx/5xx (or an unreadable status) -> `Skip("http_error")`;
- a response that is not HTML (image, script, JSON, PDF...) -> `Skip("non_html")`;
- an HTML page compressed in a way warcio cannot undo (brotli without the `brotli` package)
  -> `Reject("unsupported_encoding")`;
- a record cut short by the end of the file -> `Skip("truncated")`; bytes after the last whole
  record that do not form one -> `Reject("truncated", location="record at byte N")`;
- a payload the crawler cut on purpose (WARC-Truncated: length, as Common Crawl does past
  1 MiB) is still parsed: the article text comes early in a page;
- warcinfo, request, metadata, revisit and conversion records describe captures rather than
  being pages: they yield nothing, so the manifest counts pages only.

The same URL captured twice yields two articles; both carry the same canonical URL, hence the
same article id, and the warehouse keeps one.

`iter_warc` parses as it reads. To spread the parsing over cores, read with `iter_warc_pages`
(records classified, pages unparsed) and send each `WarcPage` to `parse_warc_page` in a worker;
submit a bounded number at a time, so memory stays flat.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.bufferedreaders import BufferedReader  # type: ignore[import-untyped]
from warcio.exceptions import ArchiveLoadFailed  # type: ignore[import-untyped]

from transforms.formats.html import MAX_HTML_BYTES, decode_html, looks_like_html, parse_html_page
from transforms.records import Article, Reject, Skip

WARC_MAGIC = b"WARC/1."
PAGE_RECORD_TYPES = ("response", "resource")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# servers label pages loosely; these types are sniffed for HTML rather than trusted
SNIFFED_TYPES = ("", "text/plain", "application/octet-stream", "unknown", "application/unknown")
_CHUNK = 1 << 16


def looks_like_warc(head: bytes) -> bool:
    """True when the bytes open a WARC record, plain or as the first member of a gzip file."""
    if head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, len(WARC_MAGIC))
        except zlib.error:
            return False
    return head.startswith(WARC_MAGIC)


@dataclass(frozen=True, slots=True)
class WarcPage:
    """An HTML page read from a WARC record, not parsed yet: small and picklable for a worker."""

    payload: bytes  # at most MAX_HTML_BYTES + 1 bytes, so an oversized page is still seen as one
    charset: str | None  # from the HTTP Content-Type header
    url: str | None  # WARC-Target-URI
    captured_at: datetime  # WARC-Date, UTC
    record_id: str  # WARC-Record-ID, for the location of a reject


def iter_warc(stream: BinaryIO, *, captured_at: datetime) -> Iterator[Article | Reject | Skip]:
    """Yield an Article, Reject or Skip for every page record of a WARC stream. Never raises."""
    for item in iter_warc_pages(stream, captured_at=captured_at):
        yield parse_warc_page(item) if isinstance(item, WarcPage) else item


def parse_warc_page(page: WarcPage) -> Article | Reject:
    """Parse one page of `iter_warc_pages`; a page without article is a Reject at its record."""
    html: bytes | str = page.payload
    if page.payload[:2] != b"\x1f\x8b" and len(page.payload) <= MAX_HTML_BYTES:
        html = decode_html(page.payload, page.charset)
    item = parse_html_page(html, url=page.url, captured_at=page.captured_at)
    if isinstance(item, Reject) and item.location is None:
        return Reject(item.reason, item.detail, location=f"record {page.record_id}")
    return item


def iter_warc_pages(
    stream: BinaryIO, *, captured_at: datetime
) -> Iterator[WarcPage | Reject | Skip]:
    """Like `iter_warc`, but hands out pages unparsed, so a caller can parse them in parallel."""
    start = _position(stream)
    counter = _CountingReader(stream)
    records = ArchiveIterator(counter)
    seen = 0
    try:
        for record in records:
            seen += 1
            yield from _record_items(record, records, captured_at)
    except ArchiveLoadFailed as err:
        if "non-chunked gzip" in str(err) and _rewind(stream, start):
            # a whole WARC gzipped as one member: read it again through a plain gzip stream
            yield from _iter_single_gzip(stream, captured_at, skip=seen)
            return
        reason = "not_warc" if seen == 0 else "corrupt_record"
        yield _broken_at(records, reason, f"not a readable WARC record ({type(err).__name__})")
        return
    except Exception as err:  # warcio fails in many ways on cut or corrupt headers
        reason = "truncated" if isinstance(err, EOFError | _CutGzipError) else "corrupt_record"
        detail = f"the archive is cut or corrupt here ({type(err).__name__})"
        yield _broken_at(records, reason, detail)
        return
    leftover = _trailing_bytes(counter, records)
    if leftover:
        yield Reject(
            "truncated",
            f"{leftover} bytes after the last whole record do not form a record:"
            " the file was cut mid-record",
            location=f"record at byte {records.offset}",
        )


def _iter_single_gzip(
    stream: BinaryIO, captured_at: datetime, skip: int
) -> Iterator[WarcPage | Reject | Skip]:
    """Read a WARC that is one gzip member, skipping the records already read."""
    records = ArchiveIterator(_StrictGzipReader(stream))
    try:
        for index, record in enumerate(records):
            if index >= skip:
                yield from _record_items(record, records, captured_at)
    except Exception as err:  # as above: cut or corrupt data ends the archive
        yield Reject(
            "truncated" if isinstance(err, EOFError | _CutGzipError) else "corrupt_record",
            f"the gzip stream is cut or corrupt ({type(err).__name__})",
            location=f"record at byte {records.offset} (uncompressed)",
        )


def _record_items(
    record: Any, records: ArchiveIterator, default_captured_at: datetime
) -> Iterator[WarcPage | Reject | Skip]:
    """The items of one record; a failure inside it rejects that record only."""
    if record.rec_type is None or record.length is None:
        # warcio hands back a record whose header block was cut off by the end of the file
        yield from _drained(record)
        yield Reject(
            "truncated",
            "the record's WARC header is cut short: the file ends mid-record",
            location=f"record at byte {records.get_record_offset()}",
        )
        return
    if record.rec_type not in PAGE_RECORD_TYPES:
        yield from _drained(record)
        return
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>")
    try:
        outcome = _page_outcome(record, default_captured_at)
    except Exception as err:  # a corrupt payload encoding must not stop the archive
        outcome = Reject(
            "bad_record",
            f"the record could not be read ({type(err).__name__})",
            location=f"record {record_id or 'at byte ' + str(records.offset)}",
        )
    truncated = list(_drained(record))
    if truncated:
        yield truncated[0]
        return
    if isinstance(outcome, Reject) and outcome.location is None:
        outcome = Reject(outcome.reason, outcome.detail, location=f"record {record_id}")
    if outcome is not None:
        yield outcome


def _page_outcome(record: Any, default_captured_at: datetime) -> WarcPage | Reject | Skip | None:
    """Classify a response/resource record by status and type, and read it when it is a page."""
    content_type = ""
    if record.http_headers is not None and record.rec_type == "response":
        try:
            status = int(record.http_headers.get_statuscode())
        except (TypeError, ValueError):
            return Skip("http_error")
        if 300 <= status < 400:
            return Skip("redirect")
        if not 200 <= status < 300:
            return Skip("http_error")
        content_type = record.http_headers.get_header("Content-Type") or ""
    elif record.rec_type == "resource":
        content_type = record.rec_headers.get_header("Content-Type") or ""
    elif record.http_headers is None:
        return None  # a response without HTTP headers (e.g. DNS) is not a web page
    mime, charset = _media_type(content_type)
    if mime not in HTML_TYPES and mime not in SNIFFED_TYPES:
        return Skip("non_html")
    payload = record.content_stream().read(MAX_HTML_BYTES + 1)
    encoding = _unsupported_encoding(record)
    if encoding and not looks_like_html(payload[:4096]):
        return Reject(
            "unsupported_encoding",
            f"the page is compressed with Content-Encoding {_token(encoding)}, which cannot be read"
            " here (installing the brotli package lets warcio read 'br')",
        )
    if mime not in HTML_TYPES and not looks_like_html(payload[:4096]):
        return Skip("non_html")
    url = record.rec_headers.get_header("WARC-Target-URI")
    return WarcPage(
        payload=payload,
        charset=charset,
        url=url.strip("<> ") if url else None,
        captured_at=_warc_date(record.rec_headers.get_header("WARC-Date")) or default_captured_at,
        record_id=(record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>"),
    )


def _unsupported_encoding(record: Any) -> str | None:
    """A Content-Encoding warcio cannot undo (it then hands back the compressed bytes)."""
    if record.http_headers is None:
        return None
    encoding = (record.http_headers.get_header("Content-Encoding") or "").strip().lower()
    if encoding in ("", "identity") or encoding in BufferedReader.get_supported_decompressors():
        return None
    return encoding


def _drained(record: Any) -> Iterator[Skip]:
    """Read what is left of the record; a block shorter than its Content-Length is truncated."""
    raw = record.raw_stream
    while raw.read(_CHUNK):
        pass
    if getattr(raw, "limit", 0) > 0:
        yield Skip("truncated")


def _media_type(content_type: str) -> tuple[str, str | None]:
    mime, _, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip(" \"'"):
            charset = value.strip(" \"'")
    return mime.strip().lower(), charset


def _warc_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.strip())
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    except (ValueError, OverflowError):  # not a date, or past year 9999 once in UTC
        return None


class _CutGzipError(Exception):
    """The gzip stream ended early; warcio would read a plain EOFError as a clean end."""


class _StrictGzipReader:
    """Streaming gunzip that hands out every whole byte before reporting a cut stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.inflater = zlib.decompressobj(wbits=31)
        self.pending = b""
        self.cut = False

    def read(self, size: int = -1) -> bytes:
        want = size if size >= 0 else 1 << 62
        while len(self.pending) < want and not self.cut:
            chunk = self.inflater.unconsumed_tail or self.stream.read(_CHUNK)
            if not chunk:
                self.cut = not self.inflater.eof
                break
            self.pending += self.inflater.decompress(chunk, _CHUNK)
            if self.inflater.eof and self.inflater.unused_data:
                rest = self.inflater.unused_data  # the next gzip member
                self.inflater = zlib.decompressobj(wbits=31)
                self.pending += self.inflater.decompress(rest, _CHUNK)
        if not self.pending and self.cut:
            raise _CutGzipError("the gzip stream ends before its end-of-stream marker")
        data, self.pending = self.pending[:want], self.pending[want:]
        return data


class _CountingReader:
    """Counts the bytes warcio takes from the stream, to spot a cut tail after the last record."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.consumed += len(data)
        return data

    def tell(self) -> int:
        return self.consumed


def _trailing_bytes(counter: _CountingReader, records: ArchiveIterator) -> int:
    """Bytes past the end of the last whole record (warcio has already eaten blank lines)."""
    while counter.read(_CHUNK):
        pass
    end: int = records.offset
    return max(0, counter.consumed - end)


def _broken_at(records: ArchiveIterator, reason: str, detail: str) -> Reject:
    """Reading stops at a record warcio cannot parse; the records before it are kept."""
    return Reject(reason, detail[:500], location=f"record at byte {records.offset}")


def _position(stream: BinaryIO) -> int | None:
    try:
        return stream.tell()
    except (AttributeError, OSError, ValueError):
        return None


def _rewind(stream: BinaryIO, start: int | None) -> bool:
    if start is None:
        return False
    try:
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _token(value: str) -> str:
    """A header token fit for a reject detail: short and plain, else not quoted at all."""
    return repr(value) if _PLAIN_TOKEN.fullmatch(value) else "(an unusual value)"


_PLAIN_TOKEN = re.compile(r"[\w.+-]{1,24}")
