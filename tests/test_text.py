"""transforms.text: decoding dumps and the space normalization every parser uses."""

from __future__ import annotations

import codecs
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.records import Reject
from transforms.text import (
    _BOMS,
    _decode_damaged_utf8,
    _decode_legacy,
    _normalize_space_fully,
    collapse_spaces,
    decode_text,
    normalize_space,
)

# Every kind of character the fast paths tell apart: plain and odd spaces (tab, NBSP, thin and
# ideographic space, U+200B), whitespace normalize_space leaves alone (newline, U+2028, \x1c,
# U+0085), control characters, a combining accent (NFC), Latin-1, BMP and astral letters.
SPACEY = st.sampled_from(
    list("ab .\t\n\r\x0b\x1c\x00\x07\x7f\u0085\u00a0\u2000\u2009\u200a\u200b\u202f\u205f\u3000")
    + ["\u2028", "e\u0301", "é", "•", "中", "\U0001f600", "  ", "\u212b"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(SPACEY, max_size=60).map("".join))
def test_normalize_space_equals_the_full_rule(text: str) -> None:
    assert normalize_space(text) == _normalize_space_fully(text)


@given(st.text())
def test_normalize_space_equals_the_full_rule_on_any_text(text: str) -> None:
    assert normalize_space(text) == _normalize_space_fully(text)


def test_normalize_space_examples() -> None:
    assert normalize_space("  Caf\u0065\u0301\u00a0\u00a0au\tlait \u200b ") == "Café au lait"
    assert normalize_space("a \n  b") == "a \n b"  # newlines are kept, spaces around them too
    assert normalize_space("plain ascii") == "plain ascii"
    assert normalize_space("a\u2028b\x1cc") == "a\u2028b\x1cc"  # not spaces normalize_space maps


@given(st.integers(min_value=0, max_value=3000))
def test_collapse_spaces_of_any_run(width: int) -> None:
    text = "a" + " " * width + "b  c"
    assert collapse_spaces(text) == re.sub(" {2,}", " ", text)


def _reference_decode_text(data: bytes) -> str | Reject:
    """decode_text as first written: control characters counted by a regex on the text."""
    if not data.strip(b"\x00 \t\r\n"):
        what = "zero-filled" if data and not data.strip(b"\x00") else "empty"
        return Reject(f"{what.replace('-', '_')}_file", f"the file is {what}: nothing to read")
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as err:
                return Reject("bad_encoding", f"{encoding} byte-order mark but invalid data at "
                              f"byte {err.start}: {err.reason}")
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            damaged = _decode_damaged_utf8(data, err)
            if isinstance(damaged, Reject):
                return damaged
            text = damaged if damaged is not None else _decode_legacy(data)
            if text is None:
                return Reject("binary_file", "not text: neither UTF-8, UTF-16 nor cp1252")
    controls = len(re.findall(r"[\x00-\x08\x0b\x0e-\x1f\x7f]", text))
    if controls > max(2, 0.01 * len(text)):
        return Reject("binary_file", f"not text: {controls} control characters in {len(text)}")
    return text


def _encoded(text: str, encoding: str, cut: int) -> bytes:
    data = text.encode(encoding, errors="ignore")
    return data[: max(0, len(data) - cut)]  # a cut may damage the last character


ENCODED = st.builds(
    _encoded,
    st.lists(SPACEY, max_size=80).map("".join),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"]),
    st.integers(min_value=0, max_value=4),
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(ENCODED, st.binary(max_size=200)))
def test_decode_text_equals_the_regex_count_of_controls(data: bytes) -> None:
    assert decode_text(data) == _reference_decode_text(data)


def test_decode_refuses_text_with_many_control_characters_in_every_encoding() -> None:
    text = "ab\x01\x02\x03" * 20
    for encoding in ("utf-8", "utf-16", "cp1252"):
        assert decode_text(text.encode(encoding)) == Reject(
            "binary_file", "not text: 60 control characters in 100"
        )
    assert decode_text(codecs.BOM_UTF8 + text.encode()) == Reject(
        "binary_file", "not text: 60 control characters in 100"
    )
    cut_utf8 = ("ab\x01\x02\x03" * 20 + "é").encode()[:-1]  # damaged last character
    assert decode_text(cut_utf8) == Reject("binary_file", "not text: 60 control characters in 100")
    assert decode_text(b"two controls \x01\x02 are fine") == "two controls \x01\x02 are fine"
