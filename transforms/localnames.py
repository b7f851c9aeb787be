"""Country and city names in the article's own language: one matcher per language, built on first
use from the compiled local_names.tsv.gz (transforms/data/build_local_names.py makes it).

Each language has its own rule for where a name may start and end:
- languages written with spaces: whole words only; Turkish people words may take a suffix
  ("Almanlar"), and a name before an apostrophe is whole ("Türkiye'nin");
- Chinese and Japanese: no word boundaries; the longest name wins ("インドネシア" over "インド"),
  a katakana name inside a longer katakana word is no name ("インドカレー"), and a one-character
  abbreviation counts only inside a listed compound ("日米", "访华"; a lone "米" is rice);
- Korean: a name must open its word, and what follows in the word must be a particle or a
  listed ending ("미국은", "중국산"): "인도적" (humanitarian) is not India;
- Arabic: the clitics و ب ل ف ك before a name are part of the word, not of the name.
The English gazetteer still runs on every article (English names appear in every language); in
another language it keeps only countries, capitals, big cities and states, and none of the names
that are a common word in that language ("Sul" in Portuguese).
"""

from __future__ import annotations

import functools
import gzip
import re
import unicodedata
from dataclasses import dataclass, field

import ahocorasick_rs

from transforms.gazetteer import COUNTRY_PRIOR, DATA_DIR, Candidate

COMPILED = DATA_DIR / "local_names.tsv.gz"
_LANGUAGE_LIST = "de fr es pt it nl pl cs sv da no ru uk tr ar zh ja ko id vi hi"
LANGUAGES = frozenset(_LANGUAGE_LIST.split(" "))
# The countries where a language is the main news language: their places are local words there
HOME = {
    "de": ("DE", "AT", "CH"), "fr": ("FR", "BE", "CH", "CA"), "it": ("IT", "CH"),
    "es": ("ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "BO", "UY", "PY", "CU", "GT", "HN",
           "SV", "NI", "CR", "PA", "DO"),
    "pt": ("BR", "PT", "AO", "MZ"), "nl": ("NL", "BE"), "pl": ("PL",), "cs": ("CZ",),
    "sv": ("SE",), "da": ("DK",), "no": ("NO",), "tr": ("TR",), "id": ("ID",), "vi": ("VN",),
}  # fmt: skip
_ALIASES = {"nb": "no", "nn": "no", "iw": "he", "in": "id"}

# Korean particles and endings that may follow a country name inside its word
_KO_ENDING_LIST = (
    "은 는 이 가 을 를 의 에 에서 에게 과 와 도 로 으로 만 까지 부터 보다 과의 와의 에서의 에서는 "
    "에는 으로의 로의 으로서 로서 인 인들 산 측 정부 군 이나 나 이라 라 이라고 라고 이다 다 에선 "
    "처럼 과는 와는 에도 에서도 으로도 로도 엔 이며 이고 이었다 였다 계 내 행 발 간 관계 대사관 "
    "대통령 정부는 정부가 정부의 측은 측의 군은 군이 군의 인은 인이 인의 만의 에만"
)
_KO_ENDINGS = frozenset(_KO_ENDING_LIST.split(" "))
# Turkish case, plural and derivation suffixes on a people word ("Almanlar", "Rusların")
_TR_SUFFIX = re.compile(
    r"(?:l[ae]r)?(?:[ıiuü]|[ae]|[dt][ae]|[dt][ae]n|n[ıiuü]n|[ıiuü]n|y?l[ae]|y[ae]|y[ıiuü]|"
    r"[cç][ae]|[dt][ae]ki|l[ıiuü]|l[ıiuü]k|[ıiuü]m[ıiuü]z|ca)?"
)
# Vietnamese country words that are also given names: not after another capitalized word (then
# they end a person's name, "Nguyễn Minh Đức"); those that also open common words or a pronoun
# ("Anh ấy", "Ý kiến", "Pháp luật") count only inside a sentence
_VI_NAMES = frozenset({"Anh", "Ý", "Pháp", "Đức", "Nga", "Mỹ"})
_VI_WORDS = frozenset({"Anh", "Ý", "Pháp"})


def language_of(code: str | None) -> str | None:
    """The supported language of an ISO 639-1 code ("pt-BR" -> "pt"); None for English or other."""
    if not code:
        return None
    return _language_of(code)


@functools.lru_cache(maxsize=1024)  # called per article with a handful of distinct codes
def _language_of(code: str) -> str | None:
    base = code.replace("_", "-").split("-", 1)[0].lower()
    base = _ALIASES.get(base, base)
    return base if base in LANGUAGES else None


@dataclass(slots=True)
class LocalMatch:
    """One name found in a text: where it is and its readings (or a compound's parts)."""

    start: int
    end: int
    surface: str
    candidates: tuple[Candidate, ...]
    key: tuple[str, int]  # (language, pattern index): one reading per key


@dataclass(slots=True)
class _Language:
    patterns: list[str] = field(default_factory=list)
    skips: list[int] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)  # candidate rows, or ["comp", codes]
    blocked_english: set[str] = field(default_factory=set)  # English names that do not cross
    matcher: ahocorasick_rs.AhoCorasick | None = None
    parsed: dict[int, tuple[Candidate, ...]] = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def _load() -> dict[str, _Language]:
    languages: dict[str, _Language] = {}
    index: dict[tuple[str, str], int] = {}
    with gzip.open(COMPILED, "rt", encoding="utf-8") as handle:
        for line in handle.read().splitlines():
            if line.startswith("#"):
                continue
            lang, surface, skip, kind, rest = line.split("\t", 4)
            data = languages.get(lang)
            if data is None:
                data = languages[lang] = _Language()
            if kind == "noeng":
                data.blocked_english.add(surface)
                continue
            if kind == "drop":
                data.blocked_english.add(surface)
                continue
            key = (lang, surface)
            i = index.get(key)
            if i is None:
                i = index[key] = len(data.patterns)
                data.patterns.append(surface)
                data.skips.append(int(skip))
                data.rows.append([])
            if kind == "comp":
                data.rows[i] = ["comp", rest.split("\t", 1)[0]]
            elif kind != "block":
                data.rows[i].append(f"{kind}\t{rest}")
    return languages


def blocked_english(lang: str) -> set[str]:
    """English gazetteer names that are common words in `lang`, or listed false friends."""
    data = _load().get(lang)
    return data.blocked_english if data is not None else set()


def _matcher(data: _Language) -> ahocorasick_rs.AhoCorasick:
    if data.matcher is None:
        data.matcher = ahocorasick_rs.AhoCorasick(
            data.patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
        )
    return data.matcher


def _candidates(data: _Language, index: int, names: dict[str, str]) -> tuple[Candidate, ...]:
    found = data.parsed.get(index)
    if found is not None:
        return found
    rows = data.rows[index]
    cands: list[Candidate] = []
    if rows and rows[0] != "comp":
        for row in rows:
            kind, code, name, method, prior, gid, admin1 = row.split("\t")
            if kind == "country" and method != "capital":
                cands.append(
                    Candidate(
                        "country",
                        code,
                        names.get(code, name),
                        method,
                        COUNTRY_PRIOR + (0.1 if method == "name" else 0.0),
                    )
                )
            else:
                cands.append(Candidate("country" if kind == "country" else "place", code, name,
                                       method, float(prior), int(gid) if gid else None,
                                       admin1 or None))  # fmt: skip
        cands.sort(key=lambda c: -c.prior)
    found = data.parsed[index] = tuple(cands)
    return found


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_" or unicodedata.category(char)[0] == "M"


def _katakana(char: str) -> bool:
    return "\u30a1" <= char <= "\u30fa" or char == "\u30fc" or "\u31f0" <= char <= "\u31ff"


def _hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3"


def _accept(lang: str, text: str, start: int, end: int, surface: str, method: str) -> bool:
    """Whether a match at [start, end) is a whole name under the language's boundary rule."""
    n = len(text)
    if lang in ("zh", "ja"):
        if lang == "ja" and _katakana(surface[0]) and _katakana(surface[-1]):
            return not (start > 0 and _katakana(text[start - 1])) and not (
                end < n and _katakana(text[end])
            )
        return True
    if lang == "ko":
        if start > 0 and (_hangul(text[start - 1]) or text[start - 1].isalnum()):
            return False
        stop = end
        while stop < n and _hangul(text[stop]):
            stop += 1
        return stop == end or text[end:stop] in _KO_ENDINGS
    if start > 0 and _word_char(text[start - 1]):
        return False
    if end < n and _word_char(text[end]):
        if lang == "tr" and method == "demonym":
            stop = end
            while stop < n and _word_char(text[stop]):
                stop += 1
            return _TR_SUFFIX.fullmatch(text, end, stop) is not None
        return False
    if lang == "vi" and surface in _VI_NAMES:
        before = text[max(0, start - 12) : start].rstrip()
        if not before or before[-1] in '.!?:;"\u201c\n':
            return surface not in _VI_WORDS
        previous = before.rsplit(" ", 1)[-1]
        return not previous[:1].isupper()
    return True


def find_local(lang: str, text: str, names: dict[str, str]) -> list[LocalMatch]:
    """The names of language `lang` in `text`, leftmost-longest, each under its boundary rule."""
    data = _load().get(lang)
    if data is None or not text:
        return []
    found: list[LocalMatch] = []
    patterns, rows, skips = data.patterns, data.rows, data.skips
    for index, start, end in _matcher(data).find_matches_as_indexes(text):
        row = rows[index]
        if not row:
            continue  # a blocking phrase: it hides what it covers
        surface = patterns[index]
        if row[0] == "comp":
            if lang == "ko" and not _accept(lang, text, start, end, surface, ""):
                continue
            found.extend(_compound(lang, index, row[1], text, start, names))
            continue
        cands = _candidates(data, index, names)
        if not cands or not _accept(lang, text, start, end, surface, cands[0].method):
            continue
        skip = skips[index]
        found.append(LocalMatch(start + skip, end, surface[skip:], cands, (lang, index)))
    return found


def _compound(
    lang: str, index: int, codes: str, text: str, start: int, names: dict[str, str]
) -> list[LocalMatch]:
    """One match per country of a compound ("日米" -> JP at 0, US at 1), runs of one code merged."""
    parts: list[LocalMatch] = []
    previous = None
    for offset, code in enumerate(codes.split(",")):
        if code == "-" or code not in names:
            previous = None
            continue
        if previous is not None and previous.candidates[0].country_code == code:
            previous.end += 1
            previous.surface = text[previous.start : previous.end]
            continue
        cand = _abbreviation(code, names[code])
        previous = LocalMatch(start + offset, start + offset + 1, text[start + offset], (cand,),
                              (f"{lang}:{code}", -1))  # fmt: skip
        parts.append(previous)
    return parts


@functools.lru_cache(maxsize=512)
def _abbreviation(code: str, name: str) -> Candidate:
    return Candidate("country", code, name, "abbreviation", COUNTRY_PRIOR)
