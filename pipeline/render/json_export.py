"""The JSON export: the whole handbook as one document, valid against schema/export.schema.json."""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import os
import pickle
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.config import Config
from pipeline.hashing import code_digest, digest
from pipeline.model import Book, Page, Scale
from pipeline.render.cite import CitationMarks, Citations, Uses, plain, render_citations
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
    """One page of the export and its citation records, serialised in UTF-8 (the records as list items joined
    by commas); both hold citation marks (cite.CitationMarks)."""

    text: bytes
    cited: bytes
    uses: Uses


def page_part(page: Page, book: Book, site: SiteHtml) -> PagePart:
    """Made where the page's tokens are, before the book's citations are rendered; block HTML is sliced
    from the site's rendering of the page, so its hrefs resolve on the site."""
    rendered, uses = site.get()
    marks = CitationMarks(list(uses))  # the rendering's marks, then the export's own
    part = export_page(page, book, rendered, marks, site_links())
    cited = _plain_compact(part.citations)[1:-1]  # a list's serialisation is its items' joined by commas
    return PagePart(_compact_with(_page(page, book, part.sections), "sections"), cited, tuple(marks.uses))


def render(book: Book, parts: Sequence[PagePart], out: Path, config: Config) -> list[Path]:
    """Write ``json/<handbook id>.json``: a link to the export kept in the cache, where the next build finds
    each unchanged page's pieces to copy (``Spans``) instead of filling them in again."""
    target = out / FOLDER / f"{book.manifest.id}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    store = Store(config.cache / FOLDER)
    assert store.folder is not None
    store.folder.mkdir(parents=True, exist_ok=True)
    last = Spans.kept(store)
    partial = store.folder / f".export.{os.getpid()}.tmp"
    spill = store.folder / f".pages.{os.getpid()}.tmp"  # the pages filled in now, until they are copied in order
    fd = os.open(spill, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        pieces = serialise(book, parts, render_citations(book, config.cache), last, fd)
        key, spans = _write(pieces, partial, last, fd)
    finally:
        os.close(fd)
        spill.unlink()
    if store.has_entry(key):  # the same pieces as an export kept already
        partial.unlink()
        store.keep([LAST])
    else:
        partial.replace(store.folder / key)
        spans.save(store, key)
    store.link(key, target)
    store.retain_used()
    return [target]


LAST = "last.pickle"  # in the cache folder: where the last export put each page's pieces


@dataclass(frozen=True, slots=True)
class Piece:
    """A page's citations (``kind`` "cited") or the page itself ("page"), by its key; ``text`` once filled in,
    else ``at`` (offset, length) in the last export, or in the spill file when ``spilled``."""

    kind: str
    key: str
    text: bytes = b""
    at: tuple[int, int] = (0, 0)
    spilled: bool = False


@dataclass(slots=True)
class Spans:
    """Where each piece of an export lies in it (offset, length), by kind and key; and for the last export
    kept in the cache, its file (``source``), if it is as it was written."""

    at: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    source: Path | None = None

    @classmethod
    def kept(cls, store: Store) -> Spans:
        """The spans of the last export, if its file is still there as written (size, modification time
        and inode); else none."""
        found = store.get(LAST)
        with contextlib.suppress(Exception):
            entry, state, at = pickle.loads(found) if found is not None else ("", (), {})
            path = store.folder / entry if store.folder is not None and entry else None
            if path is not None and state is not None and _state(path) == state:  # not marked used: it goes
                return cls(at, path)
        return cls()

    def save(self, store: Store, entry: str) -> None:
        """Keep these spans, of the export kept as ``entry``, for the next build."""
        assert store.folder is not None
        state = _state(store.folder / entry)
        store.put(LAST, pickle.dumps((entry, state, self.at), pickle.HIGHEST_PROTOCOL))


def _state(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ino


def dumps(document: JSON) -> str:
    """The canonical serialisation: sorted keys, UTF-8 text, compact separators, final newline.

    Compact because Python's C encoder only runs without indentation: indenting doubled the export's
    cost. ``jq .`` or ``python -m json.tool`` pretty-print it for reading.
    """
    return _compact(document) + "\n"


def _compact(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_jsonable)


def _plain_compact(value: JSON | list[JSON] | str) -> bytes:
    """``_compact(value)`` in UTF-8, for plain data: strings, integers, booleans, None, lists and string-keyed
    dicts, all of which orjson writes as the standard library does, six times faster. The export's blocks and
    citation records are such data; frontmatter (floats, dates, other keys) is not, and goes through
    ``_compact``. Bytes, not text: a page's export is copied a few times on its way, at one byte a character
    rather than two or four."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _compact_with(document: JSON, plain: str) -> bytes:
    """``_compact(document)`` in UTF-8, its member ``plain`` serialised by ``_plain_compact``."""
    before = _compact({key: value for key, value in document.items() if key < plain})[1:-1].encode()
    after = _compact({key: value for key, value in document.items() if key > plain})[1:-1].encode()
    middle = [_plain_compact(plain), b":", _plain_compact(document[plain])]
    return b"".join([b"{", *([before, b","] if before else []), *middle, *([b",", after] if after else []), b"}"])


_MARK = re.compile(rb"\\u0000([0-9]+)\\u0000")  # a citation mark in UTF-8 JSON text (cite.CitationMarks)


def _filled(
    serialised: bytes, uses: Uses, citations: Citations, reference: str, made: dict[tuple[str, str | None], bytes]
) -> bytes:
    """``cite.fill_json`` on UTF-8 JSON text: each mark replaced by its citation, JSON-escaped; ``made`` keeps
    each citation's JSON text by what it is made from (a handbook's groups recur from page to page)."""

    def one(match: re.Match[bytes]) -> bytes:
        use = uses[int(match.group(1))]
        found = made.get(use)
        if found is None:
            source, href = use
            value = citations.text(source) if href is None else citations.html(source, reference or href)
            found = made[use] = _plain_compact(value)[1:-1]
        return found

    return _MARK.sub(one, serialised) if b"\\u0000" in serialised else serialised


# stand for the pages and the citations while the skeleton is serialised
_PAGES, _CITED = "\ue000pages\ue000", "\ue000citations\ue000"


def export(book: Book, parts: Sequence[PagePart], citations: Citations) -> JSON:
    """The export document; links inside ``html`` are those of the HTML site (relative to its root)."""
    pieces = serialise(book, parts, citations, Spans())
    document: JSON = json.loads(b"".join(p if isinstance(p, bytes) else p.text for p in pieces))
    return document


def serialise(
    book: Book, parts: Sequence[PagePart], citations: Citations, last: Spans, spill: int | None = None
) -> Iterator[bytes | Piece]:
    """The export document in UTF-8 pieces, each page serialised on its own, with its citations filled in.

    The whole document is never held as objects or as one string: on 1,000 pages that saves
    most of a gigabyte. Splicing is exact: the skeleton is serialised with private-use marker
    strings in place of the pages and the citations, which no serialised value can contain unescaped,
    and a list's canonical serialisation is its items' joined by commas. Each page's citation records
    and the page itself are keyed by everything they are made from: a key the last export holds
    (``last``) comes as its place there, to be copied, and its page part is not unpacked. The citations
    come first in the document, so each page filled in now waits in ``spill`` (a file) for its turn.
    """
    reference = site_links(Names.of(book).references).reference
    base = digest(code_digest(), book.manifest.source.text, str(book.root), reference)
    cited: list[Piece] = []
    pages: list[Piece] = []
    rendered: dict[str, tuple[str, str]] = {}  # each citation group's HTML and text, once: groups recur
    made: dict[tuple[str, str | None], bytes] = {}  # each citation's JSON text, once
    spilled = 0
    for index, page in enumerate(book.pages):  # first every page's citations: they come before the pages
        used = [
            rendered.get(source)
            or rendered.setdefault(source, (citations.html(source, reference), citations.text(source)))
            for source in page.cite_sources
        ]
        key = digest(base, page.id, page.source.key, json.dumps(used))
        if ("page", key) in last.at and ("cited", key) in last.at:
            cited.append(Piece("cited", key, at=last.at["cited", key]))
            pages.append(Piece("page", key, at=last.at["page", key]))
            continue
        part = parts[index]
        cited.append(Piece("cited", key, _filled(part.cited, part.uses, citations, reference, made)))
        text = _filled(part.text, part.uses, citations, reference, made)
        if spill is None:
            pages.append(Piece("page", key, text))
        else:
            pages.append(Piece("page", key, at=(spilled, len(text)), spilled=True))
            _write_all(spill, text)
            spilled += len(text)
    document = _document(book, citations, [], [])
    document["pages"], document["citations"] = _PAGES, _CITED
    head, rest = dumps(document).split(json.dumps(_CITED, ensure_ascii=False), 1)
    middle, tail = rest.split(json.dumps(_PAGES, ensure_ascii=False), 1)
    yield (head + "[").encode()
    first = True
    for piece in cited:
        if piece.at[1] or piece.text:  # a page without citations adds no item
            if not first:
                yield b","
            first = False
        yield piece
    yield ("]" + middle + "[").encode()
    for number, piece in enumerate(pages):  # then the pages, one at a time
        if number:
            yield b","
        yield piece
    yield ("]" + tail).encode()


def _write(pieces: Iterable[bytes | Piece], target: Path, last: Spans, spill: int) -> tuple[str, Spans]:
    """Write the pieces to ``target`` in order, a piece of the last export or of the ``spill`` file copied
    from it (in the kernel where it can; neighbours in the last export, with the comma between them, in
    one copy); returns a key for what was written (a digest of the pieces, each page's by its key) and
    where each piece lies now."""
    spans = Spans()
    hasher = hashlib.sha256()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    source = os.open(last.source, os.O_RDONLY) if last.source is not None else -1
    copying: list[int] = []  # the file, offset and length of what is still to be copied
    kind, comma, written = "", False, 0  # the kind of piece being copied; a comma held back after it

    def flush() -> None:
        nonlocal copying, comma
        if copying:
            _copy(copying[0], copying[1], copying[2], fd)
            copying = []
        if comma:
            _write_all(fd, b",")
            comma = False

    try:
        for piece in pieces:
            hasher.update(piece if isinstance(piece, bytes) else f"\0{piece.kind}:{piece.key}\0".encode())
            if isinstance(piece, bytes):
                if piece == b"," and copying and not comma:
                    comma = True  # the next piece may lie right after it in the last export
                else:
                    flush()
                    _write_all(fd, piece)
                written += len(piece)
                continue
            length = len(piece.text) if piece.text or not piece.at[1] else piece.at[1]
            spans.at[piece.kind, piece.key] = (written, length)
            written += length
            if not length:  # a page without citations
                continue
            origin = spill if piece.spilled else source
            if piece.text:
                flush()
                _write_all(fd, piece.text)
            elif copying[:1] == [origin] and piece.kind == kind and sum(copying[1:]) + comma == piece.at[0]:
                copying[2] += comma + length  # its comma in the last export too (the lists are joined by them)
                comma = False
            else:
                flush()
                copying, kind = [origin, piece.at[0], length], piece.kind
        flush()
    finally:
        os.close(fd)
        if source >= 0:
            os.close(source)
    return hasher.hexdigest(), spans


def _copy(source: int, offset: int, length: int, fd: int) -> None:
    """``length`` bytes at ``offset`` of ``source`` appended to ``fd``, in the kernel (no bytes through
    Python) where it can."""
    if sys.platform == "linux":
        try:
            while length > 0 and (done := os.copy_file_range(source, fd, length, offset)):
                offset, length = offset + done, length - done
        except OSError as exc:
            if exc.errno not in _NO_KERNEL_COPY:
                raise
    while length > 0:  # the rest, where the kernel could not copy it
        chunk = os.pread(source, min(length, 1 << 20), offset)
        if not chunk:
            raise OSError(errno.EIO, "the last export is shorter than its spans")
        _write_all(fd, chunk)
        offset, length = offset + len(chunk), length - len(chunk)


_NO_KERNEL_COPY = (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EBADF)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


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
