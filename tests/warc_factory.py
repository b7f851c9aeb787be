"""Writes small WARC files with warcio at test time, so WARC fixtures stay readable in the diff.

A `Capture` is one HTTP exchange (request + response); `write_warc` lays captures out the way
crawlers do: a warcinfo record, then for each capture a request, its response and a metadata
record. `gzip=True` compresses each record as its own gzip member, as WARC tools expect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

DEFAULT_DATE = "2026-03-02T08:15:30Z"


@dataclass(frozen=True)
class Capture:
    url: str
    body: bytes
    status: str = "200 OK"
    content_type: str | None = "text/html; charset=utf-8"
    date: str = DEFAULT_DATE
    headers: list[tuple[str, str]] = field(default_factory=list)
    record_type: str = "response"  # or "resource" (no HTTP headers) or "revisit"


def write_warc(
    out: BinaryIO, captures: Iterable[Capture], *, gzip: bool = True, extras: bool = True
) -> None:
    """Write captures to `out`; `extras` adds warcinfo, request and metadata records around them."""
    writer = WARCWriter(out, gzip=gzip)
    if extras:
        info = writer.create_warcinfo_record("test.warc.gz", {"software": "newsmill tests"})
        writer.write_record(info)
    for capture in captures:
        if extras:
            request = StatusAndHeaders(
                f"GET {capture.url} HTTP/1.1", [("Host", "example")], is_http_request=True
            )
            writer.write_record(
                writer.create_warc_record(
                    capture.url,
                    "request",
                    http_headers=request,
                    warc_headers_dict={"WARC-Date": capture.date},
                )
            )
        writer.write_record(_response(writer, capture))
        if extras:
            writer.write_record(
                writer.create_warc_record(
                    capture.url,
                    "metadata",
                    payload=BytesIO(b"fetchTimeMs: 120\n"),
                    warc_content_type="application/warc-fields",
                    warc_headers_dict={"WARC-Date": capture.date},
                )
            )


def _response(writer: WARCWriter, capture: Capture) -> object:
    if capture.record_type == "resource":
        return writer.create_warc_record(
            capture.url,
            "resource",
            payload=BytesIO(capture.body),
            warc_content_type=capture.content_type or "application/octet-stream",
            warc_headers_dict={"WARC-Date": capture.date},
        )
    headers = [("Content-Length", str(len(capture.body)))] + list(capture.headers)
    if capture.content_type is not None:
        headers.insert(0, ("Content-Type", capture.content_type))
    http = StatusAndHeaders(capture.status, headers, protocol="HTTP/1.1")
    return writer.create_warc_record(
        capture.url,
        capture.record_type,
        payload=BytesIO(capture.body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": capture.date},
    )


def warc_bytes(captures: Iterable[Capture], *, gzip: bool = True, extras: bool = True) -> bytes:
    out = BytesIO()
    write_warc(out, captures, gzip=gzip, extras=extras)
    return out.getvalue()
