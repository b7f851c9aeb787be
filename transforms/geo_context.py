"""What an article says beyond its single names: a home region its lesser places agree on, a
US-or-elsewhere flag, and, in other languages, which English names cross over and how they merge
with the language's own names (transforms/localnames.py).

The functions work on the extractor's spans and readings (transforms/mentions.py); the few
helpers they need from there are imported when first called, which keeps the import one-way
at module level (mentions imports this module).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from transforms.gazetteer import COMMON_WORD, NAME_LIKE, STRONG, Gazetteer
from transforms.localnames import HOME, blocked_english, find_local
from transforms.records import Field

if TYPE_CHECKING:
    from transforms.mentions import _Reading as Reading
    from transforms.mentions import _Span as Span
else:
    Reading = Span = Any

_US_OR_OTHER: dict[str, bool] = {}  # by surface


def us_or_other(reading: Reading) -> bool:
    """Whether a surface is a US place and another country ("Georgia", "Jordan")."""
    found = _US_OR_OTHER.get(reading.surface)
    if found is None:
        cands = reading.candidates
        found = _US_OR_OTHER[reading.surface] = any(
            cands[i].country_code == "US" and cands[i].kind == "place" for i in reading.main
        ) and any(c.kind == "country" and c.method != "capital" for c in cands)
    return found


FAMOUS = 6.0  # log10 population: a city of a million people or more is nobody's local namesake


_BALLOTS: dict[str, tuple[tuple[tuple[str, str], str], ...]] = {}  # by surface


def _ballot(reading: Reading) -> tuple[tuple[tuple[str, str], str], ...]:
    """The (country, admin1) keys a lesser place votes for, with the place's name; () if famous."""
    cands = reading.candidates
    if (
        reading.has_country
        or any(cands[i].prior >= FAMOUS or cands[i].weak != STRONG for i in reading.main)
        or not reading.main
    ):
        return ()  # famous, or a word or a name that may be no place at all
    return tuple(
        (key, cand.name) for cand, key in zip(cands, reading.admin1_keys, strict=True) if key[1]
    )


def prefer_home_region(spans: list[Span]) -> None:
    """Move a lone famous place to its namesake in the state the article's lesser places share.

    This runs after the choices: it only overrides a famous city or capital ("Alexandria" as
    Egypt's) where the article names no other place of that country and two or more lesser
    places agree on one state ("Osakis", "Douglas County": Minnesota).
    """
    lone = [
        span
        for span in spans
        if (chosen := span.chosen) is not None
        and chosen.prior >= FAMOUS
        and (chosen.kind == "place" or chosen.method == "capital")
        and len(span.reading.admin1_key_set) > 1
    ]
    if not lone:
        return  # no famous place with a namesake: nothing to move
    region = _home_region(spans)
    if region is None:
        return
    key = region[0]
    for span in lone:
        chosen = span.chosen
        if chosen is None or chosen.country_code == key[0]:
            continue
        local = [c for c, k in zip(span.candidates, span.reading.admin1_keys, strict=True)
                 if k == key]  # fmt: skip
        if local:
            span.chosen = max(local, key=lambda c: c.prior)


def _home_region(spans: list[Span]) -> tuple[tuple[str, str], set[str]] | None:
    """The one state or province that two or more of the article's lesser places share.

    Local news names small towns ("St. Cloud", "Douglas County"): where they agree on one state,
    that state backs its namesake of a famous place ("Alexandria", Minnesota, not Egypt). Famous
    names (countries, cities of a million) do not vote: their small namesakes are everywhere.
    """
    votes: dict[tuple[str, str], dict[str, str]] = {}  # key -> place name -> surface
    voters = 0
    for span in spans:
        ballot = _BALLOTS.get(span.surface)
        if ballot is None:
            ballot = _BALLOTS[span.surface] = _ballot(span.reading)
        if ballot:
            voters += 1
            for key, name in ballot:  # "St. Paul" and "Saint Paul" are one place: one vote
                votes.setdefault(key, {}).setdefault(name, span.surface)
    if voters < 2:
        return None
    if not votes:
        return None
    ranked = sorted(votes.items(), key=lambda kv: -len(kv[1]))
    (code, admin1), names = ranked[0]
    if len(names) < 2 or (len(ranked) > 1 and len(ranked[1][1]) == len(names)):
        return None
    abroad: dict[str, set[str]] = {}  # country -> surfaces that can only be that country
    for span in spans:
        other = span.reading.country_code
        if other is not None and other != code:
            abroad.setdefault(other, set()).add(span.surface)
    if any(len(surfaces) >= 2 for surfaces in abroad.values()):
        return None  # a story about another country: its places are no local news
    return (code, admin1), set(names.values())


# Countries whose states news in any language names bare ("Texas"); a language's own countries'
# states count too ("Bayern", "Île-de-France")
_CROSSING_DIVISIONS = frozenset({"US", "CA", "AU", "IN", "CN", "BR", "MX"})
_FOREIGN: dict[tuple[str, str], Reading | None] = {}  # by (language, surface)


def _foreign_reading(ex: Any, gaz: Gazetteer, lang: str, reading: Reading) -> Reading | None:
    """An English gazetteer name as read in language `lang`, or None if it does not cross.

    Countries, capitals, cities of 100,000+ people and states of big federations (or of the
    language's own countries) cross. Being an English word ("Berlin", "Nice") is no weakness in
    another language, whose own common words the compiled block list keeps out; a town named
    like a person still needs support, unless it lies in the language's own countries ("Lyon").
    """
    key = (lang, reading.surface)
    if key in _FOREIGN:
        return _FOREIGN[key]
    home = HOME.get(lang, ())
    cands = tuple(
        dataclasses.replace(c, weak=STRONG)
        if c.weak == COMMON_WORD or (c.weak == NAME_LIKE and c.country_code in home)
        else c
        for c in reading.candidates
    )
    crosses = any(
        c.kind == "country"
        or (
            c.weak in (STRONG, NAME_LIKE)  # a town named like a person still needs support
            and (
                (c.method == "city" and c.prior >= ex.SMALL_CITY)
                or (
                    c.method == "division"
                    and (c.country_code in _CROSSING_DIVISIONS or c.country_code in home)
                )
            )
        )
        for c in cands
    )
    found = _FOREIGN[key] = ex._read(gaz, reading.surface, cands) if crosses else None
    return found


_LOCAL_READINGS: dict[tuple[tuple[str, int], str], Reading] = {}


def with_local_names(
    gaz: Gazetteer, lang: str, spans: list[Span], texts: dict[Field, str]
) -> list[Span]:
    """The English spans that cross into `lang`, merged with the names of `lang` itself.

    Where two overlap the longer wins, and the language's own reading on a tie.
    """
    from transforms import mentions as ex  # the extractor's spans and readings (see above)

    blocked = blocked_english(lang)
    merged = []
    for s in spans:
        if s.surface in blocked:
            continue
        reading = _foreign_reading(ex, gaz, lang, s.reading)
        if reading is None:
            continue
        text = texts[s.field]
        if reading.given_name and ex._NEXT_WORD.match(text, s.end):
            continue  # "Jordan Bardella", "Chad Morgan": a person
        if reading.site and s.start > 1 and text[s.start - 1] == " ":
            before = ex._capitalized_before(text, s.start) if text[s.start - 2].isalpha() else -1
            if before >= 0 and text[before : s.start - 1] in ex._CLUB_PREFIXES:
                continue  # "Real Madrid", "Inter Mailand": a club
        s.reading, s.candidates = reading, reading.candidates
        merged.append((0 if s.field == "title" else 1, s.start, s.start - s.end, 0, s))
    for order, field in enumerate(("title", "body")):
        for m in find_local(lang, texts[field], gaz.country_names):  # type: ignore[arg-type]
            key = (m.key, m.surface)
            reading = _LOCAL_READINGS.get(key)
            if reading is None:
                reading = _LOCAL_READINGS[key] = ex._read(gaz, m.surface, m.candidates)
            span = ex._Span(field, m.start, m.end, m.surface, m.candidates, reading)
            # On a tie the language's own reading wins ("México" is no state in Spanish news,
            # "Brest" in French news is the French port)
            merged.append((order, m.start, m.start - m.end, -1, span))
    merged.sort(key=lambda t: t[:4])
    kept: list[Span] = []
    for _, _, _, _, span in merged:
        last = kept[-1] if kept else None
        if last is not None and last.field == span.field and span.start < last.end:
            continue
        kept.append(span)
    return kept
