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
from typing import Any

from pipeline.render.pdf.compose import GOTO
from pipeline.render.pdf.document import Section

Destination = tuple[int, float, float]  # page index in the merged PDF, left, top (PDF points)


class Merger:
    """Collects chunk PDFs 1…n-1 (``add``, any order) and joins them with the front matter (``finish``)."""

    def __init__(self) -> None:
        self._inbox: queue.Queue[tuple[int, bytes] | None] = queue.Queue()
        self._arrived: dict[int, bytes] = {}
        self._writer: Any = None
        self._next = 1  # the next chunk to append
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="pdf-merge", daemon=True)
        self._thread.start()

    def add(self, part: int, pdf: bytes) -> None:
        self._inbox.put((part, pdf))

    def close(self) -> None:
        """Stop appending (the build failed or the chunks are being numbered again)."""
        self._inbox.put(None)

    def finish(
        self, front: bytes, parts: int, dests: dict[str, Destination], outline: Sequence[Section], identifier: str
    ) -> bytes:
        """The merged PDF: ``front`` first (its /Info and /Lang), ``parts`` parts in all, /ID ``identifier``."""
        from pypdf.generic import ArrayObject, ByteStringObject

        self.close()
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._next != parts:
            raise RuntimeError(f"PDF merge: {self._next - 1} of {parts - 1} chunks arrived")
        reader = _reader(front)
        writer = self._writer
        if writer is None:  # the front matter alone
            from pypdf import PdfWriter

            writer = PdfWriter(clone_from=reader)
        else:
            writer.merge(0, reader, import_outline=False)
        if identifier:  # pinned to the input, as a single call's is (WeasyPrint's pdf_identifier)
            writer._ID = ArrayObject([ByteStringObject(identifier.encode())] * 2)
        _resolve_links(writer, dests)
        _name_tree(writer, dests)
        _outline(writer, outline, dests)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    def _work(self) -> None:
        while (item := self._inbox.get()) is not None:
            if self._error is not None:
                continue
            part, pdf = item
            self._arrived[part] = pdf
            try:
                while self._next in self._arrived:
                    self._append(self._arrived.pop(self._next))
                    self._next += 1
            except BaseException as exc:  # reported by finish()
                self._error = exc

    def _append(self, pdf: bytes) -> None:
        reader = _reader(pdf)
        if self._writer is None:
            from pypdf import PdfWriter

            self._writer = PdfWriter(clone_from=reader)
        else:
            self._writer.append(reader, import_outline=False)


def _reader(pdf: bytes) -> Any:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    # pypdf would merge each chunk's name tree one sorted insert at a time (quadratic); we rebuild it once
    reader.root_object.pop("/Names", None)
    return reader


def _explicit(writer: Any, dest: Destination) -> Any:
    from pypdf.generic import ArrayObject, FloatObject, NameObject, NumberObject

    page, left, top = dest
    return ArrayObject(
        [
            writer.pages[page].indirect_reference,
            NameObject("/XYZ"),
            FloatObject(left),
            FloatObject(top),
            NumberObject(0),
        ]
    )


def _resolve_links(writer: Any, dests: dict[str, Destination]) -> None:
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
                annot[NameObject("/Dest")] = _explicit(writer, target)
            kept.append(ref)
        annots.get_object()[:] = kept


def _name_tree(writer: Any, dests: dict[str, Destination]) -> None:
    """/Names /Dests as one sorted array, so `file.pdf#nameddest=...` works as with a single call."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    names = ArrayObject()
    for name in sorted(dests):
        names += [TextStringObject(name), _explicit(writer, dests[name])]
    tree = DictionaryObject({NameObject("/Names"): names})
    writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/Dests"): tree})


def _outline(writer: Any, sections: Sequence[Section], dests: dict[str, Destination], parent: Any = None) -> None:
    from pypdf.generic import Fit

    for section in sections:
        dest = dests.get(section.anchor)
        if dest is None:
            continue
        page, left, top = dest
        item = writer.add_outline_item(
            title=section.title, page_number=page, parent=parent, fit=Fit.xyz(left=left, top=top, zoom=0)
        )
        _outline(writer, section.children, dests, item)
