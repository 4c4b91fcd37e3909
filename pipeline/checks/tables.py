"""TBL checks: row cell counts from the source line, empty cells, rubric headers, consistent kinds."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from pipeline.checks import Context, PageFacts, TableFacts, finding
from pipeline.diagnostics import Diagnostic
from pipeline.model import Page, Scale
from pipeline.tables import Table, split_row, tables


def page_tables(page: Page, ctx: Context) -> list[Table]:
    """The page's tables, read once per check run."""
    key = ("tables", page.id)
    if key not in ctx.memo:
        ctx.memo[key] = list(tables(page, ctx.book))
    found = ctx.memo[key]
    assert isinstance(found, list)
    return found


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    for table in page_tables(page, ctx):
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
                yield finding(
                    page.display,
                    table.line,
                    1,
                    "TBL004",
                    f"this `{table.kind}` table's header differs from the one at {first_page.display}:{first.line}",
                    "expected | " + " | ".join(first.header) + " |",
                    table.source_line,
                )


def _cells(table: Table, ctx: Context) -> Iterator[Diagnostic]:
    page = table.page
    width = len(split_row(page.source.line(table.line)))
    for _cells_md, line in table.rows:
        source = page.source.line(line)
        actual = split_row(source)
        if len(actual) != width:
            what = "more" if len(actual) > width else "fewer"
            yield ctx.at(
                page,
                line,
                1,
                "TBL001",
                f"row has {len(actual)} cells, {what} than the header's {width}",
                "markdown drops extra cells and pads missing ones; escape a literal pipe as \\|",
            )
        column = 1
        for position, cell in enumerate(actual):
            if not cell.strip() and position < width:
                at = source.find("|" + cell + "|", column - 1)
                name = table.header[position] if position < len(table.header) else ""
                yield ctx.at(
                    page,
                    line,
                    at + 2 if at >= 0 else 1,
                    "TBL002",
                    f"empty cell in column {position + 1} (`{name}`)",
                    "fill it, or write — if the blank is intended",
                )
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
    yield ctx.at(
        table.page,
        table.line,
        1,
        "TBL003",
        f"rubric header does not match scale `{scale.id}`: " + "; ".join(problems or ["columns differ"]),
        f"expected {expected}",
    )
