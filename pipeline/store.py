"""Rendered files by content key, kept in memory or in a build's cache folder between builds.

A renderer asks for a key (a digest of everything the file is made from); on a miss it renders and
adds the bytes. On disk every entry is a file named by its key, added under a temporary name and
renamed, never rewritten: a published tree may hold hard links to it (``link``). ``retain_used``
deletes the entries the latest build did not ask for, so the folder holds one build's worth.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)
class Store:
    """Entries by key: in ``memory``, and under ``folder`` when given (a staging folder's cache)."""

    folder: Path | None = None
    memory: dict[str, bytes] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)

    def get(self, key: str) -> bytes | None:
        self._used.add(key)
        found = self.memory.get(key)
        if found is None and self.folder is not None:
            with contextlib.suppress(OSError):
                found = (self.folder / key).read_bytes()
        return found

    def has(self, key: str) -> bool:
        """Whether ``key`` is on disk (``link`` can place it without reading it)."""
        self._used.add(key)
        return self.folder is not None and (self.folder / key).is_file()

    def has_entry(self, key: str) -> bool:
        """Whether ``key`` is kept, in memory or on disk, without reading it."""
        self._used.add(key)
        return key in self.memory or self.has(key)

    def keep(self, keys: Iterable[str]) -> None:
        """Mark entries used without reading or finding them: ``retain_used`` leaves them be."""
        self._used.update(keys)

    def put(self, key: str, data: bytes) -> None:
        self._used.add(key)
        if self.folder is None:
            self.memory[key] = data
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{key}.{os.getpid()}.tmp"
        partial.write_bytes(data)
        partial.replace(self.folder / key)

    def link(self, key: str, target: Path) -> None:
        """Place the entry at ``target``: a hard link (a copy where links fail; the bytes, from memory)."""
        if self.folder is None:
            target.write_bytes(self.memory[key])
            return
        try:
            os.link(self.folder / key, target)
        except OSError:
            shutil.copyfile(self.folder / key, target)

    def retain_used(self) -> None:
        """Forget what the latest build did not use."""
        self.memory = {key: data for key, data in self.memory.items() if key in self._used}
        if self.folder is not None and self.folder.is_dir():
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    if entry.name not in self._used:
                        with contextlib.suppress(OSError):
                            Path(entry.path).unlink()
        self._used = set()
