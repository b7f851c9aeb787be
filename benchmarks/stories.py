"""Stories: quality on the gold set (with baselines and a threshold sweep) and CPU per article.

    python -m benchmarks.stories [--n 6000]

Quality: pairwise precision, recall and F1 of the story join on tests/fixtures/stories, against
a plain MinHash LSH at threshold 0.5 over the raw texts (rensa, no boilerplate removal, no
containment) and against matching normalized titles. CPU: time.process_time per article of what
a parse worker adds (boilerplate and wire pass, signatures) and of the join the flow process
runs, over the benchmark corpus texts (../shared/corpora/bbc, made-up text when absent) with
syndicated copies.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
import rensa

from benchmarks.corpus import DEFAULT_SOURCE, generated_texts, load_source_texts
from transforms import stories
from transforms.normalize import title_key

REPO = Path(__file__).resolve().parent.parent


def _gold() -> list:
    sys.path.insert(0, str(REPO))
    from tests.stories_gold import gold_articles

    return gold_articles()


def _scores(gold: list[str], predicted: list[str]) -> tuple[float, float, float]:
    from tests.stories_gold import pairwise_scores

    return pairwise_scores(gold, predicted)


def join_labels(articles: list) -> list[str]:
    texts = [stories.story_text(a.title, a.body)[0] for a in articles]
    sigs = stories.signatures(texts)
    return stories.assign_stories(sigs, np.ones(len(articles), bool), [None] * len(articles),
                                  [a.key for a in articles])


def plain_lsh_labels(articles: list, threshold: float = 0.5, *, verify: bool = False
                     ) -> list[str]:
    """MinHash LSH at `threshold` (rensa, 32 bands) over raw word 4-grams of title and body:
    every candidate pair joins (clusters by union-find), or with `verify` only those whose
    estimated Jaccard reaches the threshold."""
    hashes = []
    for article in articles:
        words = f"{article.title}\n{article.body}".lower().split()
        shingles = [" ".join(words[i:i + 4]) for i in range(max(1, len(words) - 3))]
        minhash = rensa.RMinHash(num_perm=128, seed=42)
        minhash.update(shingles)
        hashes.append(minhash)
    lsh = rensa.RMinHashLSH(threshold=threshold, num_perm=128, num_bands=32)
    for index, minhash in enumerate(hashes):
        lsh.insert(index, minhash)
    parent = list(range(len(articles)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for index, minhash in enumerate(hashes):
        for other in lsh.query(minhash):
            if other != index and (not verify or minhash.jaccard(hashes[other]) >= threshold):
                parent[find(index)] = find(other)
    return [articles[find(i)].key for i in range(len(articles))]


def title_labels(articles: list) -> list[str]:
    return [title_key(a.title) for a in articles]


def sweep(articles: list) -> list[tuple[str, float, float, float, float]]:
    """F1 as each threshold moves alone, the others at their defaults."""
    gold = [a.story for a in articles]
    rows = []
    settings = {"JACCARD_MIN": (0.2, 0.3, 0.5, 0.7), "LEAD_CONTAINMENT_MIN": (0.5, 0.7, 0.9),
                "LEAD_SHARED_MIN": (15, 25, 35), "FULL_CONTAINMENT_MIN": (0.2, 0.45, 0.7)}
    for name, values in settings.items():
        default = getattr(stories, name)
        for value in values:
            setattr(stories, name, value)
            try:
                rows.append((name, value, *_scores(gold, join_labels(articles))))
            finally:
                setattr(stories, name, default)
    return rows


def syndicated_texts(n: int, folder: Path = DEFAULT_SOURCE, seed: int = 18
                     ) -> tuple[list[str], list[str]]:
    """(titles, bodies) of n articles: originals plus copies that are cut, credited or teased."""
    source = (load_source_texts(folder) if folder.is_dir() else []) or generated_texts()
    rng = random.Random(seed)
    titles, bodies = [], []
    while len(bodies) < n:
        text = rng.choice(source)
        paragraphs = list(text.paragraphs)
        roll = rng.random()
        if roll < 0.15:
            paragraphs = paragraphs[:2] + ["Read more at the source"]
        elif roll < 0.3:
            paragraphs = ["LONDON (Reuters) - " + paragraphs[0], *paragraphs[1:],
                          "Reporting by Jane Roe; Editing by John Doe"]
        titles.append(text.title)
        bodies.append("\n".join(paragraphs))
    return titles, bodies


def cpu_per_article(n: int, folder: Path = DEFAULT_SOURCE) -> dict[str, float]:
    titles, bodies = syndicated_texts(n, folder)
    started = time.process_time()
    prepared = [stories.story_text(t, b) for t, b in zip(titles, bodies, strict=True)]
    text_s = time.process_time() - started
    started = time.process_time()
    sigs = stories.signatures([text for text, _ in prepared])
    sig_s = time.process_time() - started
    half = n // 2  # half known (earlier runs), half new: the join of one run's articles
    is_new = np.arange(n) >= half
    known = [f"s{i}" if i < half else None for i in range(n)]
    started = time.process_time()
    stories.assign_stories(sigs, is_new, known, [f"a{i}" for i in range(n)])
    join_s = time.process_time() - started
    return {"worker text pass (us/article)": 1e6 * text_s / n,
            "worker signatures (us/article)": 1e6 * sig_s / n,
            "flow join (us/new article)": 1e6 * join_s / (n - half)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6000, help="articles for the CPU figures")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="folder of plain-text articles for the CPU figures")
    args = parser.parse_args(argv)
    articles = _gold()
    gold = [a.story for a in articles]
    print(f"gold set: {len(articles)} articles, {len({*gold})} stories")
    for name, labels in (("story join", join_labels(articles)),
                         ("plain MinHash LSH 0.5", plain_lsh_labels(articles)),
                         ("  + Jaccard >= 0.5", plain_lsh_labels(articles, verify=True)),
                         ("normalized title", title_labels(articles))):
        precision, recall, f1 = _scores(gold, labels)
        print(f"  {name:24s} P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}")
    print("threshold sweep (one at a time):")
    for name, value, precision, recall, f1 in sweep(articles):
        print(f"  {name:22s} {value:<5} P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}")
    print(f"CPU over {args.n} articles:")
    for name, value in cpu_per_article(args.n, args.source).items():
        print(f"  {name:32s} {value:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
