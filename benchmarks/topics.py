"""Topic scoring against BBC News: rank-1 accuracy, macro-F1, confusion table and speed.

Usage: python -m benchmarks.topics ../shared/corpora/bbc/bbc [--model] [--repeat N]

The five BBC classes map to IPTC codes; the rank-1 topic is chosen among all 17, so any topic
outside the five counts as wrong. The labels are only compared with the output, never learned
from. `--model` also scores with a weak model trained by `train_topic_model` on the same
articles' text (no labels), as the pipeline's retraining task would on a user's warehouse.
Speed is measured in one process over `score_topics` alone, after the files are read: articles/s
by the wall clock, MB/s per core by the process's CPU time (so other load on the machine does not
count), best of `--repeat` passes. Exits 1 when the lexicon's macro-F1 falls under the pinned floor.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from transforms.records import Reject
from transforms.text import decode_text
from transforms.topics import (
    TOPIC_LABELS,
    TopicModel,
    load_lexicon,
    score_topics,
    train_topic_model,
)

BBC_TO_IPTC = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "politics": "medtop:11000000",
    "sport": "medtop:15000000",
    "tech": "medtop:13000000",
}
# The lexicon's measured macro-F1 on the 2,225 BBC articles (0.915) less 0.005.
MACRO_F1_FLOOR = 0.910


def read_bbc(root: Path) -> list[tuple[str, str, str]]:
    """(gold code, title, body) per article; the first line of each file is the title."""
    articles: list[tuple[str, str, str]] = []
    for label, code in BBC_TO_IPTC.items():
        for path in sorted((root / label).glob("*.txt")):
            text = decode_text(path.read_bytes())
            if isinstance(text, Reject):
                raise SystemExit(f"{path}: {text.detail}")
            title, _, body = text.strip().partition("\n")
            articles.append((code, title.strip(), body.strip()))
    return articles


def evaluate(
    articles: list[tuple[str, str, str]], model: TopicModel | None, repeat: int
) -> dict[str, float]:
    """Print the quality and speed figures for one configuration and return them."""
    load_lexicon()
    predicted: list[str] = []
    wall = cpu = float("inf")
    for _ in range(repeat):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        predicted = [score_topics(t, b, model=model)[0].topic_code for _, t, b in articles]
        wall = min(wall, time.perf_counter() - wall_start)
        cpu = min(cpu, time.process_time() - cpu_start)
    gold = [code for code, _, _ in articles]
    size_mb = sum(len(t.encode()) + len(b.encode()) for _, t, b in articles) / 1e6
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    f1s: list[float] = []
    for code in BBC_TO_IPTC.values():
        true_pos = sum(g == p == code for g, p in zip(gold, predicted, strict=True))
        pred_pos = sum(p == code for p in predicted)
        gold_pos = sum(g == code for g in gold)
        precision = true_pos / pred_pos if pred_pos else 0.0
        recall = true_pos / gold_pos if gold_pos else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    macro_f1 = sum(f1s) / len(f1s)
    print_confusion(gold, predicted)
    for name, f1 in zip(BBC_TO_IPTC, f1s, strict=True):
        print(f"  F1 {name:<13} {f1:.3f}")
    print(f"articles      {len(articles)}")
    print(f"accuracy      {accuracy:.4f}")
    print(f"macro-F1      {macro_f1:.4f}")
    print(f"articles/s    {len(articles) / wall:,.0f}  (wall clock, one process)")
    print(f"MB/s per core {size_mb / cpu:.1f}  (CPU time of score_topics over {size_mb:.2f} MB)")
    return {"accuracy": accuracy, "macro_f1": macro_f1, "mb_per_s": size_mb / cpu}


def print_confusion(gold: list[str], predicted: list[str]) -> None:
    """Rows are BBC classes, columns the predicted IPTC topics that occur."""
    columns = sorted(set(predicted), key=lambda c: (c not in BBC_TO_IPTC.values(), c))
    short = {code: TOPIC_LABELS[code].split(",")[0].split()[0][:9] for code in columns}
    print("gold \\ rank-1  " + " ".join(f"{short[c]:>9}" for c in columns))
    for name, code in BBC_TO_IPTC.items():
        pairs = list(zip(gold, predicted, strict=True))
        row = [sum(g == code and p == c for g, p in pairs) for c in columns]
        print(f"{name:<14} " + " ".join(f"{n:>9}" for n in row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the bbc folder holding business/, sport/, ...")
    parser.add_argument("--model", action="store_true", help="also score with a weak model")
    parser.add_argument("--repeat", type=int, default=3, help="timing passes; the best is kept")
    args = parser.parse_args(argv)
    articles = read_bbc(args.root)
    if not articles:
        print(f"no articles under {args.root}", file=sys.stderr)
        return 2
    print("== lexicon only")
    lexicon = evaluate(articles, None, args.repeat)
    print(f"macro-F1 floor {MACRO_F1_FLOOR}")
    if args.model:
        started = time.perf_counter()
        model = train_topic_model((t, b) for _, t, b in articles)
        took = time.perf_counter() - started
        print(
            f"\n== lexicon+model (weak model trained on these {model.documents} texts, no labels;"
            f" {sum(model.labelled)} lexicon-labelled, {len(model.weights)} words, {took:.1f} s)"
        )
        evaluate(articles, model, args.repeat)
    if lexicon["macro_f1"] < MACRO_F1_FLOOR:
        print(f"macro-F1 {lexicon['macro_f1']:.4f} is under the floor {MACRO_F1_FLOOR}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
