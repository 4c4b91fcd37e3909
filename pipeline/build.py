"""The pipeline as a list of stages: load, validate, parse, check, render, package."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import manifest as manifest_mod
from pipeline.checks import run_checks
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Severity, sorted_diagnostics
from pipeline.load import Sources, load
from pipeline.model import Book, Manifest, Page
from pipeline.parse import parse
from pipeline.references import load_references
from pipeline.render import MODULES, renderer
from pipeline.validate import validate

Progress = Callable[[str], None]


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


def check(config: Config, cache: ParseCache | None = None) -> BuildResult:
    """Load, validate, parse and check the source; never raises for bad content.

    ``cache`` lets a long-running caller (``handbook serve``) re-parse only the pages that changed.
    """
    sources, diags = load(config.source)
    if sources.manifest is None or sources.manifest_doc is None:
        return BuildResult(_finish(diags, {}, config.strict))
    man = manifest_mod.manifest(sources.manifest, sources.manifest_doc)
    diags += _validate(sources, man)
    references, found = load_references(config.source, man.bibliography)
    diags += found
    book = Book(config.source, man, _parse(sources, man, cache), tuple(references), sources.assets)
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
            diags += validate(raw.doc.data if raw.doc.data is not None else {}, raw.doc, "page",
                              raw.source.display, raw.source.lines, line_offset=1)
    diags += manifest_mod.structure(sources, man)
    return diags


def _parse(sources: Sources, man: Manifest, cache: ParseCache | None) -> tuple[Page, ...]:
    by_id: dict[str, Page] = {}
    for raw in sources.pages:
        if raw.doc is None:
            continue
        meta: dict[str, Any] = raw.doc.data if isinstance(raw.doc.data, dict) else {}
        page_id = str(meta.get("id") or raw.source.path.stem)
        if page_id not in man.pages or page_id in by_id:
            continue
        key = (page_id, hashlib.sha256(raw.source.text.encode()).hexdigest())
        page = cache.get(key) if cache is not None else None
        if page is None or page.source.path != raw.source.path:
            page = parse(raw, page_id, meta)
            if cache is not None:
                cache[key] = page
        by_id[page_id] = page
    return tuple(by_id[p] for p in man.pages if p in by_id)


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
