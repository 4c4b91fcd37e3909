"""Tables read from tokens, and rubric detection: shared by the TBL checks and every renderer."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.model import Book, Page, Scale


@dataclass(frozen=True, slots=True)
class Table:
    """A table: header, rows, the file lines they came from, its kind and, for rubrics, its scale."""

    page: Page
    index: int  # position of its table_open token
    line: int
    header: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], int], ...]  # cells (Markdown source), file line
    kind: str  # the text of the heading it sits under, lowercased
    section: str  # anchor of the h2 section it sits in
    scale: Scale | None
    number: int  # 1-based among the page's tables

    @property
    def rubric_id(self) -> str:
        return f"{self.page.id}-rubric-{self.number}"


def tables(page: Page, book: Book) -> Iterator[Table]:
    """Every table of a page, read from its tokens, rubrics recognised by their scale labels."""
    page_scale = book.manifest.scales.get(str(page.meta.get("scale", "")))
    tokens = page.tokens
    heading, section, number, index = "", "", 0, 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            heading = tokens[index + 1].content.strip()
            if token.tag in ("h1", "h2"):
                section = str(token.attrGet("id") or "")
        if token.type != "table_open":
            index += 1
            continue
        start, row_line = index, 0
        rows: list[tuple[tuple[str, ...], int]] = []
        cells: list[str] = []
        while index < len(tokens) and tokens[index].type != "table_close":
            current = tokens[index]
            if current.type == "tr_open":
                cells, row_line = [], page.body_line + (current.map[0] if current.map else 0)
            elif current.type == "inline":
                cells.append(current.content.strip())
            elif current.type == "tr_close":
                rows.append((tuple(cells), row_line))
            index += 1
        if rows:
            number += 1
            header = rows[0][0]
            scale = rubric_scale(header[1:], page_scale, book.manifest.scales)
            yield Table(page, start, rows[0][1], header, tuple(rows[1:]), heading.lower(), section, scale, number)
        index += 1


def rubric_scale(columns: tuple[str, ...], page_scale: Scale | None, scales: dict[str, Scale]) -> Scale | None:
    """The scale whose labels a table's level columns (nearly) are; None if it is no rubric."""
    if len(columns) < 2:
        return None
    candidates = [page_scale] if page_scale else []
    candidates += [s for _id, s in sorted(scales.items()) if s is not page_scale]
    for scale in candidates:
        if columns == scale.labels:
            return scale
    for scale in candidates:
        labels = set(scale.labels)
        near = sum(1 for c in columns if c in labels or difflib.get_close_matches(c, scale.labels, n=1, cutoff=0.75))
        if near * 2 >= len(columns) and near >= 2:
            return scale
    return None


def split_row(line: str) -> list[str]:
    """Cells of a GFM table source line: unescaped pipes outside code spans separate cells."""
    text = line.strip()
    if "`" not in text and "\\" not in text:  # the common case: every pipe separates
        parts = text.split("|")
        return parts[1 if text.startswith("|") else 0 : -1 if text.endswith("|") and len(text) > 1 else None]
    cells: list[str] = []
    current, in_code, i = "", False, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append(current)
            current = ""
        else:
            current += char
        i += 1
    cells.append(current)
    if text.startswith("|"):
        cells = cells[1:]
    if text.endswith("|") and not text.endswith("\\|") and cells:
        cells = cells[:-1]
    return cells
