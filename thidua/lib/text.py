"""Vietnamese text: NFC normalisation, accent folding for search, and a sort key.

PostgreSQL sorts names with the ICU collation `vi-x-icu`; SQLite has no such collation, so
rows there carry `sort_key`, a string whose code-point order follows the Vietnamese alphabet
(a ă â b c d đ e ê …) first and the tone marks second (none, huyền, hỏi, ngã, sắc, nặng),
as CLDR's Vietnamese collation does.
"""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")

# Vietnamese alphabet as CLDR orders it; f j w z sit where Latin puts them.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Combining marks that make a distinct letter (kept in the base) versus tone marks.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_PRIMARY_BASE = 0x0100  # letters and digits map above ASCII so spaces and punctuation sort first
_LEVEL_SEPARATOR = "\u0001"


_INLINE_SPACE = re.compile(r"[^\S\n]+")
# C0 and C1 control characters, but those that are white space (tab, line and page breaks,
# separators), which the spaces' rules above handle.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
_BLANK_LINES = re.compile(r"\n{3,}")


def nfc(value: str) -> str:
    """Return `value` in Unicode NFC, trimmed, with runs of spaces collapsed and control
    characters dropped (a NUL, which PostgreSQL refuses in text, or a stray escape).

    Line breaks are kept (at most one blank line in a row): multi-line texts such as a
    pledge's preamble or a campaign's guiding idea keep their paragraphs."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def fold(value: str) -> str:
    """Lower-case, accent-free form for search: "Quân khu 1" → "quan khu 1", "Đức" → "duc"."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WHITESPACE.sub(" ", stripped.casefold()).strip()


def _split_letter(char: str) -> tuple[str, int]:
    """Split one NFC character into its Vietnamese base letter and its tone rank."""
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0]
    tone = 0
    marks = ""
    for mark in decomposed[1:]:
        if mark in _LETTER_MARKS:
            marks += mark
        elif mark in _TONE_RANK:
            tone = _TONE_RANK[mark]
    return unicodedata.normalize("NFC", base + marks), tone


def sort_key(value: str) -> str:
    """A key whose plain code-point order is the Vietnamese dictionary order of `value`."""
    primary: list[str] = []
    tones: list[str] = []
    for char in nfc(value).casefold():
        if char == "đ":
            letter, tone = "đ", 0
        else:
            letter, tone = _split_letter(char)
        if letter in _LETTER_RANK:
            primary.append(chr(_PRIMARY_BASE + 16 + _LETTER_RANK[letter]))
        elif letter.isdigit():
            primary.append(chr(_PRIMARY_BASE + int(letter)))
        elif letter.isalpha():
            primary.append(chr(_PRIMARY_BASE + 64 + ord(letter)))
        else:
            primary.append(letter)
        tones.append(chr(0x30 + tone))
    return "".join(primary) + _LEVEL_SEPARATOR + "".join(tones)
