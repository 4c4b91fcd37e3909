"""Deterministic zip archives: sorted entries, one fixed timestamp, fixed permissions, deflate on threads."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import deflate as libdeflate

from pipeline.diagnostics import PipelineError
from pipeline.package import segments
from pipeline.package.segments import Part, Segment

STORED, DEFLATED = 0, 8
LOCAL = 30  # a local header's length before the member's name
_FILE_MODE = 0o100644  # regular file, rw-r--r--: the same on every machine whatever the umask
_MADE_BY = (3 << 8) | 20  # Unix, zip spec 2.0: Unix so that unzip honours the mode above
_MAX_ENTRIES = 0xFFFF  # beyond this a zip needs Zip64, which some LMS importers cannot read
_MAX_SIZE = 0xFFFFFFFF
# A whole member is deflated by libdeflate, a segment (primed with the bytes before it, which libdeflate cannot
# do) by zlib. On the site of bench/generate.py's 1,000 pages: zlib at level 4 (40% less CPU than at 6 for 6%
# more bytes) 0.44 CPU-s and 11.76 MB; libdeflate at level 4 half the CPU and 4% fewer bytes.
_LEVEL = 4
# What decides a member's bytes as stored besides its content: a cached zip made otherwise is not reused.
DEFLATE = (
    f"raw-deflate-level{_LEVEL}-zlib{zlib.ZLIB_RUNTIME_VERSION}-libdeflate{libdeflate.__version__}-{segments.SETTINGS}"
)
# Already-compressed formats gain nothing from deflate; storing them saves time.
_STORE_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".woff",
    ".woff2",
    ".zip",
    ".gz",
    ".pf_fragment",
    ".pf_index",
    ".pf_meta",
    ".pagefind",
)

Data = bytes | memoryview
Reuse = Callable[[str], Data | None]  # a segment's deflated bytes by its key, when known


@dataclass(frozen=True, slots=True)
class Entry:
    """One member as it goes into the archive: its bytes (compressed or stored) and their SHA-256, its CRC and
    size; a segmented member's segments (segments.py)."""

    method: int
    crc: int
    size: int
    data: Data
    digest: str
    segments: tuple[Segment, ...] = ()


def deflatable(name: str, size: int) -> bool:
    """Whether a member of ``size`` bytes is worth deflating: not an already-compressed format, not tiny."""
    return not name.endswith(_STORE_SUFFIXES) and size > 64


def deflate(raw: Data, window: Data = b"", final: bool = True) -> bytes:
    """Raw deflate (as zip wants it): a whole member (``final``) by libdeflate; a segment of one, primed with
    ``window`` (the bytes before it) and ended flushed, by zlib, as libdeflate can do neither."""
    if final:
        return bytes(libdeflate.deflate_compress(raw, _LEVEL))
    packer = (
        zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, zdict=window)
        if len(window)
        else zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    )
    return packer.compress(raw) + packer.flush(zlib.Z_SYNC_FLUSH)


def pack_all(members: dict[str, bytes], reuse: Reuse | None = None, workers: int = 2) -> dict[str, Entry]:
    """Compress every member, the deflate work in threads (libdeflate and zlib release the GIL); a member is kept
    stored when deflate would not make it smaller. A large member is deflated by segments, ``reuse`` giving the
    known ones."""
    cut = {
        name: segments.parts(raw)
        for name, raw in members.items()
        if deflatable(name, len(raw)) and len(raw) >= segments.SMALLEST
    }
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        whole = {name: pool.submit(_pack, raw, name) for name, raw in members.items() if name not in cut}
        crcs = {name: pool.submit(zlib.crc32, members[name]) for name in cut}
        pieces: dict[str, list[Data | Future[bytes]]] = {}
        for name, parts in cut.items():
            view = memoryview(members[name])
            pieces[name] = [_known(reuse, part) or pool.submit(_segment, view, part) for part in parts]
        found = {name: job.result() for name, job in whole.items()}
        for name, parts in cut.items():
            done = [piece.result() if isinstance(piece, Future) else piece for piece in pieces[name]]
            found[name] = _joined(members[name], crcs[name].result(), parts, done)
    return {name: found[name] for name in members}


def _known(reuse: Reuse | None, part: Part) -> Data | None:
    return reuse(part.key) if reuse is not None else None


def _segment(view: memoryview, part: Part) -> bytes:
    return deflate(view[part.start : part.end], view[part.window : part.start], final=False)


def _pack(raw: bytes, name: str) -> Entry:
    crc = zlib.crc32(raw)
    if deflatable(name, len(raw)):
        data = deflate(raw)
        if len(data) < len(raw):
            return Entry(DEFLATED, crc, len(raw), data, hashlib.sha256(data).hexdigest())
    return Entry(STORED, crc, len(raw), raw, hashlib.sha256(raw).hexdigest())


def _joined(raw: bytes, crc: int, parts: list[Part], done: list[Data]) -> Entry:
    data = b"".join([*done, segments.END])
    if len(data) >= len(raw):
        return Entry(STORED, crc, len(raw), raw, hashlib.sha256(raw).hexdigest())
    cut = tuple(Segment(part.key, len(piece)) for part, piece in zip(parts, done, strict=True))
    return Entry(DEFLATED, crc, len(raw), data, hashlib.sha256(data).hexdigest(), cut)


def dos_time(date: str) -> tuple[int, int]:
    """(DOS time, DOS date) for midnight of an ISO date; 1980-01-01 (the DOS epoch) if unusable."""
    try:
        year, month, day = (int(part) for part in date.split("-"))
    except ValueError:
        year, month, day = 1980, 1, 1
    if not (1980 <= year <= 2107 and 1 <= month <= 12 and 1 <= day <= 31):
        year, month, day = 1980, 1, 1
    return 0, ((year - 1980) << 9) | (month << 5) | day


def pieces(entries: Iterable[tuple[str, Entry]], date: str = "", label: str = "zip") -> Iterator[Data]:
    """The archive's bytes in order, entries sorted by name: each local header and member, then the central
    directory; the same entries and date always give the same bytes."""
    items = sorted(entries, key=lambda item: item[0])
    if len(items) > _MAX_ENTRIES:
        raise PipelineError(f"{label}: {len(items)} files is more than a zip without Zip64 can hold")
    time, day = dos_time(date)
    central = bytearray()
    offset = 0
    for name, entry in items:
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else 0x800  # bit 11: the name is UTF-8
        if offset > _MAX_SIZE or len(entry.data) > _MAX_SIZE:
            raise PipelineError(f"{label}: larger than 4 GiB, which needs Zip64")
        version = 20 if entry.method == DEFLATED else 10
        common = struct.pack(
            "<HHHHHIIIH", version, flags, entry.method, time, day, entry.crc, len(entry.data), entry.size, len(encoded)
        )
        yield b"PK\x03\x04" + common + struct.pack("<H", 0) + encoded
        yield entry.data
        central += (
            b"PK\x01\x02"
            + struct.pack("<H", _MADE_BY)
            + common
            + struct.pack("<HHHHII", 0, 0, 0, 0, _FILE_MODE << 16, offset)
            + encoded
        )
        offset += LOCAL + len(encoded) + len(entry.data)
    yield (
        bytes(central) + b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(items), len(items), len(central), offset, 0)
    )


def write_zip(path: Path, entries: Iterable[tuple[str, Entry]], date: str = "") -> None:
    """Write the archive of ``pieces`` to ``path``."""
    with path.open("wb", buffering=1 << 20) as out:
        for piece in pieces(entries, date, path.name):
            out.write(piece)
