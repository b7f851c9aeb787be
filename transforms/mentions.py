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

import re
from collections import defaultdict
from dataclasses import dataclass

from transforms.gazetteer import (
    AFTER_COMMA,
    COMMON_WORD,
    NAME_LIKE,
    SMALL_PLACE,
    Candidate,
    Gazetteer,
    load_gazetteer,
)
from transforms.records import Field, Mention

COUNTRY_SUPPORT = 1.5  # another place of the same country elsewhere in the article
MORE_SUPPORT = 0.75  # for each further supporting surface, up to two more
ADMIN1_SUPPORT = 6.0  # another place in the same state or province
COMMA_SUPPORT = 6.0  # "Paris, Texas": the place right after names the candidate's division/country
CUE_SUPPORT = 5.0  # "the state of Georgia", "Washington state"
BIG_NAME_LIKE_PLACE = 6.3  # log10 population: a city of 2 million needs no support ("Sydney")
LOCAL_NAMESAKE_CITY = 5.5  # log10 population: below 300,000 a lone foreign town may be local
SMALL_CITY = 5.0  # log10 population: a town under 100,000 counts only if its country is in the text

_NEXT_WORD = re.compile(r" ([A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)\b")
_PREV_WORD = re.compile(r"\b([A-Z][a-z]+)(\.?) $")
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
    chosen: Candidate | None = None
    follows_comma: _Span | None = None  # the span this one follows as "<this>, <that>"
    cue: int = 0  # support the text itself gives: 1 for a dateline ("GLASGOW, Ky. -")


def _find_spans(gaz: Gazetteer, text: str, field: Field) -> list[_Span]:
    """Leftmost-longest matches that start and end on word boundaries.

    A longer match that fails the boundary test hides no shorter one inside it: "Parisian" is
    neither Paris nor anything else, and every plural or demonym that matters is a pattern itself.
    """
    spans: list[_Span] = []
    n = len(text)
    for idx, start, end in gaz.matcher.find_matches_as_indexes(text):
        if start > 0 and text[start - 1].isalnum():
            continue
        if end < n and text[end].isalnum() and text[end - 1].isalnum():
            continue
        cands = gaz.candidates(idx)
        if cands:  # an empty tuple is a blocking phrase: it only swallows what it covers
            spans.append(_Span(field, start, end, text[start:end], cands))
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
    return _Span("body", found.start(1), found.end(1), surface, gaz.candidates(index), cue=1)


def _is_name_like_span(span: _Span) -> bool:
    return _reading(span.candidates).name_like


def _surname_like(gaz: Gazetteer, word: str, country_words: set[str]) -> bool:
    if word in country_words:
        return False  # "Jordan Israel": two countries, no person
    return word in gaz.surnames or not _is_common(gaz, word.lower())


@dataclass(frozen=True, slots=True)
class _ArticleWords:
    places: set[str]  # every matched surface
    countries: set[str]  # matched surfaces that can be a country


def _person_filter(gaz: Gazetteer, spans: list[_Span], texts: dict[Field, str]) -> list[_Span]:
    """Drop spans that are part of a person's name, and every repeat of a found surname."""
    words = _ArticleWords(
        places={s.surface for s in spans},
        countries={s.surface for s in spans if any(c.kind == "country" for c in s.candidates)},
    )
    surnames: set[str] = set()
    given: set[str] = set()
    keep: list[_Span] = []
    for span in spans:
        if not _is_name_like_span(span) or not _is_person_part(
            gaz, span, texts, words, surnames, given
        ):
            keep.append(span)
    if not surnames and not given:
        return keep
    # A surname stays the person's ("Landau said"); a given name does too unless it is written as
    # a location ("Chad Morgan flew to Chad").
    return [
        s
        for s in keep
        if not _is_name_like_span(s)
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
    reading = _reading(span.candidates)
    # Only a town, in running text (title-case headlines capitalize every word)
    town_only = reading.town and span.field == "body" and " " not in span.surface
    if reading.word_only and (text.startswith(" of ", end) or _after_capitalized_word(text, start)):
        return True  # "University of Maryland", "American University", "Liberal Democratic"
    if end < len(text) and text[end] in " '\u2019":
        if (reading.site and _FACILITY_AFTER.match(text, end)) or (
            text.startswith(("'s", "\u2019s"), end) and _SAINT_POSSESSIVE.match(span.surface)
        ):
            return True
        after = _NEXT_WORD.match(text, end)
        if after:
            if span.surface in gaz.given_names and _surname_like(
                gaz, after.group(1), words.countries
            ):
                names.add(after.group(1))  # "Chad Morgan": Morgan from here on, and Chad
                given.add(span.surface)
                return True
            if town_only and _unknown_name(gaz, after.group(1), words, text):
                return True  # "Vladimir Putin", "Tottenham Hotspur": a name, not a town
    if start > 1 and text[start - 1] == " " and text[start - 2].isalpha():
        before = _PREV_WORD.search(text, max(0, start - 24), start)
        if before:
            word, dot = before.group(1), before.group(2)
            if word in _CLUB_PREFIXES and reading.site:
                return True  # "Real Madrid", "Inter Milan": a club, not the city
            if word in gaz.titles or (
                not dot
                and word in gaz.given_names
                and word not in words.countries
                and (
                    word.lower() not in gaz.common_words
                    or (  # "Mike Leigh", but not "In London" nor a title-case "Will Paris Vote"
                        (span.surface in gaz.surnames or span.surface in gaz.given_names)
                        and span.field == "body"
                        and not _starts_sentence(text, before.start())
                    )
                )
            ):
                names.add(span.surface)  # "Christopher Landau", "Senator Jordan", "Mike Leigh"
                return True
            if not dot and town_only and _unknown_name(gaz, word, words, text):
                return True  # "Yannick Nyanga"
    return False


def _after_capitalized_word(text: str, start: int) -> bool:
    """Whether a capitalized word stands right before `start`, inside a sentence."""
    if start < 2 or text[start - 1] != " " or not text[start - 2].isalpha():
        return False
    before = _PREV_WORD.search(text, max(0, start - 24), start)
    return before is not None and not _starts_sentence(text, before.start())


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
    for left, right in zip(spans, spans[1:], strict=False):
        if (
            right.start == left.end + 2
            and left.field == right.field
            and texts[left.field][left.end : right.start] == ", "
        ):
            right.follows_comma = left


Evidence = tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]


@dataclass(frozen=True, slots=True)
class _Reading:
    """What a candidate tuple says about the article, computed once per gazetteer surface."""

    strong: bool  # no weak candidate: usable as evidence before anything is chosen
    name_like: bool  # no abbreviation or demonym: could be part of a person's name
    country_code: str | None  # the one country of every candidate, if there is one
    admin1: str | None  # the one state or province of every candidate, if all are places
    has_division: bool  # a state or province among the candidates: "the state of" matters
    homonym_countries: int  # how many countries have a listed place of this name
    town: bool  # every reading is a city
    site: bool  # every reading is a place or a capital (no country name, no demonym)
    word_only: bool  # every reading is a common word or a small namesake


# By id() of a gazetteer candidate tuple; the tuple is kept too, so its id is never reused.
_READINGS: dict[int, tuple[tuple[Candidate, ...], _Reading]] = {}


def _reading(cands: tuple[Candidate, ...]) -> _Reading:
    cached = _READINGS.get(id(cands))
    if cached is not None and cached[0] is cands:
        return cached[1]
    # Small namesakes never make a surface ambiguous: "Atlanta" is still Georgia's.
    main = [c for c in cands if c.weak != SMALL_PLACE] or list(cands)
    codes = {c.country_code for c in main}
    admin1s = {c.admin1 for c in main}
    all_places = all(c.kind == "place" or c.method == "capital" for c in main)
    found = _Reading(
        strong=all(c.weak < NAME_LIKE for c in cands),
        name_like=all(c.method not in ("abbreviation", "demonym") for c in cands),
        country_code=codes.pop() if len(codes) == 1 else None,
        admin1=admin1s.pop() if len(admin1s) == 1 and all_places else None,
        has_division=any(c.method == "division" for c in cands),
        homonym_countries=len({c.country_code for c in main}),
        town=all(c.method == "city" and c.kind == "place" for c in cands),
        site=all(c.kind == "place" or c.method == "capital" for c in cands),
        word_only=all(c.weak in (COMMON_WORD, SMALL_PLACE) for c in cands),
    )
    _READINGS[id(cands)] = (cands, found)
    return found


def _evidence(readings: list[tuple[str, str | None, str | None]]) -> Evidence:
    """Which surfaces support each country and each (country, admin1)."""
    by_country: dict[str, set[str]] = defaultdict(set)
    by_admin1: dict[tuple[str, str], set[str]] = defaultdict(set)
    for surface, code, admin1 in readings:
        if code is None:
            continue
        by_country[code].add(surface)
        if admin1:
            by_admin1[(code, admin1)].add(surface)
    return by_country, by_admin1


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
    division_cue: bool,
    by_country: dict[str, set[str]],
    by_admin1: dict[tuple[str, str], set[str]],
    comma_next: _Span | None,
) -> tuple[float, int]:
    """The candidate's score in this article, and how the article supports it.

    Support is 0 (none), 1 (another place of the same country) or 2 (the same state or province,
    "<place>, <its division or country>", or a cue such as "the state of").
    """
    score = cand.prior
    support = span.cue
    backers = _backers(by_country.get(cand.country_code), span.surface)
    if backers:
        score += COUNTRY_SUPPORT + MORE_SUPPORT * min(backers - 1, 2)
        support = 1
    backers = _backers(by_admin1.get((cand.country_code, cand.admin1 or "")), span.surface)
    if cand.weak == SMALL_PLACE and backers < 2:
        backers = 0  # a small namesake needs its state named twice over ("Laurel County", "Ky.")
    if cand.admin1 and backers:
        score += ADMIN1_SUPPORT + MORE_SUPPORT * min(backers - 1, 2)
        support = 2
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
    if cand.method == "division" and division_cue:
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
    nxt: _Span | None,
    division_cue: bool,
    by_country: dict[str, set[str]],
    by_admin1: dict[tuple[str, str], set[str]],
) -> bool:
    """Whether the article places `cand` itself: "<it>, <its state>", or mostly its own state."""
    if support < 2:
        return False
    if span.follows_comma is not None or nxt is not None or division_cue or span.cue:
        return True
    local = _backers(by_admin1.get((cand.country_code, cand.admin1 or "")), span.surface)
    abroad = {
        s for code, surfaces in by_country.items() if code != cand.country_code for s in surfaces
    } - {span.surface}
    return local >= 1 and local >= len(abroad)


def _decide(
    span: _Span,
    nxt: _Span | None,
    division_cue: bool,
    by_country: dict[str, set[str]],
    by_admin1: dict[tuple[str, str], set[str]],
) -> tuple[Candidate | None, tuple[str, ...]]:
    """The best reading of a span (None: rejected), and the countries whose reading lost."""
    cands = span.candidates
    if len(cands) == 1:
        scored = [(*_score(span, cands[0], division_cue, by_country, by_admin1, nxt), 0, cands[0])]
    else:
        scored = [
            (*_score(span, c, division_cue, by_country, by_admin1, nxt), i, c)
            for i, c in enumerate(cands)
            if c.weak != SMALL_PLACE
            or nxt is not None
            or span.follows_comma is not None
            or by_admin1.get((c.country_code, c.admin1 or ""))
        ]
        if not scored:
            return None, ()
        scored.sort(key=lambda t: (-t[0], t[2]))
    _, support, _, best = scored[0]
    capital = next((t for t in scored if t[3].method == "capital"), None)
    if (
        capital is not None
        and best.kind == "place"
        and capital[3].prior > best.prior
        and not _local_story(span, best, support, nxt, division_cue, by_country, by_admin1)
    ):
        # A national capital yields to a smaller namesake only in a story about the namesake's
        # own state: "Athens" beside a US mention is Greece's, "Athens, Ga." is not.
        _, support, _, best = capital
    if (
        support == 0
        and best.method == "city"
        and (
            best.prior < LOCAL_NAMESAKE_CITY
            or (
                best.prior < BIG_NAME_LIKE_PLACE and _reading(span.candidates).homonym_countries > 1
            )
        )
        and any(
            len(surfaces - {span.surface}) >= 2
            for code, surfaces in by_country.items()
            if code != best.country_code
        )
    ):
        return None, ()  # "Edmonton" among Cairns and Queensland: a local namesake we do not list
    if not _accepted(best, support, span.follows_comma is not None):
        return None, ()
    losers = tuple(
        c.country_code
        for _, _, _, c in scored[1:]
        if c.kind == "country" and c.country_code != best.country_code
    )
    return best, losers


def _resolve(spans: list[_Span], texts: dict[Field, str]) -> None:
    """Choose each span's reading: first from the unambiguous spans, then again from all choices."""
    unambiguous = []
    for s in spans:
        reading = _reading(s.candidates)
        if reading.strong:
            unambiguous.append((s.surface, reading.country_code, reading.admin1))
    _choose(spans, texts, _evidence(unambiguous))
    if all(len(s.candidates) == 1 and s.candidates[0].weak < NAME_LIKE for s in spans):
        return  # nothing was ambiguous: a second round would change nothing
    by_country, _ = _evidence(
        [(s.surface, *_chosen_reading(s.chosen)) for s in spans if s.chosen is not None]
    )
    # States and provinces count as chosen; a chosen city ("London" -> England) is too weak a
    # reason to move another name to a small town of that state.
    _, by_admin1 = _evidence(
        unambiguous
        + [
            (s.surface, *_chosen_reading(s.chosen))
            for s in spans
            if s.chosen is not None and s.chosen.method == "division"
        ]
    )
    _choose(spans, texts, (by_country, by_admin1))


def _choose(spans: list[_Span], texts: dict[Field, str], evidence: Evidence) -> None:
    by_country, by_admin1 = evidence
    comma_next: dict[int, _Span] = {}
    for span in spans:
        if span.follows_comma is not None:
            comma_next[id(span.follows_comma)] = span
    # Spans with the same surface and no comma or cue of their own get the same reading.
    decided: dict[object, tuple[Candidate | None, tuple[str, ...]]] = {}
    placed: dict[str, Candidate] = {}  # surfaces that a comma or cue placed
    lost: set[str] = set()
    for span in spans:
        cands = span.candidates
        if len(cands) == 1 and cands[0].kind == "country" and cands[0].method != "capital":
            span.chosen = cands[0]  # "Japan", "U.S.", "Japanese": nothing to weigh
            continue
        nxt = comma_next.get(id(span))
        division_cue = _reading(cands).has_division and _division_cue(texts[span.field], span)
        key: object = span.surface
        if nxt is not None or span.follows_comma is not None or span.cue or division_cue:
            key = (span.surface, id(nxt), id(span.follows_comma), span.cue, division_cue)
        if key not in decided:
            decided[key] = _decide(span, nxt, division_cue, by_country, by_admin1)
        span.chosen, losers = decided[key]
        lost.update(losers)
        if key != span.surface and span.chosen is not None:
            placed[span.surface] = span.chosen
    # One sense per article: once "Paris, Tex." is placed, every other "Paris" there follows it.
    for span in spans:
        chosen = placed.get(span.surface)
        if chosen is not None and span.chosen is not None and span.chosen != chosen:
            span.chosen = chosen
    # "Georgian" follows "Georgia": if the country lost to the US state, its demonym goes too.
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


def _to_mention(gaz: Gazetteer, span: _Span, text: str) -> Mention:
    c = span.chosen
    assert c is not None
    kind, method, name, gid = c.kind, c.method, c.name, c.geonames_id
    if c.method == "capital":
        if _LOCATIVE.search(text, max(0, span.start - 12), span.start):
            kind, method = "place", "city"  # "talks in Tokyo": the city itself
        else:
            name, gid = gaz.country_names.get(c.country_code, c.name), None
    elif kind == "country":
        gid = None
    return Mention(
        kind=kind,
        country_code=c.country_code,
        name=name,
        surface=span.surface,
        field=span.field,
        start=span.start,
        end=span.end,
        method=method,
        geonames_id=gid,
    )


def extract_mentions(title: str, body: str) -> list[Mention]:
    """Every country and place mention in an article, title first, in text order."""
    gaz = load_gazetteer()
    texts: dict[Field, str] = {"title": title, "body": body}
    body_spans = _find_spans(gaz, body, "body")
    dateline = _dateline_span(gaz, body, body_spans)
    if dateline is not None:
        body_spans.insert(0, dateline)
    spans = _find_spans(gaz, title, "title") + body_spans
    if not spans:
        return []
    spans = _person_filter(gaz, spans, texts)
    _link_commas(spans, texts)
    _resolve(spans, texts)
    return [_to_mention(gaz, s, texts[s.field]) for s in spans if s.chosen is not None]
