"""Which text encoding a CSV file is in: UTF-8 (with or without BOM) or Windows-1251.

Only these two are accepted. Windows-1251 turns any byte into some letter, so
a file is taken as Windows-1251 only when the decoded text looks like text:
no control characters, and mostly Cyrillic letters among the non-ASCII ones.
"""

from __future__ import annotations

import codecs
import re

from mineaction.intake.readers.base import refuse

__all__ = ["SAVE_AS_UTF8", "detect_encoding"]

SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: Save As → 'CSV UTF-8 (Comma delimited)')"

# Share of non-ASCII characters that must be Cyrillic (or common typographic
# marks) for bytes that are not UTF-8 to be read as Windows-1251.
_CYRILLIC_SHARE = 0.8
_TYPOGRAPHIC = set("«»–—№…“”„‘’•°\xa0")
# Share of Cyrillic words that may also hold Latin letters: Latin-1 text read as
# Windows-1251 turns "café" into "cafй", a word of both scripts.
_MIXED_SHARE = 0.2
_WORD = re.compile(r"[^\W\d_]+")


def detect_encoding(sample: bytes, *, source: str) -> str:
    """Return ``utf-8-sig``, ``utf-8`` or ``cp1251`` for a file starting with ``sample``.

    Refuses UTF-16 text, binary data and text in any other encoding.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(sample):
        refuse(
            source,
            f"{source} is saved as UTF-16 ('Unicode Text'), which is not read here.",
            hint=SAVE_AS_UTF8,
        )
    if b"\x00" in sample:
        refuse(
            source,
            f"{source} is not a text file: it holds binary data (zero bytes).",
            hint="send the table as CSV (UTF-8) or as an Excel .xlsx file",
        )
    try:
        # An incremental decoder allows the sample to end in the middle of a character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _mostly_utf8(sample):
        return "utf-8"  # the odd line in another encoding is reported on its row
    text = sample.decode("cp1251", errors="replace")
    if _plausible_cyrillic(text):
        return "cp1251"
    line = sample[: utf8_error.start].count(b"\n") + 1
    refuse(
        source,
        f"{source} is not UTF-8 or Windows-1251: the bytes on line {line} cannot be read as text.",
        hint=SAVE_AS_UTF8,
        reason="the file is not UTF-8 or Windows-1251",
        row=line,
    )


def _mostly_utf8(sample: bytes) -> bool:
    """Return True if most complete lines holding non-ASCII bytes are valid UTF-8."""
    good = bad = 0
    for line in sample.split(b"\n")[:-1]:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return good > bad


def _looks_utf16(sample: bytes) -> bool:
    """Return True if every other byte is zero, as in UTF-16 text of Latin letters."""
    head = sample[:512]
    if len(head) < 4:
        return False
    odd, even = head[1::2], head[0::2]
    return odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even)


def _plausible_cyrillic(text: str) -> bool:
    """Return True if ``text`` reads as Cyrillic text rather than decoded noise."""
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text) or "\ufffd" in text:
        return False
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return True
    good = sum(1 for c in non_ascii if "\u0400" <= c <= "\u04ff" or c in _TYPOGRAPHIC)
    if good < _CYRILLIC_SHARE * len(non_ascii):
        return False
    cyrillic = [w for w in _WORD.findall(text) if any("\u0400" <= c <= "\u04ff" for c in w)]
    mixed = sum(1 for w in cyrillic if any(c.isascii() for c in w))
    return mixed <= _MIXED_SHARE * max(len(cyrillic), 1)
