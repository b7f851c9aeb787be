"""Pathological lines fed to every parser, timed in CPU seconds; run as a child process by
tests/test_linear_parsers.py so that a parser stuck in a quadratic regex cannot hang the suite.

`python tests/pathological.py` prints one JSON line per (parser, line kind, size) as it finishes.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]

from warc_factory import Capture, warc_bytes  # noqa: E402

from transforms.formats.daily8 import parse_daily8_page  # noqa: E402
from transforms.formats.detect import Limits, read_dump  # noqa: E402
from transforms.formats.html import parse_html_page  # noqa: E402
from transforms.formats.jsonrecords import parse_json_records, parse_published  # noqa: E402
from transforms.normalize import canonical_url, normalize_article  # noqa: E402
from transforms.records import Article  # noqa: E402
from transforms.text import clean_text, decode_text, normalize_space  # noqa: E402

CAPTURED = datetime(2025, 7, 1, 12, tzinfo=UTC)
LIMITS = Limits(max_file_bytes=64 << 20, max_decompressed_bytes=64 << 20)
SIZES = (100_000, 1_000_000)


def lines(size: int) -> dict[str, str]:
    """One line of about `size` characters per hostile kind."""
    half = size // 2
    return {
        "digits": "7" * size,
        "image_brackets": "![" + "](" * half,
        "inner_spaces": "a" + " " * size + "b ago",
        "punctuation": ".,;:!?-»•" * (size // 9),
        "one_word": "x" * size,
        "url": "https://example.com/" + "a/" * half + "?utm_source=" + "b" * 10,
        "nested_brackets": "[" * half + "{" * 10 + "]" * half,
        "escaped_quotes": '"[' + '\\"' * half,
        "comments": "<!---->" * (size // 7) + "x",
        "digits_then_unit": "1" * size + " hours ago",
        "digits_then_date": "9" * size + "12-07-2025",
        "spaces_then_marker": " " * size + "... [+12 chars]",
    }


def _daily8(line: str) -> object:
    pages = (
        f"logo\nA title\n\nA title\n\n{line}\nA body line.\n",
        f"{line}\nA title\n\nA body line with enough words to read as prose here.\n",
        f"logo\nA title\n\nNews1812-07-2025\n{line}\nRelated Articles\n{line}\n{line}\n"
        "time3 hours ago\n",
    )
    return [parse_daily8_page(page, captured_at=CAPTURED) for page in pages]


def _json(line: str) -> object:
    record = {key: line for key in ("title", "body", "description", "source", "url",
                                    "published_at")}
    return [list(parse_json_records(json.dumps(record))),
            list(parse_json_records(json.dumps(record) + "\n" + line + "\n" + line))]


def _html(line: str) -> object:
    page = (f"<html><head><title>{line}</title><meta charset={line}>"
            f'<meta property="article:published_time" content="{line}"></head>'
            f"<body><article><p>{line}</p></article></body></html>")
    return parse_html_page(page.encode(), url=None, captured_at=CAPTURED)


def _warc(line: str) -> object:
    page = f"<html><head><title>{line}</title></head><body><p>{line}</p></body></html>"
    data = warc_bytes([Capture("https://example.com/a", page.encode(), date=line[:50])])
    return list(read_dump(data, size=len(data), captured_at=CAPTURED, limits=LIMITS).items)


def _detect(line: str) -> object:
    data = line.encode()
    return [list(read_dump(data, size=len(data), captured_at=CAPTURED, limits=LIMITS,
                           name=name).items) for name in ("page.txt", "page.dat")]


def _normalize(line: str) -> object:
    article = Article(title=line, body=line + "\n" + line, source=line, url=line,
                      date_text=line)
    return normalize_article(article, detect=False), parse_published(line), canonical_url(line)


def _text(line: str) -> object:
    return (decode_text(line.encode()), normalize_space(line), clean_text(line),
            clean_text(line, multiline=True))


PARSERS: dict[str, Callable[[str], object]] = {
    "daily8": _daily8, "json": _json, "html": _html, "warc": _warc, "detect": _detect,
    "normalize": _normalize, "text": _text,
}


def main() -> None:
    for parser_name, parse in PARSERS.items():
        for size in SIZES:
            for kind, line in lines(size).items():
                print(json.dumps({"parser": parser_name, "kind": kind, "size": size,
                                  "started": True}), flush=True)
                started = time.process_time()
                parse(line)
                seconds = time.process_time() - started
                print(json.dumps({"parser": parser_name, "kind": kind, "size": size,
                                  "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
