"""ISO 3166-1 countries and their everyday English names: the one list newsmill uses.

`country_names()` is the single source of a country's name: the geoparser's mention.name for a
country (transforms/gazetteer.py), the views' `country` table and so the run summary all read it,
so "Turkey" is "Turkey" everywhere. The list is data/country_names.tsv (see data/README.md).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pycountry

_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
# Codes outside the ISO 3166-1 list that news data uses anyway. XK is the user-assigned code for
# Kosovo that GeoNames, the EU and most statistics offices use.
USER_ASSIGNED = {"XK": "Kosovo"}


def everyday_name(formal: str) -> str:
    """Turn ISO list names into the order people write them.

    "Congo, The Democratic Republic of the" -> "The Democratic Republic of the Congo",
    "Virgin Islands, British" -> "British Virgin Islands", "Holy See (Vatican City State)" ->
    "Holy See".
    """
    name = _PARENTHESIS.sub("", formal).strip()
    if ", " not in name:
        return name
    head, tail = name.split(", ", 1)
    if tail.endswith((" of", " of the")) or " " not in tail:
        return f"{tail} {head}"
    return name


NAMES_FILE = Path(__file__).resolve().parent / "data" / "country_names.tsv"


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """alpha-2 code -> everyday English name, for every ISO 3166-1 country (plus Kosovo, XK)."""
    names = {}
    for line in NAMES_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t")
            names[code] = name
    return dict(sorted(names.items()))


def iso_names() -> dict[str, str]:
    """alpha-2 code -> pycountry's name in everyday word order: what country_names.tsv is checked
    against (every ISO code present, nothing else but Kosovo)."""
    names = {}
    for country in pycountry.countries:
        formal = getattr(country, "common_name", None) or country.name
        names[country.alpha_2] = everyday_name(formal)
    names.update(USER_ASSIGNED)
    return dict(sorted(names.items()))
