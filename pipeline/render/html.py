"""The HTML site renderer: index, one file per page, references and search; byte-identical, works from file://."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import pickle
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline.config import Config
from pipeline.forked import on_both_cores
from pipeline.hashing import code_digest, digest
from pipeline.model import Book, Page
from pipeline.render import site_pages, site_search
from pipeline.render.cite import Citations, Uses, fill, fill_json, groups_of, render_citations
from pipeline.render.markup import SiteHtml, site_links
from pipeline.store import Store

FOLDER = "html"
STATIC = site_pages.TEMPLATES / "static"
SITE_SCRIPT = site_pages.TEMPLATES / "site.js"  # behind the labels in the generated _static/site.js
STATIC_PREFIX = "_static/"
ASSETS_DIR = "assets/"
SEARCH_INDEX = f"{STATIC_PREFIX}search-index.js"
SPLIT_PAGES = 64  # fewer pages to template than this are templated in this process alone
DIGESTS = "digests.pickle"  # the contents' and pages' digests of the last build, in its cache folder


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
    """What a build reuses from earlier builds: the templated pages (with their search entries and linked
    assets) and search shards by content key, in memory (``handbook serve``) or in the cache folder; the
    latest citations."""

    pages: Store = field(default_factory=Store)
    citations: dict[str, Citations] = field(default_factory=dict)
    # what the contents and the references list of each page, digested, by (list, page id, page source key)
    listed: dict[tuple[str, str, str], str] = field(default_factory=dict)
    keys: dict[tuple[object, ...], str] = field(default_factory=dict)  # each page's key by what it digests
    entries: dict[str, str] = field(default_factory=dict)  # page key → store key of its shard's search entries

    @classmethod
    def kept(cls, folder: Path) -> SiteCache:
        """The cache an earlier build left in ``folder``, with its digests (when this code made them)."""
        pages = Store(folder)
        found = pages.get(DIGESTS)
        with contextlib.suppress(Exception):  # none, or unreadable: every digest is made again
            made_by, listed, keys, entries = pickle.loads(found) if found is not None else ((), {}, {}, {})
            if made_by == code_digest():
                return cls(pages, listed=listed, keys=keys, entries=entries)
        return cls(pages)

    def keep_digests(self) -> None:
        """Save the digests of this build (only theirs) for the next build to read (``kept``)."""
        kept = (code_digest(), self.listed, self.keys, self.entries)
        self.pages.put(DIGESTS, pickle.dumps(kept, pickle.HIGHEST_PROTOCOL))


@dataclass(slots=True)
class Site:
    """The site in memory: generated files by site path, files kept whole in the cache (``linked``, by key:
    the pages and the search shards), and source files copied as they are."""

    files: dict[str, bytes]
    assets: dict[str, Path]
    linked: dict[str, str] = field(default_factory=dict)

    def generated(self) -> list[str]:
        """The site path of every file the site is made of, besides the copied source files."""
        return sorted([*self.files, *self.linked])

    def get(self, path: str, cache: SiteCache) -> bytes | None:
        if path in self.files:
            return self.files[path]
        if path in self.linked:
            return cache.pages.get(self.linked[path])
        source = self.assets.get(path)
        return source.read_bytes() if source is not None and source.is_file() else None


def page_part(page: Page, book: Book, site: SiteHtml) -> Body:
    """Made where the page's tokens are, before the book's citations are rendered."""
    rendered, uses = site.get()
    markup = rendered.body
    search = site_search.page_entry(page, markup)
    return Body(markup, rendered.assets, search, markup.count('<table class="rubric"'), uses)


def render(book: Book, parts: Sequence[Body], out: Path, config: Config) -> list[Path]:
    """Write the site to ``out/html``; pages whose inputs did not change are linked from the cache."""
    cache = SiteCache.kept(config.cache / FOLDER)
    written = write(build_site(book, parts, config, cache), out / FOLDER, cache)
    cache.keep_digests()
    cache.pages.retain_used()
    return written


def write(site: Site, root: Path, cache: SiteCache) -> list[Path]:
    written = []
    folders: set[Path] = set()  # made already: a site is a thousand pages in a few folders
    for rel in site.generated():
        path = root / rel
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        if rel in site.linked:
            cache.pages.link(site.linked[rel], path)
        else:
            path.write_bytes(site.get(rel, cache) or b"")
        written.append(path)
    for rel in sorted(site.assets):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site.assets[rel], path)
        written.append(path)
    return written


def build_site(book: Book, parts: Sequence[Body], config: Config, cache: SiteCache | None = None) -> Site:
    """Every file of the site from the pages' bodies; a page found in ``cache`` is neither unpacked nor templated."""
    cache = cache if cache is not None else SiteCache()
    names = site_pages.Names.of(book)
    cited, citations = _citations(book, config, cache)
    site = Site({}, {})
    linked = _pages(book, parts, names, (cited, citations), cache, site, config.jobs)
    overview = json.dumps(site_pages.book_context(book, names), sort_keys=True)
    listed, cache.listed = cache.listed, {}

    def listing(kind: str, summary: Callable[[Page], object]) -> list[str]:
        """Each page as the contents or the references list it, digested once per page text."""
        out = []
        for page in book.pages:
            key = (kind, page.id, page.source.key)
            out.append(listed.get(key) or digest(json.dumps(summary(page), sort_keys=True, default=str)))
            cache.listed[key] = out[-1]
        return out

    files = site.files
    contents = digest(overview, *listing("index.html", site_pages.index_entry))
    files["index.html"] = _templated("index.html", contents, lambda: site_pages.index_context(book, names), cache)
    files[names.search] = _templated("search.html", overview, lambda: site_pages.search_context(book, names), cache)
    if book.references:
        entries = json.dumps(list(citations.entries.items()))
        cites = digest(overview, entries, *listing("references.html", site_pages.citing))
        context = functools.partial(site_pages.references_context, book, citations, names)
        files[names.references] = _templated("references.html", cites, context, cache)
    files[f"{STATIC_PREFIX}book.js"] = _book_data(book)
    files[f"{STATIC_PREFIX}site.js"] = site_script(book)
    files.update(static_files())
    site.assets = _assets(book, linked)
    return site


def _pages(
    book: Book,
    parts: Sequence[Body],
    names: site_pages.Names,
    cited: tuple[str, Citations],
    cache: SiteCache,
    site: Site,
    jobs: int,
) -> set[str]:
    """Each page and search shard into ``site``, templated or joined only when not found in the cache; returns
    the files the pages link."""
    citations = cited[1]
    reference = site_links(names.references).reference
    book_key = digest(
        code_digest(),
        book.manifest.source.text,
        json.dumps(dataclasses.asdict(names), sort_keys=True),
        json.dumps(site_pages.book_context(book, names), sort_keys=True),
    )
    rendered: dict[str, str] = {}  # each citation group's HTML, once: groups recur from page to page
    keys, cache.keys = cache.keys, {}
    page_keys: list[str] = []
    for index, page in enumerate(book.pages):
        prev, after = site_pages.neighbour(book, index, names)
        # the body, the page header and the contents all come from the page's text and its citations
        inputs = (
            book_key,
            cited[0],
            page.id,
            page.source.key,
            index,
            tuple(prev.values()),
            tuple((after or {}).values()),
        )
        key = keys.get(inputs)
        if key is None:
            used = [rendered.get(s) or rendered.setdefault(s, citations.html(s, reference)) for s in page.cite_sources]
            key = digest("page.html", json.dumps(inputs), *used)
        cache.keys[inputs] = key
        page_keys.append(key)
        site.linked[f"{page.id}.html"] = key  # kept by the cache, written (or linked) from there

    def made(index: int) -> bytes:
        """The page templated and kept under its key; returns its search entry and assets."""
        body = parts[index]
        context = site_pages.page_context(book, index, names, body.rubrics)
        filled = fill(body.html, body.uses, citations, reference)
        entry = fill_json(body.search, body.uses, citations, as_text=True, reference=reference)
        cache.pages.put(page_keys[index], _html("page.html", {**context, "body": Markup(filled)}))
        return "\n".join([entry, *body.assets]).encode()  # a JSON line (newlines escaped), then each asset

    todo = [index for index, key in enumerate(page_keys) if not cache.pages.has_entry(key)]
    if todo:
        site_pages.template("page.html")  # compiled once, before forking
    # shared with a forked process, when the store is on disk: the pages it templates land there
    fresh = dict(zip(todo, on_both_cores(todo, made, jobs if cache.pages.folder else 1, SPLIT_PAGES), strict=True))
    cache.pages.keep(page_keys[index] for index in todo)  # what the forked process put, this one's store did not see
    entries, cache.entries = cache.entries, {}
    shards: dict[str, dict[str, bytes]] = {}  # the last build's shard entries read so far, by store key

    def stored(index: int) -> bytes:
        """The page's search entry and assets: made now, kept with its shard's, or (lost) made again."""
        found = fresh.get(index)
        kept = entries.get(page_keys[index], "")
        if found is None and kept:
            if kept not in shards:
                shards[kept] = _shard_entries(cache.pages.get(kept))
            found = shards[kept].get(page_keys[index])
        return found if found is not None else made(index)

    runs = site_search.runs(len(page_keys))
    linked: set[str] = set()
    for number, run in enumerate(runs):
        key, assets = _shard(number, run, page_keys, cache, stored)
        site.linked[f"{STATIC_PREFIX}{site_search.shard_path(number)}"] = key
        linked.update(assets)
    site.files[SEARCH_INDEX] = site_search.index_script(len(runs))
    return linked


def _shard(
    number: int, run: range, page_keys: list[str], cache: SiteCache, stored: Callable[[int], bytes]
) -> tuple[str, list[str]]:
    """A search shard's store key and the files its pages (``run``, by index) link. The key digests the pages'
    keys, so a shard in the store is linked as it is, with no page entry read; else it is joined from the
    pages' entries (``stored``), which are kept beside it, one file per shard, for the next edit to it."""
    pages = [page_keys[index] for index in run]
    key = digest("search-shard", str(number), *pages)
    cache.entries.update(dict.fromkeys(pages, f"{key}.entries"))
    assets = cache.pages.get(f"{key}.assets") if cache.pages.has_entry(key) else None
    if assets is not None:
        cache.pages.keep([f"{key}.entries"])
        return key, assets.decode().split("\n") if assets else []
    found = {page: stored(index) for page, index in zip(pages, run, strict=True)}
    entries: list[bytes] = []
    linked: set[str] = set()
    for page in pages:
        entry, *rest = found[page].split(b"\n")
        entries.append(entry)
        linked.update(asset.decode() for asset in rest)
    cache.pages.put(key, site_search.shard_script(number, entries))
    cache.pages.put(f"{key}.assets", "\n".join(sorted(linked)).encode())
    cache.pages.put(f"{key}.entries", pickle.dumps(found, pickle.HIGHEST_PROTOCOL))
    return key, sorted(linked)


def _shard_entries(kept: bytes | None) -> dict[str, bytes]:
    """A shard's search entries (and assets) by page key, as ``_shard`` kept them; none if lost or unreadable."""
    with contextlib.suppress(Exception):
        found = pickle.loads(kept) if kept is not None else {}
        if isinstance(found, dict):
            return found
    return {}


def _citations(book: Book, config: Config, cache: SiteCache) -> tuple[str, Citations]:
    """Citations for the book, with their key: pandoc (or its disk cache) only when the set of citation groups
    changed."""
    references = json.dumps([ref.csl for ref in book.references], sort_keys=True)
    key = digest(*groups_of(book), references, book.manifest.citation_style, book.manifest.language)
    if key not in cache.citations:
        cache.citations = {key: render_citations(book, config.cache)}
    return key, cache.citations[key]


def _templated(name: str, inputs: str, context: Callable[[], dict[str, Any]], cache: SiteCache) -> bytes:
    """A template rendered, or taken from the store when what its context is made from is unchanged: the
    contents and the references list every page, so their inputs are digested page by page, once per page text
    (``inputs``) rather than templated or serialised whole."""
    key = digest(name, code_digest(), inputs)
    found = cache.pages.get(key)
    if found is None:
        found = _html(name, context())
        cache.pages.put(key, found)
    return found


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


def _assets(book: Book, linked: set[str]) -> dict[str, Path]:
    """Everything under source/assets/, plus any other source file a page links to."""
    wanted = sorted(p for p in book.assets if p.startswith(ASSETS_DIR) or p in linked)
    return {path: book.root / path for path in wanted}
