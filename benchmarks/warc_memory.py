"""Peak memory of WARC ingest: streams a generated archive of a given size through `iter_warc`.

Usage: python -m benchmarks.warc_memory --size-mb 200 [--keep DIR]

Writes a gzip WARC of about SIZE MB to a temp folder with warcio, made of what a news crawl holds:
article pages (HTML with inline scripts and boilerplate, written here from word lists), images,
scripts, redirects, 404s and, once, an oversized page. A fresh process then reads it with
`iter_warc` and reports its peak RSS (resource.getrusage) next to its RSS before reading: the
difference is what ingest costs, and it must not grow with the archive. With --processes N the
reader hands pages to N parsing workers (`iter_warc_pages` + `parse_warc_page`, a bounded
number in flight) and the workers' peak counts too. Exits 1 above the limit.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

PEAK_RSS_LIMIT_MB = 500  # issue 5: a ~200 MB WARC ingests under 500 MB
START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)

_VOCABULARY = (
    "council harbour bridge vote budget river school station market ferry storm repair"
    " minister report week year town residents plan engineers contract tender library"
    " hospital road traffic weather coast village museum festival police court trial"
    " company workers strike wages prices energy water farmers harvest season team match"
    " coach players league club fans said would could after before during while because"
    " the a of to in and on for with by from at as that this it was were has have"
)
_WORDS = _VOCABULARY.split()
_PLACES = ("Elmsford", "Penrock", "Saint-Aubrac", "Kellaway", "Tresco Vale", "Oldmoor")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 24))]
    words.insert(rng.randrange(len(words)), rng.choice(_PLACES))
    return " ".join(words).capitalize() + "."


def article_page(rng: random.Random, number: int) -> tuple[str, bytes]:
    """One invented news page of about 60-120 KB, most of it markup, scripts and chrome."""
    url = f"https://www.ledger-{number % 7}.example/news/{number}/story"
    paragraphs = "\n".join(
        f"<p>{' '.join(_sentence(rng) for _ in range(rng.randint(2, 5)))}</p>"
        for _ in range(rng.randint(6, 20))
    )
    nav = "".join(f'<li><a href="/s/{i}">Section {i}</a></li>' for i in range(40))
    related = "".join(
        f'<li><a href="/news/{number + i}/story">{_sentence(rng)}</a></li>' for i in range(1, 9)
    )
    script = "var config = " + repr([rng.random() for _ in range(rng.randint(2000, 5000))]) + ";"
    published = START + timedelta(minutes=number)
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{_sentence(rng)[:70]} | Ledger {number % 7}</title>
<link rel="canonical" href="{url}"><meta property="og:site_name" content="Ledger {number % 7}">
<meta property="article:published_time" content="{published.isoformat()}">
<script>{script}</script><style>{".c{color:red}" * 500}</style></head>
<body><div class="cookie">We use cookies on this site.</div><nav><ul>{nav}</ul></nav>
<main><article><h1>Story {number}</h1><div class="body">{paragraphs}</div></article>
<aside><h2>Related</h2><ul>{related}</ul></aside></main>
<footer>Copyright 2026 Ledger Media.</footer></body></html>"""
    return url, page.encode("utf-8")


def write_archive(path: Path, size_mb: int, seed: int = 7) -> Counter[str]:
    """Write captures until the gzip WARC reaches size_mb; returns what was written, by kind."""
    rng = random.Random(seed)
    written: Counter[str] = Counter()
    target = size_mb * 1_000_000
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        number = 0
        while out.tell() < target:
            date = (START + timedelta(seconds=number * 30)).strftime("%Y-%m-%dT%H:%M:%SZ")
            url, page = article_page(rng, number)
            _response(writer, url, page, "200 OK", "text/html; charset=utf-8", date)
            written["page"] += 1
            if number % 50 == 0:  # the same page captured again later
                _response(writer, url, page, "200 OK", "text/html; charset=utf-8", date)
                written["page"] += 1
            image = rng.randbytes(rng.randint(150_000, 450_000))
            _response(writer, url + ".jpg", image, "200 OK", "image/jpeg", date)
            script = ("function f(){return 1;}\n" * rng.randint(2000, 6000)).encode()
            _response(writer, url + ".js", script, "200 OK", "application/javascript", date)
            _response(writer, url + "/amp", b"", "301 Moved Permanently", None, date)
            _response(
                writer, url + "/x", b"<html>Not found</html>", "404 Not Found", "text/html", date
            )
            written.update(("image", "script", "redirect", "not_found"))
            number += 1
        # one page far over the size cap: read up to the cap, then refused
        huge = b"<html><body><p>" + b"word " * 2_000_000 + b"</p></body></html>"
        _response(
            writer,
            "https://www.ledger-0.example/huge",
            huge,
            "200 OK",
            "text/html",
            "2026-03-02T00:00:00Z",
        )
        written["page"] += 1
    return written


def _response(
    writer: WARCWriter, url: str, body: bytes, status: str, content_type: str | None, date: str
) -> None:
    headers = [("Content-Length", str(len(body)))]
    if content_type:
        headers.insert(0, ("Content-Type", content_type))
    record = writer.create_warc_record(
        url,
        "response",
        payload=BytesIO(body),
        http_headers=StatusAndHeaders(status, headers, protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": date},
    )
    writer.write_record(record)


def ingest(path: str, processes: int) -> dict[str, object]:
    """Read the archive in this process (parsing here, or in a bounded pool) and measure it."""
    from transforms.formats.warc import WarcPage, iter_warc, iter_warc_pages, parse_warc_page

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    before = _rss_mb(resource.RUSAGE_SELF)
    start = time.perf_counter()
    outcomes: Counter[str] = Counter()
    with open(path, "rb") as stream:
        if processes <= 1:
            for item in iter_warc(stream, captured_at=datetime.now(UTC)):
                _count(outcomes, item)
        else:
            # at most a few pages per worker in flight: the pool must not read ahead unbounded
            in_flight: deque[Future[Any] | object] = deque()
            with ProcessPoolExecutor(processes) as pool:
                for read in iter_warc_pages(stream, captured_at=datetime.now(UTC)):
                    if isinstance(read, WarcPage):
                        in_flight.append(pool.submit(parse_warc_page, read))
                    else:
                        in_flight.append(read)
                    while len(in_flight) > 4 * processes:
                        _count(outcomes, _result(in_flight.popleft()))
                while in_flight:
                    _count(outcomes, _result(in_flight.popleft()))
    return {
        "outcomes": dict(outcomes),
        "before_mb": before,
        "peak_mb": _rss_mb(resource.RUSAGE_SELF),
        "worker_peak_mb": _rss_mb(resource.RUSAGE_CHILDREN) if processes > 1 else 0.0,
        "seconds": time.perf_counter() - start,
    }


def _result(entry: Future[Any] | object) -> object:
    return entry.result() if isinstance(entry, Future) else entry


def _count(outcomes: Counter[str], item: object) -> None:
    reason = getattr(item, "reason", None)
    outcomes[type(item).__name__ + (f":{reason}" if reason else "")] += 1


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="archive size (default 200)")
    parser.add_argument("--processes", type=int, default=1, help="parsing processes (default 1)")
    parser.add_argument("--keep", type=Path, help="write the archive here and keep it")
    parser.add_argument("--ingest", help=argparse.SUPPRESS)  # the measured child process
    args = parser.parse_args(argv)
    if args.ingest:
        print(json.dumps(ingest(args.ingest, args.processes)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"generated-{args.size_mb}mb.warc.gz"
        started = time.perf_counter()
        written = write_archive(path, args.size_mb)
        size_mb = path.stat().st_size / 1e6
        print(
            f"wrote {path.name}: {size_mb:.0f} MB in {time.perf_counter() - started:.0f} s, "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(written.items()))
        )
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.warc_memory",
                "--ingest",
                str(path),
                "--processes",
                str(args.processes),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    outcomes, seconds = result["outcomes"], result["seconds"]
    peak, workers = result["peak_mb"], result["worker_peak_mb"]
    total = peak + args.processes * workers if args.processes > 1 else peak
    print("outcomes: " + ", ".join(f"{kind} {n}" for kind, n in sorted(outcomes.items())))
    print(
        f"ingest with {args.processes} process(es): {seconds:.0f} s, {size_mb / seconds:.1f} MB/s,"
        f" {outcomes.get('Article', 0) / seconds:.1f} articles/s"
    )
    print(
        f"peak RSS: {peak:.0f} MB reading (after imports, before reading: "
        f"{result['before_mb']:.0f} MB)"
        + (f", {workers:.0f} MB per parsing worker, {total:.0f} MB in all" if workers else "")
        + f"; limit {PEAK_RSS_LIMIT_MB} MB"
    )
    return 0 if total < PEAK_RSS_LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
