"""Chunk PDFs → one PDF with pypdf: pages in order, cross-chunk links, named destinations, bookmarks.

The chunks after the front matter are appended in a thread as they arrive, in order, while the others
are still being rendered; the front matter (rendered last) is put in front when all are in. The
operations are always the same, in the same order, so the bytes do not depend on timing.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.render.pdf.compose import GOTO
from pipeline.render.pdf.document import Section

Destination = tuple[int, float, float]  # page index in the merged PDF, left, top (PDF points)


class Merger:
    """Collects chunk PDFs 1…n-1 (``add``, any order) and joins them with the front matter (``finish``)."""

    def __init__(self) -> None:
        self._inbox: queue.Queue[tuple[int, Arrival] | None] = queue.Queue()
        self._arrived: dict[int, Arrival] = {}
        self._writer: Any = None
        self._next = 1  # the next chunk to append
        self._first_item: Any = None  # the first bookmark: the contents' goes before it
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="pdf-merge", daemon=True)
        self._thread.start()

    def add(self, part: int, pdf: bytes, anchors: dict[str, Destination], outline: Sequence[Section]) -> None:
        """Chunk ``part``: its PDF, where its ids are (its own page indices) and its bookmarks."""
        self._inbox.put((part, Arrival(pdf, anchors, tuple(outline))))

    def close(self) -> None:
        """Stop appending (the build failed or the chunks are being numbered again)."""
        self._inbox.put(None)

    def finish(self, front: Arrival, parts: int, dests: dict[str, Destination], identifier: str) -> bytes:
        """The merged PDF: ``front`` first (its /Info and /Lang), ``parts`` parts in all, /ID ``identifier``;
        ``dests`` are every id's page index in the merged PDF and position."""
        from pypdf.generic import ArrayObject, ByteStringObject

        self.close()
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._next != parts:
            raise RuntimeError(f"PDF merge: {self._next - 1} of {parts - 1} chunks arrived")
        reader = _reader(front.pdf)
        writer = self._writer
        if writer is None:  # the front matter alone
            from pypdf import PdfWriter

            writer = PdfWriter(clone_from=reader)
        else:
            writer.merge(0, reader, import_outline=False)
        pages = [page.indirect_reference for page in writer.pages]
        contents = _outline(writer, front.outline, front.anchors, pages)
        if contents is not None and self._first_item is not None:
            _to_front(writer, contents)
        if identifier:  # pinned to the input, as a single call's is (WeasyPrint's pdf_identifier)
            writer._ID = ArrayObject([ByteStringObject(identifier.encode())] * 2)
        _resolve_links(writer, dests, pages)
        _name_tree(writer, dests, pages)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

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

    def _append(self, arrival: Arrival) -> None:
        reader = _reader(arrival.pdf)
        if self._writer is None:
            from pypdf import PdfWriter

            self._writer, offset = PdfWriter(clone_from=reader), 0
        else:
            offset = len(self._writer.pages)
            self._writer.append(reader, import_outline=False)
        pages = [self._writer.pages[index].indirect_reference for index in range(offset, len(self._writer.pages))]
        first = _outline(self._writer, arrival.outline, arrival.anchors, pages)
        if self._first_item is None:
            self._first_item = first


@dataclass(frozen=True, slots=True)
class Arrival:
    """A chunk for the merge: its PDF, its ids (page index in the chunk, left, top), its bookmarks."""

    pdf: bytes
    anchors: dict[str, Destination]
    outline: tuple[Section, ...]


def _reader(pdf: bytes) -> Any:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    # pypdf would merge each chunk's name tree one sorted insert at a time (quadratic); we rebuild it once
    reader.root_object.pop("/Names", None)
    return reader


def _explicit(page: Any, left: float, top: float) -> Any:
    from pypdf.generic import ArrayObject, FloatObject, NameObject, NumberObject

    return ArrayObject([page, NameObject("/XYZ"), FloatObject(left), FloatObject(top), NumberObject(0)])


def _resolve_links(writer: Any, dests: dict[str, Destination], pages: list[Any]) -> None:
    """GOTO URI links (targets in another chunk) become explicit destinations; unknown targets are dropped."""
    from pypdf.generic import NameObject

    for page in writer.pages:
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = []
        for ref in annots.get_object():
            annot = ref.get_object()
            uri = str(annot.get("/A", {}).get("/URI", ""))
            if uri.startswith(GOTO):
                target = dests.get(uri[len(GOTO) :])
                if target is None:
                    continue
                del annot["/A"]
                annot[NameObject("/Dest")] = _explicit(pages[target[0]], target[1], target[2])
            kept.append(ref)
        annots.get_object()[:] = kept


def _name_tree(writer: Any, dests: dict[str, Destination], pages: list[Any]) -> None:
    """/Names /Dests as one sorted array, so `file.pdf#nameddest=...` works as with a single call."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    names = ArrayObject()
    for name in sorted(dests):
        page, left, top = dests[name]
        names += [TextStringObject(name), _explicit(pages[page], left, top)]
    tree = DictionaryObject({NameObject("/Names"): names})
    writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/Dests"): tree})


def _outline(
    writer: Any, sections: Sequence[Section], anchors: dict[str, Destination], pages: list[Any], parent: Any = None
) -> Any:
    """Bookmarks for ``sections`` (whose anchors are on ``pages``, by index); the first top-level item made."""
    from pypdf.generic import Fit

    first = None
    for section in sections:
        dest = anchors.get(section.anchor)
        if dest is None:
            continue
        page, left, top = dest
        item = writer.add_outline_item(
            title=section.title, page_number=pages[page], parent=parent, fit=Fit.xyz(left, top, 0)
        )
        if first is None:
            first = item
        _outline(writer, section.children, anchors, pages, item)
    return first


def _to_front(writer: Any, item: Any) -> None:
    """Move the last top-level bookmark ``item`` to the front (pypdf's ``before`` only appends)."""
    from pypdf.generic import NameObject

    root = writer.root_object["/Outlines"].get_object()
    node = item.get_object()
    previous = node["/Prev"]
    del previous.get_object()["/Next"]
    root[NameObject("/Last")] = previous
    del node["/Prev"]
    node[NameObject("/Next")] = root["/First"]
    root["/First"].get_object()[NameObject("/Prev")] = item
    root[NameObject("/First")] = item
