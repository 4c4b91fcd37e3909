"""The pipeline as a list of stages: load, validate, parse, check, render, package."""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import manifest as manifest_mod
from pipeline import publish
from pipeline.checks import Context, check_facts, run_checks
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Severity, sorted_diagnostics
from pipeline.formats import plan
from pipeline.incremental import CheckCache, context_of
from pipeline.load import RawPage, Sources, load
from pipeline.model import Book, Manifest
from pipeline.package import SITE, package
from pipeline.parse import parse
from pipeline.processes import Interrupted
from pipeline.references import load_references
from pipeline.render import renderer
from pipeline.validate import validate
from pipeline.workers import PageWorkers

Progress = Callable[[str], None]
PAGES_PER_WORKER = 24  # below this, starting a worker costs more than it saves


@dataclass(slots=True)
class BuildResult:
    """What a check or build produced: the diagnostics, the book if it parsed, the files written."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    book: Book | None = None
    outputs: list[Path] = field(default_factory=list)
    by_format: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def ok(self) -> bool:
        return self.errors == 0


def check(config: Config, cache: CheckCache | None = None, keep_book: bool = True) -> BuildResult:
    """Load, validate, parse and check the source; never raises for bad content.

    ``cache`` lets a long-running caller (``handbook serve``) re-parse and re-check only the pages
    that changed (pipeline/incremental.py).
    Without ``keep_book`` a large handbook is parsed and checked in worker processes, and only
    diagnostics come back: pages are independent until the book-level checks.
    """
    return _check(config, cache, "serial" if keep_book else "discard")


def build(config: Config, progress: Progress | None = None) -> BuildResult:
    """Check, then render every requested format; outputs/ changes only if all of them succeed, in one step.

    The formats are rendered into a staging folder next to ``config.out`` and published whole
    (pipeline/publish.py): an interrupted build leaves outputs/ as it was. A large handbook's pages
    stay in worker processes from parsing to rendering (pipeline/workers.py).
    Raises ``OutputError`` (before anything is read or written) when ``config.out`` overlaps the
    source or cannot be written, and ``Interrupted`` on SIGINT (and SIGTERM, when the caller turns
    it into ``Interrupted``; see pipeline/processes.py).
    """
    publish.check_target(config.source, config.out)
    result = BuildResult()
    staging: publish.Staging | None = None
    try:
        if progress:
            progress("check")
        result = _check(config, None, "workers")
        if not result.ok or result.book is None:
            return result
        with publish.Staging(config.out) as staging:
            staged = _render(result.book, replace(config, out=staging.path), staging, progress)
            staging.publish()
        result.by_format = {
            name: [config.out / path.relative_to(staging.path) for path in paths] for name, paths in staged.items()
        }
        result.outputs = [path for paths in result.by_format.values() for path in paths]
        return result
    except KeyboardInterrupt:
        raise Interrupted(signal.SIGINT, staging is not None and staging.published) from None
    except Interrupted as exc:
        exc.published = staging is not None and staging.published
        raise
    finally:
        _stop_workers(result, sys.exc_info()[0] is not None)


def _render(book: Book, config: Config, staging: publish.Staging, progress: Progress | None) -> dict[str, list[Path]]:
    """Every requested format, written under ``config.out`` (the staging folder); the cache is carried first.

    Renderers run first, then the packagers, which read the staged site (``config.out/html``). A
    site rendered only for them is removed before publishing: outputs/ keeps its earlier html/.
    """
    staging.carry([publish.CACHE])
    stages = plan(config.formats)
    staged: dict[str, list[Path]] = {}
    for name in stages.renderers:
        if progress:
            progress(name)
        staged[name] = renderer(name).render(book, config.out, config)
    staged.update(package(stages.packagers, book, config.out, config, progress))
    if stages.site_only:
        shutil.rmtree(config.out / SITE)
        del staged[SITE]
    return staged


def _stop_workers(result: BuildResult, failed: bool) -> None:
    """Close the page workers; kill them when the build failed or was interrupted mid-task."""
    if result.book is not None and isinstance(result.book.workers, PageWorkers):
        if failed:
            result.book.workers.kill()
        else:
            result.book.workers.close()
        result.book = replace(result.book, workers=None)


def _check(config: Config, cache: CheckCache | None, mode: str) -> BuildResult:
    """``mode``: serial (pages parsed here), discard (findings only), workers (pages stay in workers)."""
    sources, diags = load(config.source)
    if sources.manifest is None or sources.manifest_doc is None:
        return BuildResult(_finish(diags, {}, config.strict))
    man = manifest_mod.manifest(sources.manifest, sources.manifest_doc)
    diags += _validate(sources, man, cache)
    references, found = load_references(config.source, man.bibliography)
    diags += found
    listed = _listed(sources, man)
    shell = Book(config.source, man, (), tuple(references), sources.assets)
    processes = min(config.jobs or os.cpu_count() or 1, len(listed) // PAGES_PER_WORKER)
    if mode == "serial" or processes < 2 or cache is not None:
        if cache is None:
            book = replace(shell, pages=tuple(parse(raw, page_id, meta) for raw, page_id, meta in listed))
            diags += run_checks(book)
        else:
            book = replace(shell, pages=tuple(cache.page(raw, page_id, meta) for raw, page_id, meta in listed))
            ctx, context = Context(book), context_of(book)
            checked = [cache.page_check(page, ctx, context) for page in book.pages]
            diags += [d for found, _facts in checked for d in found]
            diags += check_facts([facts for _found, facts in checked], ctx)
            cache.retain_used()
        return BuildResult(_finish(diags, man.severity, config.strict), book)
    workers = PageWorkers(listed, shell, processes)
    try:
        results = workers.checked()
        for _index, found_here, _facts, _stub in results:
            diags += found_here
        diags += check_facts([facts for _i, _d, facts, _s in results], Context(shell))
    except BaseException:
        workers.kill()
        raise
    result = BuildResult(_finish(diags, man.severity, config.strict))
    if mode == "discard" or not result.ok:
        workers.close()
        return result
    stubs = replace(shell, pages=tuple(stub for *_rest, stub in results))
    workers.set_book(stubs)
    result.book = replace(stubs, workers=workers)
    return result


def _validate(sources: Sources, man: Manifest, cache: CheckCache | None) -> list[Diagnostic]:
    src = man.source
    diags = validate(man.doc.data, man.doc, "handbook", src.display, src.lines)
    for raw in sources.pages:
        if cache is not None:
            diags += cache.frontmatter(raw)
        elif raw.doc is not None:
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
    """The listed pages in manifest order, each with its id and frontmatter.

    A listed id names the file ``pages/<id>.md``, as documented; failing that, a page declaring that
    id. A mismatch between file name and declared id is reported (SCH003, SCH008), never a reason
    to drop or swap a page.
    """
    by_stem = {raw.source.path.stem: raw for raw in sources.pages}
    by_declared: dict[str, RawPage] = {}
    for raw in sources.pages:
        declared = _meta(raw).get("id")
        if isinstance(declared, str):
            by_declared.setdefault(declared, raw)
    listed, used = [], set()
    for page_id in man.pages:
        found = by_stem.get(page_id) or by_declared.get(page_id)
        if found is not None and id(found) not in used:
            used.add(id(found))
            listed.append((found, page_id, _meta(found)))
    return listed


def _meta(raw: RawPage) -> dict[str, Any]:
    # a page whose frontmatter does not parse still has its body checked, under its file name
    return raw.doc.data if raw.doc and isinstance(raw.doc.data, dict) else {}


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
