"""TBL checks: row cell counts from the source line, empty cells, rubric headers, consistent kinds."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from pipeline.checks import Context, PageFacts, TableFacts
from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic
from pipeline.model import Page, Scale
from pipeline.tables import Table, tables


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    for table in tables(page, ctx.book):
        yield from _cells(table, ctx)
        if table.scale is not None:
            yield from _rubric(table, table.scale, ctx)


def check_book(facts: list[PageFacts], ctx: Context) -> Iterator[Diagnostic]:
    first_of_kind: dict[str, tuple[PageFacts, TableFacts]] = {}
    for page in facts:
        for table in page.tables:
            if not table.kind:
                continue
            first_page, first = first_of_kind.setdefault(table.kind, (page, table))
            if first.header != table.header:
                yield diagnostic(
                    page.display,
                    table.line,
                    1,
                    "TBL004",
                    f"this `{table.kind}` table's header differs from the one at {first_page.display}:{first.line}",
                    "expected | " + " | ".join(first.header) + " |",
                    table.source_line,
                )


def _cells(table: Table, ctx: Context) -> Iterator[Diagnostic]:
    page, width = table.page, len(table.header)
    for row, (_cells_md, line) in enumerate(table.rows, 1):
        actual = table.cells(row)
        if len(actual) > width:
            col, first = actual[width]
            dropped = " | ".join(cell.strip() for _col, cell in actual[width:])
            yield ctx.at(
                page,
                line,
                _content_col(col, first),
                "TBL001",
                f"row has {len(actual)} cells, more than the header's {width}: `{dropped}` is dropped",
                "markdown drops extra cells; a pipe splits cells even in `code`: escape it as \\|",
            )
        elif len(actual) < width:
            yield ctx.at(
                page,
                line,
                (table.starts[row] if row < len(table.starts) else 0) + 1,
                "TBL001",
                f"row has {len(actual)} cells, fewer than the header's {width}",
                "markdown pads missing cells with empty ones; add them, or write — where a blank is intended",
            )
        for position, (col, cell) in enumerate(actual[:width]):
            if not cell.strip():
                yield ctx.at(
                    page,
                    line,
                    col + 1,
                    "TBL002",
                    f"empty cell in column {position + 1} (`{table.header[position]}`)",
                    "fill it, or write — if the blank is intended",
                )


def _content_col(col: int, cell: str) -> int:
    """1-based column of a cell's first non-blank character (of the cell itself when it is blank)."""
    return col + (len(cell) - len(cell.lstrip()) if cell.strip() else 0) + 1


def _rubric(table: Table, scale: Scale, ctx: Context) -> Iterator[Diagnostic]:
    columns, labels = list(table.header[1:]), list(scale.labels)
    if columns == labels:
        return
    expected = "| " + " | ".join([table.header[0], *labels]) + " |"
    problems, wrong = _header_problems(columns, labels, scale.id)
    header = table.cells(0)
    col = _content_col(*header[min(wrong) + 1]) if wrong and min(wrong) + 1 < len(header) else 1
    yield ctx.at(
        table.page,
        table.line,
        col,
        "TBL003",
        f"rubric header does not match scale `{scale.id}`: " + "; ".join(problems or ["columns differ"]),
        f"expected {expected}",
    )


def _header_problems(columns: list[str], labels: list[str], scale_id: str) -> tuple[list[str], list[int]]:
    """What is wrong with a rubric's level columns, and the index of each column at fault."""
    problems, wrong = [], []
    for index, column in enumerate(columns):
        if column not in labels:
            wrong.append(index)
            close = difflib.get_close_matches(column, labels, n=1, cutoff=0.75)
            if close and close[0] not in columns:
                problems.append(f"`{column}` is misspelt (did you mean `{close[0]}`?)")
            else:
                problems.append(f"`{column}` is not a level of scale `{scale_id}`")
    present = [c for c in columns if c in labels]
    for label in labels:
        if label not in columns and not any(f"`{label}`?" in p for p in problems):
            problems.append(f"level `{label}` is missing")
    ordered = sorted(present, key=labels.index)
    if present != ordered:
        problems.append("levels are out of order")
        first = next(i for i, (have, want) in enumerate(zip(present, ordered, strict=True)) if have != want)
        wrong.append(columns.index(present[first]))
    repeated = [index for index, column in enumerate(columns) if column in columns[:index]]
    if repeated:
        problems.append("a level appears twice")
        wrong.append(repeated[0])
    return problems, wrong
