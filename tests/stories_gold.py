"""The stories gold set: articles with the story each belongs to, built from tests/fixtures/stories.

The texts there were written for this project. From each original this module derives, with a
fixed seed, the kinds of copies the story join must group: a wire original with a dateline and
copyright tail, a republication with a credit line and a few typos, a cut copy under a rewritten
headline with ad and newsletter lines, a copy with paragraphs moved, and an aggregator teaser that
carries only the lead under another headline. Independent reports (same event, another reporter,
one shared quote) and short briefs wrapped in identical wire boilerplate are stories of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "stories"
WIRES = (("AP", "(AP) —", "Copyright 2026 The Associated Press. All rights reserved."),
         ("Reuters", "(Reuters) -", "Reporting by Anna Kowal; Editing by Mark Doyle"),
         ("AFP", "(AFP) -", "© Agence France-Presse"))
OUTLETS = ("Valley Courier", "Harbour Times", "Daily Ledger", "Coastline Herald", "Metro24",
           "Northern Echo", "Plains Gazette", "Island Post")
CREDITS = ("— The Associated Press", "Source: Reuters", "With AFP", "(AP)", "Associated Press")
AD_LINES = ("ADVERTISEMENT", "Advertisement", "Story continues below advertisement")
# The site furniture every brief carries: longer than a brief, as on many real pages.
BRIEF_BOILERPLATE = (
    "ADVERTISEMENT",
    "Sign up for the Morning Wire newsletter to get the day's top stories in your inbox.",
    "Follow us on Facebook, X and Instagram for breaking news alerts from across the region.",
    "Read more: the latest local news from Springfield and the surrounding counties",
    "Copyright 2026 The Associated Press. All rights reserved. This material may not be "
    "published, broadcast, rewritten or redistributed without permission.")
NEWSLETTER = ("Sign up for our morning newsletter and get the day's top stories in your inbox.",
              "Read more: our full coverage of the region")


@dataclass(frozen=True, slots=True)
class GoldArticle:
    key: str  # unique name, e.g. "03_rate_decision/teaser"
    story: str  # gold story label
    kind: str  # original, credit_typos, cut, reorder, teaser, independent, brief
    source: str
    title: str
    body: str


def _read(path: Path) -> tuple[str, list[str]]:
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    return lines[0], lines[1:]


def _headlines() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in (FIXTURES / "headlines.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            name, rewritten, teaser = line.split("\t")
            rows[name] = (rewritten, teaser)
    return rows


def _typos(text: str, rng: random.Random, count: int) -> str:
    """Swap two adjacent letters inside `count` words longer than four letters."""
    words = text.split(" ")
    choices = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    for i in rng.sample(choices, min(count, len(choices))):
        w = words[i]
        k = rng.randrange(1, len(w) - 2)
        words[i] = w[:k] + w[k + 1] + w[k] + w[k + 2:]
    return " ".join(words)


def _dateline_city(first: str) -> tuple[str, str]:
    """("HALVORSEN", rest) when the paragraph opens with a dateline, else ("", first)."""
    if " — " in first[:40] and first.split(" — ", 1)[0].isupper():
        city, rest = first.split(" — ", 1)
        return city, rest
    return "", first


def originals() -> list[tuple[str, str, list[str]]]:
    return [(p.stem, *_read(p)) for p in sorted((FIXTURES / "originals").glob("*.txt"))]


def gold_articles() -> list[GoldArticle]:
    rng = random.Random(18)
    headlines = _headlines()
    articles: list[GoldArticle] = []
    for number, (name, title, paragraphs) in enumerate(originals()):
        wire, tag, tail = WIRES[number % len(WIRES)]
        city, lead = _dateline_city(paragraphs[0])
        city = city or ["LONDON", "NEW YORK", "BRUSSELS"][number % 3]
        wire_lead = f"{city} {tag} {lead}"
        original = [wire_lead, *paragraphs[1:], tail]
        articles.append(GoldArticle(f"{name}/original", name, "original", f"{wire} wire",
                                    title, "\n".join(original)))
        rewritten, teaser_title = headlines[name]
        outlets = rng.sample(OUTLETS, 5)
        # republished with a credit line and a few typos, headline kept
        body = [_typos(p, rng, 1) if i % 3 == 1 else p for i, p in enumerate(paragraphs)]
        articles.append(GoldArticle(f"{name}/credit_typos", name, "credit_typos", outlets[0],
                                    title, "\n".join([*body, rng.choice(CREDITS)])))
        # last paragraphs cut, rewritten headline, an ad line and a newsletter tail
        keep = max(3, len(paragraphs) * (4 + number % 3) // 10)
        body = [lead, *paragraphs[1:keep]]
        body.insert(2, rng.choice(AD_LINES))
        articles.append(GoldArticle(f"{name}/cut", name, "cut", outlets[1], rewritten,
                                    "\n".join([*body, rng.choice(NEWSLETTER)])))
        if number % 3 != 2:  # paragraphs moved, a few typos, rewritten headline
            body = list(paragraphs)
            body[2], body[3] = body[3], body[2]
            body[-1], body[-2] = body[-2], body[-1]
            body = [_typos(p, rng, 1) for p in body]
            articles.append(GoldArticle(f"{name}/reorder", name, "reorder", outlets[2],
                                        rewritten, "\n".join(body)))
        # an aggregator's teaser: the lead only, under its own headline
        lead_paragraphs = 2 if number % 2 else 1
        body = [lead, *paragraphs[1:lead_paragraphs]]
        articles.append(GoldArticle(f"{name}/teaser", name, "teaser", outlets[3], teaser_title,
                                    "\n".join([*body, "Read more at the source"])))
    for path in sorted((FIXTURES / "independent").glob("*.txt")):
        title, paragraphs = _read(path)
        articles.append(GoldArticle(f"{path.stem}/independent", f"{path.stem}/independent",
                                    "independent", "Plains Gazette", title,
                                    "\n".join(paragraphs)))
    for number, (title, body) in enumerate(briefs()):
        articles.append(GoldArticle(
            f"brief{number:02d}", f"brief{number:02d}", "brief", "AP wire", title,
            "\n".join([f"SPRINGFIELD (AP) — {body}", *BRIEF_BOILERPLATE])))
    return articles


def briefs() -> list[tuple[str, str]]:
    text = (FIXTURES / "briefs.txt").read_text()
    blocks = [b for b in text.split("\n\n") if b.strip()]
    found = []
    for block in blocks:
        lines = [line for line in block.splitlines() if line and not line.startswith("#")]
        if len(lines) >= 2:
            found.append((lines[0], " ".join(lines[1:])))
    return found


def pairs(labels: list[str]) -> set[tuple[int, int]]:
    """Index pairs (i < j) given the same label."""
    groups: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, []).append(index)
    return {pair for members in groups.values() for pair in combinations(members, 2)}


def pairwise_scores(gold: list[str], predicted: list[str]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of `predicted` story labels against `gold`."""
    truth, found = pairs(gold), pairs(predicted)
    hits = len(truth & found)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
