"""Article text -> IPTC Media Topic scores, from a curated weighted lexicon and optional weak model.

The lexicon lives in `transforms/data/topics/NN-*.txt` (NN = the top-level Media Topic number), one
`weight term` per line. A term is a word or a phrase; a trailing `*` matches any word that starts
with the last word ("elect*" is not used: it would match "electric"), and a leading `*` any word
that ends with the first, which is how compounds are caught in German and Dutch ("*streik"
matches "Streik" and "Warnstreik"; "*wahl*" anything containing "wahl"). Text and terms are
lower-cased and split into runs of ASCII letters and digits, so "fly-half" in the lexicon matches
"fly-half", "fly half" and "Fly-Half" in an article.

Languages: `transforms/data/topics/<code>/NN-*.txt` holds a lexicon of the same form for each
language in `LEXICON_LANGUAGES` (German, French, Spanish, Portuguese, Italian, Dutch), and
`score_topics(..., language=code)` scores an article in one of them with that lexicon plus the
English entity lists and `shared/` (names of clubs, companies, platforms and institutions read the
same in every language); English common words are left out, as many are other languages' everyday
words (German "war" = "was", French "but" = "goal"). For these languages accents are folded away
on both sides ("Fußball" -> "fussball", "élection" -> "election"), so a term matches with or
without them. Any other language, or none, gets the English lexicon, as before.

All terms are matched in one Aho-Corasick pass; at any position the longest term wins, so "prime
minister" counts once, not also as "minister". Each topic's raw evidence is the sum, over terms
found, of `weight * (1 + ln(count))`, where a word in the title counts `TITLE_WEIGHT` times. Topics
are ranked by raw evidence. The 0..1 score is `confidence * raw / raw_of_best`, where
`confidence = 1 - exp(-raw_of_best / SATURATION)` says how much topical vocabulary the article has
at all. Rows with a score below `SCORE_THRESHOLD` are dropped, except rank 1, so any article with
text gets at least one row (`FALLBACK_CODE` with score 0 when no term matched at all).

`train_topic_model` learns extra word weights by weak supervision: it labels a corpus with the
lexicon, keeps the articles the lexicon is sure about, and gives each frequent word the topic whose
articles it is most over-represented in (a smoothed log-odds ratio). Passing that model to
`score_topics` ranks topics by a mix of the two evidence shares (`MODEL_SHARE`), and the method
column says "lexicon+model". No labelled data is involved; no model ships with newsmill.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from pathlib import Path

import ahocorasick_rs as ac

from transforms.records import TopicScore

TOPIC_LABELS: dict[str, str] = {
    "medtop:01000000": "arts, culture, entertainment and media",
    "medtop:02000000": "crime, law and justice",
    "medtop:03000000": "disaster, accident and emergency incident",
    "medtop:04000000": "economy, business and finance",
    "medtop:05000000": "education",
    "medtop:06000000": "environment",
    "medtop:07000000": "health",
    "medtop:08000000": "human interest",
    "medtop:09000000": "labour",
    "medtop:10000000": "lifestyle and leisure",
    "medtop:11000000": "politics",
    "medtop:12000000": "religion",
    "medtop:13000000": "science and technology",
    "medtop:14000000": "society",
    "medtop:15000000": "sport",
    "medtop:16000000": "conflict, war and peace",
    "medtop:17000000": "weather",
}
TOPIC_CODES: tuple[str, ...] = tuple(TOPIC_LABELS)
_TOPICS = tuple(TOPIC_LABELS.items())  # (code, label) by topic index
_TOPIC_INDEXES = range(len(TOPIC_CODES))

SCORE_THRESHOLD = 0.25  # rows below this score are dropped (rank 1 is always kept)
TITLE_WEIGHT = 3  # a title word counts as this many body words
SATURATION = 12.0  # raw evidence at which confidence reaches 1 - 1/e
MODEL_SHARE = 0.5  # weight of the weak model's evidence when a model is given
FALLBACK_CODE = "medtop:08000000"  # rank 1 for text with no topical words at all (score 0)

LEXICON_DIR = Path(__file__).parent / "data" / "topics"
LEXICON_LANGUAGES = ("de", "fr", "es", "pt", "it", "nl")  # each has LEXICON_DIR / code
ENTITY_FILES = "[0-9][0-9]-*-entities.txt"  # English lists of names, shared by every language
# Names written alike in the six languages but kept out of English lists (platforms, parties of
# German-speaking countries, league names): LEXICON_DIR / SHARED_DIR, for the six only.
SHARED_DIR = "shared"
_MIN_PREFIX = 3
# Between the body and the title in a haystack. It is not a word character, so no term can match
# across it, and as a pattern of its own it marks in the match list where the title's hits begin.
_TITLE_MARK = "|"

Entries = tuple[tuple[int, float], ...]  # (topic index, weight) pairs
# words, last word is a prefix, weight, topic, first word is a suffix (the end of a compound)
Term = tuple[tuple[str, ...], bool, float, int, bool]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The parsed lexicon as one Aho-Corasick automaton over spaced-out words.

    Text is matched in the form `" w1  w2  w3 "`: every word keeps one space on each side, so an
    exact term is `" word "`, a prefix term `" prefix"` and a phrase `" w1  w2 "`, and neither
    word boundaries nor punctuation need checking after the match.
    """

    patterns: tuple[str, ...]
    entries: tuple[Entries, ...]  # per pattern, the topic weights (prefix terms merged in)
    automaton: ac.AhoCorasick  # the patterns and `_TITLE_MARK`; reports matches as pattern strings
    weights: dict[str, Entries] = field(compare=False, repr=False)  # pattern -> its entries
    terms: tuple[Term, ...] = field(default=(), repr=False)  # the source, to extend with a model
    with_model: bool = False  # entries with index >= 17 are a weak model's (index - 17)

    @property
    def term_count(self) -> int:
        return len(self.patterns)


@dataclass(frozen=True, slots=True)
class TopicModel:
    """Word weights learned by weak supervision; see `train_topic_model`."""

    weights: dict[str, tuple[int, float]]  # word -> (topic index, weight) of its strongest topic
    documents: int  # articles seen
    labelled: tuple[int, ...]  # per topic, articles the lexicon labelled with confidence


def _merge(entries: dict[int, float], more: Entries) -> None:
    """Keep the largest weight per topic when several terms match the same words."""
    for index, weight in more:
        if weight > entries.get(index, 0.0):
            entries[index] = weight


def parse_lexicon_lines(lines: Iterable[str], topic_index: int, source: str) -> list[Term]:
    """Parse `weight term` lines into (words, last_is_prefix, weight, topic index,
    first_is_suffix) tuples."""
    terms: list[Term] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        weight_text, _, term = line.partition(" ")
        try:
            weight = float(weight_text)
        except ValueError as err:
            raise ValueError(f"{source}:{number}: weight {weight_text!r} is not a number") from err
        term = term.strip().lower()
        is_prefix, is_suffix = term.endswith("*"), term.startswith("*")
        words = tuple(_folded_latin(term.strip("*")).decode("ascii").split())
        if not words or weight <= 0:
            raise ValueError(f"{source}:{number}: need a positive weight and a term: {line!r}")
        if (is_prefix or is_suffix) and len(words) == 1 and len(words[0]) < _MIN_PREFIX:
            raise ValueError(f"{source}:{number}: prefix or suffix {words[0]!r} is too short")
        terms.append((words, is_prefix, weight, topic_index, is_suffix))
    return terms


def _pattern(words: Sequence[str], is_prefix: bool, is_suffix: bool = False) -> str:
    return ("" if is_suffix else " ") + "  ".join(words) + ("" if is_prefix else " ")


def build_lexicon(
    terms: Sequence[Term], learned: dict[str, tuple[int, float]] | None = None
) -> Lexicon:
    """Compile terms (and a weak model's words) into one automaton.

    A pattern inherits the weights of the prefix terms it extends, so that the longest match at a
    position, which is the only one the automaton reports, carries everything that matched there.
    """
    weights: dict[str, dict[int, float]] = {}
    for words, is_prefix, weight, index, is_suffix in terms:
        _merge(weights.setdefault(_pattern(words, is_prefix, is_suffix), {}), ((index, weight),))
    for word in learned or ():
        weights.setdefault(_pattern((word,), False), {})
    prefix_patterns = {p for p in weights if not p.endswith(" ")}
    patterns = tuple(sorted(weights))
    entries: list[Entries] = []
    for pattern in patterns:
        merged = dict(weights[pattern])
        for end in range(_MIN_PREFIX + 1, len(pattern)):
            shorter = pattern[:end]
            if shorter in prefix_patterns:
                _merge(merged, tuple(weights[shorter].items()))
        word = pattern.strip()
        if learned and pattern.endswith(" ") and word in learned:
            index, weight = learned[word]
            merged[len(TOPIC_CODES) + index] = weight
        entries.append(tuple(sorted(merged.items())))
    automaton = ac.AhoCorasick(
        [*patterns, _TITLE_MARK],
        matchkind=ac.MatchKind.LeftmostLongest,
        store_patterns=True,  # so matches come back as these very pattern strings, no tuples
        # A full DFA scans faster only while its ~5 MB stay in cache, which in ingest they do not.
        implementation=ac.Implementation.ContiguousNFA,
    )
    weights_of = dict(zip(patterns, entries, strict=True))
    return Lexicon(patterns, tuple(entries), automaton, weights_of, tuple(terms), bool(learned))


def _read_terms(paths: Iterable[Path]) -> list[Term]:
    terms: list[Term] = []
    for path in sorted(paths):
        code = f"medtop:{path.name[:2]}000000"
        if code not in TOPIC_LABELS:
            raise ValueError(f"{path.name}: {code} is not a top-level Media Topic")
        lines = path.read_text(encoding="utf-8").splitlines()
        terms.extend(parse_lexicon_lines(lines, TOPIC_CODES.index(code), path.name))
    return terms


@lru_cache(maxsize=4)
def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Read every `NN-*.txt` lexicon file once per process."""
    terms = _read_terms(directory.glob("[0-9][0-9]-*.txt"))
    if not terms:
        raise FileNotFoundError(f"no lexicon files in {directory}")
    return build_lexicon(tuple(terms))


@lru_cache(maxsize=len(LEXICON_LANGUAGES))
def load_language_lexicon(language: str, directory: Path = LEXICON_DIR) -> Lexicon:
    """One language's lexicon plus the names every language writes alike (the English entity
    lists and `SHARED_DIR`), read once per process."""
    own = _read_terms((directory / language).glob("[0-9][0-9]-*.txt"))
    if not own:
        raise FileNotFoundError(f"no lexicon files in {directory / language}")
    names = _read_terms([*directory.glob(ENTITY_FILES),
                         *(directory / SHARED_DIR).glob("[0-9][0-9]-*.txt")])
    return build_lexicon(tuple(own + names))


# Bytes outside ASCII letters and digits become spaces, and A-Z becomes a-z.
_FOLD = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256)
)


# The only characters outside ASCII whose lower case holds ASCII letters: "İ" -> "i̇", "K" -> "k".
_LOWER_TO_ASCII = ("\u0130", "\u212a")


def _folded(text: str) -> bytes:
    """The lower-cased text as ASCII bytes with a space for every byte but a-z and 0-9.

    `_FOLD` lower-cases A-Z. A non-ASCII character becomes "?", so a space, whether it was
    lower-cased first or not, so the slow `str.lower` of non-ASCII text only runs when the text
    holds one of `_LOWER_TO_ASCII`.
    """
    if text.isascii():
        data = text.encode("ascii")
    elif _LOWER_TO_ASCII[0] in text or _LOWER_TO_ASCII[1] in text:
        data = text.lower().encode("ascii", "replace")
    else:
        data = text.encode("ascii", "replace")
    return data.translate(_FOLD)


# For Latin-script languages: Latin-1 letters with accents fold to their base letter, so "Größe"
# reads "grosse" once "ß" is spelled "ss" (`_folded_latin`); every other byte as in `_FOLD`.
_ACCENTED = {
    "a": "àáâãäåÀÁÂÃÄÅ", "c": "çÇ", "e": "èéêëÈÉÊË", "i": "ìíîïÌÍÎÏ", "n": "ñÑ",
    "o": "òóôõöøÒÓÔÕÖØ", "u": "ùúûüÙÚÛÜ", "y": "ýÿÝ", "s": "ß",
}


def _latin_fold_table() -> bytes:
    table = bytearray(_FOLD)
    for base, letters in _ACCENTED.items():
        for letter in letters:
            table[ord(letter)] = ord(base)
    return bytes(table)


_FOLD_LATIN = _latin_fold_table()
# Letters outside Latin-1 that the six languages write: spelled out before the byte fold.
_SPELLED = (("ß", "ss"), ("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"))


def _folded_latin(text: str) -> bytes:
    """Like `_folded`, but accented Latin letters become their base letter instead of a space.

    One C-level encode and translate, as for ASCII (about 3 us for 3,000 characters); characters
    outside Latin-1 become "?", so a space, unless `_SPELLED` spells them out first.
    """
    if text.isascii():
        return text.encode("ascii").translate(_FOLD)
    for letter, spelled in _SPELLED:
        if letter in text:
            text = text.replace(letter, spelled)
    return text.encode("latin-1", "replace").translate(_FOLD_LATIN)


def spaced_words(text: str) -> str:
    """Lower-cased ASCII words, each with one space on either side: " w1  w2 " ("" if none).

    The same split as `[a-z0-9]+` over the lower-cased text, done with byte-level C calls.
    """
    words = _folded(text).split()
    return (b" " + b"  ".join(words) + b" ").decode("ascii") if words else ""


_MARK_BYTES = _TITLE_MARK.encode("ascii")


def _haystack(title: str, body: str, fold: Callable[[str], bytes] = _folded) -> str:
    """Body and title spaced out in one string, `_TITLE_MARK` between: "  b1  b2  |  t1  ".

    The empty words at the ends give the outer words their spaces; a second space there cannot
    start a term, as every term's space is followed by a letter or digit.
    """
    words = [b"", *fold(body).split(), _MARK_BYTES, *fold(title).split(), b""]
    return b"  ".join(words).decode("ascii")


_TF = (0.0, *(1.0 + math.log(count) for count in range(1, 64)))  # 1 + ln(count), precomputed


def _tf(count: int) -> float:
    return _TF[count] if count < 64 else 1.0 + math.log(count)


def _hits(lexicon: Lexicon, haystack: str) -> Counter[str]:
    """Pattern -> count in a `_haystack`, a title hit counting TITLE_WEIGHT times.

    Body patterns come first, in the order they were first found, then the title's new ones: the
    evidence sums in `_evidence` add up in this order, which fixes their last bits.
    """
    found: list[str] = lexicon.automaton.find_matches_as_strings(haystack)
    mark = found.index(_TITLE_MARK)
    title = found[mark + 1 :]
    del found[mark:]
    if title:
        found += title * TITLE_WEIGHT
    return Counter(found)


def _evidence(lexicon: Lexicon, haystack: str) -> tuple[list[float], list[float]]:
    """Raw lexicon evidence and raw learned evidence per topic, in `TOPIC_CODES` order."""
    topics = len(TOPIC_CODES)
    raw = [0.0] * (2 * topics if lexicon.with_model else topics)
    weights = lexicon.weights
    table = _TF
    for pattern, count in _hits(lexicon, haystack).items():
        factor = table[count] if count < 64 else _tf(count)
        for index, weight in weights[pattern]:
            raw[index] += weight * factor
    if not lexicon.with_model:
        return raw, []
    return raw[:topics], raw[topics:]


def _lexicon_for(
    language: str | None, model: TopicModel | None
) -> tuple[Lexicon, Callable[[str], bytes]]:
    """The lexicon and text fold for an article's language; a weak model extends English only."""
    if language in LEXICON_LANGUAGES:
        return load_language_lexicon(language), _folded_latin
    if model is not None and model.weights:
        return _model_lexicon(model), _folded
    return load_lexicon(), _folded


def lexicon_evidence(title: str, body: str, language: str | None = None) -> list[float]:
    """Raw lexicon evidence per topic, in `TOPIC_CODES` order."""
    lexicon, fold = _lexicon_for(language, None)
    return _evidence(lexicon, _haystack(title, body, fold))[0]


def explain_topics(
    title: str, body: str, language: str | None = None, *, model: TopicModel | None = None
) -> dict[str, list[tuple[str, float]]]:
    """Per topic code, the matched terms and what each added to the raw evidence, largest first."""
    lexicon, fold = _lexicon_for(language, model)
    topics = len(TOPIC_CODES)
    found: dict[str, list[tuple[str, float]]] = {}
    for pattern, count in _hits(lexicon, _haystack(title, body, fold)).items():
        term = " ".join(pattern.split())
        for index, weight in lexicon.weights[pattern]:
            learned = index >= topics
            code = TOPIC_CODES[index - topics if learned else index]
            label = f"{term} (model)" if learned else term
            found.setdefault(code, []).append((label, round(weight * _tf(count), 3)))
    return {code: sorted(terms, key=lambda t: (-t[1], t[0])) for code, terms in found.items()}


_model_lexicons: dict[int, tuple[TopicModel, Lexicon]] = {}


def _model_lexicon(model: TopicModel) -> Lexicon:
    """The lexicon extended with a model's words, built once per model object."""
    cached = _model_lexicons.get(id(model))
    if cached is not None and cached[0] is model:
        return cached[1]
    if len(_model_lexicons) >= 4:
        _model_lexicons.clear()
    lexicon = build_lexicon(load_lexicon().terms, model.weights)
    _model_lexicons[id(model)] = (model, lexicon)
    return lexicon


def _shares(raw: list[float]) -> list[float]:
    total = sum(raw)
    return [value / total for value in raw] if total > 0 else raw


def _ranking(raw: list[float], learned: list[float]) -> list[float]:
    """Lexicon evidence alone, or lexicon and model evidence mixed as shares of their totals."""
    if not any(learned):
        return raw
    lexicon_share, model_share = _shares(raw), _shares(learned)
    return [
        (1.0 - MODEL_SHARE) * a + MODEL_SHARE * b
        for a, b in zip(lexicon_share, model_share, strict=True)
    ]


# A share under this rounds (to 4 places) below SCORE_THRESHOLD, so it needs no `round` call.
_SURELY_BELOW = SCORE_THRESHOLD - 1e-4


def score_topics(
    title: str, body: str, language: str | None = None, *, model: TopicModel | None = None
) -> list[TopicScore]:
    """Rank the IPTC top-level topics of one article; rows under SCORE_THRESHOLD are dropped.

    `language` (ISO 639-1) picks the lexicon: one of `LEXICON_LANGUAGES`, else English.
    """
    if not (title.strip() or body.strip()):
        return []
    lexicon, fold = _lexicon_for(language, model)
    raw, learned = _evidence(lexicon, _haystack(title, body, fold))
    best_raw = top = max(raw)  # raw evidence is never negative
    ranking, method = raw, "lexicon"
    if any(learned):
        ranking, method = _ranking(raw, learned), "lexicon+model"
        best_raw, top = max(best_raw, max(learned)), max(ranking)
    if top <= 0.0:
        return [TopicScore(FALLBACK_CODE, TOPIC_LABELS[FALLBACK_CODE], 0.0, 1, "fallback")]
    confidence = 1.0 - math.exp(-best_raw / SATURATION)
    # Best first; the sort is stable, so ties keep TOPIC_CODES order. Topics with no evidence
    # score 0 and would stop the loop anyway, so they are left out of the sort.
    order = sorted(compress(_TOPIC_INDEXES, ranking), key=ranking.__getitem__, reverse=True)
    rows: list[TopicScore] = []
    for rank, index in enumerate(order, start=1):
        share = confidence * ranking[index] / top
        if rank > 1 and share < _SURELY_BELOW:
            break
        score = round(share, 4)
        if rank > 1 and score < SCORE_THRESHOLD:
            break
        code, label = _TOPICS[index]
        rows.append(TopicScore(code, label, score, rank, method))
    return rows


def train_topic_model(
    texts: Iterable[str | tuple[str, str]],
    *,
    rounds: int = 1,
    min_documents: int = 5,
    min_margin: float = 1.5,
    min_log_odds: float = 1.5,
    max_weight: float = 3.0,
) -> TopicModel:
    """Learn word weights from unlabelled (title, body) pairs or bodies, labelled by the lexicon.

    Each round labels the articles with the lexicon (plus the previous round's model), keeps those
    whose best topic has evidence of at least SATURATION and `min_margin` times the runner-up, and
    gives each word seen in `min_documents` of them its strongest topic by smoothed log-odds.
    """
    docs = [
        (spaced_words(item[0]), spaced_words(item[1]))
        if isinstance(item, tuple)
        else ("", spaced_words(item))
        for item in texts
    ]
    model = TopicModel({}, len(docs), (0,) * len(TOPIC_CODES))
    for _ in range(rounds):
        model = _fit_round(docs, model, min_documents, min_margin, min_log_odds, max_weight)
    return model


def _fit_round(
    docs: list[tuple[str, str]],
    previous: TopicModel,
    min_documents: int,
    min_margin: float,
    min_log_odds: float,
    max_weight: float,
) -> TopicModel:
    lexicon = _model_lexicon(previous) if previous.weights else load_lexicon()
    topics = len(TOPIC_CODES)
    doc_freq: dict[str, list[int]] = {}
    labelled = [0] * topics
    for title_spaced, body_spaced in docs:
        raw, learned = _evidence(lexicon, f"{body_spaced}{_TITLE_MARK}{title_spaced}")
        ranking = _ranking(raw, learned)
        order = sorted(range(topics), key=lambda i: -ranking[i])
        top, second = ranking[order[0]], ranking[order[1]]
        if raw[order[0]] < SATURATION or top < min_margin * second:
            continue
        label = order[0]
        labelled[label] += 1
        for word in set(title_spaced.split()).union(body_spaced.split()):
            if len(word) > 2 and not word.isdigit():
                doc_freq.setdefault(word, [0] * topics)[label] += 1
    total = sum(labelled)
    weights: dict[str, tuple[int, float]] = {}
    for word, freqs in doc_freq.items():
        seen = sum(freqs)
        if seen < min_documents:
            continue
        strongest, strongest_odds = -1, min_log_odds
        for index, inside in enumerate(freqs):
            if labelled[index] == 0 or inside == 0:
                continue
            outside_docs = total - labelled[index]
            p_in = (inside + 0.5) / (labelled[index] + 1.0)
            p_out = (seen - inside + 0.5) / (outside_docs + 1.0)
            log_odds = math.log(p_in / p_out)
            if log_odds >= strongest_odds:
                strongest, strongest_odds = index, log_odds
        if strongest >= 0:
            weights[word] = (strongest, min(max_weight, strongest_odds))
    return TopicModel(weights, len(docs), tuple(labelled))
