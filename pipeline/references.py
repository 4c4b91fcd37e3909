"""Reading the bibliography (CSL YAML, CSL JSON, BibTeX via pandoc) into Reference records."""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic
from pipeline.load import display_path, read_source
from pipeline.model import Reference
from pipeline.validate import validate
from pipeline.yamlsrc import YamlDoc, parse_yaml

DEFAULT = "references.yaml"
SUPPORTED = (".yaml", ".yml", ".json", ".bib")
_PANDOC_AT = re.compile(r"Error at \(line (\d+), column (\d+)\):\s*\n?([^\n]*)")


Validated = Callable[[str, Callable[[], list[Diagnostic]]], list[Diagnostic]]


def _validate_now(_key: str, validation: Callable[[], list[Diagnostic]]) -> list[Diagnostic]:
    return validation()


def load_references(
    root: Path, name: str, validated: Validated = _validate_now
) -> tuple[list[Reference], list[Diagnostic]]:
    """Read and check the bibliography; a missing default file simply means no references.

    ``validated(key, validation)`` gives the schema's findings on the bibliography: those an earlier run
    kept under ``key`` (the file's name and bytes), else ``validation()``'s (pipeline/pagecache.py).
    """
    refs, diags, _readable, checking = _load(root, name, *_fingerprint(root / name))
    found = validated(f"references:{checking.key}", checking.validate) if checking is not None else []
    return list(refs), [*diags, *found]


@dataclass(frozen=True, slots=True)
class _SchemaCheck:
    """The references schema's validation of a CSL bibliography, run when no earlier result is kept."""

    key: str
    data: list[Any]
    doc: YamlDoc
    shown: str
    lines: Sequence[str]
    base: tuple[str | int, ...]

    def validate(self) -> list[Diagnostic]:
        return validate(
            self.data, self.doc, "references", self.shown, self.lines, pointer="/$defs/item_list", base=self.base
        )


def unreadable(root: Path, name: str) -> bool:
    """Whether the bibliography exists in name only: missing (but named), or not readable at all.

    Every citation would then be reported as unknown; the checks report the one cause instead.
    The answer comes from the same cached reading as ``load_references`` (in this process, or in
    the process that forked it).
    """
    return not _load(root, name, *_fingerprint(root / name))[2]


def _fingerprint(path: Path) -> tuple[str, tuple[int, int, int]]:
    """What the cached reading depends on besides the name: the path shown, and the file's state."""
    try:
        stat = path.stat()
    except OSError:
        return display_path(path), (-1, -1, -1)
    return display_path(path), (stat.st_mtime_ns, stat.st_size, stat.st_ino)


@functools.lru_cache(maxsize=8)
def _load(
    root: Path, name: str, shown: str, _state: tuple[int, int, int]
) -> tuple[tuple[Reference, ...], tuple[Diagnostic, ...], bool, _SchemaCheck | None]:
    """(references, diagnostics, whether the file could be read as a bibliography, its schema check if any)."""
    path = root / name
    if not os.path.lexists(path):  # anything else there is read, or reported (FM010)
        if name == DEFAULT:
            return (), (), True, None
        return (), (_missing(shown, name),), False, None
    if path.suffix.lower() not in SUPPORTED:
        return (), (_unsupported(shown, path.suffix),), False, None
    source, diags = read_source(path, root)
    if source is None:
        return (), tuple(diags), False, None
    if path.suffix.lower() == ".bib":
        refs, diags, readable = _from_bibtex(source.text, shown, source.lines)
        return tuple(refs), tuple(diags), readable, None
    refs, diags, readable, checking = _from_csl(source.text, shown, source.lines, source.key)
    return tuple(refs), tuple(diags), readable, checking


def _missing(shown: str, name: str) -> Diagnostic:
    return diagnostic(
        shown,
        1,
        1,
        "SCH006",
        f"bibliography `{name}` does not exist",
        "fix `bibliography:` in handbook.yaml or create the file",
    )


def _unsupported(shown: str, suffix: str) -> Diagnostic:
    return diagnostic(
        shown,
        1,
        1,
        "CIT006",
        f"unsupported bibliography format `{suffix or shown}`: not read",
        "convert it to CSL YAML (.yaml), CSL JSON (.json) or BibTeX (.bib), e.g. with Zotero or pandoc",
    )


def _from_csl(
    text: str, shown: str, lines: Sequence[str], key: str
) -> tuple[list[Reference], list[Diagnostic], bool, _SchemaCheck | None]:
    doc, found = parse_yaml(text, shown)  # JSON is YAML too, with positions
    if doc is None:
        return [], found, False, None
    data = doc.data
    base: tuple[str | int, ...] = ()
    if isinstance(data, dict) and "references" in data:
        data, base = data["references"], ("references",)
    if data is None:
        return [], found, True, None
    if not isinstance(data, list):
        line, col = doc.position(base)
        return (
            [],
            [
                *found,
                diagnostic(
                    shown,
                    line,
                    col,
                    "SCH001",
                    "the bibliography must be a list of CSL items (or `references:` with one)",
                ),
            ],
            False,
            None,
        )
    return (*_records(data, doc, shown, base, found, lines), True, _SchemaCheck(key, data, doc, shown, lines, base))


def _records(
    items: list[Any],
    doc: YamlDoc,
    shown: str,
    base: tuple[str | int, ...],
    diags: list[Diagnostic],
    lines: Sequence[str] = (),
) -> tuple[list[Reference], list[Diagnostic]]:
    refs: list[Reference] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        line, col = doc.position((*base, index, "id"))
        key = item["id"]
        if key in seen:
            diags.append(
                diagnostic(
                    shown,
                    line,
                    col,
                    "CIT003",
                    f"duplicate reference id `{key}` (first on line {seen[key]})",
                    "give each entry a unique id",
                )
            )
            continue
        seen[key] = line
        missing = [f for f in ("type", "issued") if f not in item]
        if not any(f in item for f in ("author", "editor", "title")):
            missing.append("author, editor or title")
        if missing:
            diags.append(
                diagnostic(
                    shown,
                    line,
                    col,
                    "CIT004",
                    f"reference `{key}` lacks {', '.join(missing)}",
                    "an author-date citation needs a type, an issued date and an author or title",
                )
            )
        refs.append(Reference(key, item, shown, line, col, lines[line - 1] if 0 < line <= len(lines) else ""))
    return refs, diags


def _from_bibtex(text: str, shown: str, lines: Sequence[str]) -> tuple[list[Reference], list[Diagnostic], bool]:
    import pypandoc  # heavy; only when a .bib bibliography is used

    try:
        items = json.loads(pypandoc.convert_text(text, "csljson", format="bibtex"))
    except (RuntimeError, OSError, ValueError) as exc:
        line, col, why = _pandoc_error(str(exc), lines)
        return (
            [],
            [
                diagnostic(
                    shown,
                    line,
                    col,
                    "CIT006",
                    f"pandoc cannot read this BibTeX: {why}",
                    "check the entry that ends before this point (an unclosed brace?), or use CSL YAML",
                )
            ],
            False,
        )
    doc = YamlDoc(items)
    for index, item in enumerate(items):
        pattern = re.compile(r"@\w+\s*[{(]\s*" + re.escape(str(item.get("id", ""))) + r"\s*,")
        for number, text_line in enumerate(lines, 1):
            match = pattern.search(text_line)
            if match:
                doc.keys[(index, "id")] = (number, match.start() + 1)
                break
    return (*_records(items, doc, shown, (), [], lines), True)


def _pandoc_error(message: str, lines: Sequence[str]) -> tuple[int, int, str]:
    """(line, col, why) from pandoc's "Error at (line 6, column 1):\nunexpected '@'\n…" message."""
    match = _PANDOC_AT.search(message)
    if match is None:
        last = message.strip().splitlines()[-1] if message.strip() else "conversion failed"
        return 1, 1, last
    line = min(max(int(match.group(1)), 1), max(len(lines), 1))
    source = lines[line - 1] if lines else ""
    col = min(max(int(match.group(2)), 1), len(source) + 1)
    if int(match.group(1)) > len(lines):  # pandoc counts a line past the end at the end of input
        col = len(source) + 1
    return line, col, match.group(3).strip() or "syntax error"
