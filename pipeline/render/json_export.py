"""The JSON export: the whole handbook as one document, valid against schema/export.schema.json."""

from __future__ import annotations

import datetime
import errno
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.hashing import code_digest, digest
from pipeline.model import Book, Page, Scale
from pipeline.render.cite import CitationMarks, Citations, Uses, fill, fill_json, plain, render_citations
from pipeline.render.export_blocks import JSON, export_page
from pipeline.render.markup import SiteHtml, site_links
from pipeline.render.site_pages import Names
from pipeline.store import Store

FOLDER = "json"
SCHEMA_ID = "https://handbook-pipeline.invalid/schema/export/v1.schema.json"
# semver: minor = fields or block types added, patch = fixes; see docs/json-export.md
SCHEMA_VERSION = "1.0.0"


@dataclass(frozen=True, slots=True)
class PagePart:
    """One page of the export, serialised, with its citations; both hold citation marks (cite.CitationMarks)."""

    text: str
    cited: list[JSON]
    uses: Uses


def page_part(page: Page, book: Book, site: SiteHtml) -> PagePart:
    """Made where the page's tokens are, before the book's citations are rendered; block HTML is sliced
    from the site's rendering of the page, so its hrefs resolve on the site."""
    rendered, uses = site.get()
    marks = CitationMarks(list(uses))  # the rendering's marks, then the export's own
    part = export_page(page, book, rendered, marks, site_links())
    return PagePart(dumps(_page(page, book, part.sections))[:-1], part.citations, tuple(marks.uses))


def render(book: Book, parts: Sequence[PagePart], out: Path, config: Config) -> list[Path]:
    """Write ``json/<handbook id>.json``; pages whose inputs did not change are copied from the cache, filled in."""
    target = out / FOLDER / f"{book.manifest.id}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    store = Store(config.cache / FOLDER)
    _write(serialise(book, parts, render_citations(book, config.cache), store), target)
    store.retain_used()
    return [target]


def dumps(document: JSON) -> str:
    """The canonical serialisation: sorted keys, UTF-8 text, compact separators, final newline.

    Compact because Python's C encoder only runs without indentation: indenting doubled the export's
    cost. ``jq .`` or ``python -m json.tool`` pretty-print it for reading.
    """
    return _compact(document) + "\n"


def _compact(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_jsonable)


# stand for the pages and the citations while the skeleton is serialised
_PAGES, _CITED = "\ue000pages\ue000", "\ue000citations\ue000"


def export(book: Book, parts: Sequence[PagePart], citations: Citations) -> JSON:
    """The export document; links inside ``html`` are those of the HTML site (relative to its root)."""
    pieces = serialise(book, parts, citations, Store())
    document: JSON = json.loads(b"".join(p.read_bytes() if isinstance(p, Path) else p for p in pieces))
    return document


def serialise(book: Book, parts: Sequence[PagePart], citations: Citations, store: Store) -> Iterator[bytes | Path]:
    """The export document in UTF-8 pieces, each page serialised on its own, with its citations filled in.

    The whole document is never held as objects or as one string: on 1,000 pages that saves
    most of a gigabyte. Splicing is exact: the skeleton is serialised with private-use marker
    strings in place of the pages and the citations, which no serialised value can contain unescaped,
    and a list's canonical serialisation is its items' joined by commas. ``store`` keeps each page
    filled in, and its citation records serialised, by everything they are made from, so an unchanged
    page is not unpacked again; a page kept on disk comes as the ``Path`` of its entry, to be copied.
    """
    reference = site_links(Names.of(book).references).reference
    base = digest(code_digest(), book.manifest.source.text, str(book.root), reference)
    keys: list[str] = []
    cited: list[bytes] = []
    for index, page in enumerate(book.pages):  # first every page's citations: they come before the pages
        used = [(citations.html(source, reference), citations.text(source)) for source in page.cite_sources]
        key = digest(base, page.id, page.source.key, json.dumps(used))
        entries = store.get(f"{key}.cited")
        if entries is None or not store.has_entry(key):
            part = parts[index]
            store.put(key, fill_json(part.text, part.uses, citations, reference=reference).encode())
            filled = [_compact(_filled(entry, part.uses, citations, reference)) for entry in part.cited]
            entries = ",".join(filled).encode()
            store.put(f"{key}.cited", entries)
        keys.append(key)
        if entries:
            cited.append(entries)
    document = _document(book, citations, [], [])
    document["pages"], document["citations"] = _PAGES, _CITED
    head, rest = dumps(document).split(json.dumps(_CITED, ensure_ascii=False), 1)
    middle, tail = rest.split(json.dumps(_PAGES, ensure_ascii=False), 1)
    yield (head + "[").encode()
    yield b",".join(cited)
    yield ("]" + middle + "[").encode()
    for number, key in enumerate(keys):  # then the pages, one at a time
        if number:
            yield b","
        if store.folder is not None and key not in store.memory:
            yield store.folder / key
        else:
            text = store.get(key)
            assert text is not None
            yield text
    yield ("]" + tail).encode()


def _write(pieces: Iterator[bytes | Path], target: Path) -> None:
    """Write the pieces to ``target`` in order: bytes as they are, a ``Path`` as that file's bytes."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        for piece in pieces:
            if isinstance(piece, Path):
                _append(piece, fd)
            else:
                _write_all(fd, piece)
    finally:
        os.close(fd)


def _append(source: Path, fd: int) -> None:
    """Copy the file at ``source`` to ``fd``, in the kernel (no bytes through Python) where it can."""
    with source.open("rb", buffering=0) as handle:
        left = os.fstat(handle.fileno()).st_size
        if sys.platform == "linux":
            try:
                while left > 0 and (done := os.copy_file_range(handle.fileno(), fd, left)):
                    left -= done
            except OSError as exc:
                if exc.errno not in _NO_KERNEL_COPY:
                    raise
        while chunk := handle.read(1 << 20):  # the rest, where the kernel could not copy it
            _write_all(fd, chunk)


_NO_KERNEL_COPY = (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _filled(entry: JSON, uses: Uses, citations: Citations, reference: str) -> JSON:
    """A citation record with its marked text and HTML filled in."""
    return {
        **entry,
        "text": fill(entry["text"], uses, citations),
        "html": fill(entry["html"], uses, citations, reference),
    }


def _document(book: Book, citations: Citations, pages: list[Any], cited: list[JSON]) -> JSON:
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "handbook": _handbook(book),
        "scales": [_scale(scale) for scale in book.manifest.scales.values()],
        "pages": pages,
        "citations": cited,
        "references": _references(book, citations),
    }


def _handbook(book: Book) -> JSON:
    man = book.manifest
    return {
        "id": man.id,
        "title": man.title,
        "subtitle": man.subtitle,
        "version": man.version,
        "language": man.language,
        "date": man.date or None,
        "licence": man.licence,
        "description": man.description,
        "keywords": list(man.keywords),
        "authors": [{"name": a.name, "role": a.role, "email": a.email} for a in man.authors],
    }


def _scale(scale: Scale) -> JSON:
    return {
        "id": scale.id,
        "name": scale.name,
        "description": scale.description,
        "levels": [
            {"id": lv.id, "label": lv.label, "name": lv.name, "description": lv.description} for lv in scale.levels
        ],
    }


def _page(page: Page, book: Book, sections: list[JSON]) -> JSON:
    return {
        "id": page.id,
        "title": page.title,
        "subtitle": str(page.meta.get("subtitle", "")),
        "meta": page.meta,
        "source": {"path": page.source.path.relative_to(book.root).as_posix(), "line": 1},
        "sections": sections,
    }


def _references(book: Book, citations: Citations) -> list[JSON]:
    """Every bibliography entry as CSL JSON, with its rendered entry (only cited entries are rendered)."""
    source = Path(book.manifest.bibliography).as_posix()
    out = []
    for ref in book.references:
        entry = citations.entries.get(ref.id)
        out.append(
            {
                "id": ref.id,
                "csl": ref.csl,
                "html": entry,
                "text": plain(entry) if entry is not None else None,
                "source": {"path": source, "line": ref.line},
            }
        )
    return out


def _jsonable(value: Any) -> Any:
    """YAML values JSON lacks: dates (an unquoted frontmatter date) become ISO strings."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
