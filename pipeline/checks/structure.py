"""MD checks: Markdown the parser could not read whole (nesting past its limit)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.checks import Context
from pipeline.diagnostics import Diagnostic
from pipeline.model import Page
from pipeline.parse import MAX_NESTING


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    for token in page.tokens:
        if token.type != "nesting_too_deep" or not token.map:
            continue
        first, last = page.body_line + token.map[0], page.body_line + token.map[1] - 1
        lines = f"line {first}" if first >= last else f"lines {first}–{last}"
        yield ctx.at(
            page,
            first,
            int(token.meta.get("col", 0)) + 1,
            "MD001",
            f"nesting deeper than {MAX_NESTING} levels: {lines} not read, so not checked and in no output",
            "flatten the lists or block quotes",
        )
