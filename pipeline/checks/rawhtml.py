"""MD003: raw HTML that the sanitizer removes (pipeline/htmlpolicy.py), named at its source position."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline import htmlpolicy
from pipeline.checks import Context, block_line
from pipeline.diagnostics import Diagnostic
from pipeline.model import Page
from pipeline.sourcepos import locate, locate_token

_INLINE = (
    "inline HTML is never kept, only HTML blocks on lines of their own; its text still shows",
    "use Markdown (`**bold**`, `` `code` ``, a line ending in `\\`) or put the HTML on lines of its own",
)


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    lines = page.source.lines
    for token in page.tokens:
        if token.type == "html_block":
            first = block_line(page, token)
            for removal in htmlpolicy.removals(token.content):
                line, col = locate(lines, first, token.content, removal.pos)
                yield _removed(page, ctx, line, col, removal.what, removal.why, removal.instead)
        elif token.type == "inline":
            for child in token.children or ():
                if child.type != "html_inline" or "start" not in child.meta:
                    continue
                for _pos, tag in htmlpolicy.tags(child.content):  # a start tag (end tags, comments: nothing)
                    line, col = locate_token(lines, page.body_line, token, int(child.meta["start"]))
                    removal = htmlpolicy.removed_element(tag)
                    why, instead = (removal.why, removal.instead) if tag not in htmlpolicy.TAGS else _INLINE
                    yield _removed(page, ctx, line, col, removal.what, why, instead)


def _removed(page: Page, ctx: Context, line: int, col: int, what: str, why: str, instead: str) -> Diagnostic:
    return ctx.at(page, line, col, "MD003", f"{what} is removed from every output: {why}", instead)
