"""Byte decoding and small text helpers shared by the format parsers."""

from __future__ import annotations

import codecs
import re
import unicodedata

from transforms.records import Reject

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab/newline/carriage return/form feed: a text file has few.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The same characters as bytes. In UTF-8 and cp1252 each of them is exactly one byte and such a
# byte is always that character, so counting bytes (bytes.translate, in C) counts the characters
# several times faster than a regex over the decoded text.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_MAX_CONTROL_SHARE = 0.01
# A well-formed UTF-8 multi-byte character. cp1252 text almost never contains one by chance, so a
# file with both these and invalid sequences is damaged UTF-8, not cp1252.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def decode_text(data: bytes) -> str | Reject:
    """Decode a text dump: BOM first, then UTF-8, then cp1252; binary content is a Reject."""
    if not data.strip(b"\x00 \t\r\n"):
        what = "zero-filled" if data and not data.strip(b"\x00") else "empty"
        return Reject(f"{what.replace('-', '_')}_file", f"the file is {what}: nothing to read")
    text: str | None = None
    single_byte_source: bytes | None = data  # bytes whose control bytes are the text's controls
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as err:
                return Reject("bad_encoding", f"{encoding} byte-order mark but invalid data at "
                              f"byte {err.start}: {err.reason}")
            if encoding != "utf-8-sig":
                single_byte_source = None  # UTF-16/32: count on the text instead
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            damaged = _decode_damaged_utf8(data, err)
            if isinstance(damaged, Reject):
                return damaged
            if damaged is not None:
                text, single_byte_source = damaged, data[: err.start]
            else:
                text = _decode_legacy(data)
            if text is None:
                return Reject("binary_file", "not text: neither UTF-8, UTF-16 nor cp1252")
    if single_byte_source is None:
        controls = len(_CONTROL.findall(text))
    else:
        controls = len(single_byte_source) - len(single_byte_source.translate(None, _CONTROL_BYTES))
    if controls > max(2, _MAX_CONTROL_SHARE * len(text)):
        return Reject("binary_file", f"not text: {controls} control characters in {len(text)}")
    return text


def _decode_damaged_utf8(data: bytes, err: UnicodeDecodeError) -> str | Reject | None:
    """UTF-8 cut inside its last character is read without it; UTF-8 with invalid bytes inside
    is refused (read as cp1252 it would garble every accented letter). None: not UTF-8 at all."""
    if err.reason == "unexpected end of data" and len(data) - err.start < 4:
        try:
            return data[: err.start].decode("utf-8")
        except UnicodeDecodeError:
            return None
    if _UTF8_MULTIBYTE.search(data):
        return Reject("bad_encoding", f"invalid UTF-8 at byte {err.start} of a UTF-8 file "
                                      f"({err.reason}); re-save it as UTF-8")
    return None


def _decode_legacy(data: bytes) -> str | None:
    """cp1252 is what Windows tools write; undefined cp1252 bytes mean it is not text at all."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def normalize_space(text: str) -> str:
    """NFC, non-breaking and odd spaces to plain spaces, runs of spaces collapsed, ends stripped.

    Equal to `_normalize_space_fully` (the plain statement of the rule), but each step is skipped
    when a cheap C-level test shows it would change nothing: NFC for ASCII, the odd-space regex
    when no odd space is there (a regex pass over a long non-ASCII text costs ~15 ns a character,
    `in` tests well under one), and runs of spaces are collapsed by str.replace.
    """
    if text.isascii():
        if "\t" in text:
            text = text.replace("\t", " ")
    else:
        text = unicodedata.normalize("NFC", text)  # returns the text itself when already NFC
        if _has_odd_space(text):
            text = _ODD_SPACES.sub(" ", text)
    if "  " in text:
        text = collapse_spaces(text)
    return text.strip()


def collapse_spaces(text: str) -> str:
    """Runs of plain spaces (U+0020 only) to one space, like re.sub(" {2,}", " ", text).

    Each str.replace pass at least halves every run, so even a hostile megabyte of spaces takes
    about twenty passes.
    """
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def _has_odd_space(text: str) -> bool:
    """True when the text holds a character that `_ODD_SPACES` replaces.

    All of them are non-printable to Python (tab, U+200B and the Unicode space separators other
    than U+0020), so a printable text has none; otherwise one substring test each.
    """
    return not text.isprintable() and any(char in text for char in _ODD_SPACE_CHARS)


_ODD_SPACE_CHARS = "\u00a0" + "".join(map(chr, range(0x2000, 0x200C))) + "\u202f\u205f\u3000\t"
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\t]+")


def _normalize_space_fully(text: str) -> str:
    """The reference statement of normalize_space, kept for the equivalence tests."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\t]+", " ", text)
    return re.sub(r" {2,}", " ", text).strip()


# C0 controls except tab and newline, DEL, and the C1 controls: they never belong in a title, a
# source or a body, and printed to a terminal they can move the cursor or ring the bell.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]+")
_LINE_BREAKS = re.compile("[\t\n]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Marks the UTF-8 bytes that are a C0 control other than tab and newline, or DEL, as 0: one
# C-speed translate plus a memchr clears a typical body at ~0.5 ns a byte, several times faster
# than a regex search or str.isprintable. (In UTF-8 such a byte is always that character.)
_CONTROL_BYTE_MARK = bytes(0 if (i < 0x20 and i not in (0x09, 0x0A)) or i == 0x7F else 1
                           for i in range(256))
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")  # U+0080..U+009F in UTF-8


def clean_text(text: str, *, multiline: bool = False) -> str:
    """The text without control characters and with every lone surrogate as U+FFFD.

    Removes C0 controls, DEL and C1 controls (U+0080..U+009F). With `multiline` (bodies) newline
    and tab are kept; otherwise a tab or newline becomes a space. Lone surrogates (a JSON string
    may hold "\\ud800") cannot be encoded as UTF-8 and would fail the Parquet writer, so they are
    replaced before anything is encoded. Returns the text itself when there is nothing to do.
    """
    if not multiline:
        if text.isprintable():  # short fields: no control, no surrogate
            return text
        text = _replace_surrogates(text)
        return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text))
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        return _CONTROLS.sub("", _SURROGATE.sub("\ufffd", text))
    if 0 in encoded.translate(_CONTROL_BYTE_MARK) or (
            b"\xc2" in encoded and _C1_UTF8.search(encoded)):
        return _CONTROLS.sub("", text)
    return text


def _replace_surrogates(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text
