"""TBL checks: row cell counts from the source line, empty cells, rubric headers, consistent kinds."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it.token import Token

from pipeline.checks import Context
from pipeline.diagnostics import Diagnostic
from pipeline.model import Book, Page, Scale


@dataclass(frozen=True, slots=True)
class Table:
    """A table as the checks see it: header, rows, the lines they came from, and its kind."""

    page: Page
    line: int
    header: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], int], ...]  # cells, file line
    kind: str  # the text of the heading it sits under


def tables(page: Page) -> Iterator[Table]:
    """Every table of a page, read from its tokens."""
    heading = ""
    tokens = page.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            heading = tokens[index + 1].content.strip()
        if token.type != "table_open":
            index += 1
            continue
        rows: list[tuple[tuple[str, ...], int]] = []
        cells: list[str] = []
        row_line = 0
        index += 1
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
            yield Table(page, rows[0][1], rows[0][0], tuple(rows[1:]), heading.lower())
        index += 1


def split_row(line: str) -> list[str]:
    """Cells of a GFM table source line: unescaped pipes outside code spans separate cells."""
    text = line.strip()
    cells, current, in_code, i = [], "", False, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current += text[i:i + 2]
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


def check(book: Book, ctx: Context) -> Iterator[Diagnostic]:
    first_of_kind: dict[str, Table] = {}
    for page in book.pages:
        scale = book.manifest.scales.get(str(page.meta.get("scale", "")))
        for table in tables(page):
            yield from _cells(table, ctx)
            rubric_scale = _rubric_scale(table, scale, book.manifest.scales)
            if rubric_scale is not None:
                yield from _rubric(table, rubric_scale, ctx)
            if table.kind:
                first = first_of_kind.setdefault(table.kind, table)
                if first.header != table.header:
                    yield ctx.at(page, table.line, 1, "TBL004",
                                 f"this `{table.kind}` table's header differs from the one at "
                                 f"{first.page.source.display}:{first.line}",
                                 "expected | " + " | ".join(first.header) + " |")


def _cells(table: Table, ctx: Context) -> Iterator[Diagnostic]:
    page = table.page
    width = len(split_row(page.source.line(table.line)))
    for cells, line in table.rows:
        source = page.source.line(line)
        actual = split_row(source)
        if len(actual) != width:
            what = "more" if len(actual) > width else "fewer"
            yield ctx.at(page, line, 1, "TBL001",
                         f"row has {len(actual)} cells, {what} than the header's {width}",
                         "markdown drops extra cells and pads missing ones; escape a literal pipe as \\|")
        column = 1
        for position, cell in enumerate(actual):
            if not cell.strip() and position < width:
                at = source.find("|" + cell + "|", column - 1)
                yield ctx.at(page, line, at + 2 if at >= 0 else 1, "TBL002",
                             f"empty cell in column {position + 1} (`{table.header[position] if position < len(table.header) else ''}`)",
                             "fill it, or write — if the blank is intended")
            column += len(cell) + 1


def _rubric_scale(table: Table, page_scale: Scale | None, scales: dict[str, Scale]) -> Scale | None:
    """The scale a table's level columns refer to, if it looks like a rubric."""
    columns = table.header[1:]
    if not columns:
        return None
    candidates = [page_scale] if page_scale else []
    candidates += [s for s in scales.values() if s is not page_scale]
    for scale in candidates:
        labels = scale.labels
        near = sum(1 for c in columns if difflib.get_close_matches(c, labels, n=1, cutoff=0.75))
        if near * 2 >= len(columns) and near >= 2:
            return scale
    return None


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _rubric(table: Table, scale: Scale, ctx: Context) -> Iterator[Diagnostic]:
    columns, labels = list(table.header[1:]), list(scale.labels)
    if columns == labels:
        return
    expected = "| " + " | ".join([table.header[0], *labels]) + " |"
    problems = []
    for column in columns:
        if column not in labels:
            close = difflib.get_close_matches(column, labels, n=1, cutoff=0.75)
            if close and close[0] not in columns:
                problems.append(f"`{column}` is misspelt (did you mean `{close[0]}`?)")
            else:
                problems.append(f"`{column}` is not a level of scale `{scale.id}`")
    present = [c for c in columns if c in labels]
    for label in labels:
        if label not in columns and not any(f"`{label}`?" in p for p in problems):
            problems.append(f"level `{label}` is missing")
    if present != [label for label in labels if label in present]:
        problems.append("levels are out of order")
    if len(set(columns)) != len(columns):
        problems.append("a level appears twice")
    yield ctx.at(table.page, table.line, 1, "TBL003",
                 f"rubric header does not match scale `{scale.id}`: " + "; ".join(problems or ["columns differ"]),
                 f"expected {expected}")


def is_table_token(token: Token) -> bool:
    return token.type.startswith(("table", "thead", "tbody", "tr", "th", "td"))
