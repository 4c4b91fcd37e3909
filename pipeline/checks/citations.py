"""CIT checks: unknown keys, unused references, hand-written author-date citations."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from pipeline.checks import Context, PageFacts, block_line, inline_blocks
from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic
from pipeline.model import Page
from pipeline.parse import locate
from pipeline.references import unreadable

# "(Stack Overflow, 2025)", "(38%, per BCG, 2025)", "(Smith et al., 2024a)"
_HANDWRITTEN = re.compile(
    r"\((?:[^()]*?,\s*)?(?:per|see|e\.g\.,?)?\s*([A-Z][\w&/.' -]{1,60}?),\s*((?:19|20)\d{2}[a-z]?)\)"
)


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    known = ctx.book.references
    keys = {ref.id for ref in known}
    if not keys and _unreadable(ctx):
        yield from _handwritten(page, ctx)
        return  # the bibliography's own finding (SCH006, CIT006, FM003…) says it all: no key can be checked
    hints: dict[str, str] = {}  # one suggestion per unknown key, however often it is cited
    for citation in page.citations:
        if citation.key in keys:
            continue
        hint = hints.get(citation.key)
        if hint is None:
            close = difflib.get_close_matches(citation.key, sorted(keys), n=1, cutoff=0.6)
            hint = hints[citation.key] = (
                f"did you mean `@{close[0]}`?" if close else "add the entry to the bibliography"
            )
        yield ctx.at(
            page,
            citation.line,
            citation.col,
            "CIT001",
            f"citation key `@{citation.key}` is not in the bibliography",
            hint,
        )
    yield from _handwritten(page, ctx)


def _unreadable(ctx: Context) -> bool:
    key = ("bibliography", "unreadable")
    if key not in ctx.memo:
        ctx.memo[key] = unreadable(ctx.book.root, ctx.book.manifest.bibliography)
    return bool(ctx.memo[key])


def check_book(facts: list[PageFacts], ctx: Context) -> Iterator[Diagnostic]:
    cited = set().union(*(f.cited for f in facts)) if facts else set()
    for ref in ctx.book.references:
        if ref.id not in cited:
            yield diagnostic(
                ref.display,
                ref.line,
                ref.col,
                "CIT002",
                f"reference `{ref.id}` is never cited",
                f"cite it as [@{ref.id}] or remove it",
                ref.source_line,
            )


def _handwritten(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    lines = page.source.lines
    for token, _in_table in inline_blocks(page):
        for child in token.children or ():
            if child.type != "text" or "(" not in child.content:
                continue
            for match in _HANDWRITTEN.finditer(child.content):
                pos = max(token.content.find(match.group(0)), 0)
                line, col = locate(lines, block_line(page, token), token.content, pos, match.group(0))
                yield ctx.at(
                    page,
                    line,
                    col,
                    "CIT005",
                    f"hand-written citation `{match.group(0)}`",
                    f"write it as [@key] with an entry for {match.group(1)}, {match.group(2)}",
                )
