"""Large members deflated in segments cut by their content: an edit deflates again only the segments it touched.

A member of at least ``SMALLEST`` bytes is cut after chosen newlines (``cuts``); each segment is deflated
on its own, primed with the 32 KiB before it (as pigz does: the ratio stays that of one stream) and ended by
a sync flush, and ``END`` closes the member. A segment's deflated bytes depend only on its ``key``, the
SHA-256 of that window and its bytes, so a cached zip's segments serve any later member that has them.
The cuts depend only on the bytes near them, so an edit moves no cut far from it.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

SMALLEST = 1 << 20  # members from this size are segmented
_MIN = 128 << 10  # no cut before this far into a segment
_MAX = 1 << 20  # a cut here when no newline qualified
_MASK = 3  # a newline qualifies when the CRC-32 of its line has these bits clear: 1 line in 4
WINDOW = 32 << 10  # what deflate can look back at: the dictionary each segment is primed with
END = b"\x03\x00"  # an empty final block (fixed Huffman, end of block): closes the flushed segments
SETTINGS = f"segments-{SMALLEST}-{_MIN}-{_MAX}-{_MASK}-{WINDOW}"  # in archive.DEFLATE: what decides the bytes


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a deflated member: its key and the length of its deflated bytes."""

    key: str
    length: int


@dataclass(frozen=True, slots=True)
class Part:
    """A segment of a member's raw bytes, ``raw[start:end]``, deflated primed with ``raw[window:start]``."""

    key: str
    window: int
    start: int
    end: int


def cuts(raw: bytes) -> list[int]:
    """The end of each segment: after the first qualifying newline at least ``_MIN`` into it, else ``_MAX``."""
    ends: list[int] = []
    start = 0
    while start < len(raw):
        start = _cut(raw, start)
        ends.append(start)
    return ends


def _cut(raw: bytes, start: int) -> int:
    limit = min(start + _MAX, len(raw))
    view = memoryview(raw)
    pos = start + _MIN
    while pos < limit:
        newline = raw.find(b"\n", pos, limit)
        if newline < 0:
            break
        line = raw.rfind(b"\n", 0, newline) + 1
        if zlib.crc32(view[line:newline]) & _MASK == 0:
            return newline + 1
        pos = newline + 1
    return limit


def parts(raw: bytes) -> list[Part]:
    """The member's segments, each with its key."""
    view = memoryview(raw)
    found = []
    start = 0
    for end in cuts(raw):
        window = max(0, start - WINDOW)
        key = hashlib.sha256((start - window).to_bytes(4, "little"))
        key.update(view[window:start])
        key.update(view[start:end])
        found.append(Part(key.hexdigest(), window, start, end))
        start = end
    return found
