"""What packaging learnt of each site page, by the html store entry the page is a hard link to.

The html renderer keeps every page (and every search shard) in its store under ``<cache>/html/<key>``,
the key a digest of everything the file is made from, and hard-links it into the site (pipeline/store.py):
a site file with the inode of a store entry has that entry's bytes. So the digest, size and sections of
the file as packaged (pipeline/package/site.py) are kept here by store key and path, and a package after
a one-page edit reads that page and its search shard instead of the whole site. A copied file (no hard
links) or any other file is read.
The entries live in ``<cache>/package-site.pickle``, replaced whole (written, then renamed), holding
the entries of the latest site read.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.package import SITE
from pipeline.package.site import Known

NAME = "package-site.pickle"
STORE = SITE  # the html renderer's store folder under the cache folder (render/html.py FOLDER)
FORMAT = "handbook-package-site-1"  # bump when what a Known records changes for the same page


@dataclass(slots=True)
class SiteIndex:
    """The store's entries by inode, and what is known by "<path>\\0<store key>"; ``save`` keeps what was used."""

    path: Path
    keys: dict[int, str] = field(default_factory=dict)
    entries: dict[str, Known] = field(default_factory=dict)
    used: dict[str, Known] = field(default_factory=dict)

    @classmethod
    def of(cls, cache: Path, site: Path) -> SiteIndex:
        """The index under ``cache``; it knows nothing when the store is missing or on another device."""
        index = cls(cache / NAME)
        store = cache / STORE
        try:
            if store.stat().st_dev != site.stat().st_dev:
                return index
            with os.scandir(store) as entries:
                index.keys = {entry.inode(): entry.name for entry in entries if not entry.name.startswith(".")}
        except OSError:
            return index
        found = _read(index.path)
        if isinstance(found, tuple) and len(found) == 2 and found[0] == FORMAT and isinstance(found[1], dict):
            index.entries = found[1]
        return index

    def known(self, rel: str, entry: os.DirEntry[str]) -> Known | None:
        """What is known of the site file ``entry`` at ``rel``, if it is a store entry packaged before."""
        name = self._name(rel, entry)
        found = self.entries.get(name) if name is not None else None
        if name is not None and isinstance(found, Known):
            self.used[name] = found
            return found
        return None

    def learn(self, rel: str, entry: os.DirEntry[str], known: Known) -> None:
        """Remember a site file just read, if it is a store entry."""
        name = self._name(rel, entry)
        if name is not None:
            self.used[name] = known

    def save(self) -> None:
        """Replace the file with the entries this read used, unless they are the ones it holds."""
        if self.used == self.entries or not self.path.parent.is_dir():
            return
        partial = self.path.with_name(f".{NAME}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump((FORMAT, self.used), handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(self.path)

    def _name(self, rel: str, entry: os.DirEntry[str]) -> str | None:
        if entry.is_symlink():
            return None
        key = self.keys.get(entry.inode())
        return None if key is None else f"{rel}\0{key}"


def _read(path: Path) -> object:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None  # absent, or written by another version: read the site
