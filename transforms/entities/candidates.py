"""Capitalized spans of a text, cut into the pieces that could each be one name.

One compiled regex finds every run of capitalized words (with the few lowercase connectors a name
can hold: "Bank of Japan", "Ursula von der Leyen"); plain Python then cuts each run where a name
cannot continue: at a possessive ("Rubio's"), a month or weekday, a function word, or an "of"
that no organization or title head comes before ("Park of South Korea").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transforms.entities.lexicons import CALENDAR, FUNCTION_WORDS, Lexicons

_UPPER = "".join(chr(c) for c in range(0x250) if chr(c).isupper()) + "\u0391-\u03a9\u0400-\u042f"
# A token is deliberately loose (an uppercase letter, then word characters, apostrophes, dots,
# hyphens and ampersands): a regex whose every match starts with one character class runs about
# fifteen times faster in Python's engine than one that tries alternatives at every position.
# Python then trims what the loose token took too much of (a sentence's full stop).
_WORD = rf"[{_UPPER}][\w'\u2019&.\-]*"
_CONNECTOR = (r"(?:of the|of|for the|for|de la|de los|de|da|dos|das|do|del|della|di|du|van der"
              r"|van den|van|von der|von|der|den|ter|la|le|bin|bint|ibn|y|&)")
SPANS = re.compile(
    rf"{_WORD}(?: (?:{_CONNECTOR} )?(?:(?:al|el|ad|as|ash|ar|an|at|az|abu|ul)-)?{_WORD})*")
# Words whose full stop belongs to them.
ABBREVIATIONS = frozenset(
    [
    "Mr.", "Mrs.", "Ms.", "Dr.", "Sen.", "Rep.", "Gov.", "Gen.", "Col.", "Lt.", "Sgt.", "Capt.",
    "Prof.", "Jr.", "Sr.", "St.", "Inc.", "Corp.", "Co.", "Ltd.", "Cmdr.", "Adm.", "Maj.", "Rev.",
    "Det.", "Mme.", "Bros.", "Dept.", "Pvt.", "Cpl.", "Sra.", "Mt.", "Ft.", "No.", "Ave."
])
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+$")
_POSSESSIVE = ("'s", "\u2019s")
CONNECTORS = frozenset(_CONNECTOR[3:-1].replace(" ", "|").split("|"))
_HEADED = frozenset(("of", "for", "the"))  # joined only after an organization or title head
_SENTENCE_END = frozenset('.!?\n:;|\u2022\u2014\u2013')
_OPENERS = frozenset(' "\'\u201c\u2018(\t[*')


@dataclass(slots=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(slots=True)
class Piece:
    """A run of capitalized tokens that may be one name; connectors are tokens too."""

    tokens: list[Token]
    initial: bool  # starts a sentence, so its capital says nothing

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


def sentence_initial(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in _OPENERS:
        index -= 1
    return index < 0 or text[index] in _SENTENCE_END


def pieces(text: str, lex: Lexicons) -> list[Piece]:
    """Every candidate piece of `text`, in text order."""
    found: list[Piece] = []
    joins = lex.joins
    for match in SPANS.finditer(text):
        offset = match.start()
        whole = match.group()
        if " " not in whole:
            # One word, the common case: its sentence position does not matter (alone it is
            # only ever a short form or a known name).
            end = offset + len(whole)
            if whole[-1] == "." and whole not in ABBREVIATIONS and not _INITIALS.match(whole):
                whole, end = whole[:-1], end - 1
            if whole.endswith(_POSSESSIVE):
                whole, end = whole[:-2], end - 2
            if whole and whole not in FUNCTION_WORDS and whole not in CALENDAR:
                found.append(Piece([Token(whole, offset, end)], False))
            continue
        current: list[Token] = []
        initial = sentence_initial(text, offset)
        for word in whole.split(" "):
            end = offset + len(word)
            token = Token(word, offset, end)
            offset = end + 1
            if word[-1] == "." and word not in ABBREVIATIONS and not _INITIALS.match(word):
                # The sentence ends here: the word without its full stop closes the piece.
                token.text, token.end = word[:-1], end - 1
                if word.endswith(_POSSESSIVE, 0, -1):
                    token.text, token.end = word[:-3], end - 3
                if token.text:
                    current.append(token)
                _close(found, current, initial)
                current, initial = [], False
                continue
            if word in FUNCTION_WORDS or word in CALENDAR:
                _close(found, current, initial)
                current, initial = [], False
                continue
            if word in CONNECTORS and (
                    not current
                    or (word in _HEADED and current[-1].text not in joins)
                    or (word == "the" and current[-1].text not in ("of", "for"))):
                _close(found, current, initial)
                current, initial = [], False
                continue
            if word.endswith(_POSSESSIVE):
                token.text, token.end = word[:-2], end - 2
                if token.text:
                    current.append(token)
                _close(found, current, initial)
                current, initial = [], False
                continue
            current.append(token)
        _close(found, current, initial)
    return found


def _close(found: list[Piece], tokens: list[Token], initial: bool) -> None:
    """Keep a finished piece, without connectors at either end."""
    while tokens and tokens[-1].text in CONNECTORS:
        tokens.pop()
    while tokens and tokens[0].text in CONNECTORS:
        tokens.pop(0)
        initial = False
    if tokens:
        found.append(Piece(tokens, initial))
