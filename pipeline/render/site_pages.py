"""What the site's templates receive: book, labels, page, contents, references and search contexts, and Jinja."""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from pipeline.model import Book, Heading, Page
from pipeline.render.cite import Citations
from pipeline.render.labels import Labels, labels

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site"

# No inline script or style element; style attributes stay allowed for markdown-it's column alignment.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class Names:
    """File names of the site's own pages, moved aside when a handbook page already uses one."""

    references: str
    search: str

    @classmethod
    def of(cls, book: Book) -> Names:
        taken = {f"{page.id}.html" for page in book.pages}

        def free(name: str) -> str:
            while name in taken:
                name = f"_{name}"
            return name

        return cls(free("references.html"), free("search.html"))


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.globals["csp"] = CSP
    return env


def template(name: str) -> Template:
    return environment().get_template(name)


def date_of(book: Book) -> tuple[str, str]:
    """(ISO date, date in words in the handbook's language) from the manifest, else SOURCE_DATE_EPOCH, else empty."""
    iso = book.manifest.date
    if not iso and os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        iso = dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC).date().isoformat()
    return iso, labels_of(book).date_words(iso)


def labels_of(book: Book) -> Labels:
    """The interface words in the handbook's language (render/labels.py)."""
    return labels(book.manifest.language or "en")


def book_context(book: Book, names: Names) -> dict[str, Any]:
    """The book-wide values every template shows (header, footer, metadata)."""
    man = book.manifest
    iso, words = date_of(book)
    return {
        "id": man.id,
        "title": man.title,
        "subtitle": man.subtitle,
        "version": man.version,
        "language": man.language or "en",
        "date": iso,
        "date_text": words,
        "licence": man.licence,
        "authors": [author.name for author in man.authors],
        "description": man.description,
        "keywords": list(man.keywords),
        "references": names.references,
        "search": names.search,
        "has_references": bool(book.references),
    }


def toc(headings: tuple[Heading, ...]) -> list[dict[str, Any]]:
    """Sections (h1/h2) with their sub-sections (h3) for a page's table of contents."""
    out: list[dict[str, Any]] = []
    for heading in headings:
        entry = {"anchor": heading.anchor, "text": heading.text}
        if heading.level <= 2 or not out:
            out.append({**entry, "children": []})
        elif heading.level == 3:
            out[-1]["children"].append(entry)
    return out


def page_meta(page: Page) -> dict[str, Any]:
    """Frontmatter values the page header and the contents show."""
    meta = page.meta
    objectives = meta.get("objectives")
    minutes = meta.get("estimated_minutes")
    return {
        "id": page.id,
        "href": f"{page.id}.html",
        "title": page.title,
        "subtitle": str(meta.get("subtitle") or ""),
        "summary": str(meta.get("summary") or ""),
        "status": str(meta.get("status") or ""),
        "objectives": [str(item) for item in objectives] if isinstance(objectives, list) else [],
        "minutes": minutes if isinstance(minutes, int) and not isinstance(minutes, bool) else None,
    }


def neighbour(book: Book, index: int, names: Names) -> tuple[dict[str, str], dict[str, str] | None]:
    """Previous and next link of the page at ``index``: the contents before the first, references after the last."""
    pages = book.pages
    words = labels_of(book)
    prev = (
        {"href": "index.html", "title": words["contents"]}
        if index == 0
        else {"href": f"{pages[index - 1].id}.html", "title": pages[index - 1].title}
    )
    if index + 1 < len(pages):
        return prev, {"href": f"{pages[index + 1].id}.html", "title": pages[index + 1].title}
    return prev, ({"href": names.references, "title": words["references"]} if book.references else None)


def page_context(book: Book, index: int, names: Names, rubrics: int) -> dict[str, Any]:
    """Everything page.html shows except the body (which the caller adds, rendered by markup.py)."""
    page = book.pages[index]
    prev, nxt = neighbour(book, index, names)
    return {
        "book": book_context(book, names),
        "labels": labels_of(book),
        "page": page_meta(page),
        "toc": toc(page.headings),
        "prev": prev,
        "next": nxt,
        "rubrics": rubrics,
        "position": index + 1,
        "total": len(book.pages),
    }


def index_entry(page: Page) -> dict[str, Any]:
    """A page as the contents list it: its header values and its sections."""
    sections = [{"anchor": h.anchor, "text": h.text} for h in page.headings if h.level <= 2]
    return {**page_meta(page), "sections": sections}


def index_context(book: Book, names: Names) -> dict[str, Any]:
    pages = [index_entry(page) for page in book.pages]
    minutes = sum(p["minutes"] or 0 for p in pages)
    return {"book": book_context(book, names), "labels": labels_of(book), "pages": pages, "minutes": minutes}


def citing(page: Page) -> tuple[str, str, list[str]]:
    """A page as the references list it: its link, its title and the keys it cites, first citation first."""
    return f"{page.id}.html", page.title, list(dict.fromkeys(c.key for c in page.citations))


def references_context(book: Book, citations: Citations, names: Names, shown: int = 12) -> dict[str, Any]:
    """Bibliography entries (pandoc's order) with the pages citing each, the first ``shown`` linked."""
    by_key: dict[str, list[dict[str, str]]] = {}
    for page in book.pages:
        href, title, keys = citing(page)
        for key in keys:
            by_key.setdefault(key, []).append({"href": href, "title": title})
    entries = [
        {
            "key": key,
            "html": Markup(body),
            "pages": by_key.get(key, [])[:shown],
            "more": max(0, len(by_key.get(key, [])) - shown),
        }
        for key, body in citations.entries.items()
    ]
    return {"book": book_context(book, names), "labels": labels_of(book), "entries": entries}


def search_context(book: Book, names: Names) -> dict[str, Any]:
    return {"book": book_context(book, names), "labels": labels_of(book)}
