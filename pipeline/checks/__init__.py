"""The ordered check chain, and the context every check receives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from markdown_it.token import Token

from pipeline.codes import default_severity
from pipeline.diagnostics import Diagnostic
from pipeline.model import Book, Page


@dataclass(frozen=True, slots=True)
class Context:
    """What checks share: the book and helpers to make diagnostics at page positions."""

    book: Book

    def at(self, page: Page, line: int, col: int, code: str, message: str, hint: str = "") -> Diagnostic:
        return finding(page.source.display, line, col, code, message, hint, page.source.line(line))


def finding(path: str, line: int, col: int, code: str, message: str, hint: str = "",
            source_line: str = "") -> Diagnostic:
    """A diagnostic with its code's default severity (the manifest may override it later)."""
    return Diagnostic(path, line, col, code, default_severity(code), message, hint, source_line)


def block_line(page: Page, token: Token) -> int:
    """File line where a block token starts."""
    return page.body_line + (token.map[0] if token.map else 0)


def inline_blocks(page: Page) -> Iterator[tuple[Token, bool]]:
    """Every inline token of a page, with whether it sits inside a table."""
    in_table = False
    for token in page.tokens:
        if token.type == "table_open":
            in_table = True
        elif token.type == "table_close":
            in_table = False
        elif token.type == "inline":
            yield token, in_table


Check = Callable[[Book, Context], Iterator[Diagnostic]]


def all_checks() -> tuple[Check, ...]:
    """The check chain, in order (one module per concern)."""
    from pipeline.checks import citations, claims, links, tables, vocabulary

    return (citations.check, tables.check, links.check, vocabulary.check, claims.check)


def run_checks(book: Book) -> list[Diagnostic]:
    """Run every check and drop findings suppressed by a `<!-- handbook: ignore CODE -->` comment."""
    ctx = Context(book)
    found = [d for check in all_checks() for d in check(book, ctx)]
    return [d for d in found if not suppressed(book, d)]


def suppressed(book: Book, diag: Diagnostic) -> bool:
    for page in book.pages:
        if page.source.display != diag.path:
            continue
        return any(diag.code in codes and first <= diag.line <= last for codes, first, last in page.suppressions)
    return False
