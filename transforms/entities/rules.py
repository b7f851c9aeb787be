"""What a run of capitalized words is, judged by its words alone.

Pure and article-independent, so `plan_for` memoizes it per process: news names the same people
and bodies again and again, and a run seen before costs one dict lookup. What depends on the
article (places, the outlet, acronyms, short forms) is extract.py's business.
"""

from __future__ import annotations

import re

from transforms.entities.candidates import CONNECTORS
from transforms.entities.lexicons import (
    PARTICLES,
    PLACE_WORDS,
    SURNAME_FIRST,
    Lexicons,
)
from transforms.entities.names import organization_name, person_name

_INITIAL = re.compile(r"^(?:[^\W\d_]\.)+$")
ORG, PERSON, TITLED, MAYBE_ACRONYM, NOTHING = range(5)


def plan_for(words: tuple[str, ...], lex: Lexicons) -> tuple:
    """`plan(words)`, remembered."""
    found = _PLANS.get(words)
    if found is None:
        if len(_PLANS) >= _PLANS_MAX:
            _PLANS.clear()
        found = _PLANS[words] = plan(words, lex)
    return found


_PLANS: dict[tuple[str, ...], tuple] = {}
_PLANS_MAX = 200_000  # distinct runs remembered (a few tens of MB at most), then start over


def plan(words: tuple[str, ...], lex: Lexicons) -> tuple:
    """What a run's words alone make of it:
    (ORG, name, method) | (PERSON, name, method, family_first) | (TITLED, "", begin, after)
    | (MAYBE_ACRONYM, "") | (NOTHING, "")."""
    surface = " ".join(words)
    known = lex.orgs.get(surface)
    if known is not None:
        return (ORG, known, "lexicon")
    if not lex.title_heads.isdisjoint(words) or any("-" in w for w in words):
        titled = split_title(words, lex)
        if titled is not None:
            return (TITLED, "", *titled)
    last = words[-1]
    if last in lex.org_suffixes or not lex.org_heads.isdisjoint(words):
        if len(words) == 1:
            return (NOTHING, "")
        return (ORG, organization_name(surface), "suffix")
    if len(words) < 2 or last in PLACE_WORDS:
        return (NOTHING, "")
    first = words[0]
    if "&" in words:
        return (MAYBE_ACRONYM, "")
    names = [w for w in words if w not in PARTICLES]
    # Every word must be able to be part of a name: no title, no all-capital acronym.
    if not lex.title_heads.isdisjoint(names) or any(
            w.isupper() and w not in _NAME_CAPITALS and not _INITIAL.match(w) for w in names):
        return (MAYBE_ACRONYM, "")
    common = lex.common
    if last in lex.demonyms:
        return (MAYBE_ACRONYM, "")  # "Pan American", "Georgia Georgian": no one's name
    if first in SURNAME_FIRST and 2 <= len(names) <= 3 and all(
            w.lower() not in common or "-" in w for w in names[1:]):
        return (PERSON, person_name(list(words)), "lexicon", True)
    if len(names) > 5:
        return (NOTHING, "")
    if first in lex.given and (last.lower() not in common or last in lex.surnames):
        return (PERSON, person_name(list(words)), "given_name", False)
    if len(names) > 3 or last.lower() in common or last in lex.demonyms or (
            last[-1] == "s" and last[:-1].lower() in common):
        return (MAYBE_ACRONYM, "")
    if _INITIAL.match(first):
        # "M. Gatting", "J. K. Rowling": initials then a name.
        return (PERSON, person_name(list(words)), "initials", False)
    if first.lower() not in common and first not in lex.demonyms and (
            last in lex.surnames or (SHAPE_NAMES and _name_shape(names))):
        # A surname we know, or (shape) two or three capitalized words none of which is a
        # dictionary word: in news text such a run is nearly always a person's name.
        method = "surname" if last in lex.surnames else "shape"
        return (PERSON, person_name(list(words)), method, False)
    return (MAYBE_ACRONYM, "")


SHAPE_NAMES = True


def _name_shape(names: list[str]) -> bool:
    return all(w[1:].islower() or "-" in w or "'" in w or w[:2] in ("Mc", "Ma", "De", "Di")
               for w in names)


_NAME_CAPITALS = frozenset(("II", "III", "IV"))


def initials_match(acronym: str, words: tuple[str, ...]) -> bool:
    letters = [w[0] for w in words if w not in CONNECTORS and w[:1].isupper()]
    return len(letters) >= 2 and acronym[0] == letters[0] and acronym[-1] in "".join(letters)


def split_title(tokens: tuple[str, ...], lex: Lexicons) -> tuple[int, int] | None:
    """(end of what comes before the title, start of the name after it), when a title heads a
    name: "Bank of Japan Governor Kazuo Ueda" -> (3, 4)."""
    heads, words = lex.title_heads, lex.title_words
    n = len(tokens)
    for index, token in enumerate(tokens):
        if token not in heads and ("-" not in token or not _hyphenated_title(token, lex)):
            continue
        after = index + 1
        while after < n - 1 and tokens[after] in words and tokens[after] not in (
                lex.given if after > index + 1 else ()):
            after += 1
        name = tokens[after:]
        if not name or not _titled_name(name, lex):
            continue
        begin = index
        while begin > 0 and tokens[begin - 1] in words:
            begin -= 1
        while begin > 0 and tokens[begin - 1] in CONNECTORS:
            begin -= 1
        return begin, after
    return None


def _hyphenated_title(word: str, lex: Lexicons) -> bool:
    if "-" not in word:
        return False
    parts = word.split("-")
    return all(p in lex.title_words for p in parts) and any(p in lex.title_heads for p in parts)


def _titled_name(name: tuple[str, ...], lex: Lexicons) -> bool:
    words = [w for w in name if w not in PARTICLES]
    return (0 < len(words) <= 4 and name[0] not in CONNECTORS
            and words[-1] not in PLACE_WORDS and not any(w in lex.org_heads for w in words)
            and not any(w in lex.title_heads for w in words) and not words[-1].isupper())
