"""The check chain: page-local checks, then book-level checks over small per-page facts.

Page checks need one parsed page plus the manifest and references, so they can run in worker
processes right after parsing; book checks (unused references, cross-page links, table kinds)
need only the PageFacts every page leaves behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from markdown_it.token import Token

from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic
from pipeline.gcpause import collector_paused
from pipeline.model import Book, Page
from pipeline.pickling import by_fields
from pipeline.tables import tables as tables_of  # not `tables`: the name of the TBL checks' module here

Suppressions = tuple[tuple[tuple[str, ...], int, int], ...]  # codes, first line, last line


@by_fields
@dataclass(frozen=True, slots=True)
class PageLink:
    """A link to another page (and anchor), resolved once every page has been parsed."""

    display: str
    line: int
    col: int
    source_line: str
    page: str
    fragment: str
    written: str


@by_fields
@dataclass(frozen=True, slots=True)
class TableFacts:
    kind: str
    header: tuple[str, ...]
    line: int
    source_line: str


@by_fields
@dataclass(frozen=True, slots=True)
class PageFacts:
    """What book-level checks need to know of a page."""

    id: str
    display: str
    anchors: tuple[str, ...]  # sorted, as every set here: facts are cached, and must pickle the same every time
    cited: tuple[str, ...]
    tables: tuple[TableFacts, ...]
    links: tuple[PageLink, ...]
    suppressions: Suppressions


@dataclass(frozen=True, slots=True)
class Context:
    """What checks share: the book (possibly only some of its pages) and a diagnostic maker.

    ``memo`` keeps what is worked out once per book.
    """

    book: Book
    memo: dict[tuple[str, str], object] = field(default_factory=dict)

    def at(self, page: Page, line: int, col: int, code: str, message: str, hint: str = "") -> Diagnostic:
        return diagnostic(page.source.display, line, col, code, message, hint, page.source.line(line))


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


PageCheck = Callable[[Page, Context], Iterator[Diagnostic]]
BookCheck = Callable[[list[PageFacts], Context], Iterator[Diagnostic]]


def page_checks() -> tuple[PageCheck, ...]:
    """Page-local checks, in order (one module per concern)."""
    from pipeline.checks import citations, claims, links, rawhtml, structure, tables, vocabulary

    return (
        structure.check_page,
        rawhtml.check_page,
        citations.check_page,
        tables.check_page,
        links.check_page,
        vocabulary.check_page,
        claims.check_page,
    )


def book_checks() -> tuple[BookCheck, ...]:
    from pipeline.checks import assets, citations, links, tables

    return (citations.check_book, tables.check_book, links.check_book, assets.check_book)


def check_page(page: Page, ctx: Context) -> tuple[list[Diagnostic], PageFacts]:
    """Every page-local finding (suppressions applied) and the page's facts."""
    from pipeline.checks import links

    with collector_paused():  # the checks walk the page's tokens, making many small objects on the way
        found = [d for check in page_checks() for d in check(page, ctx)]
    facts = PageFacts(
        page.id,
        page.source.display,
        tuple(sorted({h.anchor for h in page.headings})),
        tuple(sorted({c.key for c in page.citations})),
        tuple(TableFacts(t.kind, t.header, t.line, page.source.line(t.line)) for t in tables_of(page, ctx.book)),
        tuple(links.cross_page(page)),
        page.suppressions,
    )
    return [d for d in found if not suppressed(page.suppressions, d)], facts


def check_facts(facts: list[PageFacts], ctx: Context) -> list[Diagnostic]:
    """Book-level findings, with each page's suppressions applied."""
    ranges = {f.display: f.suppressions for f in facts}
    found = [d for check in book_checks() for d in check(facts, ctx)]
    return [d for d in found if not suppressed(ranges.get(d.path, ()), d)]


def suppressed(ranges: Suppressions, diag: Diagnostic) -> bool:
    return any(diag.code in codes and first <= diag.line <= last for codes, first, last in ranges)
