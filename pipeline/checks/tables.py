"""TBL checks: row cell counts from the source line, empty cells, rubric headers, consistent kinds."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pipeline.checks import Context
from pipeline.diagnostics import Diagnostic
from pipeline.model import Book, Scale
from pipeline.tables import Table, split_row, tables


def check(book: Book, ctx: Context) -> Iterator[Diagnostic]:
    first_of_kind: dict[str, Table] = {}
    for page in book.pages:
        for table in tables(page, book):
            yield from _cells(table, ctx)
            if table.scale is not None:
                yield from _rubric(table, table.scale, ctx)
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

