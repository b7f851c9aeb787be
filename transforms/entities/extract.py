"""Persons and organizations of one article, by rules over capitalized spans and word lists.

Two passes over the article's title and body together:

1. Every candidate piece (see candidates.py) is classified on its own evidence (rules.py): a
   known organization or an organization word ("Ministry", "Party", "Inc."); a title or honorific
   before a name ("Foreign Minister Takeshi Iwaya", "Mr. Park"); a given name first ("Christopher
   Landau"); a family name written first ("Park Yoon-joo"); initials, a known surname last, or a
   name's shape. A piece the geoparser read as a country or place is no entity, nor is the
   outlet's own name: those checks, which depend on the article, are made here.
2. What is left is resolved against what the article established: a lone "Landau" or "Mr. Park"
   is the full name written elsewhere in the article (before or after), an acronym the article
   defined ("Liberal Democratic Party (LDP)") is that organization.

No model, no network: lookups are hashes into the lists of lexicons.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from transforms.entities.candidates import CONNECTORS, Piece, Token, pieces, sentence_initial
from transforms.entities.lexicons import (
    SURNAME_FIRST,
    Lexicons,
    load_lexicons,
)
from transforms.entities.names import organization_name, person_name
from transforms.entities.rules import (
    MAYBE_ACRONYM,
    NOTHING,
    ORG,
    PERSON,
    TITLED,
    initials_match,
    plan_for,
)
from transforms.records import Entity, Field, Mention

_ACRONYM_AFTER = re.compile(r" \(([A-Z][A-Za-z&]{1,9})\)")


@dataclass(slots=True)
class _Found:
    kind: str
    tokens: list[Token]
    field: Field
    method: str
    name: str


@dataclass(slots=True)
class _Article:
    """What pass 1 learned, for pass 2 to resolve short forms with."""

    found: list[_Found]
    pending: list[tuple[Field, list[Token], bool]]  # (field, tokens, titled)
    # Each field's lone words, for pass 2; known organizations among them are pass 1's.
    lone: list[tuple[Field, list[tuple[str, int, int]]]]
    short_forms: dict[str, str]  # "Landau" -> "Christopher Landau"
    acronyms: dict[str, str]  # "LDP" -> "Liberal Democratic Party"
    full_names: dict[str, str]  # casefolded full name -> canonical (for capitals-only headlines)
    # English or undeclared: only then is a run of non-dictionary capitalized words a name by
    # its shape (German capitalizes every noun, and the dictionary is English).
    english: bool = True
    place_starts: frozenset[tuple[str, int]] = frozenset()  # (field, start) of every mention


def extract_entities(title: str, body: str, mentions: Sequence[Mention] = (),
                     language: str | None = None, source: str | None = None) -> list[Entity]:
    """Every person and organization named in an article, title first, in text order.

    `mentions` are the geoparser's decisions for the same article: a span it read as a country
    or place is no person or organization. `source` is the outlet, which is not counted as an
    organization of its own articles. The word lists are written for English-language news; in
    another `language` only names and titles shared with English are found, and a run of
    capitalized words is not taken for a name by its shape alone.
    """
    lex = load_lexicons()
    places = {(m.field, m.start, m.end) for m in mentions}
    outlet = _outlet_forms(source)
    state = _Article([], [], [], {}, {}, {}, language in (None, "en"),
                     frozenset((m.field, m.start) for m in mentions))
    texts: dict[Field, str] = {"title": title, "body": body}
    shouted: list[tuple[Field, list[Piece]]] = []
    orgs = lex.orgs
    for field_name, text in texts.items():
        if not text:
            continue
        singles, found = pieces(text, lex)
        if not _all_capitals(text):
            covered = _known_with_lowercase(text, field_name, singles, found, lex, state)
            if covered:
                found = [p for p in found if not _inside(p.start, p.end, covered)]
                singles = [s for s in singles if not _inside(s[1], s[2], covered)]
        if _all_capitals(text):
            shouted.append((field_name, [Piece([Token(*s)], False) for s in singles] + found))
            continue
        for piece in found:
            _classify(piece, field_name, text, lex, places, outlet, state)
        # Alone, a word is a known organization, a place, or (pass 2) a short form.
        state.lone.append((field_name, singles))
        for word, start, end in singles:
            known = orgs.get(word)
            if known is not None and (field_name, start, end) not in places \
                    and word.casefold() not in outlet:
                state.found.append(_Found("organization", [Token(word, start, end)], field_name,
                                          "lexicon", known))
    _resolve(state, lex, places)
    for field_name, found in shouted:
        _resolve_shouted(found, field_name, state, lex)
    entities: dict[tuple[str, int], Entity] = {}
    for f in state.found:
        start, end = f.tokens[0].start, f.tokens[-1].end
        # A defined acronym is found both by its definition and as a word: keep the first.
        key = (f.field, start)
        if key not in entities:
            entities[key] = _entity(f.kind, f.name, texts[f.field][start:end], f.field, start,
                                    end, f.method)
    return sorted(entities.values(), key=_text_order)


def _text_order(entity: Entity) -> tuple[bool, int]:
    return entity.field != "title", entity.start


# Entity is a frozen dataclass, whose __init__ sets each field through object.__setattr__ (a
# type lookup and an argument tuple per field): a few articles' worth of records cost more than
# their classification. Its slots' own setters do the same work directly, about twice as fast.
# The field list is checked here so that a new field fails at import, not with half a record.
if Entity.__slots__ != ("kind", "name", "surface", "field", "start", "end", "method"):
    raise ImportError("transforms.records.Entity changed: update extract._entity")
_NEW = object.__new__
_SET_KIND, _SET_NAME, _SET_SURFACE, _SET_FIELD, _SET_START, _SET_END, _SET_METHOD = (
    getattr(Entity, name).__set__ for name in Entity.__slots__)


def _entity(kind: str, name: str, surface: str, field: str, start: int, end: int,
            method: str) -> Entity:
    """Entity(kind, name, surface, field, start, end, method), built faster (see above)."""
    entity = _NEW(Entity)
    _SET_KIND(entity, kind)
    _SET_NAME(entity, name)
    _SET_SURFACE(entity, surface)
    _SET_FIELD(entity, field)
    _SET_START(entity, start)
    _SET_END(entity, end)
    _SET_METHOD(entity, method)
    return entity


def _known_with_lowercase(text: str, field: Field, singles: list[tuple[str, int, int]],
                          found: list[Piece], lex: Lexicons,
                          state: _Article) -> list[tuple[int, int]]:
    """Known organizations whose names hold a lowercase word ("Food and Drug Administration"),
    by substring search, only for those whose first capitalized word the text has: the spans
    they cover."""
    covered: list[tuple[int, int]] = []
    keys = lex.orgs_with_lowercase_keys
    if keys.isdisjoint([word for word, _, _ in singles]) and keys.isdisjoint(
            [word for piece in found for word in piece.words]):
        return covered  # nearly every text: none of their first words
    seen = {word for word, _, _ in singles}
    for piece in found:
        seen.update([t.text for t in piece.tokens])
    for key, form, name in lex.orgs_with_lowercase:
        if key not in seen:
            continue
        at = text.find(form)
        while at >= 0:
            end = at + len(form)
            if (not _inside(at, end, covered) and (at == 0 or not text[at - 1].isalnum())
                    and (end == len(text) or not text[end].isalnum())):
                covered.append((at, end))
                state.found.append(_Found("organization", [Token(form, at, end)], field,
                                          "lexicon", name))
            at = text.find(form, end)
    return covered


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e or start < e and s < end for s, e in spans)


def _outlet_forms(source: str | None) -> frozenset[str]:
    if not source:
        return frozenset()
    folded = source.casefold().strip()
    return frozenset((folded, folded.removeprefix("the ")))


def _all_capitals(text: str) -> bool:
    """A headline written in capitals throughout: its capitals say nothing about names."""
    sample = text[:300]
    return sample.isupper()  # cased characters, none of them lowercase


def _classify(piece: Piece, field: Field, text: str, lex: Lexicons,
              places: set[tuple[str, int, int]], outlet: frozenset[str],
              state: _Article) -> None:
    """Pass 1 for one piece: record what its own words prove, queue the rest for pass 2."""
    tokens = piece.tokens
    if len(tokens) == 1:
        # Alone, a word is a known organization, a place, or (pass 2) a short form.
        token = tokens[0]
        if (field, token.start, token.end) in places:
            return
        known = lex.orgs.get(token.text)
        if known is not None and token.text.casefold() not in outlet:
            _add_org(tokens, field, known, "lexicon", text, state)
            return
        state.pending.append((field, tokens, False))
        return
    if (field, piece.start, piece.end) in places:
        return
    if _org_or_person(tokens, field, text, lex, places, outlet, state, piece.words):
        return
    if (piece.initial and len(tokens) > 1 and tokens[0].text.lower() in lex.common
            and sentence_initial(text, piece.start)):
        # "Yesterday Christopher Landau ...": the sentence's first word is no part of the name.
        rest = tokens[1:]
        while rest and rest[0].text in CONNECTORS:
            rest = rest[1:]
        if rest and _org_or_person(rest, field, text, lex, places, outlet, state):
            return
    state.pending.append((field, tokens, False))


def _org_or_person(tokens: list[Token], field: Field, text: str, lex: Lexicons,
                   places: set[tuple[str, int, int]], outlet: frozenset[str],
                   state: _Article, words: tuple[str, ...] = ()) -> bool:
    """Classify a run of tokens on its own evidence; False when it proves nothing.

    What the words alone decide is memoized per process (`_plan`): news names the same people
    and bodies again and again, so most runs are decided by one dict lookup. What depends on the
    article (places, the outlet, an acronym defined after the run) is checked here each time.
    """
    if (field, tokens[0].start, tokens[-1].end) in places:
        return True  # a place: settled, and no entity
    if not words:  # a part of a piece: its words were not cut out beforehand
        words = tuple([t.text for t in tokens])
    plan = plan_for(words, lex)
    kind = plan[0]
    if outlet and kind != NOTHING and " ".join(words).casefold() in outlet:
        return True
    if kind == ORG:
        if plan[2] == "suffix" and _ends_in_place(tokens, field, places, lex):
            return False  # "Jewish West Bank": the head word belongs to a place's name
        _add_org(tokens, field, plan[1], plan[2], text, state)
        return True
    if kind == PERSON:
        starts = state.place_starts
        # A place begins inside the run ("Arab East Jerusalem", "Lebed Chechnya"); a given name
        # may itself be a place's ("Jordan Henderson"), so for that rule the first word is free.
        if (plan[2] in _NEEDS_NO_PLACE and (
                not starts.isdisjoint([(field, t.start) for t in tokens])
                or plan[2] == "shape" and not state.english)) or (
                plan[2] == "given_name"
                and not starts.isdisjoint([(field, t.start) for t in tokens[1:]])):
            return _acronym_defined(tokens, words, field, text, state)
        _add_person(tokens, field, plan[2], state, plan[1], family_first=plan[3])
        return True
    if kind == TITLED:
        begin, after = plan[2], plan[3]
        if begin:
            _org_or_person(tokens[:begin], field, text, lex, places, outlet, state)
        name = tokens[after:]
        if (field, name[0].start, name[-1].end) in places:
            return True
        if len(name) == 1:
            state.pending.append((field, name, True))
        else:
            _add_person(name, field, "title", state, person_name([t.text for t in name]))
        return True
    if kind == MAYBE_ACRONYM:
        return _acronym_defined(tokens, words, field, text, state)
    return False


_NEEDS_NO_PLACE = frozenset(("initials", "surname", "shape"))


def _ends_in_place(tokens: list[Token], field: Field, places: set[tuple[str, int, int]],
                   lex: Lexicons) -> bool:
    """Whether the run ends in a place whose name holds the organization word ("West Bank")."""
    end = tokens[-1].end
    for index in range(1, len(tokens)):
        if (field, tokens[index].start, end) in places:
            rest = [t.text for t in tokens[index:]]
            return rest[-1] in lex.org_suffixes or not lex.org_heads.isdisjoint(rest)
    return False


def _acronym_defined(tokens: list[Token], words: tuple[str, ...], field: Field, text: str,
                     state: _Article) -> bool:
    """A run the article itself defines an acronym for ("Kurdistan Workers' Party (PKK)")."""
    acronym = _ACRONYM_AFTER.match(text, tokens[-1].end)
    if acronym and initials_match(acronym.group(1), words):
        _add_org(tokens, field, organization_name(" ".join(words)), "acronym", text, state)
        return True
    return False


def _add_org(tokens: list[Token], field: Field, name: str, method: str, text: str,
             state: _Article) -> None:
    if tokens[0].text == "The":
        tokens = tokens[1:]
        if not tokens:
            return
    state.found.append(_Found("organization", tokens, field, method, name))
    acronym = _ACRONYM_AFTER.match(text, tokens[-1].end)
    if acronym and len(tokens) > 1:
        short = acronym.group(1)
        state.acronyms.setdefault(short, name)
        start = acronym.start(1)
        state.found.append(_Found("organization", [Token(short, start, start + len(short))],
                                  field, "acronym", name))


def _add_person(tokens: list[Token], field: Field, method: str, state: _Article, name: str,
                *, family_first: bool = False) -> None:
    words = [t.text for t in tokens]
    state.found.append(_Found("person", tokens, field, method, name))
    state.full_names.setdefault(name.casefold(), name)
    short = words[-1]
    if short in ("Jr.", "Sr.", "II", "III") and len(words) > 2:
        short = words[-2]
    if family_first or words[0] in SURNAME_FIRST:
        # "Park Yoon-joo" is "Park" later on; the last word stays a short form too, since
        # some papers write such names given name first.
        state.short_forms.setdefault(words[0], name)
    state.short_forms.setdefault(short, name)


def _resolve(state: _Article, lex: Lexicons, places: set[tuple[str, int, int]]) -> None:
    """Pass 2: short forms and acronyms that only the rest of the article explains."""
    short_forms, acronyms, found = state.short_forms, state.acronyms, state.found
    orgs = lex.orgs
    for field, singles in state.lone:
        for word, start, end in singles:
            if word in short_forms:
                if (field, start, end) not in places and word not in orgs:
                    found.append(_Found("person", [Token(word, start, end)], field,
                                        "coreference", short_forms[word]))
            elif word in acronyms and word not in orgs:
                found.append(_Found("organization", [Token(word, start, end)], field, "acronym",
                                    acronyms[word]))
    for field, tokens, titled in state.pending:
        if len(tokens) == 1:
            word = tokens[0].text
            if (field, tokens[0].start, tokens[0].end) in places:
                continue
            if word in acronyms:
                found.append(_Found("organization", tokens, field, "acronym", acronyms[word]))
            elif word in short_forms:
                found.append(_Found("person", tokens, field, "coreference", short_forms[word]))
            elif titled and not word.isupper() and word not in lex.countries:
                found.append(_Found("person", tokens, field, "title", person_name([word])))
            continue
        # A longer run nothing explained ("Park Goes To Washington" in a title-case headline):
        # its words may still be short forms of the article's people.
        for token in tokens:
            word = token.text
            if word in short_forms and (field, token.start, token.end) not in places:
                found.append(_Found("person", [token], field, "coreference", short_forms[word]))
            elif word in acronyms:
                found.append(_Found("organization", [token], field, "acronym", acronyms[word]))


def _resolve_shouted(found: list[Piece], field: Field, state: _Article, lex: Lexicons) -> None:
    """A capitals-only headline: only names the article writes elsewhere, or known bodies."""
    short = {k.casefold(): v for k, v in state.short_forms.items()}
    acronyms = state.acronyms
    for piece in found:
        tokens = piece.tokens
        surface = " ".join(t.text for t in tokens)
        folded = surface.casefold()
        if folded in state.full_names:
            state.found.append(_Found("person", tokens, field, "coreference",
                                      state.full_names[folded]))
            continue
        known = lex.orgs_folded.get(folded)
        if known is not None and len(folded) > 2 and folded not in lex.common:
            state.found.append(_Found("organization", tokens, field, "lexicon", known))
            continue
        for token in tokens:
            word = token.text.casefold()
            if word in short and word not in lex.common:
                state.found.append(_Found("person", [token], field, "coreference", short[word]))
            elif token.text in acronyms:
                state.found.append(_Found("organization", [token], field, "acronym",
                                          acronyms[token.text]))
