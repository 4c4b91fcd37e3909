"""Tables read from tokens, and rubric detection: shared by the TBL checks and every renderer."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it.common.utils import MD_TRIM_CHARS

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
    starts: tuple[int, ...] = ()  # 0-based column where each row's text starts (header first), after any `> `

    def cells(self, row: int) -> list[tuple[int, str]]:
        """Row ``row``'s cells (0: the header) as markdown-it split them: (0-based column, raw text)."""
        line = self.line if row == 0 else self.rows[row - 1][1]
        return row_cells(self.page.source.line(line), self.starts[row] if row < len(self.starts) else 0)

    @property
    def rubric_id(self) -> str:
        return f"{self.page.id}-rubric-{self.number}"


def tables(page: Page, book: Book) -> tuple[Table, ...]:
    """Every table of a page, read from its tokens, rubrics recognised by their scale labels.

    A page run asks twice, for the checks and for the rendering: the tables of the page asked for last are
    kept (with the page, until the next one is asked for)."""
    if _LAST.page is not page or _LAST.book is not book:
        _LAST.page, _LAST.book, _LAST.found = page, book, tuple(_read(page, book))
    return _LAST.found


@dataclass(slots=True)
class _Asked:
    """The page whose tables were asked for last, its book and its tables."""

    page: Page | None = None
    book: Book | None = None
    found: tuple[Table, ...] = ()


_LAST = _Asked()


def _read(page: Page, book: Book) -> Iterator[Table]:
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
        starts: list[int] = []
        while index < len(tokens) and tokens[index].type != "table_close":
            current = tokens[index]
            if current.type == "tr_open":
                cells, row_line = [], page.body_line + (current.map[0] if current.map else 0)
                starts.append(int(current.meta.get("col", 0)) if current.meta else 0)
            elif current.type == "inline":
                cells.append(current.content.strip())
            elif current.type == "tr_close":
                rows.append((tuple(cells), row_line))
            index += 1
        if rows:
            number += 1
            header = rows[0][0]
            scale = rubric_scale(header[1:], page_scale, book.manifest.scales)
            kind = heading.lower()
            yield Table(page, start, rows[0][1], header, tuple(rows[1:]), kind, section, scale, number, tuple(starts))
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


_PIPE = re.compile(r"(?<!\\)\|")


def split_cells(text: str) -> list[tuple[int, str]]:
    """(offset, raw text) of each cell of a table row, split exactly as markdown-it splits it.

    Every pipe not preceded by a backslash separates cells, even inside a code span (GFM: only
    ``\\|`` escapes a pipe); the empty text before a leading and after a trailing pipe is no cell.
    ``text`` is the row as markdown-it sees it: container markers and indentation already removed.
    """
    cells: list[tuple[int, str]] = []
    start = 0
    if "\\" not in text:  # the common case: every pipe separates
        for part in text.split("|"):
            cells.append((start, part))
            start += len(part) + 1
    else:
        for pipe in _PIPE.finditer(text):
            cells.append((start, text[start : pipe.start()]))
            start = pipe.end()
        cells.append((start, text[start:]))
    if cells and cells[0][1] == "":
        cells.pop(0)
    if cells and cells[-1][1] == "":
        cells.pop()
    return cells


def row_cells(line: str, start: int) -> list[tuple[int, str]]:
    """Cells of the table row that starts at 0-based column ``start`` of a source line (after any `> `):
    (0-based column, raw text) each."""
    text = line[start:]
    lead = start + len(text) - len(text.lstrip(MD_TRIM_CHARS))
    return [(lead + offset, cell) for offset, cell in split_cells(text.strip(MD_TRIM_CHARS))]
