"""Reading the bibliography (CSL YAML, CSL JSON, BibTeX via pandoc) into Reference records."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.diagnostics import Diagnostic, Severity
from pipeline.load import display_path, read_source
from pipeline.model import Reference
from pipeline.validate import validate
from pipeline.yamlsrc import YamlDoc, parse_yaml

DEFAULT = "references.yaml"


def load_references(root: Path, name: str) -> tuple[list[Reference], list[Diagnostic]]:
    """Read and check the bibliography; a missing default file simply means no references."""
    path = root / name
    shown = display_path(path)
    if not path.is_file():
        if name == DEFAULT:
            return [], []
        return [], [
            Diagnostic(
                shown,
                1,
                1,
                "SCH006",
                Severity.ERROR,
                f"bibliography `{name}` does not exist",
                "fix `bibliography:` in handbook.yaml or create the file",
            )
        ]
    source, diags = read_source(path, root)
    if source is None:
        return [], diags
    lines = source.lines
    if path.suffix == ".bib":
        return _from_bibtex(source.text, shown, lines)
    doc, found = parse_yaml(source.text, shown)  # JSON is YAML too, with positions
    if doc is None:
        return [], found
    data = doc.data
    base: tuple[str | int, ...] = ()
    if isinstance(data, dict) and "references" in data:
        data, base = data["references"], ("references",)
    if data is None:
        return [], found
    if not isinstance(data, list):
        line, col = doc.position(base)
        return [], [
            *found,
            Diagnostic(
                shown,
                line,
                col,
                "SCH001",
                Severity.ERROR,
                "the bibliography must be a list of CSL items (or `references:` with one)",
            ),
        ]
    found += validate(data, doc, "references", shown, lines, pointer="/$defs/item_list", base=base)
    return _records(data, doc, shown, base, found, lines)


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
                Diagnostic(
                    shown,
                    line,
                    col,
                    "CIT003",
                    Severity.ERROR,
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
                Diagnostic(
                    shown,
                    line,
                    col,
                    "CIT004",
                    Severity.ERROR,
                    f"reference `{key}` lacks {', '.join(missing)}",
                    "an author-date citation needs a type, an issued date and an author or title",
                )
            )
        refs.append(Reference(key, item, shown, line, col, lines[line - 1] if 0 < line <= len(lines) else ""))
    return refs, diags


def _from_bibtex(text: str, shown: str, lines: Sequence[str]) -> tuple[list[Reference], list[Diagnostic]]:
    import pypandoc  # heavy; only when a .bib bibliography is used

    try:
        items = json.loads(pypandoc.convert_text(text, "csljson", format="bibtex"))
    except (RuntimeError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else "conversion failed"
        return [], [
            Diagnostic(
                shown,
                1,
                1,
                "CIT006",
                Severity.ERROR,
                f"pandoc cannot read this BibTeX: {first}",
                "check the entry named in the message, or use CSL YAML",
            )
        ]
    doc = YamlDoc(items)
    for index, item in enumerate(items):
        pattern = re.compile(r"@\w+\s*[{(]\s*" + re.escape(str(item.get("id", ""))) + r"\s*,")
        for number, line in enumerate(lines, 1):
            match = pattern.search(line)
            if match:
                doc.keys[(index, "id")] = (number, match.start() + 1)
                break
    return _records(items, doc, shown, (), [], lines)
