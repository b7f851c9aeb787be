"""Person and organization quality of the entity extractor on the CoNLL-2003 English dev set.

    python -m benchmarks.entities [--conll ../shared/corpora/conll2003-dev/eng.testa] [-v]

Document-level scoring, as analysts count "who is in the news": per article, the set of distinct
person strings and organization strings found is compared with the set the annotators tagged.
Exact: equal after folding case and removing spaces. Lenient: one name's words are a subsequence
of the other's ("Clinton" ~ "Bill Clinton"). Reported over all articles and over the non-sports
ones (sports results dominate CoNLL's organizations with clubs named after their cities).

The texts are rebuilt from CoNLL's tokens (headline = the document's first sentence, one
sentence a line), mentions come from the geoparser as in the pipeline, and the strings scored are
the entities' surfaces (as written, without titles and possessives). Nothing from the corpus goes
into the repository (see its SOURCE.txt): this only measures. Exits 1 below the pinned floors.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from transforms.entities import extract_entities
from transforms.mentions import extract_mentions

DEFAULT_CONLL = Path(__file__).resolve().parent.parent.parent / (
    "shared/corpora/conll2003-dev/eng.testa")
# Floors pinned a little under the figures measured when they were set (see docs/entities.md).
# Measured: persons 0.90 (all articles), organizations 0.72 (general news); the issue asks for
# 0.80 and 0.55 on unseen articles.
FLOORS = {("person", "all", "exact"): 0.87, ("organization", "general", "exact"): 0.68}
_SPORTS = re.compile(
    r"^(SOCCER|FOOTBALL|TENNIS|CRICKET|GOLF|BASEBALL|BASKETBALL|RUGBY|CYCLING|ATHLETICS|BOXING|"
    r"MOTOR|MOTORCYCLING|MOTOR RACING|HORSE RACING|ICE HOCKEY|NHL|NBA|NFL|SKIING|SWIMMING|"
    r"ROWING|SAILING|YACHTING|BADMINTON|SQUASH|TABLE TENNIS|VOLLEYBALL|HOCKEY|OLYMPICS|"
    r"AUSTRALIAN RULES|RALLYING|FORMULA|SNOOKER|ALPINE|CHESS|JUDO|WRESTLING|TRIATHLON)\b")
_NO_SPACE_BEFORE = re.compile(r" (?=[,.;:!?)\]%]|'s\b|'\s|n't\b)")
_NO_SPACE_AFTER = re.compile(r"(?<=[(\[$]) ")


@dataclass(slots=True)
class Document:
    title: str
    body: str
    gold: dict[str, set[str]] = field(default_factory=lambda: {"person": set(),
                                                              "organization": set()})

    @property
    def sports(self) -> bool:
        return bool(_SPORTS.match(self.title))


def detokenize(tokens: Iterable[str]) -> str:
    text = " ".join(tokens)
    return _NO_SPACE_AFTER.sub("", _NO_SPACE_BEFORE.sub("", text))


def read_conll(path: Path) -> Iterator[Document]:
    """Documents of a CoNLL-2003 file with their gold person and organization strings."""
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []

    def document() -> Document | None:
        if current:
            sentences.append(current.copy())
        if not sentences:
            return None
        texts = [detokenize(t for t, _ in s) for s in sentences]
        doc = Document(texts[0], "\n".join(texts[1:]))
        for sentence in sentences:
            for kind, words in _spans(sentence):
                doc.gold[kind].add(detokenize(words))
        return doc

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            made = document()
            if made is not None:
                yield made
            sentences, current = [], []
            continue
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        parts = line.split()
        current.append((parts[0], parts[-1]))
    made = document()
    if made is not None:
        yield made


def _spans(sentence: list[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    kinds = {"PER": "person", "ORG": "organization"}
    words: list[str] = []
    kind = ""
    for token, tag in [*sentence, ("", "O")]:
        prefix, _, label = tag.partition("-")
        if words and (prefix != "I" or label != kind_label(kind) or tag == "O"):
            yield kind, words
            words = []
        if label in kinds and (prefix == "B" or not words):
            kind = kinds[label]
            words = [token]
        elif label in kinds and words:
            words.append(token)
    return


def kind_label(kind: str) -> str:
    return {"person": "PER", "organization": "ORG"}.get(kind, "")


def _exact(name: str) -> str:
    return "".join(name.casefold().split())


def _subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(word in it for word in short)


def _lenient(a: str, b: str) -> bool:
    x, y = a.casefold().split(), b.casefold().split()
    return _subsequence(x, y) if len(x) <= len(y) else _subsequence(y, x)


@dataclass(slots=True)
class Score:
    true_pred: int = 0  # predicted strings that match a gold one
    true_gold: int = 0  # gold strings that a prediction matches
    predicted: int = 0
    gold: int = 0

    def add(self, predicted: set[str], gold: set[str], lenient: bool) -> None:
        if lenient:
            self.true_pred += sum(any(_lenient(p, g) for g in gold) for p in predicted)
            self.true_gold += sum(any(_lenient(p, g) for p in predicted) for g in gold)
        else:
            folded_gold = {_exact(g) for g in gold}
            folded_pred = {_exact(p) for p in predicted}
            self.true_pred += len(folded_pred & folded_gold)
            self.true_gold += len(folded_pred & folded_gold)
            predicted, gold = folded_pred, folded_gold
        self.predicted += len(predicted)
        self.gold += len(gold)

    @property
    def precision(self) -> float:
        return self.true_pred / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(documents: list[Document], verbose: bool = False
             ) -> tuple[dict[tuple[str, str, str], Score], float]:
    """Scores by (kind, subset, mode), and the extractor's CPU seconds per article."""
    scores: dict[tuple[str, str, str], Score] = {}
    seconds = 0.0
    extract_entities("Talks", "Christopher Landau met Park Yoon-joo.")  # load the lists first
    for doc in documents:
        mentions = extract_mentions(doc.title, doc.body)
        started = time.process_time()
        entities = extract_entities(doc.title, doc.body, mentions, language="en")
        seconds += time.process_time() - started
        for kind in ("person", "organization"):
            predicted = {e.surface for e in entities if e.kind == kind}
            gold = doc.gold[kind]
            if verbose:
                folded = {_exact(g) for g in gold}
                wrong = sorted(p for p in predicted if _exact(p) not in folded)
                missed = sorted(g for g in gold if _exact(g) not in {_exact(p) for p in predicted})
                if wrong or missed:
                    print(f"{doc.title[:50]!r} {kind}: +{wrong} -{missed}")
            for subset in ("all", "general") if not doc.sports else ("all", "sports"):
                for mode in ("exact", "lenient"):
                    score = scores.setdefault((kind, subset, mode), Score())
                    score.add(predicted, gold, mode == "lenient")
    return scores, seconds / max(1, len(documents))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conll", type=Path, default=DEFAULT_CONLL)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    if not args.conll.exists():
        print(f"no CoNLL file at {args.conll}", file=sys.stderr)
        return 2
    documents = list(read_conll(args.conll))
    scores, per_article = evaluate(documents, args.verbose)
    general = sum(not d.sports for d in documents)
    print(f"{len(documents)} articles ({general} general news), "
          f"{per_article * 1e6:.0f} us CPU per article")
    print(f"{'kind':<13}{'articles':<9}{'mode':<9}{'P':>6}{'R':>6}{'F1':>6}{'gold':>6}")
    failed = False
    for (kind, subset, mode), score in sorted(scores.items()):
        floor = FLOORS.get((kind, subset, mode))
        mark = "" if floor is None else f"  (floor {floor:.2f})"
        if floor is not None and score.f1 < floor:
            failed, mark = True, f"  BELOW FLOOR {floor:.2f}"
        print(f"{kind:<13}{subset:<9}{mode:<9}{score.precision:6.3f}{score.recall:6.3f}"
              f"{score.f1:6.3f}{score.gold:6d}{mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
