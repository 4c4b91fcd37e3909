"""MD checks: Markdown the parser could not read whole (nesting past its limit, an HTML block never closed)."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.checks import Context
from pipeline.diagnostics import Diagnostic
from pipeline.model import Page
from pipeline.parse import MAX_NESTING

# HTML blocks that end only at a closing marker (CommonMark's kinds 1–5): opener → closer
_CLOSERS = (
    (("<script", "<pre", "<style", "<textarea"), None),  # None: the same element's end tag
    (("<!--",), "-->"),
    (("<?",), "?>"),
    (("<![cdata[",), "]]>"),
    (("<!",), ">"),
)


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    yield from _unterminated_html(page, ctx)
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


def _unterminated_html(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    """An HTML block of a kind that ends only at its closer, and whose content has none, ran to the
    end of its page or container: markdown-it gives no sign of it but the missing closer."""
    for token in page.tokens:
        if token.type != "html_block" or not token.map:
            continue
        content = token.content.lstrip()
        opener, closer = _kind(content.lower())
        if not opener or closer in token.content.lower():  # markdown-it looks for it on every line, opener included
            continue
        first, last = page.body_line + token.map[0], page.body_line + token.map[1] - 1
        col = page.source.line(first).lower().find(opener) + 1 or 1
        span = f"line {first} is" if first >= last else f"lines {first}–{last} are"
        yield ctx.at(
            page,
            first,
            col,
            "MD002",
            f"`{content[: len(opener)]}` is never closed with `{closer}`: {span} read as HTML, to the end of the "
            + ("page" if token.level == 0 else "list or quote")
            + ", and missing from every output",
            f"add `{closer}` where the HTML should end",
        )


def _kind(content: str) -> tuple[str, str]:
    """(opener, closer) of an HTML block that ends only at its closer, or ('', '')."""
    for openers, closer in _CLOSERS:
        for opener in openers:
            if content.startswith(opener) and (closer or not content[len(opener) : len(opener) + 1].isalnum()):
                return opener, closer or f"</{opener[1:]}>"
    return "", ""
