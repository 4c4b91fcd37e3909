"""A PDF file written object by object as its parts arrive, and other PDFs' pages copied into it with pypdf.

Only each object's number and offset stay in memory; the pages of a read PDF are written with everything they
reach, renumbered, and the reader can then be dropped. Imported only when a chunked PDF is merged (pypdf).
"""

from __future__ import annotations

import array as arrays
import io
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NullObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

CATALOG, PAGES = 1, 2  # reserved up front: pages point /Parent at the page tree before it is written
UNWRITTEN = 0  # the offset of an object not written yet (offset 0 is the header's)
BINARY = b"%\xe2\xe3\xcf\xd3\n"  # the comment that marks the file as binary (as pypdf writes it)
Number = Callable[[int], int]  # an object number in the source PDF → its number in the file written


class PdfFile:
    """The merged PDF on disk: object numbers handed out in order, each object's offset, then xref and trailer."""

    def __init__(self, path: Path, header: bytes) -> None:
        self.path = path
        self._file: BinaryIO = path.open("wb")
        self._file.write(header + b"\n" + BINARY)
        self._position = len(header) + 1 + len(BINARY)
        # by number - 1, 8 bytes each; 0 until written (the header is at 0): the catalog and page tree come last
        self._offsets = arrays.array("Q", (UNWRITTEN, UNWRITTEN))

    def reserve(self) -> int:
        """A new object number, to be written later."""
        self._offsets.append(UNWRITTEN)
        return len(self._offsets)

    def write(self, number: int, body: bytes) -> None:
        """Object ``number`` (reserved) with its serialised ``body``."""
        self.write_pieces(number, (body,))

    def write_pieces(self, number: int, body: Iterable[bytes]) -> None:
        """Object ``number`` (reserved), its serialised body written piece by piece as ``body`` makes it."""
        assert self._offsets[number - 1] == UNWRITTEN, f"object {number} written twice"
        self._offsets[number - 1] = self._position
        for data in itertools.chain((b"%d 0 obj\n" % number,), body, (b"\nendobj\n",)):
            self._file.write(data)
            self._position += len(data)

    def close(self, info: int | None, identifier: bytes) -> None:
        """The cross-reference table (written a line at a time) and the trailer; every reserved object must have
        been written."""
        missing = [number for number, offset in enumerate(self._offsets, start=1) if offset == UNWRITTEN]
        assert not missing, f"objects reserved but not written: {missing[:5]}"
        self._file.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(self._offsets) + 1))
        self._file.writelines(b"%010d 00000 n \n" % offset for offset in self._offsets)
        trailer = b"trailer\n<<\n/Size %d\n/Root %d 0 R\n" % (len(self._offsets) + 1, CATALOG)
        if info is not None:
            trailer += b"/Info %d 0 R\n" % info
        if identifier:
            twice = serialise(ByteStringObject(identifier), _no_references)
            trailer += b"/ID [ %s %s ]\n" % (twice, twice)
        self._file.write(trailer + b">>\nstartxref\n%d\n%%%%EOF\n" % self._position)
        self._file.close()

    def discard(self) -> None:
        """Stop and delete the file (the build failed, or the chunks are being numbered again)."""
        self._file.close()
        self.path.unlink(missing_ok=True)


class Copy:
    """One read PDF's pages copied into a ``PdfFile``: every object they reach (not /Parent) is numbered when
    first reached and written by ``drain``, in the order reached; each page's /Annots is what ``annots``
    makes of it (serialised)."""

    def __init__(self, reader: PdfReader, out: PdfFile, annots: Callable[[ArrayObject, Copy], bytes]) -> None:
        self.reader = reader
        self.out = out
        self._annots = annots
        self._numbers: dict[int, int] = {}
        self._queue: deque[int] = deque()
        self._pages: set[int] = set()

    def number(self, source: int) -> int:
        """The written number of source object ``source`` (queued for writing when first asked)."""
        number = self._numbers.get(source)
        if number is None:
            number = self._numbers[source] = self.out.reserve()
            self._queue.append(source)
        return number

    def pages(self) -> list[int]:
        """Write the pages (inherited attributes made their own, /Parent the page tree) and all they reach;
        their numbers, in order."""
        pages = self.reader.pages
        numbers = []
        for page in pages:
            source = page.indirect_reference
            assert source is not None
            self._pages.add(source.idnum)
            numbers.append(self.number(source.idnum))
        self.drain()
        return numbers

    def value(self, obj: PdfObject) -> bytes:
        """``obj`` serialised with this copy's numbers; what it references is written by the next ``drain``."""
        return serialise(obj, self.number)

    def drain(self) -> None:
        """Write every object numbered and not written yet, and what they reach."""
        while self._queue:
            source = self._queue.popleft()
            obj = self.reader.get_object(source)
            if source in self._pages:
                assert isinstance(obj, DictionaryObject)
                body = self._page(obj)
            else:
                kind = obj.get("/Type") if isinstance(obj, DictionaryObject) else None
                if kind in ("/Page", "/Pages", "/Catalog"):
                    raise ValueError(f"PDF merge: object {source} ({kind}) is reached from a page's content")
                body = serialise(obj if obj is not None else NullObject(), self.number)
            self.out.write(self._numbers[source], body)

    def _page(self, page: DictionaryObject) -> bytes:
        out = io.BytesIO()
        out.write(b"<<\n")
        for key, value in page.items():
            key.write_to_stream(out)
            if key == "/Parent":
                out.write(b" %d 0 R\n" % PAGES)
                continue
            out.write(b" ")
            if key == "/Annots":
                annots = value.get_object()
                assert isinstance(annots, ArrayObject)
                out.write(self._annots(annots, self))
            else:
                _write(value, self.number, out)
            out.write(b"\n")
        out.write(b">>")
        return out.getvalue()


def serialise(obj: PdfObject, number: Number) -> bytes:
    """``obj`` as PDF syntax, each indirect reference renumbered by ``number``; streams keep their encoded data."""
    out = io.BytesIO()
    _write(obj, number, out)
    return out.getvalue()


def _write(obj: PdfObject, number: Number, out: BinaryIO) -> None:
    if isinstance(obj, IndirectObject):
        out.write(b"%d 0 R" % number(obj.idnum))
    elif isinstance(obj, DictionaryObject):
        out.write(b"<<\n")
        for key, value in obj.items():
            if key == "/Length" and isinstance(obj, StreamObject):
                continue
            key.write_to_stream(out)
            out.write(b" ")
            _write(value, number, out)
            out.write(b"\n")
        if isinstance(obj, StreamObject):
            out.write(b"/Length %d\n>>\nstream\n" % len(obj._data))
            out.write(obj._data)
            out.write(b"\nendstream")
        else:
            out.write(b">>")
    elif isinstance(obj, ArrayObject):
        out.write(b"[")
        for item in obj:
            out.write(b" ")
            _write(item, number, out)
        out.write(b" ]")
    else:
        obj.write_to_stream(out)


def _no_references(source: int) -> int:
    raise AssertionError(f"unexpected reference to object {source}")


def dictionary(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A dictionary of serialised values."""
    return b"<<\n" + b"".join(name.encode() + b" " + value + b"\n" for name, value in entries) + b">>"


def array(items: Iterable[bytes]) -> bytes:
    """An array of serialised values."""
    return b"[" + b"".join(b" " + item for item in items) + b" ]"


def reference(number: int) -> bytes:
    return b"%d 0 R" % number


def real(value: float) -> bytes:
    """A number as pypdf writes it."""
    return serialise(FloatObject(value), _no_references)


def text(value: str) -> bytes:
    """A text string (PDFDocEncoding or UTF-16, as pypdf chooses)."""
    return serialise(TextStringObject(value), _no_references)


def destination(page: int, left: float, top: float) -> bytes:
    """An explicit destination: page object ``page``, at ``left``/``top``, zoom unchanged."""
    return b"[ %d 0 R /XYZ %s %s 0 ]" % (page, real(left), real(top))
