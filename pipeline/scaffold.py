"""`handbook new page`: a valid page scaffold, listed in handbook.yaml without disturbing its text."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.load import MANIFEST, PAGES_DIR
from pipeline.parse import slugify
from pipeline.yamlsrc import parse_yaml

TEMPLATE = """---
id: {id}
title: {title}
summary: One or two sentences that say what the reader gets from this page.
objectives:
  - Describe what the reader can do after this page.
estimated_minutes: 5
status: draft
---

## First section

Write here. Cite a source as `[@key]`, with an entry for `key` in the bibliography.
"""


class ScaffoldError(Exception):
    """The page cannot be created (exists already, or the manifest cannot be edited)."""


def new_page(source: Path, title: str, page_id: str | None = None) -> Path:
    """Create pages/<id>.md and append the id to `pages:` in handbook.yaml."""
    title = " ".join(title.split())  # one line: line breaks and runs of spaces become one space
    if not title:
        raise ScaffoldError('a page needs a title, e.g. handbook new page "Transforming Your Role"')
    page_id = page_id or slugify(title)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", page_id):
        raise ScaffoldError(f"page id {page_id!r} must be lowercase letters, digits and hyphens")
    manifest = source / MANIFEST
    if not manifest.is_file():
        raise ScaffoldError(f"no {manifest}; run this in a handbook project or pass --source")
    path = source / PAGES_DIR / f"{page_id}.md"
    if path.exists():
        raise ScaffoldError(f"{path} already exists")
    text = manifest.read_text(encoding="utf-8")
    updated = _append_page(text, page_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    quoted = title if re.fullmatch(r"[\w][\w ,.'’()-]*", title) else json.dumps(title, ensure_ascii=False)
    path.write_text(TEMPLATE.format(id=page_id, title=quoted), encoding="utf-8")
    manifest.write_text(updated, encoding="utf-8")
    return path


def _append_page(text: str, page_id: str) -> str:
    doc, diags = parse_yaml(text, MANIFEST)
    if doc is None or diags or not isinstance(doc.data, dict) or not isinstance(doc.data.get("pages"), list):
        raise ScaffoldError(f"{MANIFEST} has no readable `pages:` list; run `handbook check` first")
    pages = doc.data["pages"]
    if page_id in pages:
        raise ScaffoldError(f"`{page_id}` is already listed in {MANIFEST}")
    lines = text.split("\n")
    if not pages:
        line, _col = doc.keys[("pages",)]
        lines[line - 1] = re.sub(r"\[\s*\]", "", lines[line - 1]).rstrip()
        lines.insert(line, f"  - {page_id}")
        return "\n".join(lines)
    line, col = doc.values[("pages", len(pages) - 1)]
    current = lines[line - 1]
    if current[: col - 1].rstrip().endswith("-"):  # block style: add an item with the same indent
        lines.insert(line, current[: col - 1] + page_id)
        return "\n".join(lines)
    close = current.find("]", col - 1)  # flow style: [a, b]
    if close < 0:
        raise ScaffoldError(f"cannot edit `pages:` in {MANIFEST}; add `{page_id}` by hand")
    lines[line - 1] = current[:close] + f", {page_id}" + current[close:]
    return "\n".join(lines)
