"""Cached zips with their indexes: a new zip takes each member (or segment) a cached one holds from its bytes.

A package's zip is kept in the cache folder as ``<stem>-<key>.zip``, the key a digest over every member's
name and content digest, beside its index (zipindex.py). A build whose members are all unchanged links
that zip into place; otherwise it writes a new one, taking from the cached zips (this package's first,
then the others) every member whose content digest and deflate settings match, as stored, and deflating
only the others (a large one only in its new segments). Nothing is taken before its bytes match the
SHA-256 its index records, and every header is written anew, so a damaged or foreign cache file costs
the deflate work and never a wrong byte. Files are only added under a temporary name and renamed (a
published tree holds hard links to them); one zip per package is kept.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.package import archive, zipindex
from pipeline.package.zipindex import Index

LEGACY = ("zip-members", "zip-members.unused")  # earlier versions' member cache: deleted when met
_KEY = re.compile(r"-[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class Members:
    """A package's files by zip path: sizes and digests, and ``load`` for the bytes of one."""

    sizes: dict[str, int]
    digests: dict[str, str]
    load: Callable[[str], bytes]


@dataclass(slots=True)
class Source:
    """A cached zip and its index; the zip is read when a member is first taken from it, each member checked."""

    path: Path
    index: Index
    numbers: dict[str, int]  # member number by content digest and whether deflatable (``_key``)
    segments: dict[str, tuple[int, int, int]]  # a segment's member number, start and end in its stored bytes
    _bytes: memoryview | None = None
    _checked: dict[int, bool] = field(default_factory=dict)

    @classmethod
    def of(cls, path: Path, index: Index) -> Source:
        numbers: dict[str, int] = {}
        for number, (name, size, digest) in enumerate(zip(index.names, index.sizes, index.digests, strict=True)):
            numbers.setdefault(_key(digest, archive.deflatable(name, size)), number)
        cut: dict[str, tuple[int, int, int]] = {}
        for number, found in index.segments.items():
            start = 0
            for segment in found:
                cut.setdefault(segment.key, (number, start, start + segment.length))
                start += segment.length
        return cls(path, index, numbers, cut)

    def entry(self, number: int) -> archive.Entry | None:
        """Member ``number`` as stored, if its bytes are what the index says."""
        data = self.data(number)
        if data is None:
            return None
        index = self.index
        return archive.Entry(
            index.methods[number],
            index.crcs[number],
            index.sizes[number],
            data,
            index.data[number],
            index.segments.get(number, ()),
        )

    def data(self, number: int) -> memoryview | None:
        """The stored bytes of member ``number``, if they are what the index says."""
        start, length = self.index.offsets[number], self.index.lengths[number]
        data = self.whole()[start : start + length]
        if number not in self._checked:
            digest = hashlib.sha256(data).hexdigest()
            self._checked[number] = len(data) == length and digest == self.index.data[number]
        return data if self._checked[number] else None

    def whole(self) -> memoryview:
        """The zip's bytes (none if it cannot be read)."""
        if self._bytes is None:
            try:
                self._bytes = memoryview(self.path.read_bytes())
            except OSError:
                self._bytes = memoryview(b"")
        return self._bytes


@dataclass(slots=True)
class Pool:
    """The cached zips of a folder, in the order of ``pending`` (``Pool.of``): each index read when a lookup
    has not found what it wants in the ones before."""

    pending: list[Path]
    sources: list[Source] = field(default_factory=list)

    @classmethod
    def of(cls, folder: Path, stem: str, first: Path) -> Pool:
        """The zips of ``folder``: ``first``, then the package ``stem``'s, then the others."""
        try:
            names = sorted(path.name for path in folder.iterdir() if path.name.endswith(zipindex.SUFFIX))
        except OSError:
            names = []
        own = [name for name in names if _of_stem(name, stem)]
        order = [first.name] if first.name in names else []
        return cls([folder / name for name in dict.fromkeys(order + own + names)])

    def entry(self, name: str, size: int, digest: str) -> archive.Entry | None:
        """The member as a cached zip stores it (a content of ``digest``, ``size`` bytes, at ``name``)."""
        key = _key(digest, archive.deflatable(name, size))
        seen = 0
        while True:
            for source in self.sources[seen:]:
                number = source.numbers.get(key)
                found = source.entry(number) if number is not None else None
                if found is not None:
                    return found
            seen = len(self.sources)
            if not self._read_next():
                return None

    def segment(self, key: str) -> memoryview | None:
        """A segment's deflated bytes from a cached zip (segments.py)."""
        seen = 0
        while True:
            for source in self.sources[seen:]:
                number, start, end = source.segments.get(key, (-1, 0, 0))
                data = source.data(number) if number >= 0 else None
                if data is not None:
                    return data[start:end]
            seen = len(self.sources)
            if not self._read_next():
                return None

    def source(self, path: Path) -> Source | None:
        return next((source for source in self.sources if source.path == path), None)

    def _read_next(self) -> bool:
        """Read the next index; False when none is left."""
        while self.pending:
            path = self.pending.pop(0)
            try:
                index = zipindex.loads(path.read_bytes())
            except OSError:
                index = None
            if index is not None and index.deflate == archive.DEFLATE:  # else damaged, foreign or deflated otherwise
                self.sources.append(Source.of(path.with_suffix(".zip"), index))
                return True
        return False


def cached_zip(members: Members, date: str, target: Path, folder: Path, salt: str) -> Path:
    """Write ``target``: the cached zip of these members linked into place, else a new one cached first.

    ``salt`` names what else decides the zip's bytes (the packager's format version).
    """
    key = hashlib.sha256(f"{salt}\n{archive.DEFLATE}\n{date}\n".encode())
    names = sorted(members.sizes)
    for name in names:
        key.update(f"{name}\0{members.digests[name]}\n".encode())
    stem = target.stem
    cached = folder / f"{stem}-{key.hexdigest()[:32]}.zip"
    pool = Pool.of(folder, stem, cached.with_suffix(zipindex.SUFFIX))
    entries: dict[str, archive.Entry] = {}
    for name in names:
        found = pool.entry(name, members.sizes[name], members.digests[name])
        if found is not None:
            entries[name] = found
    if len(entries) < len(names) or not _intact(pool, cached, names, entries, date):
        missing = {name: members.load(name) for name in names if name not in entries}
        entries.update(archive.pack_all(missing, pool.segment))
        _store(cached, stem, members, entries, date)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    try:
        os.link(cached, target)  # the cache file is never written again: sharing it is safe
    except OSError:
        shutil.copyfile(cached, target)
    return target


def holds_zips(folder: Path) -> bool:
    """Whether ``folder`` holds a cached zip's index."""
    try:
        with os.scandir(folder) as entries:
            return any(entry.name.endswith(zipindex.SUFFIX) for entry in entries)
    except OSError:
        return False


def drop_legacy(cache: Path) -> None:
    """Delete what earlier versions cached for zips and no version reads now."""
    for name in LEGACY:
        shutil.rmtree(cache / name, ignore_errors=True)


def _of_stem(name: str, stem: str) -> bool:
    """Whether ``name`` is a cache file of the package ``stem`` (a zip or an index, any key)."""
    rest = name.removeprefix(stem)
    return rest != name and _KEY.match(rest) is not None and rest[33:] in (".zip", zipindex.SUFFIX)


def _key(digest: str, deflatable: bool) -> str:
    """Members of the same content are stored alike when both are deflatable or neither is."""
    return f"{digest}{int(deflatable)}"


def _intact(pool: Pool, cached: Path, names: list[str], entries: dict[str, archive.Entry], date: str) -> bool:
    """Whether ``cached`` holds exactly the zip these entries make: its index lists them, each member's bytes
    match their digest and every header is the one they make."""
    source = pool.source(cached)
    if source is None or source.index.date != date or source.index.names != names:
        return False
    index = source.index
    for number, name in enumerate(names):
        entry = entries[name]
        stored = (index.methods[number], index.crcs[number], index.sizes[number], index.data[number])
        if stored != (entry.method, entry.crc, entry.size, entry.digest) or source.data(number) is None:
            return False
    whole, at = source.whole(), 0
    for number, piece in enumerate(archive.pieces(entries.items(), date, cached.name)):
        if number % 2 == 0 and whole[at : at + len(piece)].tobytes() != piece:  # a header; the members are checked
            return False
        at += len(piece)
    return at == len(whole)


def _store(cached: Path, stem: str, members: Members, entries: dict[str, archive.Entry], date: str) -> None:
    """Cache the zip and its index (each written under a temporary name, then renamed), dropping older ones."""
    folder = cached.parent
    folder.mkdir(parents=True, exist_ok=True)
    index = cached.with_suffix(zipindex.SUFFIX)
    partial_zip, partial_index = (path.with_name(f"{path.name}.partial") for path in (cached, index))
    archive.write_zip(partial_zip, entries.items(), date)
    names = sorted(entries)
    digests = [members.digests[name] for name in names]
    partial_index.write_bytes(zipindex.dumps(date, names, digests, [entries[name] for name in names]))
    partial_zip.replace(cached)
    partial_index.replace(index)
    for old in folder.iterdir():  # one zip per package: the cache must not grow forever
        if old not in (cached, index) and _of_stem(old.name, stem):
            old.unlink(missing_ok=True)
