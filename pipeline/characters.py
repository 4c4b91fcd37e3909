"""Characters a source may not hold (FM009), and how to show control characters on a terminal safely."""

from __future__ import annotations

import re
import unicodedata

from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic

# XML 1.0 forbids C0 controls but TAB, LF, CR; U+FFFE, U+FFFF; lone surrogates (which strict UTF-8
# decoding already refuses). DEL and the C1 controls are legal XML, but a terminal acts on them.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# What a terminal must never receive raw: every control but TAB and LF, and the bidi controls that
# reorder what a reviewer reads (Trojan Source).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_REPORTED = 1000  # FM009 findings per file: a file of control bytes is one problem, not millions
_NAMES = {
    0x00: "NUL",
    0x07: "BEL",
    0x08: "BACKSPACE",
    0x0B: "VERTICAL TAB",
    0x0C: "FORM FEED",
    0x1B: "ESC",
    0x7F: "DEL",
    0x9B: "CSI",
}


def describe(char: str) -> str:
    """``U+001B (ESC)``: the code point and a short name a reader recognises."""
    point = ord(char)
    name = _NAMES.get(point) or unicodedata.name(char, "")
    if not name:
        name = "C1 control" if 0x80 <= point <= 0x9F else ("control" if point < 0x20 else "noncharacter")
    return f"U+{point:04X} ({name})"


def forbidden(text: str) -> list[tuple[int, int, str]]:
    """(line, col, char), 1-based, for every forbidden character of ``\\n``-separated text."""
    out = []
    line, start = 1, 0  # counted on from the previous match: linear in the text
    for match in FORBIDDEN.finditer(text):
        pos = match.start()
        line += text.count("\n", start, pos)
        start = max(start, text.rfind("\n", start, pos) + 1)
        out.append((line, pos - start + 1, match.group()))
    return out


def replace_forbidden(text: str) -> str:
    """The text with each forbidden character replaced by U+FFFD: same length, so positions hold."""
    return FORBIDDEN.sub("\ufffd", text)


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: controls (TAB and LF kept) as ``\\x1b``, bidi controls as ``\\u202e``."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def diagnostics(display: str, text: str) -> list[Diagnostic]:
    """FM009 for every forbidden character written raw in a source file, at its line and column."""
    if FORBIDDEN.search(text) is None:
        return []
    lines = text.split("\n")
    found = forbidden(text)
    more = f" (and {len(found) - MAX_REPORTED} more after it in this file)" if len(found) > MAX_REPORTED else ""
    return [
        diagnostic(
            display,
            line,
            col,
            "FM009",
            f"forbidden character {describe(char)}" + (more if index == MAX_REPORTED - 1 else ""),
            "delete it: XML outputs (the SCORM manifest) cannot hold it and a terminal would act on it",
            lines[line - 1],
        )
        for index, (line, col, char) in enumerate(found[:MAX_REPORTED])
    ]
