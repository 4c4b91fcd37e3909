"""Deflated zip members on disk by content digest and deflate settings: a build deflates only what changed."""

from __future__ import annotations

import functools
import hashlib
import shutil
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.package import archive

FOLDER = "zip-members"  # under the build's cache folder (outputs/.cache), carried from build to build
_UNUSED = f"{FOLDER}.unused"  # during a package stage: last build's entries this one has not used yet
_HEADER = struct.Struct("<4sBIII")  # magic, zip method, CRC-32, size, length of the data that follows
_MAGIC = b"HBZ1"


def key(digest: str) -> str:
    """The cache file name of a member whose content has this SHA-256, deflated with today's settings."""
    return hashlib.sha256(f"{archive.DEFLATE}\0{digest}".encode()).hexdigest()


class MemberCache:
    """The entries under ``cache/zip-members``: added by writing a temporary file and renaming it, never rewritten.

    Published trees hard-link these files (pipeline/publish.py), so a file is only ever replaced.
    Inside ``retaining_used`` an entry found among the last build's is moved into this build's set.
    """

    def __init__(self, cache: Path) -> None:
        self.folder = cache / FOLDER
        self.unused = cache / _UNUSED

    def entries(
        self, sizes: dict[str, int], digests: dict[str, str], load: Callable[[str], bytes], workers: int = 2
    ) -> dict[str, archive.Entry]:
        """Every member as it goes into the zip: from the cache, else deflated now (and then cached).

        ``load(name)`` gives a member's bytes; it is called only for members not found deflated in the cache.
        """
        keys = {name: key(digests[name]) for name, size in sizes.items() if archive.deflatable(name, size)}
        found: dict[str, archive.Entry] = {}
        for name, name_key in keys.items():
            entry = self._read(name_key, sizes[name], functools.partial(load, name))
            if entry is not None:
                found[name] = entry
        packed = archive.pack_all({name: load(name) for name in sizes if name not in found}, workers)
        fresh = {keys[name]: entry for name, entry in packed.items() if name in keys}
        if fresh:
            self.folder.mkdir(parents=True, exist_ok=True)
        for name_key, entry in fresh.items():
            self._write(name_key, entry)
        return {name: found[name] if name in found else packed[name] for name in sizes}

    def keep(self, sizes: dict[str, int], digests: dict[str, str]) -> None:
        """Count the members' entries as used by this build without reading them (their zip is cached whole)."""
        for name, size in sizes.items():
            if archive.deflatable(name, size):
                self._claim(key(digests[name]))

    def _claim(self, name_key: str) -> Path:
        """The entry's path in this build's set, moved there from the last build's if it was only there."""
        path = self.folder / name_key
        unused = self.unused / name_key
        if not path.exists() and unused.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            unused.replace(path)
        return path

    def _read(self, name_key: str, size: int, load: Callable[[], bytes]) -> archive.Entry | None:
        try:
            stored = self._claim(name_key).read_bytes()
        except OSError:
            return None
        if len(stored) < _HEADER.size:
            return None
        magic, method, crc, stored_size, length = _HEADER.unpack_from(stored)
        data = stored[_HEADER.size :]
        if magic != _MAGIC or stored_size != size or length != len(data):
            return None  # not ours, or from other content: deflate again
        if method == archive.STORED:  # deflate did not make it smaller: only that fact is cached
            return archive.Entry(archive.STORED, crc, size, load())
        return archive.Entry(method, crc, size, data)

    def _write(self, name_key: str, entry: archive.Entry) -> None:
        data = entry.data if entry.method == archive.DEFLATED else b""
        partial = self.folder / f"{name_key}.partial"  # never carried to the next build (publish.py)
        partial.write_bytes(_HEADER.pack(_MAGIC, entry.method, entry.crc, entry.size, len(data)) + data)
        partial.replace(self.folder / name_key)


@contextmanager
def retaining_used(cache: Path) -> Iterator[None]:
    """A package stage: entries of ``cache/zip-members`` that no package of the block used are deleted after it.

    The last build's entries are moved aside first; each one used is moved back, and what is left
    aside is deleted when the block ends, so the cache holds at most one build's members.
    """
    folder, unused = cache / FOLDER, cache / _UNUSED
    shutil.rmtree(unused, ignore_errors=True)
    if folder.is_dir():
        folder.rename(unused)
    try:
        yield
    finally:
        shutil.rmtree(unused, ignore_errors=True)
