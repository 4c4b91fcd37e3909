"""Chunk PDFs → one PDF file, each chunk written as it arrives and then forgotten: pages in order, links
between chunks, named destinations, bookmarks.

A thread copies chunks 1…n-1 into the file in order as they arrive, while the others are still being
rendered (pdfwrite.py: each chunk's pages and all they reach, renumbered); the front matter (rendered last)
is copied at the end but comes first in the page tree. What stays in memory until then is small: each page's
object number, each page's links (their target's id: a target may be in a chunk not written yet, or not
exist), each chunk's bookmarks. ``finish`` writes the links with explicit destinations (dropping those whose
target is unknown), the page tree, the bookmarks, the /Dests name tree, /Info, the catalog and /ID. The
operations are always the same, in the same order, so the bytes do not depend on timing.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.render.pdf.compose import GOTO
from pipeline.render.pdf.document import Section

if TYPE_CHECKING:
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, PdfObject

    from pipeline.render.pdf.pdfwrite import Copy, PdfFile

Destination = tuple[int, float, float]  # page index (in the merged PDF or a chunk), left, top (PDF points)
# catalog entries the merge makes itself; the front matter's others (/Lang, /Metadata, …) are kept
MADE = frozenset({"/Type", "/Pages", "/Names", "/Outlines", "/StructTreeRoot", "/MarkInfo", "/PageLabels"})


@dataclass(frozen=True, slots=True)
class Arrival:
    """A chunk for the merge: its PDF, its ids (page index in the chunk, left, top), its bookmarks."""

    pdf: bytes | Path  # or the file that holds it (the cache's), read when the chunk is written
    anchors: dict[str, Destination]
    outline: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class Link:
    """A link whose target is an id: the annotation written so far (no /A, not closed), the id."""

    start: bytes
    target: str


@dataclass(frozen=True, slots=True)
class Bookmarks:
    """A chunk's bookmarks: its first page (among the chunks' pages), its ids, its sections."""

    first: int
    anchors: dict[str, Destination]
    outline: tuple[Section, ...]


Item = tuple[str, Destination, list["Item"]]  # a bookmark: title, where (merged page index), its children


class Merger:
    """Writes chunk PDFs 1…n-1 (``add``, any order) to ``path`` in order, and the front matter (``finish``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._inbox: queue.Queue[tuple[int, Arrival] | None] = queue.Queue()
        self._arrived: dict[int, Arrival] = {}
        self._next = 1  # the next chunk to write
        self._file: PdfFile | None = None
        self._pages: list[int] = []  # the chunks' pages' object numbers, in order
        self._annots: list[tuple[int, list[bytes | Link]]] = []  # each page's /Annots: its number, its entries
        self._bookmarks: list[Bookmarks] = []
        self._finishing = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="pdf-merge", daemon=True)
        self._thread.start()

    def add(self, part: int, pdf: bytes | Path, anchors: dict[str, Destination], outline: Sequence[Section]) -> None:
        """Chunk ``part``: its PDF, where its ids are (its own page indices) and its bookmarks."""
        self._inbox.put((part, Arrival(pdf, anchors, tuple(outline))))

    def close(self) -> None:
        """Stop writing and delete the file, unless finished (the build failed or the chunks are numbered again)."""
        self._inbox.put(None)

    def finish(self, front: Arrival, parts: int, dests: dict[str, Destination], identifier: str) -> Path:
        """The merged PDF's path: ``front`` first (its /Info, /Lang and other catalog entries), ``parts`` parts
        in all, /ID ``identifier``; ``dests`` are every id's page index in the merged PDF and position."""
        from pipeline.render.pdf.pdfwrite import CATALOG, PAGES, Copy, dictionary, reference

        self._finishing = True
        self._inbox.put(None)
        self._thread.join()
        try:
            if self._error is not None:
                raise self._error
            if self._next != parts:
                raise RuntimeError(f"PDF merge: {self._next - 1} of {parts - 1} chunks arrived")
            reader = _reader(front.pdf)
            out = self._open(reader)
            copy = Copy(reader, out, self._links)
            front_pages = copy.pages()
            pages = [*front_pages, *self._pages]
            _write_links(out, self._annots, dests, pages)
            out.write(PAGES, _page_tree(pages))
            items = _items(front.outline, front.anchors, 0)  # the contents' bookmark first
            for chunk in self._bookmarks:
                items += _items(chunk.outline, chunk.anchors, len(front_pages) + chunk.first)
            catalog = [("/Type", b"/Catalog"), ("/Pages", reference(PAGES))]
            catalog += [(str(key), copy.value(value)) for key, value in reader.root_object.items() if key not in MADE]
            if items:
                catalog.append(("/Outlines", reference(_write_outline(out, items, pages))))
            catalog.append(("/Names", dictionary([("/Dests", reference(_write_names(out, dests, pages)))])))
            info = reader.trailer.get("/Info")
            number = None
            if info is not None:
                number = out.reserve()
                out.write(number, copy.value(info.get_object()))
            copy.drain()  # what the catalog and /Info reach (XMP metadata)
            out.write(CATALOG, dictionary(catalog))
            out.close(number, identifier.encode())
        except BaseException:
            if self._file is not None:
                self._file.discard()
            raise
        return self.path

    def _open(self, reader: PdfReader) -> PdfFile:
        """The file, created with the first PDF's header."""
        from pipeline.render.pdf.pdfwrite import PdfFile

        if self._file is None:
            self._file = PdfFile(self.path, reader.pdf_header.encode())
        return self._file

    def _work(self) -> None:
        while (item := self._inbox.get()) is not None:
            if self._error is not None:
                continue
            part, arrival = item
            self._arrived[part] = arrival
            try:
                while self._next in self._arrived:
                    self._append(self._arrived.pop(self._next))
                    self._next += 1
            except BaseException as exc:  # reported by finish()
                self._error = exc
        if not self._finishing and self._file is not None:
            self._file.discard()

    def _append(self, arrival: Arrival) -> None:
        from pipeline.render.pdf.pdfwrite import Copy

        first = len(self._pages)
        # closed, the reader holds no reference cycle: the chunk's objects are freed now, not by a later collection
        with _reader(arrival.pdf) as reader:
            self._pages += Copy(reader, self._open(reader), self._links).pages()
        self._bookmarks.append(Bookmarks(first, arrival.anchors, arrival.outline))

    def _links(self, annots: ArrayObject, copy: Copy) -> bytes:
        """A page's /Annots: written at the end (a target may not be written yet, or be unknown)."""
        from pypdf.generic import DictionaryObject

        from pipeline.render.pdf.pdfwrite import reference

        entries: list[bytes | Link] = []
        for item in annots:
            annot = item.get_object()
            target = _goto(annot)
            if target is None:
                entries.append(copy.value(item))
            else:
                assert isinstance(annot, DictionaryObject)
                rest = DictionaryObject({key: value for key, value in annot.items() if key != "/A"})
                entries.append(Link(copy.value(rest).removesuffix(b">>"), target))
        number = copy.out.reserve()
        self._annots.append((number, entries))
        return reference(number)


def _reader(pdf: bytes | Path) -> PdfReader:
    from pypdf import PdfReader

    return PdfReader(pdf if isinstance(pdf, Path) else io.BytesIO(pdf))


def _goto(annot: PdfObject | None) -> str | None:
    """The id a GOTO link (to another chunk, or its own) points to; None for any other annotation."""
    from pypdf.generic import DictionaryObject

    if not isinstance(annot, DictionaryObject):
        return None
    action = annot.get("/A")
    action = action.get_object() if action is not None else None
    uri = str(action.get("/URI", "")) if isinstance(action, DictionaryObject) else ""
    return uri[len(GOTO) :] if uri.startswith(GOTO) else None


def _write_links(
    out: PdfFile, annots: list[tuple[int, list[bytes | Link]]], dests: dict[str, Destination], pages: list[int]
) -> None:
    """Each page's /Annots, its GOTO links with explicit destinations; links to unknown ids are dropped."""
    from pipeline.render.pdf.pdfwrite import array, destination, reference

    for number, entries in annots:
        items = []
        for entry in entries:
            if isinstance(entry, bytes):
                items.append(entry)
                continue
            target = dests.get(entry.target)
            if target is None:
                continue
            page, left, top = target
            link = out.reserve()
            out.write(link, entry.start + b"/Dest " + destination(pages[page], left, top) + b"\n>>")
            items.append(reference(link))
        out.write(number, array(items))


def _items(sections: Sequence[Section], anchors: dict[str, Destination], first: int) -> list[Item]:
    """Bookmarks for ``sections`` whose anchors are on pages ``first``… (a section not laid out is left out)."""
    items: list[Item] = []
    for section in sections:
        dest = anchors.get(section.anchor)
        if dest is not None:
            page, left, top = dest
            items.append((section.title, (first + page, left, top), _items(section.children, anchors, first)))
    return items


def _page_tree(pages: list[int]) -> bytes:
    """The page tree: one node, its kids in page order (the front matter's, written last, first)."""
    from pipeline.render.pdf.pdfwrite import array, dictionary, reference

    kids = array(reference(page) for page in pages)
    return dictionary([("/Type", b"/Pages"), ("/Kids", kids), ("/Count", b"%d" % len(pages))])


def _write_outline(out: PdfFile, items: list[Item], pages: list[int]) -> int:
    """The bookmarks, all open; the outline root's number."""
    from pipeline.render.pdf.pdfwrite import dictionary, reference

    root = out.reserve()
    numbers, count = _write_items(out, items, root, pages)
    entries = [("/Type", b"/Outlines"), ("/First", reference(numbers[0])), ("/Last", reference(numbers[-1]))]
    out.write(root, dictionary([*entries, ("/Count", b"%d" % count)]))
    return root


def _write_items(out: PdfFile, items: list[Item], parent: int, pages: list[int]) -> tuple[list[int], int]:
    """Bookmarks ``items`` under ``parent``: their numbers, and how many bookmarks they are with their children."""
    from pipeline.render.pdf.pdfwrite import destination, dictionary, reference, text

    numbers = [out.reserve() for _ in items]
    count = len(items)
    for index, (title, (page, left, top), children) in enumerate(items):
        entries = [("/Title", text(title)), ("/Parent", reference(parent))]
        if index > 0:
            entries.append(("/Prev", reference(numbers[index - 1])))
        if index + 1 < len(items):
            entries.append(("/Next", reference(numbers[index + 1])))
        if children:
            kids, below = _write_items(out, children, numbers[index], pages)
            count += below
            entries += [("/First", reference(kids[0])), ("/Last", reference(kids[-1])), ("/Count", b"%d" % below)]
        entries.append(("/Dest", destination(pages[page], left, top)))
        out.write(numbers[index], dictionary(entries))
    return numbers, count


def _write_names(out: PdfFile, dests: dict[str, Destination], pages: list[int]) -> int:
    """The /Dests name tree, one sorted array (`file.pdf#nameddest=…` works as with a single call), written as it
    is made (a name and a destination for every id); its number."""
    from pipeline.render.pdf.pdfwrite import destination, text

    def entries() -> Iterator[bytes]:
        yield b"<<\n/Names ["
        for name in sorted(dests):
            page, left, top = dests[name]
            yield b" " + text(name) + b" " + destination(pages[page], left, top)
        yield b" ]\n>>"

    number = out.reserve()
    out.write_pieces(number, entries())
    return number
