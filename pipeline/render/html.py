"""The HTML site renderer: index, one file per page, references and search; byte-identical, works from file://."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline.config import Config
from pipeline.hashing import digest
from pipeline.model import Book, Page
from pipeline.render import site_pages, site_search
from pipeline.render.cite import CitationMarks, Citations, Uses, fill, fill_json, groups_of, render_citations
from pipeline.render.markup import render_page, site_links

FOLDER = "html"
STATIC = site_pages.TEMPLATES / "static"
SITE_SCRIPT = site_pages.TEMPLATES / "site.js"  # behind the labels in the generated _static/site.js
STATIC_PREFIX = "_static/"
ASSETS_DIR = "assets/"


@dataclass(frozen=True, slots=True)
class Body:
    """A page body rendered by markup.py with citation marks (cite.CitationMarks), the assets it links,
    its search index entry (marked alike) and how many rubric tables it holds."""

    html: str
    assets: tuple[str, ...]
    search: str
    rubrics: int
    uses: Uses


@dataclass(slots=True)
class SiteCache:
    """What ``handbook serve`` keeps between rebuilds, keyed by content hashes; stale keys are dropped."""

    pages: dict[str, bytes] = field(default_factory=dict)
    citations: dict[str, Citations] = field(default_factory=dict)


@dataclass(slots=True)
class Site:
    """The site in memory: generated files by site path, and source files copied as they are."""

    files: dict[str, bytes]
    assets: dict[str, Path]

    def get(self, path: str) -> bytes | None:
        if path in self.files:
            return self.files[path]
        source = self.assets.get(path)
        return source.read_bytes() if source is not None and source.is_file() else None


def page_part(page: Page, book: Book) -> Body:
    """Made where the page's tokens are, before the book's citations are rendered."""
    marks = CitationMarks()
    used: list[str] = []
    markup = render_page(page, book, marks, site_links(), used)
    search = site_search.page_entry(page, markup)
    return Body(markup, tuple(used), search, markup.count('<table class="rubric"'), tuple(marks.uses))


def render(book: Book, parts: Sequence[Body], out: Path, config: Config) -> list[Path]:
    """Write the site to ``out/html``."""
    return write(build_site(book, parts, config), out / FOLDER)


def write(site: Site, root: Path) -> list[Path]:
    written = []
    for rel in sorted(site.files):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(site.files[rel])
        written.append(path)
    for rel in sorted(site.assets):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site.assets[rel], path)
        written.append(path)
    return written


def build_site(book: Book, parts: Sequence[Body], config: Config, cache: SiteCache | None = None) -> Site:
    """Every file of the site from the pages' bodies; with ``cache``, unchanged pages are not templated again."""
    cache = cache if cache is not None else SiteCache()
    names = site_pages.Names.of(book)
    citations = _citations(book, config, cache)
    reference = site_links(names.references).reference
    book_key = digest(
        book.manifest.source.text,
        json.dumps(dataclasses.asdict(names), sort_keys=True),
        json.dumps(site_pages.book_context(book, names), sort_keys=True),
    )
    files: dict[str, bytes] = {}
    pages: dict[str, bytes] = {}
    search: list[bytes] = []
    for index, (page, body) in enumerate(zip(book.pages, parts, strict=True)):
        used = [citations.html(source, reference) if href else citations.text(source) for source, href in body.uses]
        around = json.dumps([site_pages.neighbour(book, index, names), index, len(book.pages)])
        # the body, the page header and the contents all come from the page's text and its citations
        page_key = digest("page.html", book_key, page.id, page.source.display, page.source.text, around, *used)
        found = cache.pages.get(page_key)
        if found is None:
            context = site_pages.page_context(book, index, names, body.rubrics)
            found = _html("page.html", {**context, "body": Markup(fill(body.html, body.uses, citations, reference))})
        files[f"{page.id}.html"] = pages[page_key] = found
        search.append(fill_json(body.search, body.uses, citations, as_text=True).encode())
    files["index.html"] = _templated("index.html", site_pages.index_context(book, names), cache.pages, pages)
    files[names.search] = _templated("search.html", site_pages.search_context(book, names), cache.pages, pages)
    if book.references:
        context = site_pages.references_context(book, citations, names)
        files[names.references] = _templated("references.html", context, cache.pages, pages)
    cache.pages = pages
    files[f"{STATIC_PREFIX}search-index.js"] = site_search.script(search)
    files[f"{STATIC_PREFIX}book.js"] = _book_data(book)
    files[f"{STATIC_PREFIX}site.js"] = site_script(book)
    files.update(static_files())
    return Site(files, _assets(book, parts))


def _citations(book: Book, config: Config, cache: SiteCache) -> Citations:
    """Citations for the book: pandoc (or its disk cache) only when the set of citation groups changed."""
    references = json.dumps([ref.csl for ref in book.references], sort_keys=True)
    key = digest(*groups_of(book), references, book.manifest.citation_style, book.manifest.language)
    if key not in cache.citations:
        cache.citations = {key: render_citations(book, config.cache)}
    return cache.citations[key]


def _templated(name: str, context: dict[str, Any], old: dict[str, bytes], new: dict[str, bytes]) -> bytes:
    """A template rendered, or taken from ``old`` when its context is unchanged; kept in ``new``."""
    key = digest(name, json.dumps(context, sort_keys=True, default=str))
    found = old.get(key)
    new[key] = found if found is not None else _html(name, context)
    return new[key]


def _html(name: str, context: dict[str, Any]) -> bytes:
    return site_pages.template(name).render(context).encode()


def _book_data(book: Book) -> bytes:
    """``window.HANDBOOK_BOOK``: the scales' level names, which rubric tables only show as labels."""
    scales = {
        scale.id: {
            "name": scale.name,
            "levels": [{"id": lv.id, "label": lv.label, "name": lv.name} for lv in scale.levels],
        }
        for scale in book.manifest.scales.values()
    }
    data = json.dumps({"id": book.manifest.id, "scales": scales}, sort_keys=True, ensure_ascii=False)
    return f"window.HANDBOOK_BOOK = {data};\n".encode()


def site_script(book: Book) -> bytes:
    """``_static/site.js``: ``window.HANDBOOK_LABELS`` in the handbook's language, then the site's behaviour.

    Every page loads site.js before its other scripts, so the words the scripts show reach them all.
    """
    data = json.dumps(site_pages.labels_of(book).script_data(), sort_keys=True, ensure_ascii=False)
    return f"window.HANDBOOK_LABELS = {data};\n".encode() + SITE_SCRIPT.read_bytes()


def static_files() -> dict[str, bytes]:
    """The site's own CSS, JS and icon, shipped with the pipeline as they are (site.js is generated)."""
    return {
        f"{STATIC_PREFIX}{path.relative_to(STATIC).as_posix()}": path.read_bytes()
        for path in sorted(STATIC.rglob("*"))
        if path.is_file()
    }


def _assets(book: Book, bodies: Iterable[Body]) -> dict[str, Path]:
    """Everything under source/assets/, plus any other source file a page links to."""
    linked = {path for body in bodies for path in body.assets}
    wanted = sorted(p for p in book.assets if p.startswith(ASSETS_DIR) or p in linked)
    return {path: book.root / path for path in wanted}
