"""Stories: which articles are copies of one piece, and which wire service a text credits.

Pure functions over texts and numpy arrays; the warehouse stores the signatures and runs the join.

A copy (syndicated, lightly edited, cut, or a lead-only teaser) shares most of its word 4-grams
with the original once boilerplate is gone: credit lines, wire datelines, copyright and newsletter
tails, "ADVERTISEMENT" and "Read more" lines. Two MinHash signatures stand for each text: one over
all its shingles (Jaccard of edited copies), one over its first LEAD_SHINGLES shingles (a teaser
is the original's lead, so the two leads are near-equal even when the full texts are not). LSH
bands over both give candidates; a candidate joins only when verified: Jaccard of the full texts,
or containment of the shorter lead in the longer one over enough shingles that a shared quote
alone cannot pass (see docs/stories.md for how the thresholds were measured).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import rensa

# -- wire services ---------------------------------------------------------------------------------

# Canonical short name -> the names a text credits it by. Short tags (AP, PA, CP, AA, TT) count only
# in the strict forms below (a dateline's parentheses, a credit line of their own), never in prose.
WIRE_NAMES: dict[str, tuple[str, ...]] = {
    "AP": ("AP", "The Associated Press", "Associated Press"),
    "Reuters": ("Reuters", "Thomson Reuters"),
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse"),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "PA": ("PA", "PA Media", "Press Association"),
    "Yonhap": ("Yonhap", "Yonhap News Agency"),
    "Xinhua": ("Xinhua", "Xinhua News Agency"),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Jiji": ("Jiji Press", "Jiji"),
    "ANSA": ("ANSA",),
    "EFE": ("EFE", "Agencia EFE"),
    "Bloomberg": ("Bloomberg", "Bloomberg News"),
    "UPI": ("UPI", "United Press International"),
    "Anadolu": ("Anadolu Agency", "Anadolu", "AA"),
    "TASS": ("TASS", "ITAR-TASS"),
    "Interfax": ("Interfax",),
    "IANS": ("IANS",),
    "PTI": ("PTI", "Press Trust of India"),
    "ANI": ("ANI", "Asian News International"),
    "CP": ("The Canadian Press", "Canadian Press", "CP"),
    "AAP": ("AAP", "Australian Associated Press"),
    "Bernama": ("Bernama",),
    "Antara": ("Antara",),
    "Lusa": ("Lusa",),
    "Europa Press": ("Europa Press",),
    "APA": ("APA", "Austria Presse Agentur"),
    "Belga": ("Belga",),
    "ANP": ("ANP",),
    "NTB": ("NTB",),
    "TT": ("TT",),
    "Ritzau": ("Ritzau",),
    "IRNA": ("IRNA",),
    "WAM": ("WAM",),
    "KCNA": ("KCNA",),
    "Prensa Latina": ("Prensa Latina",),
    "CNA": ("Central News Agency",),
}
# Exact spellings for short tags ("AP", "dpa"); any case for longer names.
_EXACT = {alias: name for name, aliases in WIRE_NAMES.items() for alias in aliases}
_ANY_CASE = {alias.lower(): name for name, aliases in WIRE_NAMES.items() for alias in aliases
             if len(alias) > 4}


def _wire_named(text: str) -> str | None:
    """The wire service a credit names when the credit is only wire names ("AP", "AFP/dpa",
    "The Associated Press"), else None: "Pittsburgh, PA" names a place, not a credit."""
    found = None
    for name in re.split(r"\s*(?:/|,|&|\band\b)\s*", text.strip(" .()[]—–-")):
        name = name.strip(" .")
        if name.lower().startswith("the "):
            name = name[4:]
        wire = _EXACT.get(name) or _ANY_CASE.get(name.lower())
        if wire is None:
            return None
        found = found or wire
    return found


def _wire_in_run(words: list[str]) -> str | None:
    """The first wire service named by a run of up to four consecutive words."""
    for start in range(len(words)):
        for size in range(min(4, len(words) - start), 0, -1):
            wire = _wire_named(" ".join(words[start:start + size]))
            if wire is not None:
                return wire
    return None


_DASH = r"(?:-{1,2}|[—–:])"
# "WASHINGTON (AP) —", "LONDON, March 3 (Reuters) -", "(AFP) -" opening the first paragraph.
_DATELINE = re.compile(rf"[^\n()]{{0,80}}\((?P<wire>[^()\n]{{1,40}})\)\s*{_DASH}")
# A line that is a credit and nothing else: "— AP", "(AFP)", "Source: Reuters", "With AFP".
_CREDIT = re.compile(
    r"[\s(\[—–-]*(?:(?:source|sources|credit|agency|agencies|with|via|from)\b\s*:?\s*)?"
    r"(?P<wire>[A-Za-z][\w .&/,'-]{0,60}?)[\s)\]]*\.?\s*$", re.IGNORECASE)
# "Associated Press writer Jane Doe contributed to this report.": the words before the role.
_CONTRIBUTED = re.compile(
    r"(?P<wire>(?:[A-Z][\w-]*\s+){1,4}?)(?:[a-z]+\s+)?(?:writers?|reporters?|correspondents?|"
    r"journalists?)\b[^\n]{0,120}contributed")
_BYLINE_SPLIT = re.compile(r"[\s,|—–]+")
# The Reuters house tail: "Reporting by X; Editing by Y".
_REUTERS_TAIL = re.compile(r"\(?(?:Additional )?Reporting by [^\n]{2,200};\s*(?:Writing by "
                           r"[^\n]{2,100};\s*)?Editing by ", re.IGNORECASE)
# "© 2025 The Associated Press. All rights reserved.", "Copyright Agence France-Presse".
_COPYRIGHT = re.compile(
    r"(?:©|\([cC]\)|[Cc]opyright)\s*(?:\([cC]\)\s*)?(?:\d{4}\s*)?"
    r"(?P<wire>(?:The )?[A-Za-z][\w-]*(?: [A-Z][\w-]*){0,3})")
# Site chrome that opens a short line, by its first word (a set lookup, so text lines cost one
# split), then the pattern.
_CHROME_WORDS = frozenset((
    "advertisement", "advertising", "sponsored", "story", "read", "related", "recommended",
    "see", "more", "sign", "subscribe", "register", "get", "receive", "follow", "click", "tap",
    "share", "continue", "all", "copyright", "©", "this", "photo", "image", "video", "file",
    "picture", "additional", "reporting", "editing", "writing", "compiled", "by"))
_CHROME = re.compile(
    r"(?:advertisement|advertising|sponsored(?: content)?\W*$|story continues below"
    r"|read (?:more|next|also)\b|related(?: coverage| stories| articles| content)?\s*(?:[:\W]|$)"
    r"|recommended\b|see also\b|more on this story|(?:sign up|subscribe|register)\b"
    r"|(?:get|receive) (?:our|the)\b.{0,80}newsletter|follow (?:us|him|her|them)\b"
    r"|(?:click|tap) here\b|share (?:this|on)\b|continue reading\b|all rights reserved"
    r"|copyright\b|©|this (?:story|article) (?:has been|was) (?:updated|corrected)\b"
    r"|(?:photo|image|video|file photo|picture)\s*(?:credit)?\s*:|(?:additional )?reporting by\b"
    r"|(?:editing|writing|compiled) by\b"
    r"|by [A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}(?:\s*(?:,|\||—|–|and)\s*[\w .'’-]{0,40})?$)",
    re.IGNORECASE)
_LEADING_PUNCT = "\"'“‘([—–-*•· "
# "WASHINGTON (AP) — ", "LONDON, March 3 (Reuters) - ", "BERLIN — " before the first sentence.
_DATELINE_PREFIX = re.compile(
    r"(?:[A-Z][A-Za-z.'’ -]{1,40}(?:,\s*[A-Z][A-Za-z.]{1,20}\.?(?:\s+\d{1,2})?)?\s*"
    r"(?:\([^()\n]{1,40}\))?|\([^()\n]{1,40}\))\s*(?:-{1,2}|[—–])\s+")
_SHORT_LINE = 250  # longer lines are text, whatever they start with
_CREDIT_LINE = 100
_CREDIT_ONLY_LINE = 60  # "Source: Agence France-Presse" and the like
_HEAD_LINES, _TAIL_LINES = 3, 5  # where credits live: the first lines and the last ones


def story_text(title: str, body: str) -> tuple[str, str | None]:
    """The text to compare copies by (`body` without boilerplate) and the wire service it
    credits, in one pass over its lines."""
    lines = [line.strip() for line in body.split("\n")]
    lines = [line for line in lines if line]
    wire: str | None = None
    kept: list[str] = []
    last = len(lines) - 1
    for number, line in enumerate(lines):
        if number == 0:
            found = _DATELINE.match(line)
            if found is not None:
                wire = _wire_named(found["wire"])
        if len(line) <= _SHORT_LINE:
            if number < _HEAD_LINES or number > last - _TAIL_LINES:
                credit = _credit(line)
                if credit is not None:
                    wire = wire or credit
                    continue
            if _is_chrome(line):
                continue
        if not kept and ("—" in line[:90] or "–" in line[:90] or "-" in line[:90]):
            dateline = _DATELINE_PREFIX.match(line)
            if dateline is not None:
                line = line[dateline.end():]
        kept.append(line)
    return "\n".join(kept), wire


def _credit(line: str) -> str | None:
    """The wire service a short line credits, when the line is a credit."""
    if len(line) <= _CREDIT_LINE:
        if line.startswith("By "):  # "By JANE DOE, Associated Press", "By Jane Doe AP Writer"
            wire = _wire_in_run(_BYLINE_SPLIT.split(line[3:].strip()))
            if wire is not None:
                return wire
        elif len(line) <= _CREDIT_ONLY_LINE:
            found = _CREDIT.match(line)
            if found is not None and (wire := _wire_named(found["wire"])):
                return wire
    if "contributed" in line:
        found = _CONTRIBUTED.match(line)
        if found is not None and (wire := _wire_in_run(found["wire"].split())):
            return wire
    if "©" in line or "opyright" in line or "(c)" in line or "(C)" in line:
        for found in _COPYRIGHT.finditer(line):
            words = found["wire"].split()
            # the longest run of words that names a wire service: "The Associated Press"
            for size in range(len(words), 0, -1):
                if wire := _wire_named(" ".join(words[:size])):
                    return wire
    if "diting by" in line and _REUTERS_TAIL.match(line):
        return "Reuters"
    return None


def _is_chrome(line: str) -> bool:
    """A line of site chrome: an ad marker, a "Read more" or sign-up line, a rights tail."""
    head = line.lstrip(_LEADING_PUNCT)
    first = head.split(None, 1)[0].lower() if head else ""
    if first in _CHROME_WORDS and _CHROME.match(head):
        return True
    lowered = line.lower()
    return ("all rights reserved" in lowered
            or ("newsletter" in lowered and len(line) < 200)
            or lowered.endswith(("contributed to this report.", "contributed to this report")))


def wire_service(title: str, body: str) -> str | None:
    """The wire service a text credits (canonical short name, e.g. "AP"), else None.

    Only credits count: a dateline tag, a byline, a credit or "contributed" line, the Reuters
    "Reporting by ...; Editing by ..." tail, a copyright tail, in the first or last lines. Prose
    that names an agency ("Reuters reported", "in AP style") and a state abbreviation ("Harrisburg,
    PA") do not.
    """
    return story_text(title, body)[1]


def strip_boilerplate(body: str) -> str:
    """`body` without credit, dateline, copyright, newsletter and ad lines (one paragraph per
    line: a short line that is only a credit or site chrome goes; the wire dateline before the
    first sentence goes; the text stays)."""
    return story_text("", body)[0]


# -- signatures ------------------------------------------------------------------------------------

SHINGLE_WORDS = 4
NUM_PERM = 128  # full-text signature slots
LEAD_PERM = 32  # lead signature slots
LEAD_SHINGLES = 48  # the lead: this many first shingles (about the first two paragraphs)
SEED = 1801
MAX_TEXT_BYTES = 40_000  # copies are told apart long before this; caps a pathological body
CHUNK_BYTES = 1 << 18  # texts are hashed in chunks of at most this many bytes (see _POWERS)
CHUNK_TEXTS = 256  # ... and at most this many texts
SIGNATURE_BYTES = 4 * (NUM_PERM + LEAD_PERM)
EMPTY_SLOT = np.uint32(0xFFFFFFFF)
# Bytes that belong to words: ASCII letters (lowered) and digits, and every non-ASCII byte (the
# UTF-8 of accented and non-Latin letters; punctuation outside ASCII is rare in copies that
# differ only by it).
_BYTE_MAP = np.zeros(256, dtype=np.uint8)
for _b in range(256):
    _c = chr(_b)
    if _b >= 128 or _c.isdigit() or _c.isalpha():
        _BYTE_MAP[_b] = ord(_c.lower()) if _b < 128 else _b
_BYTE_TABLE = _BYTE_MAP.tobytes()  # the same map for bytes.translate
# Word hashes are polynomial (mod 2**32) over prefix sums; the powers of P and of its inverse are
# computed once per process (2 x 4 MB) rather than per batch.
_P = 0x01000193  # odd, so invertible modulo 2**32
_POWERS = np.cumprod(np.concatenate(([1], np.full(CHUNK_BYTES + MAX_TEXT_BYTES + 1, _P))),
                     dtype=np.uint32)
_INVERSE = np.cumprod(np.concatenate(([1], np.full(CHUNK_BYTES + MAX_TEXT_BYTES + 1,
                                                   pow(_P, -1, 2**32)))), dtype=np.uint32)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F),
        np.uint64(0x165667B19E3779F9), np.uint64(0xD6E8FEB86659FD93))
_FINAL = np.uint64(0xFF51AFD7ED558CCD)


@dataclass(slots=True)
class Signatures:
    """MinHash signatures of a list of texts, row i for text i.

    full: (n, NUM_PERM) uint32 over every shingle; lead: (n, LEAD_PERM) over the first
    LEAD_SHINGLES; shingles: shingles per text (with repeats: the containment estimate's size).
    """

    full: np.ndarray
    lead: np.ndarray
    shingles: np.ndarray  # int32

    def __len__(self) -> int:
        return len(self.shingles)

    def packed(self) -> list[bytes]:
        """One SIGNATURE_BYTES value per text (full then lead slots, little-endian uint32)."""
        return [row.tobytes() for row in self.packed_matrix()]

    def packed_matrix(self) -> np.ndarray:
        """(n, SIGNATURE_BYTES) uint8: the rows `packed` gives, in one buffer."""
        both = np.ascontiguousarray(np.hstack([self.full, self.lead]).astype("<u4"))
        return both.view(np.uint8).reshape(len(both), SIGNATURE_BYTES)

    @classmethod
    def unpack(cls, values: np.ndarray, shingles: np.ndarray) -> Signatures:
        """From an (n, SIGNATURE_BYTES) uint8 array, as `packed` wrote them."""
        both = values.view("<u4").reshape(len(values), NUM_PERM + LEAD_PERM)
        return cls(both[:, :NUM_PERM], both[:, NUM_PERM:], shingles.astype(np.int32))

    @classmethod
    def empty(cls) -> Signatures:
        return cls(np.zeros((0, NUM_PERM), np.uint32), np.zeros((0, LEAD_PERM), np.uint32),
                   np.zeros(0, np.int32))

    @classmethod
    def concat(cls, parts: list[Signatures]) -> Signatures:
        return cls(np.vstack([p.full for p in parts]), np.vstack([p.lead for p in parts]),
                   np.concatenate([p.shingles for p in parts]))

    def take(self, rows: np.ndarray) -> Signatures:
        return Signatures(self.full[rows], self.lead[rows], self.shingles[rows])


def signatures(texts: list[str]) -> Signatures:
    """Signatures of already-stripped texts (see `strip_boilerplate`), computed all at once.

    Words are hashed without building Python strings: a chunk of texts is one byte buffer, word
    boundaries and a polynomial hash of each word come from prefix sums, and each shingle hash
    mixes SHINGLE_WORDS word hashes. rensa then computes every text's MinHash in one call.
    """
    encoded = [text[:MAX_TEXT_BYTES].encode("utf-8", "replace")[:MAX_TEXT_BYTES]
               for text in texts]
    parts = []
    begin = 0
    while begin < len(encoded):  # chunks small enough to stay in the CPU caches
        end, size = begin, 0
        while end < len(encoded) and end - begin < CHUNK_TEXTS and (
                end == begin or size + len(encoded[end]) < CHUNK_BYTES):
            size += len(encoded[end]) + 1
            end += 1
        parts.append(_chunk_signatures(encoded[begin:end]))
        begin = end
    if not parts:
        return Signatures.empty()
    return parts[0] if len(parts) == 1 else Signatures.concat(parts)


def _chunk_signatures(encoded: list[bytes]) -> Signatures:
    shingles, per_doc = _shingle_hashes(encoded)
    count = len(encoded)
    offsets = np.concatenate(([0], np.cumsum(per_doc))).astype(np.uint64)
    full = _digests(shingles, offsets, NUM_PERM, count)
    lead_counts = np.minimum(per_doc, LEAD_SHINGLES)
    lead_index = np.repeat(offsets[:-1].astype(np.int64), lead_counts) + _ranges(lead_counts)
    lead_offsets = np.concatenate(([0], np.cumsum(lead_counts))).astype(np.uint64)
    lead = _digests(shingles[lead_index], lead_offsets, LEAD_PERM, count)
    return Signatures(full, lead, per_doc.astype(np.int32))


def _shingle_hashes(encoded: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The shingle hashes of some texts, text after text, and how many each text has."""
    count = len(encoded)
    # NUL is no word byte: words never span two texts. bytes.translate maps the bytes as
    # _BYTE_MAP.take would, several times faster.
    data = b"\x00".join(encoded).translate(_BYTE_TABLE)
    codes = np.frombuffer(data, dtype=np.uint8)
    edges = np.diff((codes != 0).view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    separators = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=count) + 1) - 1
    # Each word's text: how many separators come before its start. Counting where each
    # separator falls among the word starts (a few hundred lookups) and summing up is the same
    # as looking every word up among the separators, at a fraction of the cost.
    doc_of_word = np.cumsum(np.bincount(np.searchsorted(starts, separators),
                                        minlength=len(starts) + 1)[:len(starts)])
    prefix = np.zeros(len(codes) + 1, dtype=np.uint32)
    hashed = prefix[1:]  # products and their running sum in place: no temporary arrays
    np.multiply(codes, _POWERS[:len(codes)], out=hashed)
    np.cumsum(hashed, out=hashed)
    words = ((prefix[ends] - prefix[starts]) * _INVERSE[starts]).astype(np.uint64)
    last = len(words) - SHINGLE_WORDS + 1
    if last <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(count, dtype=np.int64)
    # Shingle i is words i..i+3, kept when all four belong to the same text.
    mixed = words[:last] * _MIX[0]
    for k in range(1, SHINGLE_WORDS):
        mixed = (mixed ^ (mixed >> np.uint64(31))) + words[k:last + k] * _MIX[k]
    mixed ^= mixed >> np.uint64(33)
    mixed *= _FINAL
    mixed ^= mixed >> np.uint64(29)
    same = doc_of_word[:last] == doc_of_word[SHINGLE_WORDS - 1:]
    return mixed[same], np.bincount(doc_of_word[:last][same], minlength=count)


def _digests(hashes: np.ndarray, offsets: np.ndarray, perms: int, count: int) -> np.ndarray:
    if count == 0:
        return np.zeros((0, perms), dtype=np.uint32)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(hashes, offsets, perms, SEED)
    # fromiter over the flattened rows skips np.array's nested-list shape discovery
    return np.fromiter(itertools.chain.from_iterable(matrix.to_rows()), dtype=np.uint32,
                       count=count * perms).reshape(count, perms)


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for each c in counts, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


# -- verification ----------------------------------------------------------------------------------

# Measured on the gold set (tests/fixtures/stories; benchmarks/stories.py prints the sweep, and
# docs/stories.md the figures). Pairs of different stories there stay below J 0.08, lead
# containment 0.07 and full containment 0.17; copies' pairs reach lead containment 0.79 and more.
MIN_SHINGLES = 20  # shorter texts (briefs, captions) never join: too little text to tell
JACCARD_MIN = 0.3  # edited copies: credit added, typos, paragraphs moved or cut
LEAD_CONTAINMENT_MIN = 0.7  # teasers and cut copies: the shorter lead inside the longer one
LEAD_SHARED_MIN = 25  # ...over at least this many shingles: a 25-word quote has only 22
FULL_CONTAINMENT_MIN = 0.45  # ...and the shorter text mostly inside the longer one


def containment(jaccard: np.ndarray, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """|A ∩ B| / |A| from the Jaccard estimate and the set sizes: J (|A|+|B|) / ((1+J) |A|)."""
    return jaccard * (size_a + size_b) / ((1.0 + jaccard) * np.maximum(size_a, 1))


@dataclass(slots=True)
class Similarity:
    """Estimates for pairs (a, b): full-text Jaccard and the shorter text's containment."""

    jaccard: np.ndarray
    lead_containment: np.ndarray
    full_containment: np.ndarray
    lead_shared: np.ndarray

    def same_story(self, size_a: np.ndarray, size_b: np.ndarray) -> np.ndarray:
        big_enough = np.minimum(size_a, size_b) >= MIN_SHINGLES
        edited = self.jaccard >= JACCARD_MIN
        teaser = ((self.lead_containment >= LEAD_CONTAINMENT_MIN)
                  & (self.lead_shared >= LEAD_SHARED_MIN)
                  & (self.full_containment >= FULL_CONTAINMENT_MIN))
        return big_enough & (edited | teaser)

    def score(self) -> np.ndarray:
        """Which verified match is best: the most similar."""
        return np.maximum(self.jaccard, self.lead_containment * self.full_containment)


def similarity(sigs: Signatures, a: np.ndarray, b: np.ndarray) -> Similarity:
    """Estimates for the pairs (sigs[a[k]], sigs[b[k]])."""
    size_a = sigs.shingles[a].astype(np.float64)
    size_b = sigs.shingles[b].astype(np.float64)
    jaccard = (sigs.full[a] == sigs.full[b]).mean(axis=1)
    lead_jaccard = (sigs.lead[a] == sigs.lead[b]).mean(axis=1)
    lead_a, lead_b = np.minimum(size_a, LEAD_SHINGLES), np.minimum(size_b, LEAD_SHINGLES)
    small_lead, large_lead = np.minimum(lead_a, lead_b), np.maximum(lead_a, lead_b)
    small, large = np.minimum(size_a, size_b), np.maximum(size_a, size_b)
    lead_c = np.minimum(containment(lead_jaccard, small_lead, large_lead), 1.0)
    full_c = np.minimum(containment(jaccard, small, large), 1.0)
    return Similarity(jaccard, lead_c, full_c, lead_c * small_lead)


def same_story(sigs: Signatures, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each pair (a[k], b[k]) is one story, by the verification rules."""
    sim = similarity(sigs, a, b)
    return sim.same_story(sigs.shingles[a], sigs.shingles[b])


# -- LSH -------------------------------------------------------------------------------------------

FULL_BANDS, FULL_ROWS = 32, 4  # S-curve midpoint near J = 0.42
LEAD_BANDS, LEAD_ROWS = 16, 2  # a teaser's lead is near-equal to the original's
_BAND_MIX = np.uint64(0x2545F4914F6CDD1D)


def band_keys(sigs: Signatures) -> np.ndarray:
    """(n, FULL_BANDS + LEAD_BANDS) uint64 LSH keys, the band number in the top bits; texts too
    short to join get key 0, which matches nothing."""
    keys = np.hstack([_bands(sigs.full, FULL_ROWS), _bands(sigs.lead, LEAD_ROWS)])
    keys &= np.uint64((1 << 56) - 1)
    keys |= np.uint64(1 << 55)  # never 0, even in its top bits (see candidate_pairs)
    keys |= np.arange(keys.shape[1], dtype=np.uint64) << np.uint64(56)
    short = sigs.shingles < MIN_SHINGLES
    if short.any():
        keys[short] = 0
    return keys


def _bands(matrix: np.ndarray, rows: int) -> np.ndarray:
    """One key per band of `rows` uint32 slots: the slots read as uint64 words, then mixed."""
    count = len(matrix)
    words = np.ascontiguousarray(matrix, dtype=np.uint32).view(np.uint64)  # 2 slots per word
    words = words.reshape(count, -1, rows // 2)
    key = words[:, :, 0] * _BAND_MIX
    for r in range(1, rows // 2):
        key = (key ^ (key >> np.uint64(29)) ^ words[:, :, r]) * _BAND_MIX
    return key ^ (key >> np.uint64(32))


def contains_any(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Rows of `keys` with at least one key (not 0) among `wanted` (sorted).

    The keys are sorted first (their low bits replaced by their position, so one value sort
    suffices), which turns the lookups into one ordered sweep instead of random probes."""
    if not len(wanted) or not keys.size:
        return np.zeros(len(keys), dtype=bool)
    flat = keys.ravel()
    bits = max(1, int(len(flat) - 1).bit_length())
    if bits > 24:  # too many to tag: probe unsorted
        at = np.minimum(np.searchsorted(wanted, flat), len(wanted) - 1)
        return ((wanted[at] == flat) & (flat != 0)).reshape(keys.shape).any(axis=1)
    low = np.uint64((1 << bits) - 1)
    tagged = np.sort((flat & ~low) | np.arange(len(flat), dtype=np.uint64))
    values = tagged & ~low
    targets = np.sort(wanted & ~low)
    at = np.minimum(np.searchsorted(targets, values), len(targets) - 1)
    found = (targets[at] == values) & (values != 0)
    hit = np.zeros(len(keys), dtype=bool)
    hit[(tagged[found] & low).astype(np.int64) // keys.shape[1]] = True
    return hit


def candidate_pairs(keys: np.ndarray, is_new: np.ndarray, *, per_bucket: int = 8
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), j < i, i new, that share an LSH bucket (rows in processing order).

    In each bucket a new row is paired with the bucket's first `per_bucket` rows and its
    `per_bucket` nearest predecessors: a story republished 500 times costs 16 checks per copy,
    not 500, and still meets its first copies. Key 0 (a text too short) matches nothing. All
    bands are sorted at once: the band number in each key keeps the bands apart.
    """
    n, bands = keys.shape
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # One sort of values, not an argsort: each key's low bits are replaced by its row, so equal
    # keys come out in row order. The 8 band bits and 32 hash bits left still tell buckets apart
    # (a rare false bucket only costs a verification).
    row_bits = max(20, int(n - 1).bit_length())
    if row_bits > 24:
        raise ValueError(f"{n} rows are too many for one story join")
    low = np.uint64((1 << row_bits) - 1)
    composite = keys.ravel() & ~low  # a copy, then worked on in place (the flow's peak memory)
    composite |= np.repeat(np.arange(n, dtype=np.uint64), bands)
    composite.sort()
    rows = (composite & low).view(np.int64)  # row numbers: far below 2**63
    ordered = composite
    ordered >>= np.uint64(row_bits)
    same_prev = np.empty(len(ordered), dtype=bool)
    same_prev[0] = False
    np.equal(ordered[1:], ordered[:-1], out=same_prev[1:])
    same_prev &= ordered != 0
    member = np.flatnonzero(same_prev & is_new[rows])  # new rows with a predecessor
    if not len(member):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    head = np.flatnonzero(~same_prev)
    group_start = head[np.searchsorted(head, member, side="right") - 1]
    rank = member - group_start
    found_i, found_j = [], []
    for d in range(1, per_bucket + 1):
        ok = rank >= d
        found_i.append(rows[member[ok]])
        found_j.append(rows[member[ok] - d])
    for h in range(per_bucket):
        ok = rank > h + per_bucket
        found_i.append(rows[member[ok]])
        found_j.append(rows[group_start[ok] + h])
    pairs = np.sort(np.concatenate(found_i) * n + np.concatenate(found_j))
    if len(pairs):  # unique, by sorting: numpy's hash-based unique is slower here
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    return pairs // n, pairs % n


def assign_stories(sigs: Signatures, is_new: np.ndarray, story_of_known: list[str | None],
                   own_ids: list[str], days: np.ndarray | None = None,
                   window_days: int = 3) -> list[str]:
    """The story id of every row, in processing order (known rows first, then new ones).

    Known rows keep their story; a new row joins the story of its best verified match among the
    rows before it (within `window_days` of its day, when `days` are given), else starts its own
    story under its own id. Stories are never merged, so an id, once given, stays.
    """
    keys = band_keys(sigs)
    i, j = candidate_pairs(keys, is_new)
    if days is not None and len(i):
        near = np.abs(days[i].astype(np.int64) - days[j].astype(np.int64)) <= window_days
        i, j = i[near], j[near]
    stories: list[str] = [s if s is not None else own for s, own in
                          zip(story_of_known, own_ids, strict=True)]
    if len(i):
        sim = similarity(sigs, i, j)
        ok = sim.same_story(sigs.shingles[i], sigs.shingles[j])
        i, j, score = i[ok], j[ok], sim.score()[ok]
        order = np.lexsort((j, -score, i))
        best: dict[int, int] = {}
        for row, match in zip(i[order].tolist(), j[order].tolist(), strict=True):
            best.setdefault(row, match)
        for row in sorted(best):  # predecessors first, so their story is already decided
            stories[row] = stories[best[row]]
    return stories
