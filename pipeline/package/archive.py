"""Deterministic zip archives: sorted entries, one fixed timestamp, fixed permissions, threaded deflate."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.diagnostics import PipelineError

STORED, DEFLATED = 0, 8
_FILE_MODE = 0o100644  # regular file, rw-r--r--: the same on every machine whatever the umask
_MADE_BY = (3 << 8) | 20  # Unix, zip spec 2.0: Unix so that unzip honours the mode above
_MAX_ENTRIES = 0xFFFF  # beyond this a zip needs Zip64, which some LMS importers cannot read
_MAX_SIZE = 0xFFFFFFFF
_LEVEL = 4  # 40% less CPU than 6 for 6% more bytes on HTML
# What decides a deflated member's bytes besides its content: part of every cached member's key.
DEFLATE = f"raw-deflate-level{_LEVEL}-zlib{zlib.ZLIB_RUNTIME_VERSION}"
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


@dataclass(frozen=True, slots=True)
class Entry:
    """One member's bytes as they go into the archive (compressed or stored), with its CRC."""

    method: int
    crc: int
    size: int
    data: bytes


def deflatable(name: str, size: int) -> bool:
    """Whether a member of ``size`` bytes is worth deflating: not an already-compressed format, not tiny."""
    return not name.endswith(_STORE_SUFFIXES) and size > 64


def pack(raw: bytes, name: str = "") -> Entry:
    """Compress one member; keeps it stored when deflate would not make it smaller."""
    crc = zlib.crc32(raw)
    if deflatable(name, len(raw)):
        packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)  # raw deflate, as zip wants it
        data = packer.compress(raw) + packer.flush()
        if len(data) < len(raw):
            return Entry(DEFLATED, crc, len(raw), data)
    return Entry(STORED, crc, len(raw), raw)


def pack_all(members: dict[str, bytes], workers: int = 2) -> dict[str, Entry]:
    """Compress every member in threads (zlib releases the GIL)."""
    names = list(members)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return dict(zip(names, pool.map(lambda n: pack(members[n], n), names), strict=True))


def dos_time(date: str) -> tuple[int, int]:
    """(DOS time, DOS date) for midnight of an ISO date; 1980-01-01 (the DOS epoch) if unusable."""
    try:
        year, month, day = (int(part) for part in date.split("-"))
    except ValueError:
        year, month, day = 1980, 1, 1
    if not (1980 <= year <= 2107 and 1 <= month <= 12 and 1 <= day <= 31):
        year, month, day = 1980, 1, 1
    return 0, ((year - 1980) << 9) | (month << 5) | day


def write_zip(path: Path, entries: Iterable[tuple[str, Entry]], date: str = "") -> None:
    """Write the entries sorted by name; the same entries and date always give the same bytes."""
    items = sorted(entries, key=lambda item: item[0])
    if len(items) > _MAX_ENTRIES:
        raise PipelineError(f"{path.name}: {len(items)} files is more than a zip without Zip64 can hold")
    time, day = dos_time(date)
    central = bytearray()
    offset = 0
    with path.open("wb") as out:
        for name, entry in items:
            encoded = name.encode("utf-8")
            flags = 0 if encoded.isascii() else 0x800  # bit 11: the name is UTF-8
            if offset > _MAX_SIZE or len(entry.data) > _MAX_SIZE:
                raise PipelineError(f"{path.name}: larger than 4 GiB, which needs Zip64")
            version = 20 if entry.method == DEFLATED else 10
            common = struct.pack(
                "<HHHHHIIIH",
                version,
                flags,
                entry.method,
                time,
                day,
                entry.crc,
                len(entry.data),
                entry.size,
                len(encoded),
            )
            out.write(b"PK\x03\x04" + common + struct.pack("<H", 0) + encoded)
            out.write(entry.data)
            central += (
                b"PK\x01\x02"
                + struct.pack("<H", _MADE_BY)
                + common
                + struct.pack("<HHHHII", 0, 0, 0, 0, _FILE_MODE << 16, offset)
                + encoded
            )
            offset += 30 + len(encoded) + len(entry.data)
        out.write(central)
        out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(items), len(items), len(central), offset, 0))
