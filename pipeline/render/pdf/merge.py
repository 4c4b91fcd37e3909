"""Chunk PDFs → one PDF with pypdf: pages in order, cross-chunk links, named destinations, bookmarks."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from pipeline.render.pdf.compose import GOTO
from pipeline.render.pdf.document import Section

Destination = tuple[int, float, float]  # page index, left, top (PDF points)


def merge(chunks: Sequence[bytes], outline: Sequence[Section]) -> bytes:
    """One PDF from ``chunks`` (the first gives /ID, /Info and /Lang); GOTO links resolved; outline added."""
    from pypdf import PdfReader, PdfWriter

    readers = [PdfReader(io.BytesIO(data)) for data in chunks]
    dests: dict[str, Destination] = {}
    offset = 0
    for reader in readers:
        dests.update(_destinations(reader, offset))
        offset += len(reader.pages)
        # pypdf would merge each chunk's name tree one sorted insert at a time (quadratic); we rebuild it once
        reader.root_object.pop("/Names", None)
    writer = PdfWriter(clone_from=readers[0])
    for reader in readers[1:]:
        writer.append(reader, import_outline=False)
    _resolve_links(writer, dests)
    _name_tree(writer, dests)
    _outline(writer, outline, dests)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _destinations(reader: Any, offset: int) -> dict[str, Destination]:
    """Every named destination of a chunk (WeasyPrint writes one per id) as merged page index and position."""
    index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    found: dict[str, Destination] = {}
    for name, dest in reader.named_destinations.items():
        page = dest.page
        number = page if isinstance(page, int) else index.get(page.idnum)
        if number is not None:
            found[str(name)] = (offset + number, float(dest.left or 0), float(dest.top or 0))
    return found


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
