"""The pipeline as a list of stages: load, validate, parse, check, render, package."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import manifest as manifest_mod
from pipeline.checks import Context, PageFacts, check_facts, check_page, run_checks
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Severity, sorted_diagnostics
from pipeline.load import RawPage, Sources, load
from pipeline.model import Book, Manifest, Page
from pipeline.parse import parse
from pipeline.references import load_references
from pipeline.render import MODULES, renderer
from pipeline.validate import validate

Progress = Callable[[str], None]
PAGES_PER_WORKER = 24  # below this, starting a worker costs more than it saves


@dataclass(slots=True)
class BuildResult:
    """What a check or build produced: the diagnostics, the book if it parsed, the files written."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    book: Book | None = None
    outputs: list[Path] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def ok(self) -> bool:
        return self.errors == 0


ParseCache = dict[tuple[str, str], Page]  # (page id, sha256 of the file text) → parsed page


def check(config: Config, cache: ParseCache | None = None, keep_book: bool = True) -> BuildResult:
    """Load, validate, parse and check the source; never raises for bad content.

    ``cache`` lets a long-running caller (``handbook serve``) re-parse only the pages that changed.
    Without ``keep_book`` a large handbook is parsed and checked in worker processes, and only
    diagnostics come back: pages are independent until the book-level checks.
    """
    sources, diags = load(config.source)
    if sources.manifest is None or sources.manifest_doc is None:
        return BuildResult(_finish(diags, {}, config.strict))
    man = manifest_mod.manifest(sources.manifest, sources.manifest_doc)
    diags += _validate(sources, man)
    references, found = load_references(config.source, man.bibliography)
    diags += found
    listed = _listed(sources, man)
    empty = Book(config.source, man, (), tuple(references), sources.assets)
    workers = min(config.jobs or os.cpu_count() or 1, len(listed) // PAGES_PER_WORKER)
    if not keep_book and cache is None and workers > 1:
        diags += _check_in_workers(listed, empty, workers)
        return BuildResult(_finish(diags, man.severity, config.strict))
    book = replace(empty, pages=tuple(_parse_cached(raw, page_id, meta, cache) for raw, page_id, meta in listed))
    diags += run_checks(book)
    return BuildResult(_finish(diags, man.severity, config.strict), book)


def build(config: Config, progress: Progress | None = None) -> BuildResult:
    """Check, then render every requested format; outputs/ changes only if all of them succeed."""
    result = check(config)
    if not result.ok or result.book is None:
        return result
    config.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=config.out, prefix=".staging-") as staging:
        written: list[Path] = []
        for name in config.formats or tuple(MODULES):
            if progress:
                progress(name)
            written += renderer(name).render(result.book, Path(staging), config)
        result.outputs = _publish(Path(staging), config.out, written)
    return result


def _validate(sources: Sources, man: Manifest) -> list[Diagnostic]:
    src = man.source
    diags = validate(man.doc.data, man.doc, "handbook", src.display, src.lines)
    for raw in sources.pages:
        if raw.doc is not None:
            diags += validate(
                raw.doc.data if raw.doc.data is not None else {},
                raw.doc,
                "page",
                raw.source.display,
                raw.source.lines,
                line_offset=1,
            )
    diags += manifest_mod.structure(sources, man)
    return diags


def _listed(sources: Sources, man: Manifest) -> list[tuple[RawPage, str, dict[str, Any]]]:
    """The listed pages in manifest order, each with its id and frontmatter."""
    by_id: dict[str, tuple[RawPage, str, dict[str, Any]]] = {}
    for raw in sources.pages:
        # a page whose frontmatter does not parse still has its body checked, under its file name
        meta: dict[str, Any] = raw.doc.data if raw.doc and isinstance(raw.doc.data, dict) else {}
        page_id = str(meta.get("id") or raw.source.path.stem)
        if page_id in man.pages:
            by_id.setdefault(page_id, (raw, page_id, meta))
    return [by_id[p] for p in man.pages if p in by_id]


def _parse_cached(raw: RawPage, page_id: str, meta: dict[str, Any], cache: ParseCache | None) -> Page:
    if cache is None:
        return parse(raw, page_id, meta)
    key = (page_id, hashlib.sha256(raw.source.text.encode()).hexdigest())
    page = cache.get(key)
    if page is None or page.source.path != raw.source.path:
        page = cache[key] = parse(raw, page_id, meta)
    return page


def _check_chunk(
    chunk: list[tuple[RawPage, str, dict[str, Any]]], book: Book
) -> list[tuple[list[Diagnostic], PageFacts]]:
    """Worker: parse and check some pages; return findings and facts, never tokens (they pickle slowly)."""
    ctx = Context(book)
    return [check_page(parse(raw, page_id, meta), ctx) for raw, page_id, meta in chunk]


def _check_in_workers(listed: list[tuple[RawPage, str, dict[str, Any]]], book: Book, workers: int) -> list[Diagnostic]:
    size = max(1, len(listed) // (workers * 4))
    chunks = [listed[i : i + size] for i in range(0, len(listed), size)]
    diags: list[Diagnostic] = []
    facts: list[PageFacts] = []
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for results in pool.map(_check_chunk, chunks, [book] * len(chunks)):
            for found, page_facts in results:
                diags += found
                facts.append(page_facts)
    return diags + check_facts(facts, Context(book))


def _finish(diags: list[Diagnostic], overrides: dict[str, Severity], strict: bool) -> list[Diagnostic]:
    out = []
    for diag in diags:
        severity = overrides.get(diag.code, diag.severity)
        if severity is Severity.OFF:
            continue
        if strict and severity is Severity.WARNING:
            severity = Severity.ERROR
        out.append(diag.with_severity(severity) if severity is not diag.severity else diag)
    return sorted_diagnostics(out)


def _publish(staging: Path, out: Path, written: list[Path]) -> list[Path]:
    """Move each staged top-level output folder into place, replacing the old one whole."""
    for entry in sorted(staging.iterdir()):
        target = out / entry.name
        if target.exists():
            old = out / f".old-{entry.name}"
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            entry.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            entry.rename(target)
    return [out / p.relative_to(staging) for p in written]
