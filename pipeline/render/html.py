"""The HTML site renderer: index, one file per page, references and search; byte-identical, works from file://."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline.config import Config
from pipeline.hashing import digest
from pipeline.model import Book, Page
from pipeline.render import site_pages, site_search
from pipeline.render.cite import Citations, render_citations
from pipeline.render.markup import Links, render_page, site_links

FOLDER = "html"
STATIC = site_pages.TEMPLATES / "static"
SITE_SCRIPT = site_pages.TEMPLATES / "site.js"  # behind the labels in the generated _static/site.js
STATIC_PREFIX = "_static/"
ASSETS_DIR = "assets/"
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Body:
    """A page body rendered by markup.py, with the assets it links and its search index entry."""

    html: str
    assets: tuple[str, ...]
    search: bytes
    rubrics: int


@dataclass(slots=True)
class SiteCache:
    """What ``handbook serve`` keeps between rebuilds, keyed by content hashes; stale keys are dropped."""

    bodies: dict[str, Body] = field(default_factory=dict)
    pages: dict[str, bytes] = field(default_factory=dict)
    citations: dict[str, Citations] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)


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


def render(book: Book, out: Path, config: Config, progress: Progress | None = None) -> list[Path]:
    """Write the site to ``out/html``; ``progress`` hears about every hundredth page."""
    return write(build_site(book, config, progress=progress), out / FOLDER)


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


def build_site(book: Book, config: Config, cache: SiteCache | None = None, progress: Progress | None = None) -> Site:
    """Every file of the site; with ``cache``, unchanged pages are neither rendered nor templated again."""
    cache = cache if cache is not None else SiteCache()
    names = site_pages.Names.of(book)
    texts = [digest(page.source.text) for page in book.pages]
    citations = _citations(book, texts, config, cache)
    book_digest = digest(
        book.manifest.source.text,
        json.dumps([citations.groups, citations.entries], sort_keys=True),
        json.dumps(dataclasses.asdict(names), sort_keys=True),
    )
    links = site_links(names.references)
    book_key = digest(book_digest, json.dumps(site_pages.book_context(book, names), sort_keys=True))
    files: dict[str, bytes] = {}
    bodies: dict[str, Body] = {}
    pages: dict[str, bytes] = {}
    # the body, the page header and the contents all come from the page's text: it keys them all
    keys = [
        digest(book_digest, page.id, page.source.display, text) for page, text in zip(book.pages, texts, strict=True)
    ]
    wanted = frozenset(page.id for page, key in zip(book.pages, keys, strict=True) if key not in cache.bodies)
    fresh = book.map_pages(_body_task, (citations, links, wanted)) if wanted else [None] * len(keys)
    for index, page in enumerate(book.pages):
        body_key = keys[index]
        body = fresh[index] or cache.bodies[body_key]
        bodies[body_key] = body
        around = json.dumps([site_pages.neighbour(book, index, names), index, len(book.pages)])
        page_key = digest("page.html", book_key, body_key, around)
        found = cache.pages.get(page_key)
        if found is None:
            context = site_pages.page_context(book, index, names, body.rubrics)
            found = _html("page.html", {**context, "body": Markup(body.html)})
        files[f"{page.id}.html"] = pages[page_key] = found
        if progress and (index + 1) % 100 == 0:
            progress(f"html: {index + 1}/{len(book.pages)} pages")
    files["index.html"] = _templated("index.html", site_pages.index_context(book, names), cache.pages, pages)
    files[names.search] = _templated("search.html", site_pages.search_context(book, names), cache.pages, pages)
    if book.references:
        context = site_pages.references_context(book, citations, names)
        files[names.references] = _templated("references.html", context, cache.pages, pages)
    cache.bodies, cache.pages = bodies, pages
    files[f"{STATIC_PREFIX}search-index.js"] = site_search.script(bodies[k].search for k in bodies)
    files[f"{STATIC_PREFIX}book.js"] = _book_data(book)
    files[f"{STATIC_PREFIX}site.js"] = site_script(book)
    files.update(static_files())
    return Site(files, _assets(book, bodies.values()))


def _citations(book: Book, texts: list[str], config: Config, cache: SiteCache) -> Citations:
    """Citations for the book: pandoc (or its disk cache) only when the set of citation groups changed."""
    groups: dict[str, tuple[str, ...]] = {}
    ordered: dict[str, None] = {}
    for page, key in zip(book.pages, texts, strict=True):
        found = cache.groups.get(key)
        if found is None:
            found = page.cite_sources
        groups[key] = found
        ordered.update(dict.fromkeys(found))
    cache.groups = groups
    references = json.dumps([ref.csl for ref in book.references], sort_keys=True)
    key = digest(*ordered, references, book.manifest.citation_style, book.manifest.language)
    if key not in cache.citations:
        cache.citations = {key: render_citations(book, config.cache)}
    return cache.citations[key]


def _body_task(page: Page, book: Book, arg: tuple[Citations, Links, frozenset[str]]) -> Body | None:
    """Run where the page's tokens are (pipeline/workers.py): the body of a page whose cache missed."""
    citations, links, wanted = arg
    return _body(page, book, citations, links) if page.id in wanted else None


def _body(page: Page, book: Book, citations: Citations, links: Links) -> Body:
    used: list[str] = []
    markup = render_page(page, book, citations, links, used)
    return Body(
        markup, tuple(used), site_search.page_entry(page, markup).encode(), markup.count('<table class="rubric"')
    )


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
