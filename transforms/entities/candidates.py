"""Capitalized spans of a text, cut into the pieces that could each be one name.

One compiled regex finds every run of capitalized words (with the few lowercase connectors a name
can hold: "Bank of Japan", "Ursula von der Leyen"); plain Python then cuts each run where a name
cannot continue: at a possessive ("Rubio's"), a month or weekday, a function word, or an "of"
that no organization or title head comes before ("Park of South Korea").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from transforms.entities.lexicons import ADJECTIVE_TAILS, CALENDAR, FUNCTION_WORDS, Lexicons

_UPPER = "".join(chr(c) for c in range(0x250) if chr(c).isupper()) + "\u0391-\u03a9\u0400-\u042f"
# A token is deliberately loose (an uppercase letter, then word characters, apostrophes, dots,
# hyphens and ampersands): a regex whose every match starts with one character class runs about
# fifteen times faster in Python's engine than one that tries alternatives at every position.
# Python then trims what the loose token took too much of (a sentence's full stop).
_WORD = rf"[{_UPPER}][\w'\u2019&.\-]*"
_CONNECTOR = (r"(?:of the|of|for the|for|de la|de los|de|da|dos|das|do|del|della|di|du|van der"
              r"|van den|van|von der|von|der|den|ter|la|le|bin|bint|ibn|y|&)")
# Each optional group first looks at the next character, which must start one of its
# alternatives: after most capitalized words comes a space and a word that starts none of them,
# and the engine would otherwise try the thirty alternatives one by one.
SPANS = re.compile(
    rf"{_WORD}(?: (?:(?=[ofdvtlbiy&]){_CONNECTOR} )?"
    rf"(?:(?=[aeu])(?:al|el|ad|as|ash|ar|an|at|az|abu|ul)-)?{_WORD})*")
# Words whose full stop belongs to them.
ABBREVIATIONS = frozenset(
    [
    "Mr.", "Mrs.", "Ms.", "Dr.", "Sen.", "Rep.", "Gov.", "Gen.", "Col.", "Lt.", "Sgt.", "Capt.",
    "Prof.", "Jr.", "Sr.", "St.", "Inc.", "Corp.", "Co.", "Ltd.", "Cmdr.", "Adm.", "Maj.", "Rev.",
    "Det.", "Mme.", "Bros.", "Dept.", "Pvt.", "Cpl.", "Sra.", "Mt.", "Ft.", "No.", "Ave."
])
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+$")
_POSSESSIVE = ("'s", "\u2019s")
_SKIP = FUNCTION_WORDS | CALENDAR
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
    initial: bool  # first of its run: may start a sentence (see sentence_initial)
    words: tuple[str, ...] = ()  # the tokens' texts (set by `pieces`, from its cache)

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


Single = tuple[str, int, int]  # a lone capitalized word: (word, start, end)


def pieces(text: str, lex: Lexicons) -> tuple[list[Single], list[Piece]]:
    """The candidates of `text` in text order: lone words (most of them, kept as plain tuples
    since this runs for every capitalized word of every article) and longer pieces.

    How a run is cut depends on its words alone, so each distinct run is cut once per process
    and remembered (`_SPLITS`, `_WORDS`). The runs come from `findall` (strings, no match
    objects) and their offsets from `str.find` after the previous run: a run starts at its
    text's first uppercase letter, so its first occurrence from there is where the regex matched.
    """
    singles: list[Single] = []
    found: list[Piece] = []
    add_single, add_piece = singles.append, found.append
    words_seen, splits, find = _WORDS, _SPLITS, text.find
    offset = 0
    for whole in SPANS.findall(text):
        offset = find(whole, offset)
        word = words_seen.get(whole, _UNSEEN)
        if word is not _UNSEEN:
            # A lone word seen before (nearly every match): its trimmed form, or None when
            # it is no candidate. Alone, its sentence position does not matter: a lone word is
            # only ever a short form or a known name.
            if word is not None:
                add_single((word, offset, offset + len(word)))
            offset += len(whole)
            continue
        if " " not in whole:
            if len(words_seen) >= _SPLITS_MAX:
                words_seen.clear()
            word = words_seen[whole] = _lone_word(whole)
            if word is not None:
                add_single((word, offset, offset + len(word)))
            offset += len(whole)
            continue
        split = splits.get(whole)
        if split is None:
            if len(splits) >= _SPLITS_MAX:
                splits.clear()
            split = splits[whole] = _split_run(whole, lex.joins)
        lone, runs = split
        for word, start, end in lone:
            add_single((word, offset + start, offset + end))
        for tokens, initial, words in runs:
            add_piece(Piece([Token(w, offset + a, offset + b) for w, a, b in tokens], initial,
                            words))
        offset += len(whole)
    return singles, found


def _lone_word(whole: str) -> str | None:
    """A run of one word without what it took too much of (a full stop, a possessive): the
    candidate, or None when it is none. It starts where the run starts."""
    last = whole[-1]
    if last == "." and whole not in ABBREVIATIONS and not _INITIALS.match(whole):
        whole = whole[:-1]
        last = whole[-1:]
    if last == "s" and whole.endswith(_POSSESSIVE):
        whole = whole[:-2]
    elif last == "'" or last == "\u2019":  # plural possessive: "the Managers' index"
        whole = whole[:-1]
    if whole not in _SKIP and (whole.isalpha() or whole and not _adjective_or_code(whole)):
        return whole
    return None


_UNSEEN = object()
# Lone words seen before, as `_lone_word` left them (strings or None only).
_WORDS: dict[str, str | None] = {}


# Runs seen before, split the same way again (their words and offsets within the run).
# Values are tuples of strings and ints only, which the garbage collector stops tracking.
_SPLITS: dict[str, tuple[tuple[Single, ...],
                         tuple[tuple[tuple[Single, ...], bool, tuple[str, ...]], ...]]] = {}
_SPLITS_MAX = 200_000


def _split_run(whole: str, joins: frozenset[str]
               ) -> tuple[tuple[Single, ...],
                          tuple[tuple[tuple[Single, ...], bool, tuple[str, ...]], ...]]:
    """Cut a run of several words into lone words and pieces, offsets relative to the run."""
    singles: list[Single] = []
    found: list[Piece] = []
    offset = 0
    current: list[Token] = []
    initial = True
    skip = _SKIP
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
            _close(found, current, initial, singles)
            current, initial = [], False
            continue
        if word in skip or not word.isalpha() and _adjective_or_code(word):
            _close(found, current, initial, singles)
            current, initial = [], False
            continue
        if word in CONNECTORS and (
                not current
                or (word in _HEADED and current[-1].text not in joins)
                or (word == "the" and current[-1].text not in ("of", "for"))):
            _close(found, current, initial, singles)
            current, initial = [], False
            continue
        if word.endswith(_POSSESSIVE) or word[-1] in "'\u2019":
            cut = 1 if word[-1] in "'\u2019" else 2
            token.text, token.end = word[:-cut], end - cut
            if token.text:
                current.append(token)
            _close(found, current, initial, singles)
            current, initial = [], False
            continue
        current.append(token)
    _close(found, current, initial, singles)
    return tuple(singles), tuple((tuple([(t.text, t.start, t.end) for t in p.tokens]), p.initial,
                                  tuple([t.text for t in p.tokens])) for p in found)


def _adjective_or_code(word: str) -> bool:
    """'Boston-based', 'NATO-led' (adjectives), 'Q2', 'F-16', '1996-08-30' (codes, dates): no
    part of a person's or organization's name."""
    if word.isalpha():
        return False  # nearly every word: one C call
    if "-" in word and word.rpartition("-")[2].lower() in ADJECTIVE_TAILS:
        return True
    return _DIGIT.search(word) is not None and word not in _NAMES_WITH_DIGITS


_DIGIT = re.compile(r"\d")


_NAMES_WITH_DIGITS = frozenset(("G7", "G20", "G-7", "G-20", "3M", "7-Eleven", "OPEC+"))


def _close(found: list[Piece], tokens: list[Token], initial: bool,
           singles: list[Single]) -> None:
    """Keep a finished piece, without connectors at either end; a lone word goes to `singles`."""
    while tokens and tokens[-1].text in CONNECTORS:
        tokens.pop()
    while tokens and tokens[0].text in CONNECTORS:
        tokens.pop(0)
        initial = False
    if len(tokens) == 1:
        token = tokens[0]
        if token.text not in _SKIP:
            singles.append((token.text, token.start, token.end))
    elif tokens:
        found.append(Piece(tokens, initial))
