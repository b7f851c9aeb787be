"""Extractor throughput in MB of text per second on one core.

Usage: python -m benchmarks.mention_speed [DIR ...] [--repeat N]

Reads every *.txt under the given folders (default: the BBC News corpus at
../shared/corpora/bbc/bbc, if present; else a generated text), treats the first line of each file as
the title and the rest as the body, and times `extract_mentions` over all of them in this one
process. Throughput is CPU time of this process (so other load on the machine does not count);
the gazetteer load is timed separately (it happens once per process), wall and CPU.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared/corpora/bbc/bbc"


def read_articles(folders: list[Path]) -> list[tuple[str, str]]:
    """(title, body) pairs from the .txt files under `folders`."""
    articles = []
    for folder in folders:
        for path in sorted(folder.rglob("*.txt")):
            text = path.read_bytes().decode("utf-8", errors="replace")
            title, _, body = text.partition("\n")
            articles.append((title.strip(), body))
    return articles


def generated_articles(count: int = 2000, seed: int = 7) -> list[tuple[str, str]]:
    """News-like filler with place names, for machines without the corpus."""
    rng = random.Random(seed)
    words = [
        "the",
        "minister",
        "said",
        "on",
        "Monday",
        "that",
        "talks",
        "would",
        "continue",
        "in",
        "the",
        "capital",
        "after",
        "officials",
        "from",
        "both",
        "sides",
        "met",
        "to",
        "discuss",
        "trade",
        "tariffs",
        "security",
        "and",
        "the",
        "economy",
        "while",
        "analysts",
        "warned",
        "that",
        "growth",
        "could",
        "slow",
    ]
    places = [
        "Japan",
        "Seoul",
        "Washington",
        "Paris",
        "Georgia",
        "U.S.",
        "Chinese",
        "Toronto",
        "Lagos",
        "Brazil",
        "London",
        "Texas",
        "Mumbai",
        "Germany",
        "Kenyan",
        "Sydney",
    ]
    articles = []
    for _ in range(count):
        tokens = [
            rng.choice(places) if rng.random() < 0.04 else rng.choice(words) for _ in range(400)
        ]
        articles.append(("Talks " + rng.choice(places), " ".join(tokens) + "."))
    return articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the corpus; best counts")
    args = parser.parse_args(argv)
    folders = args.folders or ([DEFAULT_CORPUS] if DEFAULT_CORPUS.is_dir() else [])
    articles = read_articles(folders) if folders else generated_articles()
    source = ", ".join(map(str, folders)) if folders else "generated text"

    began, began_cpu = time.perf_counter(), time.process_time()
    from transforms.gazetteer import load_gazetteer

    load_gazetteer()
    load_wall = time.perf_counter() - began
    load_cpu = time.process_time() - began_cpu
    from transforms.mentions import extract_mentions

    size = sum(len(t.encode()) + len(b.encode()) for t, b in articles)
    best = float("inf")
    mentions = 0
    for _ in range(args.repeat):
        began = time.process_time()
        mentions = sum(len(extract_mentions(t, b)) for t, b in articles)
        best = min(best, time.process_time() - began)
    print(f"corpus: {source}: {len(articles)} articles, {size / 1e6:.1f} MB, {mentions} mentions")
    print(f"gazetteer load: {load_wall:.2f} s wall, {load_cpu:.2f} s CPU (once per process)")
    print(
        f"extractor: {size / 1e6 / best:.1f} MB/s on one core ({len(articles) / best:.0f} docs/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
