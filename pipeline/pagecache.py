"""Page results and frontmatter findings by content hash: in memory, and on disk between builds.

A page's result (pipeline/pages.py) depends on its text, its id and file, and on what else a page run
reads: the manifest, the references, the asset list, the formats wanted and the severity policy. The
key hashes all of them, so an edit re-runs the edited page only, and a change to the manifest re-runs
every page. A build reads entries from outputs/.cache/pages/ and ``save``s into its staging folder's
copy of it, so a failed build leaves outputs/ as it was. The results of 64 pages go to one pickle file,
written under a temporary name and renamed (a hard link from a published tree never sees a half-written
or rewritten file); each as ``pages.Kept``, the form a worker sent it in, so saving copies bytes and does
not walk the results again. ``save`` deletes the files the latest run did not use: the cache holds one
build's worth.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.diagnostics import Diagnostic, Policy
from pipeline.hashing import code_digest, digest
from pipeline.load import Known, RawPage
from pipeline.model import Book, Manifest
from pipeline.pages import Kept, PageResult
from pipeline.validate import SCHEMAS, schema, validate

FORMAT = "handbook-pages-2"  # bump when a PageResult's meaning (or how a pack holds it) changes for the same inputs
FOLDER = "pages"
FRONT = "front.pickle"  # what reading and validating each page's frontmatter found; which pack holds each result
PACK_PAGES = 64  # results of this many pages (in the handbook's order) to a file: an edit rewrites one


@dataclass(slots=True)
class PageCache:
    """What earlier runs found; ``folder`` (a build's cache folder) keeps it between processes."""

    folder: Path | None = None  # where earlier builds saved their entries (read only)
    results: dict[str, PageResult] = field(default_factory=dict)
    known: Known = field(default_factory=Known)  # what reading each page found (load.load)
    schema: dict[str, list[Diagnostic]] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)
    _restored: dict[str, PageResult] = field(default_factory=dict)  # results given back their source, by key
    _kept: set[str] = field(default_factory=set)  # what the latest run used
    _order: dict[str, None] = field(default_factory=dict)  # the results the latest run asked for, in its order
    _fresh: set[str] = field(default_factory=set)  # the results made since the last save
    _packs: dict[str, str] = field(default_factory=dict)  # result key → the pack in ``folder`` holding it
    _saved: dict[str, Kept] = field(default_factory=dict)  # results as a pack holds them, where already made

    def __post_init__(self) -> None:
        if self.folder is not None:
            found = _read(self.folder / FOLDER / FRONT)
            if isinstance(found, tuple) and len(found) == 4 and found[0] == _front_version():
                _version, self.known.entries, self.schema, self._packs = found

    def key(self, raw: RawPage, page_id: str, context: str) -> str:
        return digest(FORMAT, context, page_id, raw.source.key)

    def restored(self, key: str, raw: RawPage) -> PageResult | None:
        """The result for ``key`` with its page's source, if an earlier run left one."""
        made = self._restored.get(key)
        if made is not None and made.page.source is raw.source:
            self._used.add(key)
            self._order[key] = None
            return made
        found = self.result(key)
        if found is not None:
            self._restored[key] = found = found.restored(raw)
        return found

    def result(self, key: str) -> PageResult | None:
        """A portable result (pages.PageResult.portable) for ``key``, if an earlier run left one."""
        self._used.add(key)
        self._order[key] = None
        found = self.results.get(key)
        pack = self._packs.pop(key, None)
        if found is None and pack is not None and self.folder is not None:
            read = _read(self.folder / FOLDER / f"{pack}.pickle")
            if isinstance(read, dict):
                for each, kept in read.items():  # the pack's other results, for their pages' turn
                    if isinstance(kept, Kept) and (each == key or self._packs.pop(each, None) == pack):
                        self.results[each], self._saved[each] = kept.result(), kept
            found = self.results.get(key)
        return found

    def keep(self, key: str, result: PageResult, kept: Kept | None = None) -> None:
        """A fresh portable result, with ``kept`` when it came so from a worker (saved then as it is)."""
        self._used.add(key)
        self._order[key] = None
        self._fresh.add(key)
        self.results[key] = result
        if kept is not None:
            self._saved[key] = kept
        else:
            self._saved.pop(key, None)

    def frontmatter(self, raw: RawPage) -> list[Diagnostic]:
        """The page schema's findings on a page's frontmatter (an edit below it needs no validating)."""
        if raw.doc is None:
            return []
        doc, source = raw.doc, raw.source
        data = doc.data if doc.data is not None else {}
        return self.validated(
            f"schema:{raw.front}", lambda: validate(data, doc, "page", source.display, source.lines, line_offset=1)
        )

    def manifest(self, man: Manifest) -> list[Diagnostic]:
        """The handbook schema's findings on the manifest."""
        return self.validated(
            f"handbook:{man.source.key}",
            lambda: validate(man.doc.data, man.doc, "handbook", man.source.display, man.source.lines),
        )

    def validated(self, key: str, validation: Callable[[], list[Diagnostic]]) -> list[Diagnostic]:
        """What ``validation`` found, kept under ``key`` (the name and text it reads) from an earlier run."""
        self._used.add(key)
        if key not in self.schema:
            self.schema[key] = validation()
        return self.schema[key]

    def retain_used(self) -> None:
        """Forget what the latest run did not use (old versions of edited pages)."""
        for store in (self.results, self.schema, self._restored, self._saved):
            for key in [k for k in store if k not in self._used]:
                del store[key]
        self.known.retain_used()
        self._order = {key: None for key in self._order if key in self._used}
        self._fresh &= self._used
        self._kept, self._used = self._used, set()
        self._packs = {}

    def save(self, cache: Path) -> None:
        """Write the latest run's results under ``cache`` (a staging folder's cache), ``PACK_PAGES`` pages to a
        file named by their keys, so that the files of unchanged pages are the ones already there; delete the
        rest."""
        folder = cache / FOLDER
        order = [key for key in self._order if key in self._kept and key in self.results]
        packs: dict[str, str] = {}
        for start in range(0, len(order), PACK_PAGES):
            run = order[start : start + PACK_PAGES]
            pack = digest(*run)
            if not self._fresh.isdisjoint(run) or not (folder / f"{pack}.pickle").is_file():  # new, or unreadable
                _write(folder / f"{pack}.pickle", {key: self._kept_form(key) for key in run})
            packs.update(dict.fromkeys(run, pack))
        self._order, self._fresh = {}, set()
        _write(folder / FRONT, (_front_version(), self.known.entries, self.schema, packs))
        kept = {f"{pack}.pickle" for pack in packs.values()} | {FRONT}
        if folder.is_dir():
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name not in kept:
                        with contextlib.suppress(OSError):
                            Path(entry.path).unlink()

    def _kept_form(self, key: str) -> Kept:
        """The result for ``key`` as a pack holds it: as it came from a worker or an earlier pack, else made now."""
        return self._saved.get(key) or Kept.of(self.results[key])


def context_of(book: Book, parts: tuple[str, ...], policy: Policy) -> str:
    """Everything besides the page itself that a page run reads."""
    references = json.dumps([(ref.id, ref.csl) for ref in book.references], sort_keys=True, default=str)
    weighing = json.dumps([asdict(policy)], sort_keys=True, default=str)
    return digest(
        code_digest(), book.manifest.source.text, str(book.root), references, weighing, *parts, *sorted(book.assets)
    )


def _front_version() -> str:
    """What the kept readings and validations depend on besides the files: this code and the schemas."""
    return digest(FORMAT, code_digest(), *(json.dumps(schema(name), sort_keys=True) for name in SCHEMAS))


def _read(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        return None  # absent, or written by another version: run the page again


def _write(path: Path, result: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with partial.open("wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)  # facts hold no sets: same bytes each time
    partial.replace(path)
