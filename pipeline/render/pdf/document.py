"""The print document: book → cover, contents, chapters (from render_page, made again as composed), references."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pipeline import version as pipeline_version
from pipeline.model import Book, Page
from pipeline.render.cite import CitationMarks, Citations, Uses, fill, plain
from pipeline.render.labels import Labels, labels
from pipeline.render.markup import Links, render_page

GLOBAL = "#="  # marks hrefs that already name a document-wide anchor (see _localise)
_HREF = re.compile(r' href="#([^"]*)"')
_ID = re.compile(r' id="([^"]*)"')


@dataclass(frozen=True, slots=True)
class Section:
    """A heading of the outline tree: what the bookmarks and the contents show."""

    level: int
    title: str
    anchor: str
    children: tuple[Section, ...] = ()


@dataclass(frozen=True, slots=True)
class Chapter:
    """One handbook page as a chapter: its outline and document-wide ids; its body HTML is made when composed."""

    index: int  # the page's place in the book: the part its body is made from (``Bodies``)
    page_id: str
    title: str
    subtitle: str
    outline: Section
    ids: frozenset[str]
    text_length: int  # characters of text, to estimate its page count


@dataclass(frozen=True, slots=True)
class Bodies:
    """The chapters' body HTML, made from the pages' parts (kept packed: pages.Parts) each time it is asked for.

    Its caller drops it once used: the print HTML of a large handbook is never in memory all at once.
    """

    parts: Sequence[ChapterPart]
    citations: Citations

    def html(self, chapter: Chapter) -> str:
        return _body(self.parts[chapter.index], chapter.page_id, self.citations)


@dataclass(frozen=True, slots=True)
class PrintBook:
    """Everything the print template shows: the front and back matter rendered, each chapter's body made as the
    template reaches it (``body``)."""

    handbook_id: str
    kicker: str  # the line above the cover title: "Handbook" (in its language), or the title on a page's own PDF
    title: str
    subtitle: str
    description: str
    version: str
    date: str  # as printed on the cover
    timestamp: str  # W3C date-time for the PDF dates, '' for none
    authors: tuple[str, ...]
    licence: str
    language: str
    keywords: tuple[str, ...]
    paper: str
    chapters: tuple[Chapter, ...]
    references: tuple[tuple[str, str], ...]  # (key, entry HTML) in bibliography order
    bodies: Bodies

    def body(self, chapter: Chapter) -> str:
        """The chapter's body HTML, with document-wide ids."""
        return self.bodies.html(chapter)

    @property
    def labels(self) -> Labels:
        """The interface words in the handbook's language (render/labels.py)."""
        return labels(self.language)

    @property
    def ids(self) -> frozenset[str]:
        fixed = {"contents", "references"} | {f"ref-{key}" for key, _ in self.references}
        return frozenset(fixed).union(*(chapter.ids for chapter in self.chapters))

    def outline(self) -> tuple[Section, ...]:
        """The bookmark tree: Contents, one entry per chapter with its headings, References."""
        words = self.labels
        tail = (Section(1, words["references"], "references"),) if self.references else ()
        return (Section(1, words["contents"], "contents"), *(c.outline for c in self.chapters), *tail)


def chapter_anchor(page_id: str) -> str:
    return f"chapter--{page_id}"


@dataclass(frozen=True, slots=True)
class ChapterPart:
    """A page's chapter body as render_page writes it, with citation marks (cite.CitationMarks)."""

    body: str
    tree: tuple[Section, ...]
    uses: Uses


def page_part(page: Page, book: Book) -> ChapterPart:
    """Made where the page's tokens are, before the book's citations are rendered."""
    marks = CitationMarks()
    body = render_page(page, book, marks, Links(_print_href, f"{GLOBAL}ref-"))
    return ChapterPart(body, _tree(page), tuple(marks.uses))


def print_book(
    book: Book, parts: Sequence[ChapterPart], citations: Citations, pages: tuple[Page, ...] | None = None
) -> PrintBook:
    """The print document of the whole book, or of some of its pages (a split PDF)."""
    man = book.manifest
    chosen = book.pages if pages is None else pages
    if len(parts) != len(book.pages):
        raise ValueError(f"{len(parts)} chapter parts for {len(book.pages)} pages")
    wanted = frozenset(page.id for page in chosen)
    chapters = tuple(
        _chapter(index, page, parts[index], citations) for index, page in enumerate(book.pages) if page.id in wanted
    )
    cited = {c.key for page in chosen for c in page.citations}
    references = tuple((key, entry) for key, entry in citations.entries.items() if key in cited)
    split = pages is not None and len(pages) == 1
    first = chosen[0] if split else None
    language = man.language or "en"
    return PrintBook(
        man.id,
        man.title if first else labels(language)["handbook"],
        first.title if first else man.title,
        str(first.meta.get("subtitle") or "") if first else man.subtitle,
        str(first.meta.get("summary") or man.description) if first else man.description,
        man.version,
        labels(language).date_words(man.date),
        _timestamp(man.date),
        tuple(a.name for a in man.authors),
        man.licence,
        language,
        man.keywords,
        "letter" if man.paper.lower() == "letter" else "A4",
        chapters,
        references,
        Bodies(parts, citations),
    )


def _chapter(index: int, page: Page, part: ChapterPart, citations: Citations) -> Chapter:
    """The chapter's outline, ids and text length, from its body made once here (and dropped)."""
    body = _body(part, page.id, citations)
    anchor = chapter_anchor(page.id)
    return Chapter(
        index,
        page.id,
        page.title,
        str(page.meta.get("subtitle") or ""),
        Section(1, page.title, anchor, part.tree),
        frozenset({anchor, *_ID.findall(body)}),
        len(plain(body)),
    )


def _body(part: ChapterPart, page_id: str, citations: Citations) -> str:
    return _localise(fill(part.body, part.uses, citations), page_id)


def _print_href(page_id: str, fragment: str) -> str:
    return GLOBAL + _target(page_id, fragment)


def _target(page_id: str, fragment: str) -> str:
    if page_id == "index":
        return "contents"
    return f"{page_id}--{fragment}" if fragment else chapter_anchor(page_id)


def _localise(body: str, page_id: str) -> str:
    """Prefix the page's own ids and in-page links so pages can share one document."""
    body = _ID.sub(lambda m: f' id="{page_id}--{m[1]}"', body)
    return _HREF.sub(lambda m: f' href="#{m[1][1:]}"' if m[1].startswith("=") else f' href="#{page_id}--{m[1]}"', body)


def _tree(page: Page) -> tuple[Section, ...]:
    """Headings h2… of a page nested by level (a skipped level nests under the nearest shallower one)."""
    root: list[tuple[int, str, str, list[Any]]] = []
    stack: list[tuple[int, str, str, list[Any]]] = []
    for heading in page.headings:
        if heading.level < 2:
            continue
        node: tuple[int, str, str, list[Any]] = (heading.level, heading.text, f"{page.id}--{heading.anchor}", [])
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        (stack[-1][3] if stack else root).append(node)
        stack.append(node)
    return _freeze(root)


def _freeze(nodes: list[tuple[int, str, str, list[Any]]]) -> tuple[Section, ...]:
    return tuple(Section(level, title, anchor, _freeze(kids)) for level, title, anchor, kids in nodes)


def _timestamp(manifest_date: str) -> str:
    """The PDF's creation date: SOURCE_DATE_EPOCH when set (reproducible builds), else the manifest date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        return date.fromisoformat(manifest_date).strftime("%Y-%m-%dT00:00:00Z")
    except ValueError:
        return ""


@functools.cache
def generator() -> str:
    from importlib.metadata import version

    return f"handbook-pipeline {pipeline_version()} (WeasyPrint {version('weasyprint')})"
