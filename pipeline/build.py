"""The pipeline as a list of stages: load, validate, parse, check, render, package."""

from __future__ import annotations

import contextlib
import gc
import shutil
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from pipeline import manifest as manifest_mod
from pipeline import publish, stamp
from pipeline.checks import Context, check_facts
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Policy, Severity
from pipeline.forked import Forked, forking
from pipeline.formats import Plan, plan
from pipeline.gcpause import collector_paused
from pipeline.load import RawPage, Sources, load
from pipeline.model import Book, Manifest
from pipeline.package import SITE, package
from pipeline.pagecache import PageCache, context_of
from pipeline.pages import PageRun, Parts, runner
from pipeline.processes import Interrupted
from pipeline.references import load_references
from pipeline.render import renderer
from pipeline.render.cite import render_citations

BESIDE = ("json",)  # renderers that read nothing but their pages' parts: run in a forked process beside the rest


class Progress(Protocol):
    """Hears each stage as it starts; a stage run beside the others is heard once done, with its seconds."""

    def __call__(self, name: str, seconds: float | None = None) -> None: ...


@dataclass(slots=True)
class BuildResult:
    """What a check or build produced: the diagnostics, the book if it parsed, the files written."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    book: Book | None = None  # its pages without tokens: what renderers need of a page is in ``parts``
    parts: dict[str, Parts] = field(default_factory=dict)  # format → each page's part, in page order
    outputs: list[Path] = field(default_factory=list)
    by_format: dict[str, list[Path]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def ok(self) -> bool:
        return self.errors == 0


def check(
    config: Config, cache: PageCache | None = None, parts: tuple[str, ...] = (), read: stamp.Inputs | None = None
) -> BuildResult:
    """Load, validate, parse and check the source; never raises for bad content.

    ``parts`` names the formats whose page parts to make while each page's tokens exist (renderers
    read only those parts); ``cache`` lets a caller re-run only the pages that changed since an
    earlier run (``handbook serve`` in memory, ``handbook build`` on disk: pipeline/pagecache.py); ``read``
    (what ``stamp.inputs`` found) spares reading a page file whose digest the cache already knows.
    """
    cache = cache if cache is not None else PageCache()
    sources, diags = load(config.source, cache.known, read.content if read is not None else None, config.jobs)
    if sources.manifest is None or sources.manifest_doc is None:
        return BuildResult(Policy({}, config.strict).apply(diags))
    man = manifest_mod.manifest(sources.manifest, sources.manifest_doc)
    policy = Policy(man.severity, config.strict)
    validated: list[Diagnostic] = []
    checks: list[tuple[str, Callable[[], list[Diagnostic]]]] = []

    def later(key: str, check: Callable[[], list[Diagnostic]]) -> list[Diagnostic]:
        checks.append((key, check))  # the bibliography's schema check: run with the frontmatter's, below
        return []

    references, found = load_references(config.source, man.bibliography, later)
    listed = listed_pages(sources, man)
    shell = Book(config.source, man, (), tuple(references), sources.assets)
    run = PageRun(shell, parts, policy)
    context = context_of(shell, parts, policy)
    keys = [cache.key(raw, page_id, context) for raw, page_id, _meta in listed]
    # the results of 1,000 pages are a million small objects, none of them garbage: nothing for the collector
    with collector_paused():
        results = [cache.restored(key, raw) for key, (raw, _page_id, _meta) in zip(keys, listed, strict=True)]
        todo = [index for index, result in enumerate(results) if result is None]
        with runner(len(todo), config.jobs) as pages:

            def validate() -> None:  # while the pages run: no page run reads what validating finds
                validated.extend(_validate(sources, man, cache))
                validated.extend(d for key, check in checks for d in cache.validated(key, check))

            for index, (result, kept) in zip(todo, pages.check(run, [listed[i] for i in todo], validate), strict=True):
                cache.keep(keys[index], result.portable(), kept)
                results[index] = result
    diags += validated + found
    done = [result for result in results if result is not None]
    diags += [d for result in done for d in result.findings]
    diags += check_facts([result.facts for result in done], Context(shell))
    cache.retain_used()
    book = replace(shell, pages=tuple(result.page for result in done))
    packed = {name: Parts([r.parts.get(name, b"") for r in done]) for name in parts}
    return BuildResult(policy.apply(diags), book, parts=packed)


def build(config: Config, progress: Progress | None = None, inputs: stamp.Inputs | None = None) -> BuildResult:
    """Check, then render every requested format; outputs/ changes only if all of them succeed, in one step.

    The formats are rendered into a staging folder next to ``config.out`` and published whole
    (pipeline/publish.py): an interrupted build leaves outputs/ as it was. Pages run once (parse,
    checks, each format's page part) and are kept by content hash in the cache folder, so the
    next build re-runs only the pages that changed.
    Raises ``OutputError`` (before anything is read or written) when ``config.out`` overlaps the
    source or cannot be written, and ``Interrupted`` on SIGINT (and SIGTERM, when the caller turns
    it into ``Interrupted``; see pipeline/processes.py).
    """
    publish.check_target(config.source, config.out)
    staging: publish.Staging | None = None
    stages = plan(config.formats)
    # what the build reads, digested before anything is read (an edit made during the build is seen next
    # time); ``inputs`` when the caller made it (the CLI, to see whether anything changed at all)
    read = inputs if inputs is not None else stamp.inputs(config, stamp.previous(config))
    try:
        if progress:
            progress("check")
        # the page cache and the checked book (a million objects, no garbage) live as long as the build: made
        # with the collector paused, then frozen, so that no collection walks them (that cost 0.15 s at 1,000 pages)
        with collector_paused():
            pages = PageCache(config.cache)
            result = check(config, pages, stages.renderers, read)
            gc.freeze()
        if not result.ok or result.book is None:
            return result
        with publish.Staging(config.out) as staging:
            staged_config = replace(config, out=staging.path)
            staged = _render(result, staged_config, staging, stages, progress, lambda: pages.save(staged_config.cache))
            written = [path for paths in staged.values() for path in paths]
            stamp.write(config, staging.path, read, written, result.diagnostics)
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
        gc.unfreeze()


def _render(
    result: BuildResult,
    config: Config,
    staging: publish.Staging,
    stages: Plan,
    progress: Progress | None,
    keep: Callable[[], None],
) -> dict[str, list[Path]]:
    """Every requested format, written under ``config.out`` (the staging folder); the cache is carried first.

    Renderers run first, each from its pages' parts, then the packagers, which read the staged site
    (``config.out/html``). A site rendered only for them is removed before publishing: outputs/ keeps
    its earlier html/. The renderers of ``BESIDE`` run in a forked process (``beside``) meanwhile: beside the
    packagers when there are any, else beside the other renderers.
    ``keep`` (saving what the next build reuses) runs first, on a thread while pandoc renders the citations.
    """
    book = result.book
    assert book is not None
    staging.carry([publish.CACHE])
    beside = _beside(stages, config.jobs)
    # the citations once, before forking: every process then reads them from the cache; the thread ends before
    # any fork (a thread alive at a fork could hold a lock that the forked process would wait for forever)
    with ThreadPoolExecutor(1) as side:
        kept = side.submit(keep)
        render_citations(book, config.cache)
        kept.result()
    staged: dict[str, list[Path]] = {}
    with contextlib.ExitStack() as stack:
        forked: dict[str, Forked[tuple[list[Path], float]]] = {}

        def fork() -> None:
            forked.update({name: stack.enter_context(Forked(_timed(name, result, config))) for name in beside})

        if not stages.packagers:
            fork()
        for name in stages.renderers:
            if name not in beside:
                if progress:
                    progress(name)
                staged[name] = renderer(name).render(book, result.parts[name], config.out, config)
        if stages.packagers:  # beside them: reading the staged site leaves a core idle, the site's pages use both
            fork()
        # on a first build one after the other (each deflates in threads on every core, and the second takes
        # from the first's zip every member the two share); on a rebuild side by side (pipeline/package)
        staged.update(package(stages.packagers, book, config.out, config, progress))
        for name, job in forked.items():
            staged[name], seconds = job.result()
            if progress:
                progress(name, seconds)
    if stages.site_only:
        shutil.rmtree(config.out / SITE)
        del staged[SITE]
    return {name: staged[name] for name in (*stages.renderers, *stages.packagers) if name in staged}


def _beside(stages: Plan, jobs: int) -> tuple[str, ...]:
    """The renderers to fork: none unless forking, or when nothing else would run meanwhile."""
    if not forking(jobs):
        return ()
    names = tuple(name for name in stages.renderers if name in BESIDE)
    return names if len(stages.renderers) + len(stages.packagers) > len(names) else ()


def _timed(name: str, result: BuildResult, config: Config) -> Callable[[], tuple[list[Path], float]]:
    """A renderer's run, returning its files and its seconds."""
    assert result.book is not None
    book, parts = result.book, result.parts[name]

    def run() -> tuple[list[Path], float]:
        started = time.perf_counter()
        written = renderer(name).render(book, parts, config.out, config)
        return written, time.perf_counter() - started

    return run


def _validate(sources: Sources, man: Manifest, cache: PageCache) -> list[Diagnostic]:
    diags = cache.manifest(man)
    for raw in sources.pages:
        diags += cache.frontmatter(raw)
    diags += manifest_mod.structure(sources, man)
    return diags


def listed_pages(sources: Sources, man: Manifest) -> list[tuple[RawPage, str, dict[str, Any]]]:
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
