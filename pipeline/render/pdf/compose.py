"""The print template filled in: the whole book, or one chunk of it, as HTML for WeasyPrint (or in pieces, to hash)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup

from pipeline.render.pdf.document import Chapter, PrintBook, generator
from pipeline.render.pdf.fonts import fonts_css

GOTO = "hb-goto:"  # a link into another chunk: a PDF destination again once the chunks are merged
TOC_FULL_LIMIT = 400  # above this many entries the contents lists chapters only
_HREF = re.compile(r' href="#([^"]*)"')


@functools.cache
def _template_text(name: str) -> str:
    return (files("pipeline") / "templates" / "pdf" / name).read_text(encoding="utf-8")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_text),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["css_string"] = css_string
    return env


def css_string(value: str) -> Markup:
    """A CSS string literal, safe inside <style>: quotes, backslashes, line breaks and '<' escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return Markup(f'"{escaped}"')


def compose(
    book: PrintBook,
    *,
    front: bool = True,
    chapters: Sequence[Chapter] | None = None,
    back: bool = True,
    numbers: dict[str, int] | None = None,
    bookmarks: bool = True,
    goto: bool = False,
) -> str:
    """The template filled in with the parts asked for (``pieces`` joined): what a WeasyPrint call is given."""
    whole = pieces(book, front=front, chapters=chapters, back=back, numbers=numbers, bookmarks=bookmarks, goto=goto)
    return "".join(whole)


def pieces(
    book: PrintBook,
    *,
    front: bool = True,
    chapters: Sequence[Chapter] | None = None,
    back: bool = True,
    numbers: dict[str, int] | None = None,
    bookmarks: bool = True,
    goto: bool = False,
) -> Iterator[str]:
    """``compose``'s HTML one piece at a time: the opening (head, cover, contents), each chapter (its body made
    as it comes), the closing (references): hashing them holds one chapter's HTML at a time, never the document.

    ``numbers`` prints literal page numbers in the contents (chunks) instead of target-counter() (a chunk's
    own page numbers are set after its layout: numbering.py); ``goto`` turns every internal link into a
    GOTO link (a chunk: merge.py resolves them). Links to anchors the book does not have become plain text.
    Each piece is whole elements, so its links are resolved on their own as in the joined document.
    """
    parts = book.chapters if chapters is None else tuple(chapters)
    local, everywhere = (frozenset(), book.ids) if goto else (local_ids(book, front, parts, back), frozenset())
    template = _environment().get_template("handbook.html.j2")
    values = _values(book, parts, front, back, numbers, bookmarks)
    yield link_targets(_block(template, "opening", values), local, everywhere)
    for chapter in parts:
        yield link_targets(_block(template, "chapter", {**values, "chapter": chapter}), local, everywhere)
    yield link_targets(_block(template, "closing", values), local, everywhere)


def _values(
    book: PrintBook,
    chapters: tuple[Chapter, ...],
    front: bool,
    back: bool,
    numbers: dict[str, int] | None,
    bookmarks: bool,
) -> dict[str, Any]:
    """What the template is filled in with."""
    return {
        "book": book,
        "labels": book.labels,
        "chapters": chapters,
        "front": front,
        "back": back,
        "numbers": numbers,
        "bookmarks": bookmarks,
        "toc": book.outline()[1:],
        "toc_depth": toc_depth(book),
        "generator": generator(),
        "fonts_css": fonts_css(),
        "print_css": _template_text("print.css"),
    }


def _block(template: jinja2.Template, name: str, values: dict[str, Any]) -> str:
    """One block of the template filled in: the opening, a chapter or the closing."""
    return "".join(template.blocks[name](template.new_context(values)))


def toc_depth(book: PrintBook) -> int:
    sections = sum(1 + len(chapter.outline.children) for chapter in book.chapters)
    return 2 if sections <= TOC_FULL_LIMIT else 1


def local_ids(book: PrintBook, front: bool, chapters: Sequence[Chapter], back: bool) -> frozenset[str]:
    ids: set[str] = {"contents"} if front else set()
    for chapter in chapters:
        ids |= chapter.ids
    if back and book.references:
        ids |= {"references", *(f"ref-{key}" for key, _ in book.references)}
    return frozenset(ids)


def link_targets(html: str, local: frozenset[str], everywhere: frozenset[str]) -> str:
    """Keep links to ``local`` anchors; those in ``everywhere`` become GOTO links; the rest lose their href."""

    def fix(match: re.Match[str]) -> str:
        if match[1] in local:
            return match[0]
        return f' href="{GOTO}{match[1]}"' if match[1] in everywhere else ""

    return _HREF.sub(fix, html)
