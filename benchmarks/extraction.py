"""Body-text quality and speed of HTML ingest on a gold-annotated page set.

Usage: python -m benchmarks.extraction ../shared/corpora/html-benchmark [--processes 2]

The folder holds `html/<id>.html.gz` pages and `ground-truth.json` ({id: {"articleBody": ...}}),
the layout of scrapinghub's article-extraction-benchmark. Each page goes through
`parse_html_page` exactly as ingest runs it (gzip bytes in, Article or Reject out). Tokens are
the Unicode \\w+ words of the lowercased text; each page gets bag-of-words precision, recall and
F1; the means are over pages, and a page with no body (a Reject or an error) scores 0.
Exits 1 when the mean F1 falls under the pinned floor.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from transforms.formats.html import parse_html_page
from transforms.records import Article

# The mean F1 measured on the 181 pages (0.971) less 0.005: falling under it is a regression.
F1_FLOOR = 0.966
_WORD = re.compile(r"\w+")
_CAPTURED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PageResult:
    page_id: str
    body: str
    failure: str | None  # reject reason or exception, None when an article came out


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float


def bag_of_words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def score_body(predicted: str, gold: str) -> Score:
    """Bag-of-words overlap of two texts; an empty prediction scores 0."""
    pred, true = bag_of_words(predicted), bag_of_words(gold)
    overlap = sum((pred & true).values())
    if not pred or not true or not overlap:
        return Score(0.0, 0.0, 0.0)
    precision = overlap / sum(pred.values())
    recall = overlap / sum(true.values())
    return Score(precision, recall, 2 * precision * recall / (precision + recall))


def extract_page(job: tuple[str, str, str | None]) -> PageResult:
    """Read one gzip page and run the ingest parser on it, as a worker process does."""
    page_id, path, url = job
    try:
        item = parse_html_page(Path(path).read_bytes(), url=url, captured_at=_CAPTURED_AT)
    except Exception as err:  # parse_html_page must not raise; report it if it ever does
        return PageResult(page_id, "", f"raised {type(err).__name__}: {err}")
    if isinstance(item, Article):
        return PageResult(page_id, item.body, None if item.body else "empty body")
    return PageResult(page_id, "", f"reject {item.reason}: {item.detail}")


def run(
    jobs: list[tuple[str, str, str | None]], processes: int
) -> tuple[list[PageResult], float, float]:
    """Results, wall seconds and CPU seconds (this process, or the workers) for all jobs."""
    start, cpu_self, cpu_children = time.perf_counter(), time.process_time(), _children_cpu()
    if processes <= 1:
        results = [extract_page(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            results = list(pool.map(extract_page, jobs, chunksize=4))
    cpu = time.process_time() - cpu_self + _children_cpu() - cpu_children
    return results, time.perf_counter() - start, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="folder with html/ and ground-truth.json")
    parser.add_argument("--processes", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # "discarding data" per odd page

    gold = json.loads((args.corpus / "ground-truth.json").read_text(encoding="utf-8"))
    jobs = [
        (page_id, str(args.corpus / "html" / f"{page_id}.html.gz"), entry.get("url"))
        for page_id, entry in sorted(gold.items())
    ]
    load_before = os.getloadavg()[0]
    results, seconds_one, cpu_one = run(jobs, 1)
    _, seconds_many, cpu_many = run(jobs, args.processes)

    scores = {r.page_id: score_body(r.body, gold[r.page_id]["articleBody"]) for r in results}
    n = len(scores)
    mean = Score(
        *(sum(getattr(s, f) for s in scores.values()) / n for f in ("precision", "recall", "f1"))
    )
    failed = [r for r in results if r.failure]
    print(f"pages: {n}")
    print(
        f"mean precision {mean.precision:.4f}  recall {mean.recall:.4f}  F1 {mean.f1:.4f}"
        f"  (floor {F1_FLOOR})"
    )
    print(f"failed pages (errors or empty): {len(failed)}")
    for r in failed:
        print(f"  {r.page_id}: {r.failure}")
    worst = sorted(scores.items(), key=lambda kv: kv[1].f1)[:5]
    print("lowest F1: " + ", ".join(f"{pid[:12]} {s.f1:.2f}" for pid, s in worst))
    print(
        f"speed, 1 process: {n / seconds_one:.1f} pages/s ({seconds_one:.1f} s wall,"
        f" {n / cpu_one:.1f} pages per CPU-second)"
    )
    print(
        f"speed, {args.processes} processes: {n / seconds_many:.1f} pages/s"
        f" ({seconds_many:.1f} s wall, {n / cpu_many:.1f} pages per CPU-second)"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before the runs"
        " (other work on the machine slows the wall-clock figures)"
    )
    return 0 if mean.f1 >= F1_FLOOR else 1


if __name__ == "__main__":
    sys.exit(main())
