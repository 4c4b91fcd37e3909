"""`handbook new handbook` and `handbook new page`: valid scaffolds; the manifest keeps its text."""

from __future__ import annotations

import datetime as dt
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


HANDBOOK = """# The handbook's manifest. Schema: `handbook schema handbook`; guide: docs/authoring.md
id: {id}
title: {title}
subtitle: One line under the title.
description: >-
  A sentence or two for catalogues, the JSON export and SCORM package metadata.
version: "0.1"
language: en
date: "{date}"
licence: All rights reserved
authors:
  - name: Your team
keywords: [handbook]
paper: A4

pages:                             # reading order; each id is a file pages/<id>.md
  - introduction

scales:                            # rubric tables use these labels as their columns
  - id: proficiency
    name: Proficiency
    levels:
      - {{id: "1", label: Level 1, name: Beginner}}
      - {{id: "2", label: Level 2, name: Practitioner}}
      - {{id: "3", label: Level 3, name: Expert}}

bibliography: references.yaml
"""

REFERENCES = """# Sources cited in the pages as [@id], in CSL YAML (what Zotero, pandoc and Quarto read).
references:
  - id: example2025
    type: report
    title: Replace this with a source you cite
    author: [{literal: Example Organisation}]
    issued: {date-parts: [[2025]]}
"""

INTRODUCTION = """---
id: introduction
title: Introduction
summary: What this handbook is for and how to use it.
objectives:
  - Place yourself on the proficiency scale.
estimated_minutes: 5
scale: proficiency
status: draft
---

## How to use this handbook

Read the level descriptions, then mark where you are. A statistic always carries its source:
42% of readers start here [@example2025].

### Level 1 — Beginner

You follow the documented steps.

## Self-assessment

| Question | Level 1 | Level 2 | Level 3 |
|---|---|---|---|
| How do you start a task? | From the checklist | From the goal | By shaping the goal with others |
"""


class ScaffoldError(Exception):
    """The page cannot be created (exists already, or the manifest cannot be edited)."""


def new_handbook(source: Path, title: str) -> list[Path]:
    """Create a handbook in ``source``: manifest, references and a first page that checks clean and builds."""
    title = _one_line(title, "handbook")
    manifest = source / MANIFEST
    if manifest.exists():
        raise ScaffoldError(f"{manifest} already exists; `handbook new page` adds a page to it")
    files = {
        manifest: HANDBOOK.format(id=_handbook_id(title), title=_quoted(title), date=dt.date.today().isoformat()),
        source / "references.yaml": REFERENCES,
        source / PAGES_DIR / "introduction.md": INTRODUCTION,
    }
    clash = [path for path in files if path.exists()]
    if clash:
        raise ScaffoldError(f"{clash[0]} already exists")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def _handbook_id(title: str) -> str:
    slug = slugify(title)
    if slug == "section" and "section" not in title.lower():  # nothing in the title spells in ASCII
        return "handbook"
    return slug if re.fullmatch(r"[a-z][a-z0-9-]*", slug) else f"handbook-{slug}".rstrip("-")


EXAMPLES = {"handbook": "Skill Progression Map", "page": "Transforming Your Role"}


def _one_line(title: str, kind: str) -> str:
    title = " ".join(title.split())  # line breaks and runs of spaces become one space
    if not title:
        raise ScaffoldError(f'a {kind} needs a title, e.g. handbook new {kind} "{EXAMPLES[kind]}"')
    return title


def _quoted(title: str) -> str:
    return title if re.fullmatch(r"[\w][\w ,.'’()-]*", title) else json.dumps(title, ensure_ascii=False)


def new_page(source: Path, title: str, page_id: str | None = None) -> Path:
    """Create pages/<id>.md and append the id to `pages:` in handbook.yaml."""
    title = _one_line(title, "page")
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
    path.write_text(TEMPLATE.format(id=page_id, title=_quoted(title)), encoding="utf-8")
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
