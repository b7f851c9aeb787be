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
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as err:
                return Reject("bad_encoding", f"{encoding} byte-order mark but invalid data: {err}")
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
    controls = len(_CONTROL.findall(text))
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
                                      f"({data[err.start:err.start + 4]!r}); re-save it as UTF-8")
    return None


def _decode_legacy(data: bytes) -> str | None:
    """cp1252 is what Windows tools write; undefined cp1252 bytes mean it is not text at all."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return None


def normalize_space(text: str) -> str:
    """NFC, non-breaking and odd spaces to plain spaces, runs of spaces collapsed, ends stripped."""
    if text.isascii() and "  " not in text and "\t" not in text:
        return text.strip()  # the common case; everything below would leave it as it is
    return _normalize_space_fully(text)


def _normalize_space_fully(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\t]+", " ", text)
    return re.sub(r" {2,}", " ", text).strip()
