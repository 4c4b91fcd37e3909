"""The index beside a cached zip: per member its content's SHA-256 and where and what its stored bytes are.

The file is the SHA-256 of its body, a newline, then the body: JSON, one list per field (a few objects to
read, however many members). An index that does not match its own digest, or comes from another format,
is not read. Offsets are not stored but added up as the zip was written (archive.pieces): the members in
order, each a local header, its name, its bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from pipeline.package import archive, segments
from pipeline.package.segments import Segment

FORMAT = "handbook-zip-index-2"
SUFFIX = ".index"
_TEXT = ("names", "digests", "data")  # member name, content SHA-256, SHA-256 of the bytes as stored
_NUMBERS = ("methods", "crcs", "sizes", "lengths")


@dataclass(frozen=True, slots=True)
class Index:
    """What a cached zip holds, made with ``deflate`` settings on ``date``: its members in zip order, a list
    per field; ``offsets`` where each member's stored bytes start; a segmented member's segments by number."""

    deflate: str
    date: str
    names: list[str]
    digests: list[str]
    data: list[str]
    methods: list[int]
    crcs: list[int]
    sizes: list[int]
    lengths: list[int]
    segments: dict[int, tuple[Segment, ...]]
    offsets: list[int]


def dumps(date: str, names: Sequence[str], digests: Sequence[str], entries: Sequence[archive.Entry]) -> bytes:
    """The index of a zip of these members (in zip order), written with today's deflate settings."""
    body = json.dumps(
        {
            "format": FORMAT,
            "deflate": archive.DEFLATE,
            "date": date,
            "names": list(names),
            "digests": list(digests),
            "data": [entry.digest for entry in entries],
            "methods": [entry.method for entry in entries],
            "crcs": [entry.crc for entry in entries],
            "sizes": [entry.size for entry in entries],
            "lengths": [len(entry.data) for entry in entries],
            "segments": {
                str(number): [[s.key, s.length] for s in entry.segments]
                for number, entry in enumerate(entries)
                if entry.segments
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def loads(data: bytes) -> Index | None:
    """The index in ``data``; None when it is damaged, foreign or of another format."""
    digest, _, body = data.partition(b"\n")
    if digest != hashlib.sha256(body).hexdigest().encode():
        return None
    try:
        found = json.loads(body)
        if not isinstance(found, dict) or found.get("format") != FORMAT:
            return None
        columns = {name: found[name] for name in (*_TEXT, *_NUMBERS)}
        count = len(columns["names"])
        for name, column in columns.items():
            kind = str if name in _TEXT else int
            if not isinstance(column, list) or len(column) != count or not all(type(v) is kind for v in column):
                return None
        deflate, date, cut = found["deflate"], found["date"], _segments(found["segments"], columns["lengths"])
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    names, methods, lengths = columns["names"], columns["methods"], columns["lengths"]
    if not (isinstance(deflate, str) and isinstance(date, str)) or min(lengths, default=0) < 0:
        return None
    if not set(methods) <= {archive.STORED, archive.DEFLATED}:
        return None
    heads = [archive.LOCAL + len(name.encode("utf-8")) for name in names]
    starts = accumulate((head + length for head, length in zip(heads, lengths, strict=True)), initial=0)
    offsets = [start + head for start, head in zip(starts, heads, strict=False)]  # starts: one more, the end
    return Index(
        deflate,
        date,
        names,
        columns["digests"],
        columns["data"],
        methods,
        columns["crcs"],
        columns["sizes"],
        lengths,
        cut,
        offsets,
    )


def _segments(found: object, lengths: list[int]) -> dict[int, tuple[Segment, ...]]:
    """The segments by member number; ValueError unless they add up to their member's stored bytes."""
    if not isinstance(found, dict):
        raise ValueError(found)
    cut = {}
    for number, pairs in found.items():
        if not 0 <= int(number) < len(lengths):
            raise ValueError(number)
        parts = tuple(Segment(key, length) for key, length in pairs)
        if not all(type(s.key) is str and type(s.length) is int and s.length > 0 for s in parts):
            raise ValueError(pairs)
        if sum(s.length for s in parts) + len(segments.END) != lengths[int(number)]:
            raise ValueError(pairs)
        cut[int(number)] = parts
    return cut
