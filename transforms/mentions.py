"""Country and place mentions in an article's title and body, with exact character offsets.

Matching is one Aho-Corasick pass per field over every gazetteer surface (case-sensitive, so
"turkey sandwiches" is no country), kept only at word boundaries, longest match first. Then each
match is read the way a careful human would, with the whole article as context:
- person names drop out: a given name before a surname ("Chad Morgan", "Paris Hilton"), a place
  after a given name or a title ("Christopher Landau", "Senator Jordan Whitfield"), and that
  surname wherever else the article repeats it;
- a common English word that is also a town ("Of", "Reading", "Mobile") needs support from the
  other places in the article, and so does a town named like a person ("Regina");
- a surface with several readings ("Georgia", "Paris", "London", "Congo") takes the reading that
  the article's other places support (Atlanta -> the US state; Toronto -> London, Ontario),
  or else the strongest one (countries first, then the most populous place);
- a capital used as a government ("Washington and Beijing traded accusations") is the country,
  and a capital written as a location ("talks in Tokyo") is a place.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from transforms.everyday import american_cues, everyday_filter
from transforms.gazetteer import (
    AFTER_COMMA,
    COMMON_WORD,
    NAME_LIKE,
    SMALL_PLACE,
    Candidate,
    Gazetteer,
    load_gazetteer,
)
from transforms.geo_context import prefer_home_region, us_or_other, with_local_names
from transforms.localnames import language_of
from transforms.records import Field, Mention, MentionKind

COUNTRY_SUPPORT = 1.5  # another place of the same country elsewhere in the article
MORE_SUPPORT = 0.75  # for each further supporting surface, up to two more
ADMIN1_SUPPORT = 6.0  # another place in the same state or province
COMMA_SUPPORT = 6.0  # "Paris, Texas": the place right after names the candidate's division/country
CUE_SUPPORT = 5.0  # "the state of Georgia", "Washington state"
BIG_NAME_LIKE_PLACE = 6.3  # log10 population: a city of 2 million needs no support ("Sydney")
LOCAL_NAMESAKE_CITY = 5.5  # log10 population: below 300,000 a lone foreign town may be local
SMALL_CITY = 5.0  # log10 population: a town under 100,000 counts only if its country is in the text

_NEXT_WORD = re.compile(r" ([A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)\b")
_LOCATIVE = re.compile(
    r"\b(?:in|at|from|to|near|outside|around|across|into|via|through|visit|visited|visiting|"
    r"of|within|throughout|toward|towards) $"
)
_DIVISION_CUE_BEFORE = re.compile(r"\b(?:[Ss]tate|[Pp]rovince|[Rr]egion|[Pp]refecture) of $")
_DIVISION_CUE_AFTER = re.compile(r" (?:[Ss]tate|[Pp]rovince|[Rr]egion|[Pp]refecture)\b")
# Words that open a football club's name before its city ("Real Madrid", "Bayern Munich")
_CLUB_PREFIXES = frozenset(
    {
        "Real", "Atletico", "Atlético", "Athletic", "Inter", "Bayern", "Borussia", "Olympique",
        "Sporting", "Dynamo", "Dinamo", "Lokomotiv", "Spartak", "Racing", "Deportivo", "Celta",
        "Hertha", "Eintracht", "Fortuna",
    }
)  # fmt: skip
# A saint's name with a possessive is a church, school or hospital: "St. Paul's", "St Mary's"
_SAINT_POSSESSIVE = re.compile(r"(?:St\.?|Saint) [A-Z][a-z]+$")
# "St. John's University", "Trafalgar Street", "Westminster House": a name inside a facility's name
_FACILITY_AFTER = re.compile(
    r"(?:['\u2019]s)? (?:University|College|School|Academy|Hospital|Clinic|Church|Cathedral|"
    r"Chapel|Street|Road|Avenue|Boulevard|Drive|Lane|Way|Crescent|Place|House|Hall|Manor|"
    r"Building|Tower|Hotel|Mall|Cup|Trophy|Prize|Award|Awards|Medal)\b"
)


@dataclass(slots=True)
class _Span:
    """One boundary-checked gazetteer match in one field."""

    field: Field
    start: int
    end: int
    surface: str
    candidates: tuple[Candidate, ...]
    reading: _Reading  # what the surface and its candidates say, shared by every match of it
    chosen: Candidate | None = None
    own: bool = False  # a comma, cue or dateline of its own: decided apart from its namesakes
    follows_comma: _Span | None = None  # the span this one follows as "<this>, <that>"
    comma_next: _Span | None = None  # the span that follows this one as "<this>, <that>"
    cue: int = 0  # support the text itself gives: 1 for a dateline ("GLASGOW, Ky. -")
    division_cue: bool = False  # "the state of <this>", "<this> Province"


def _find_spans(gaz: Gazetteer, text: str, field: Field) -> list[_Span]:
    """Leftmost-longest matches that start and end on word boundaries.

    A longer match that fails the boundary test hides no shorter one inside it: "Parisian" is
    neither Paris nor anything else, and every plural or demonym that matters is a pattern itself.
    """
    spans: list[_Span] = []
    n = len(text)
    readings = _READINGS
    for idx, start, end in gaz.matcher.find_matches_as_indexes(text):
        # The end first: a pattern that begins a longer word ("How" in "However") is the usual miss
        if end < n and text[end].isalnum() and text[end - 1].isalnum():
            continue
        if start > 0 and text[start - 1].isalnum():
            continue
        reading = readings.get(idx)
        if reading is None:
            reading = readings[idx] = _read(gaz, gaz.patterns[idx], gaz.candidates(idx))
        if reading.candidates:  # none: a blocking phrase, which only swallows what it covers
            spans.append(_Span(field, start, end, reading.surface, reading.candidates, reading))
    return spans


# A news dateline: the place in capitals that opens the body ("TORRINGTON -", "GLASGOW, Ky. (AP)")
_DATELINE = re.compile(r"\s*([A-Z][A-Z.'\-]+(?: [A-Z][A-Z.'\-]+){0,3})(?=,| \(| [-\u2013\u2014])")


def _dateline_span(gaz: Gazetteer, body: str, spans: list[_Span]) -> _Span | None:
    """The dateline place, matched in title case; None if there is none or it is already matched."""
    found = _DATELINE.match(body)
    if not found or (spans and spans[0].start < found.end(1)):
        return None
    surface = found.group(1)
    index = gaz.index_of(" ".join(w.capitalize() for w in surface.split()))
    if index is None or not gaz.candidates(index):
        return None
    reading = _read(gaz, surface, gaz.candidates(index))  # the flags of the surface as written
    return _Span(
        "body", found.start(1), found.end(1), surface, reading.candidates, reading, cue=1, own=True
    )


def _surname_like(gaz: Gazetteer, word: str, country_words: set[str]) -> bool:
    if word in country_words:
        return False  # "Jordan Israel": two countries, no person
    return word in gaz.surnames or not _is_common(gaz, word.lower())


class _ArticleWords:
    """The article's matched surfaces, as sets built on first use (most articles need neither)."""

    __slots__ = ("_countries", "_places", "_spans")

    def __init__(self, spans: list[_Span]) -> None:
        self._spans = spans
        self._places: set[str] | None = None
        self._countries: set[str] | None = None

    @property
    def places(self) -> set[str]:
        """Every matched surface."""
        if self._places is None:
            self._places = {s.surface for s in self._spans}
        return self._places

    @property
    def countries(self) -> set[str]:
        """The matched surfaces that can be a country."""
        if self._countries is None:
            self._countries = {s.surface for s in self._spans if s.reading.has_country}
        return self._countries


def _person_filter(gaz: Gazetteer, spans: list[_Span], texts: dict[Field, str]) -> list[_Span]:
    """Drop spans that are part of a person's name, and every repeat of a found surname."""
    words = _ArticleWords(spans)
    surnames: set[str] = set()
    given: set[str] = set()
    keep = [
        span
        for span in spans
        if not span.reading.name_like
        or not _is_person_part(gaz, span, texts, words, surnames, given)
    ]
    if not surnames and not given:
        return keep
    # A surname stays the person's ("Landau said"); a given name does too unless it is written as
    # a location ("Chad Morgan flew to Chad").
    return [
        s
        for s in keep
        if not s.reading.name_like
        or (
            s.surface not in surnames
            and (
                s.surface not in given
                or (
                    _LOCATIVE.search(texts[s.field], max(0, s.start - 12), s.start)
                    and not texts[s.field].startswith(("'s", "\u2019s"), s.end)
                )
            )
        )
    ]


def _is_person_part(
    gaz: Gazetteer,
    span: _Span,
    texts: dict[Field, str],
    words: _ArticleWords,
    names: set[str],
    given: set[str],
) -> bool:
    """Whether a span is part of a person's (or a facility's) name; adds the names to the sets."""
    text = texts[span.field]
    end, start = span.end, span.start
    reading = span.reading
    # Only a town, in running text (title-case headlines capitalize every word)
    town_only = reading.town_word and span.field == "body"
    if reading.word_only and (text.startswith(" of ", end) or _after_capitalized_word(text, start)):
        return True  # "University of Maryland", "American University", "Liberal Democratic"
    if end < len(text) and text[end] in " '\u2019":
        if (reading.site and _FACILITY_AFTER.match(text, end)) or (
            reading.saint and text.startswith(("'s", "\u2019s"), end)
        ):
            return True
        # The next word matters only after a given name or a town
        after = _NEXT_WORD.match(text, end) if reading.given_name or town_only else None
        if after:
            if reading.given_name and _surname_like(gaz, after.group(1), words.countries):
                names.add(after.group(1))  # "Chad Morgan": Morgan from here on, and Chad
                given.add(span.surface)
                return True
            if town_only and _unknown_name(gaz, after.group(1), words, text):
                return True  # "Vladimir Putin", "Tottenham Hotspur": a name, not a town
    if start > 1 and text[start - 1] == " " and text[start - 2].isalpha():
        before = _capitalized_before(text, start)
        if before >= 0:
            word = text[before : start - 1]
            if word in _CLUB_PREFIXES and reading.site:
                return True  # "Real Madrid", "Inter Milan": a club, not the city
            if word in gaz.titles or (
                word in gaz.given_names
                and word not in words.countries
                and (
                    word.lower() not in gaz.common_words
                    or (  # "Mike Leigh", but not "In London" nor a title-case "Will Paris Vote"
                        reading.person_name
                        and span.field == "body"
                        and not _starts_sentence(text, before)
                    )
                )
            ):
                names.add(span.surface)  # "Christopher Landau", "Senator Jordan", "Mike Leigh"
                return True
            if town_only and _unknown_name(gaz, word, words, text):
                return True  # "Yannick Nyanga"
    return False


def _after_capitalized_word(text: str, start: int) -> bool:
    """Whether a capitalized word stands right before `start`, inside a sentence."""
    if start < 2 or text[start - 1] != " " or not text[start - 2].isalpha():
        return False
    before = _capitalized_before(text, start)
    return before >= 0 and not _starts_sentence(text, before)


_LOWERCASE = "abcdefghijklmnopqrstuvwxyz"


def _capitalized_before(text: str, start: int) -> int:
    r"""Where the capitalized word before "<word> " at `start` begins; -1 if there is none.

    The caller has checked that `text[start - 1]` is a space after a letter. Then this is exactly
    `re.search(r"\b([A-Z][a-z]+)(\.?) $", text[:start])` begun at most 24 characters back (with no
    dot, as a letter precedes the space), and about twice as fast as that search: the lowercase
    letters before the space run back to the capital, which must open a word.
    """
    lo = max(0, start - 24)
    begin = lo + len(text[lo : start - 1].rstrip(_LOWERCASE))  # where the run of a-z starts
    capital = begin - 1
    if capital < lo or begin > start - 2 or not "A" <= text[capital] <= "Z":
        return -1
    if capital > 0 and (text[capital - 1].isalnum() or text[capital - 1] == "_"):
        return -1  # no word boundary: "McDonald"
    return capital


def _starts_sentence(text: str, index: int) -> bool:
    before = text[max(0, index - 4) : index].rstrip(" ")
    return index == 0 or not before or before[-1] in '.!?:;"\u201c\n'


def _unknown_name(gaz: Gazetteer, word: str, words: _ArticleWords, text: str) -> bool:
    """A capitalized word that is no English word, place or title: likely part of a name.

    A frequent word that no dictionary lists ("Putin", "Olympic") counts as a name when the
    article never writes it in lowercase.
    """
    if len(word) < 3 or word in words.places or word in gaz.titles:
        return False
    lower = word.lower()
    if not _is_common(gaz, lower):
        return True
    return lower in gaz.newer_words and f" {lower}" not in text


def _is_common(gaz: Gazetteer, lower: str) -> bool:
    """A common English word, inflections included (the dictionary lists only base forms)."""
    common = gaz.common_words
    if lower in common:
        return True
    for suffix, base in (("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ing", ""),
                         ("ing", "e"), ("ers", ""), ("ers", "e")):  # fmt: skip
        if lower.endswith(suffix) and lower[: -len(suffix)] + base in common:
            return True
    return False


def _link_commas(spans: list[_Span], texts: dict[Field, str]) -> None:
    """Link each "<place>, <place>" pair both ways, and note each span's division cue."""
    previous: _Span | None = None
    for span in spans:
        if span.reading.has_division and _division_cue(texts[span.field], span):
            span.division_cue = span.own = True
        if (
            previous is not None
            and span.start == previous.end + 2
            and previous.field == span.field
            and texts[span.field][previous.end : span.start] == ", "
        ):
            span.follows_comma = previous
            previous.comma_next = span
            span.own = previous.own = True
        previous = span


_K = TypeVar("_K")  # an evidence key: a country code, or (country code, admin1)


@dataclass(frozen=True, slots=True, eq=False)  # one per surface: compared by identity
class _Reading:
    """What a surface and its candidate tuple say about the article, computed once per surface.

    Everything here depends only on the surface as written and its gazetteer candidates, so
    `_find_spans` reads it from `_READINGS` instead of recomputing it for every match.
    """

    # The fields read for every span come first, to share the object's first cache lines.
    candidates: tuple[Candidate, ...]  # () for a blocking phrase
    surface: str
    name_like: bool  # no abbreviation or demonym: could be part of a person's name
    fixed: bool  # one country reading that is no capital: nothing to weigh ("Japan", "U.S.")
    plain: bool  # one reading, not weak: a second round of choosing cannot change it
    strong: bool  # no weak candidate: usable as evidence before anything is chosen
    country_code: str | None  # the one country of every candidate, if there is one
    admin1: str | None  # the one state or province of every candidate, if all are places
    has_division: bool  # a state or province among the candidates: "the state of" matters
    # Whether _decide_by_country always finds the same: one lead that nothing can reject
    # ("England", "Sydney") or that support from its country alone never lets stand ("Mobile")
    settled: bool
    settled_to: Candidate | None  # what it finds then
    admin1_key_set: frozenset[tuple[str, str]]  # admin1_keys as a set
    word_only: bool  # every reading is a common word or a small namesake
    site: bool  # every reading is a place or a capital (no country name, no demonym)
    given_name: bool  # the surface is a listed given name ("Chad", "Jordan")
    town_word: bool  # every reading is a city and the surface is one word
    saint: bool  # a saint's name ("St. Paul"): with "'s" it is a church or a school
    person_name: bool  # the surface is a listed given name or surname
    # For _decide_by_country: (index, country) of the strongest candidate of each country among
    # those weighed without a comma or cue; () when their priors are not in descending order.
    leads: tuple[tuple[int, str], ...]
    has_capital: bool  # a national capital among the candidates
    pool_countries: tuple[int, ...]  # indexes of the country readings among those weighed
    # _decide_by_country's answers by the backer counts of the leads, filled as they are found
    by_counts: dict[tuple[int, ...], tuple[Candidate | None, tuple[str, ...]]]
    homonym_countries: int  # how many countries have a listed place of this name
    has_country: bool  # a country among the candidates: "Jordan Israel" names no person
    main: tuple[int, ...]  # indexes of the candidates that are no small namesake
    small: tuple[int, ...]  # indexes of the small namesakes ("London", Kentucky)
    small_by_key: dict[tuple[str, str], tuple[int, ...]]  # the small ones by (country, admin1)
    admin1_keys: tuple[tuple[str, str], ...]  # (country, admin1 or "") of each candidate
    town: bool  # every reading is a city


# By gazetteer pattern index. There is one gazetteer per process (load_gazetteer is cached), so
# an index names one surface and one candidate tuple for the life of the process.
_READINGS: dict[int, _Reading] = {}


def _read(gaz: Gazetteer, surface: str, cands: tuple[Candidate, ...]) -> _Reading:
    """The reading of a surface and its candidates: one pass over them (it runs once per surface,
    but on first sight of every surface in the process, so a short article corpus feels it)."""
    strong = name_like = town = site = word_only = True
    has_division = has_capital = has_country = False
    main: list[int] = []  # no small namesake: "Atlanta" is still Georgia's
    small: list[int] = []
    keys: list[tuple[str, str]] = []
    for i, c in enumerate(cands):
        kind, method, weak = c.kind, c.method, c.weak
        strong = strong and weak < NAME_LIKE
        name_like = name_like and method not in ("abbreviation", "demonym")
        town = town and method == "city" and kind == "place"
        site = site and (kind == "place" or method == "capital")
        word_only = word_only and weak in (COMMON_WORD, SMALL_PLACE)
        has_division = has_division or method == "division"
        has_capital = has_capital or method == "capital"
        has_country = has_country or kind == "country"
        (small if weak == SMALL_PLACE else main).append(i)
        keys.append((c.country_code, c.admin1 or ""))
    # Small namesakes never make a surface ambiguous, unless there is nothing else
    ruling = [cands[i] for i in main] if main else list(cands)
    codes = {c.country_code for c in ruling}
    admin1s = {c.admin1 for c in ruling}
    all_places = all(c.kind == "place" or c.method == "capital" for c in ruling)
    homonym_countries = len(codes)
    # The candidates weighed when no comma, cue or state in the article brings in small namesakes
    base = (0,) if len(cands) == 1 else tuple(main)
    leads: dict[str, int] = {}
    for i in base:
        leads.setdefault(cands[i].country_code, i)
    descending = all(cands[i].prior >= cands[j].prior for i, j in zip(base, base[1:], strict=False))
    settled, settled_to = False, None
    if len(leads) == 1 and descending:
        (lead,) = leads.values()
        if not (cands[lead].kind == "place" and has_capital):
            if _sure(cands[lead], homonym_countries):
                settled, settled_to = True, cands[lead]
            elif not _accepted(cands[lead], 1, False):  # the most that country support gives
                settled = True
    one = cands[0] if len(cands) == 1 else None
    return _Reading(
        surface=surface,
        candidates=cands,
        strong=strong,
        name_like=name_like,
        country_code=next(iter(codes)) if len(codes) == 1 else None,
        admin1=next(iter(admin1s)) if len(admin1s) == 1 and all_places else None,
        has_division=has_division,
        has_capital=has_capital,
        has_country=has_country,
        homonym_countries=homonym_countries,
        town=town,
        town_word=town and " " not in surface,
        site=site,
        word_only=word_only,
        fixed=one is not None and one.kind == "country" and one.method != "capital",
        plain=one is not None and one.weak < NAME_LIKE,
        given_name=surface in gaz.given_names,
        person_name=surface in gaz.surnames or surface in gaz.given_names,
        saint=_SAINT_POSSESSIVE.match(surface) is not None,
        admin1_keys=tuple(keys),
        main=tuple(main),
        small=tuple(small),
        small_by_key=_group(small, keys),
        leads=tuple((i, code) for code, i in leads.items()) if descending else (),
        pool_countries=tuple([i for i in base if cands[i].kind == "country"]),
        by_counts={},
        settled=settled,
        settled_to=settled_to,
        admin1_key_set=frozenset(keys),
    )


def _group(
    indexes: list[int], keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, ...]]:
    """The indexes by their key, each group in index order."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i in indexes:
        groups.setdefault(keys[i], []).append(i)
    return {key: tuple(group) for key, group in groups.items()}


def _sure(cand: Candidate, homonym_countries: int) -> bool:
    """Whether `cand`, as a span's best reading, stands whatever the article says around it.

    It is so when `_decide` could drop it neither as a local namesake nor as unsupported: its
    acceptance only grows with support, so accepted without any support is accepted always.
    """
    if cand.method == "city" and (
        cand.prior < LOCAL_NAMESAKE_CITY
        or (cand.prior < BIG_NAME_LIKE_PLACE and homonym_countries > 1)
    ):
        return False
    return _accepted(cand, 0, False)


def _chosen_reading(c: Candidate) -> tuple[str, str | None]:
    return c.country_code, (c.admin1 if c.kind == "place" or c.method == "capital" else None)


def _backers(surfaces: set[str] | None, own: str) -> int:
    """How many other surfaces of the article support a reading."""
    if not surfaces:
        return 0
    return len(surfaces) - (own in surfaces)


def _score(
    span: _Span,
    cand: Candidate,
    admin1_key: tuple[str, str],
    by_country: dict[str, set[str]],
    by_admin1: dict[tuple[str, str], set[str]],
) -> tuple[float, int]:
    """The candidate's score in this article, and how the article supports it.

    Support is 0 (none), 1 (another place of the same country) or 2 (the same state or province,
    "<place>, <its division or country>", or a cue such as "the state of"). `admin1_key` is the
    candidate's (country, admin1 or ""), precomputed in its `_Reading`.
    """
    score = cand.prior
    support = span.cue
    surface = span.surface
    surfaces = by_country.get(cand.country_code)
    backers = len(surfaces) - (surface in surfaces) if surfaces else 0  # see _backers
    if backers:
        score += COUNTRY_SUPPORT + MORE_SUPPORT * min(backers - 1, 2)
        support = 1
    if cand.admin1:  # a candidate without a state or province takes no support from one
        surfaces = by_admin1.get(admin1_key)
        backers = len(surfaces) - (surface in surfaces) if surfaces else 0
        if cand.weak == SMALL_PLACE and backers < 2:
            backers = 0  # a small namesake needs its state named twice ("Laurel County", "Ky.")
        if backers:
            score += ADMIN1_SUPPORT + MORE_SUPPORT * min(backers - 1, 2)
            support = 2
    comma_next = span.comma_next
    if comma_next is not None and any(
        d.country_code == cand.country_code
        and (d.kind == "country" or (d.method == "division" and d.admin1 == cand.admin1))
        for d in comma_next.candidates
    ):
        score += COMMA_SUPPORT
        support = 2
    comma_prev = span.follows_comma
    if comma_prev is not None and any(
        d.country_code == cand.country_code
        and (cand.kind == "country" or (cand.method == "division" and d.admin1 == cand.admin1))
        for d in comma_prev.candidates
    ):
        score += COMMA_SUPPORT  # "Atlanta, Georgia": the state that Atlanta is in
        support = 2
    if span.division_cue and cand.method == "division":
        score += CUE_SUPPORT
        support = 2
    return score, support


def _accepted(cand: Candidate, support: int, after_comma: bool) -> bool:
    """Weak readings need the article's support: common words the strong kind ("Reading, Pa.")."""
    if cand.weak == AFTER_COMMA:
        return after_comma
    if cand.weak in (COMMON_WORD, SMALL_PLACE):
        return support >= 2
    if cand.method == "city" and cand.prior < SMALL_CITY and support < 1:
        return False
    if cand.weak == NAME_LIKE and cand.method == "city" and cand.prior < SMALL_CITY:
        return support >= 2  # "Bryan", "Harrison": a town named like a person needs its state
    if cand.weak == NAME_LIKE:
        return support >= 1 or (cand.method != "division" and cand.prior >= BIG_NAME_LIKE_PLACE)
    return True


def _division_cue(text: str, span: _Span) -> bool:
    return bool(
        _DIVISION_CUE_BEFORE.search(text, max(0, span.start - 12), span.start)
        or _DIVISION_CUE_AFTER.match(text, span.end)
    )


def _local_story(
    span: _Span,
    cand: Candidate,
    support: int,
    by_country: dict[str, set[str]],
    by_admin1: dict[tuple[str, str], set[str]],
) -> bool:
    """Whether the article places `cand` itself: "<it>, <its state>", or mostly its own state."""
    if support < 2:
        return False
    if (
        span.follows_comma is not None
        or span.comma_next is not None
        or span.division_cue
        or span.cue
    ):
        return True
    local = _backers(by_admin1.get((cand.country_code, cand.admin1 or "")), span.surface)
    abroad = {
        s for code, surfaces in by_country.items() if code != cand.country_code for s in surfaces
    } - {span.surface}
    return local >= 1 and local >= len(abroad)


def _decide(
    span: _Span,
    by_country: dict[str, set[str]],
    by_admin1: dict[tuple[str, str], set[str]],
) -> tuple[Candidate | None, tuple[str, ...]]:
    """The best reading of a span (None: rejected), and the countries whose reading lost."""
    reading = span.reading
    if (
        reading.leads
        and not span.own
        and (not by_admin1 or by_admin1.keys().isdisjoint(reading.admin1_key_set))
    ):
        found = _decide_by_country(span, by_country)
        if found is not None:
            return found
    return _decide_by_weighing(span, by_country, by_admin1)


def _decide_by_weighing(
    span: _Span,
    by_country: dict[str, set[str]],
    by_admin1: dict[tuple[str, str], set[str]],
) -> tuple[Candidate | None, tuple[str, ...]]:
    """`_decide` the long way: score every candidate that the article lets compete."""
    reading = span.reading
    cands = span.candidates
    keys = reading.admin1_keys
    losers: tuple[str, ...] = ()
    # A small namesake is weighed only when a comma or its own state in the article backs it.
    pool: Sequence[int]
    if len(cands) == 1:
        pool = (0,)
    elif span.comma_next is not None or span.follows_comma is not None:
        pool = range(len(cands))
    elif by_admin1 and reading.small:
        # The article's states are few; a name's small namesakes can be many ("Manchester")
        backed = [i for key in by_admin1 for i in reading.small_by_key.get(key, ())]
        pool = reading.main + tuple(backed) if backed else reading.main
    else:
        pool = reading.main
    if len(pool) == 1:
        index = pool[0]
        best = cands[index]
        if _sure(best, reading.homonym_countries):
            return best, ()  # one reading to weigh, and nothing can reject it
        _, support = _score(span, best, keys[index], by_country, by_admin1)
    elif not pool:
        return None, ()
    else:
        # (-score, index, support, candidate): sorts best first, ties by gazetteer order
        scored: list[tuple[float, int, int, Candidate]] = []
        for i in pool:
            score, support = _score(span, cands[i], keys[i], by_country, by_admin1)
            scored.append((-score, i, support, cands[i]))
        scored.sort()
        _, _, support, best = scored[0]
        if best.kind == "place" and reading.has_capital:
            capital = next((t for t in scored if t[3].method == "capital"), None)
            if (
                capital is not None
                and capital[3].prior > best.prior
                and not _local_story(span, best, support, by_country, by_admin1)
            ):
                # A national capital yields to a smaller namesake only in a story about the
                # namesake's own state: "Athens" beside a US mention is Greece's, "Athens, Ga."
                # is not.
                _, _, support, best = capital
        losers = tuple(
            [
                c.country_code
                for _, _, _, c in scored[1:]
                if c.kind == "country" and c.country_code != best.country_code
            ]
        )
    return _verdict(span, best, support, losers, by_country)


def _decide_by_country(
    span: _Span, by_country: dict[str, set[str]]
) -> tuple[Candidate | None, tuple[str, ...]] | None:
    """`_decide` for a span that only the article's countries can support; None: use `_decide`.

    The caller has made sure that the span has no comma, cue or state of its own in the article:
    then every candidate scores its prior plus the support of its country, so within a country
    the first (strongest) candidate wins, and only the leads of each country need a score. A
    lead's score takes only 0, 1, 2 or "3 or more" backers, so the answer for each such tuple of
    counts is kept in the reading (unless it also depends on the article's other countries).
    """
    surface = span.surface
    reading = span.reading
    counts = []
    for _, code in reading.leads:
        surfaces = by_country.get(code)
        counts.append(min(len(surfaces) - (surface in surfaces), 3) if surfaces else 0)
    key = tuple(counts)
    known = reading.by_counts.get(key)
    if known is not None:
        return known
    cands = span.candidates
    index, best_score, support = -1, 0.0, 0
    for (i, _), backers in zip(reading.leads, counts, strict=True):
        score = cands[i].prior  # as in _score
        if backers:
            score += COUNTRY_SUPPORT + MORE_SUPPORT * min(backers - 1, 2)
        if index < 0 or score > best_score:  # ties go to the earlier candidate, as in _decide
            index, best_score, support = i, score, 1 if backers else 0
    best = cands[index]
    if best.kind == "place" and reading.has_capital:
        return None  # a capital may take over from a namesake: weigh every candidate
    code = best.country_code
    losers = tuple(
        [cands[i].country_code for i in reading.pool_countries if cands[i].country_code != code]
    )
    found = _verdict(span, best, support, losers, by_country)
    if not _namesake_risk(best, support, reading):
        reading.by_counts[key] = found
    return found


def _namesake_risk(best: Candidate, support: int, reading: _Reading) -> bool:
    """Whether `best` may be a local namesake that the article's other countries rule out."""
    return (
        support == 0
        and best.method == "city"
        and (
            best.prior < LOCAL_NAMESAKE_CITY
            or (best.prior < BIG_NAME_LIKE_PLACE and reading.homonym_countries > 1)
        )
    )


def _verdict(
    span: _Span,
    best: Candidate,
    support: int,
    losers: tuple[str, ...],
    by_country: dict[str, set[str]],
) -> tuple[Candidate | None, tuple[str, ...]]:
    """The best candidate if the article lets it stand."""
    if _namesake_risk(best, support, span.reading) and any(
        len(surfaces - {span.surface}) >= 2
        for code, surfaces in by_country.items()
        if code != best.country_code
    ):
        return None, ()  # "Edmonton" among Cairns and Queensland: a local namesake we do not list
    if not _accepted(best, support, span.follows_comma is not None):
        return None, ()
    return best, losers


def _outside(evidence: Sequence[str]) -> dict[str, set[str]]:
    """Evidence from outside the article's names (the outlet's country, American cues), each as
    one more supporting surface of its country."""
    found: dict[str, set[str]] = {}
    for i, code in enumerate(evidence):
        found.setdefault(code, set()).add(f"\x00{i}")
    return found


def _resolve(spans: list[_Span], evidence: Sequence[str] = ()) -> None:
    """Choose each span's reading: first from the unambiguous spans, then again from all choices.

    Only the spans with something to weigh go through `_choose`: a country with one reading
    ("Japan") is chosen here, and a second round re-decides only what the new evidence can change.
    """
    by_country: dict[str, set[str]] = _outside(evidence)
    by_admin1: dict[tuple[str, str], set[str]] = {}
    fixed: list[_Span] = []
    weigh: list[_Span] = []
    plain = True
    for span in spans:
        reading = span.reading
        if not reading.plain:
            plain = False
        code = reading.country_code
        if reading.strong and code is not None:
            surfaces = by_country.get(code)
            if surfaces is None:
                by_country[code] = {span.surface}
            else:
                surfaces.add(span.surface)
            if reading.admin1:
                _support(by_admin1, (code, reading.admin1), span.surface)
        if reading.fixed:
            span.chosen = span.candidates[0]  # "Japan", "U.S.", "Japanese": nothing to weigh
            fixed.append(span)
        else:
            weigh.append(span)
    weighed, touched = _choose(weigh, spans, by_country, by_admin1) if weigh else ([], False)
    if plain:
        return  # nothing was ambiguous: a second round would change nothing
    if (
        not weighed
        and not touched
        and not any(s.chosen is not None and s.chosen.method == "division" for s in spans)
    ):
        return  # every span was settled by its reading, and no new state can unsettle one
    chosen_by_country: dict[str, set[str]] = _outside(evidence)
    more_admin1 = False
    for span in spans:
        chosen = span.chosen
        if chosen is None:
            continue
        surfaces = chosen_by_country.get(chosen.country_code)
        if surfaces is None:
            chosen_by_country[chosen.country_code] = {span.surface}
        else:
            surfaces.add(span.surface)
        # States and provinces count as chosen; a chosen city ("London" -> England) is too weak
        # a reason to move another name to a small town of that state.
        if chosen.method == "division":
            code, admin1 = _chosen_reading(chosen)
            if admin1:
                more_admin1 = _support(by_admin1, (code, admin1), span.surface) or more_admin1
    if not more_admin1 and chosen_by_country == by_country:
        return  # the choices depend only on the evidence: the same evidence, the same choices
    if touched:  # the first round's last passes changed choices: start the round afresh
        for span in fixed:
            span.chosen = span.candidates[0]
    elif not more_admin1:
        weigh = weighed  # a settled span reads only the states, which are as they were
    _choose(weigh, spans, chosen_by_country, by_admin1)


def _support(evidence: dict[_K, set[str]], key: _K, surface: str) -> bool:
    """Add `surface` to the surfaces that support `key`; whether it was not there yet."""
    surfaces = evidence.get(key)
    if surfaces is None:
        evidence[key] = {surface}
        return True
    if surface in surfaces:
        return False
    surfaces.add(surface)
    return True


def _choose(
    weigh: list[_Span],
    spans: list[_Span],
    by_country: dict[str, set[str]],
    by_admin1: dict[tuple[str, str], set[str]],
) -> tuple[list[_Span], bool]:
    """Choose the reading of each span in `weigh`, then make the article's choices agree.

    Returns the spans that needed a decision (not settled by their reading alone), and whether
    the last passes changed any span's choice.
    """
    # Spans with the same surface and no comma or cue of their own get the same reading.
    decided: dict[object, tuple[Candidate | None, tuple[str, ...]]] = {}
    placed: dict[str, Candidate] = {}  # surfaces that a comma or cue placed
    lost: set[str] = set()
    weighed: list[_Span] = []
    for span in weigh:
        key: object = span.surface
        own = span.own
        if own:
            key = (key, id(span.comma_next), id(span.follows_comma), span.cue, span.division_cue)
        else:
            reading = span.reading
            if reading.settled and (
                not by_admin1 or by_admin1.keys().isdisjoint(reading.admin1_key_set)
            ):
                span.chosen = reading.settled_to  # what _decide_by_country would find
                continue
        weighed.append(span)
        found = decided.get(key)
        if found is None:
            found = decided[key] = _decide(span, by_country, by_admin1)
        span.chosen, losers = found
        if losers:
            lost.update(losers)
        if own and span.chosen is not None:
            placed[span.surface] = span.chosen
    touched = False
    # One sense per article: once "Paris, Tex." is placed, every other "Paris" there follows it.
    if placed:
        for span in spans:
            chosen = placed.get(span.surface)
            if chosen is not None and span.chosen is not None and span.chosen != chosen:
                span.chosen = chosen
                touched = True
    # "Georgian" follows "Georgia": if the country lost to the US state, its demonym goes too.
    if not lost:
        return weighed, touched
    for span in spans:
        chosen = span.chosen
        if (
            chosen is not None
            and chosen.method == "demonym"
            and chosen.country_code in lost
            and not any(
                s.chosen is not None
                and s.chosen.country_code == chosen.country_code
                and s.chosen.method != "demonym"
                for s in spans
            )
        ):
            span.chosen = None
            touched = True
    return weighed, touched


def _mentions(gaz: Gazetteer, spans: list[_Span], texts: dict[Field, str]) -> list[Mention]:
    """The Mention of each span with a chosen reading, in span order."""
    found = []
    for span in spans:
        c = span.chosen
        if c is None:
            continue
        method, name, gid = c.method, c.name, c.geonames_id
        kind: MentionKind = c.kind
        if method == "capital":
            if _LOCATIVE.search(texts[span.field], max(0, span.start - 12), span.start):
                kind, method = "place", "city"  # "talks in Tokyo": the city itself
            else:
                name, gid = gaz.country_names.get(c.country_code, c.name), None
        elif kind == "country":
            gid = None
        found.append(
            _new_mention(
                kind,
                c.country_code,
                name,
                span.surface,
                span.field,
                span.start,
                span.end,
                method,
                gid,
            )  # fmt: skip
        )
    return found


_MENTION_FIELDS = (
    "kind", "country_code", "name", "surface", "field", "start", "end", "method", "geonames_id",
)  # fmt: skip


def _mention_maker() -> Callable[
    [MentionKind, str, str, str, Field, int, int, str, int | None], Mention
]:
    """A function that builds a Mention from its fields in order, as `Mention(...)` would.

    A frozen dataclass's `__init__` stores each field through `object.__setattr__`, which costs
    as much as all the rest of a mention's work here. While Mention is the plain frozen slots
    dataclass of records.py (these fields in this order, no `__post_init__`), its slots are set
    through their descriptors directly, in half the time; any other Mention is built as usual.
    """
    slots = [Mention.__dict__.get(name) for name in _MENTION_FIELDS]
    members = [d for d in slots if isinstance(d, types.MemberDescriptorType)]
    if (
        tuple(f.name for f in dataclasses.fields(Mention)) != _MENTION_FIELDS
        or hasattr(Mention, "__post_init__")
        or len(members) != len(_MENTION_FIELDS)
    ):
        return Mention
    set_kind, set_code, set_name, set_surface, set_field, set_start, set_end, set_method, set_id = (
        d.__set__ for d in members
    )
    new = object.__new__

    def make(
        kind: MentionKind, country_code: str, name: str, surface: str, field: Field,
        start: int, end: int, method: str, geonames_id: int | None,
    ) -> Mention:  # fmt: skip
        mention: Mention = new(Mention)
        set_kind(mention, kind)
        set_code(mention, country_code)
        set_name(mention, name)
        set_surface(mention, surface)
        set_field(mention, field)
        set_start(mention, start)
        set_end(mention, end)
        set_method(mention, method)
        set_id(mention, geonames_id)
        return mention

    return make


_new_mention = _mention_maker()


def extract_mentions(
    title: str, body: str, language: str | None = None, source_country: str | None = None
) -> list[Mention]:
    """Every country and place mention in an article, title first, in text order.

    `language` (ISO 639-1, declared or detected) adds that language's names and keeps out the
    English names that are common words in it; None or an unsupported language reads English.
    `source_country` (the outlet's ISO alpha-2) counts as one more place of that country: weak
    evidence that decides only what the article itself leaves open.
    """
    gaz = load_gazetteer()
    lang = language_of(language)
    texts: dict[Field, str] = {"title": title, "body": body}
    body_spans = _find_spans(gaz, body, "body")
    if lang is None:
        dateline = _dateline_span(gaz, body, body_spans)
        if dateline is not None:
            body_spans.insert(0, dateline)
    spans = _find_spans(gaz, title, "title") + body_spans
    if lang is not None:
        spans = with_local_names(gaz, lang, spans, texts)
    if not spans:
        return []
    evidence = [source_country] if source_country else []
    if lang is None:
        spans = _person_filter(gaz, spans, texts)
        spans, us_flag = everyday_filter(spans, texts, us_or_other)
        if us_flag and american_cues(texts):
            evidence.append("US")  # "Georgia" beside peaches, a county and the USDA
    _link_commas(spans, texts)
    _resolve(spans, evidence)
    if lang is None and len(spans) >= 3:
        prefer_home_region(spans)
    return _mentions(gaz, spans, texts)
