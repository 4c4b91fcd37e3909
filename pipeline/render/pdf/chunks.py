"""Large handbooks: the PDF in chunks of chapters, each laid out once and numbered when known, then merged."""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.diagnostics import PipelineError
from pipeline.render.pdf.compose import compose, pieces
from pipeline.render.pdf.document import Chapter, PrintBook, Section
from pipeline.render.pdf.merge import Arrival, Merger
from pipeline.render.pdf.numbering import Paginated
from pipeline.render.pdf.schedule import Unit
from pipeline.render.pdf.weasy import Chunk, Layout, Task, measure, render_chunk

CHARS_PER_PAGE = 2600  # text characters per PDF page, measured on the sample (tables make it fewer)
ATTEMPTS = 3  # the contents' page count settles after one correction at most (numbers one digit wider)
FRONT = 0  # the part with the cover and the contents


@dataclass(frozen=True, slots=True)
class Part:
    """One chunk: the front matter, some chapters, or the references."""

    front: bool = False
    chapters: tuple[Chapter, ...] = ()
    back: bool = False


def estimate(chapter: Chapter) -> int:
    """Expected PDF pages of a chapter: text volume plus a page break per h2 section."""
    return 1 + chapter.text_length // CHARS_PER_PAGE + len(chapter.outline.children)


def estimated_pages(book: PrintBook) -> int:
    return 2 + sum(estimate(chapter) for chapter in book.chapters) + (1 if book.references else 0)


def plan(book: PrintBook, chunk_pages: int) -> list[Part]:
    """Front matter, then chapters grouped in order up to each chunk's ``budget`` of estimated pages; the last
    chunk also has the references."""
    sizes = [estimate(chapter) for chapter in book.chapters]
    remaining = sum(sizes)
    parts, current, size = [Part(front=True)], list[Chapter](), 0
    for chapter, pages in zip(book.chapters, sizes, strict=True):
        if current and size + pages > budget(remaining, len(parts) - 1, chunk_pages):
            parts.append(Part(chapters=tuple(current)))
            remaining -= size
            current, size = [], 0
        current.append(chapter)
        size += pages
    if current:
        parts.append(Part(chapters=tuple(current)))
    if book.references:  # with the last chapters: a chunk costs more than the references' page or two
        if len(parts) > 1:
            parts[-1] = replace(parts[-1], back=True)
        else:
            parts.append(Part(back=True))
    return parts


def budget(remaining: int, done: int, chunk_pages: int) -> int:
    """The size of the next chunk, with ``remaining`` estimated pages left and ``done`` chunks planned.

    ``chunk_pages`` until the last three chunks' worth; those are cut into equal chunks, as many as make
    the count even. Two processes take the chunks in turn, so both get as much work and finish together;
    and a chunk never runs beside a later, smaller one, which would wait for its first page. Only the
    last chunks depend on the book's length: an edit elsewhere keeps the chunks before it.
    """
    if remaining > 3 * chunk_pages:
        return chunk_pages
    pieces = max(1, -(-remaining // chunk_pages))
    pieces += (done + pieces) % 2
    return -(-remaining // pieces)


class Chunked:
    """One chunked PDF as it is being made (a ``schedule.Work``).

    Every chunk of chapters (and the references) is laid out once, with no knowledge of where it starts:
    once paginated it asks for the number of its first page (``first_page``), known as soon as the front
    matter's page count (a layout with placeholder numbers) and every earlier chunk's page count are.
    The front matter is rendered once every chunk is paginated, with every heading's page number. Layouts
    (page count and anchors, which do not depend on the first page) and chunk PDFs (by first page) are
    kept in ``cache`` by the hash of their HTML, so a chunk whose content and first page did not change
    is not rendered again, and one whose content did not change is not waited for.

    A chunk's HTML is hashed piece by piece (compose.pieces: one chapter at a time) and composed only as
    its call starts; what is kept between calls is the chunks' keys, page counts and anchors.
    """

    def __init__(self, book: PrintBook, task: Task, chunk_pages: int, cache: Path, label: str, out: Path) -> None:
        self.book = book
        self.parts = plan(book, chunk_pages)
        self.cache = cache
        self.label = label
        self.identifier = task.identifier  # the merged PDF's /ID
        # pypdf cannot merge structure trees, and parsing them costs most of the merge: chunks are untagged;
        # no chunk has an /ID (the merge gives the book its own), so a chunk's key holds across edits elsewhere
        self.task = replace(task, tags=False, identifier="")
        widest = 10 ** len(str(estimated_pages(book))) - 1
        self.placeholder = dict.fromkeys(book.ids, widest)  # the numbers the contents is measured with
        self.keys: dict[int, str] = {}  # part → the cache key of its HTML, once looked up
        self.front_pages: int | None = None  # cover and contents
        self.counts: dict[int, int] = {}  # part → page count
        self.pages_of: dict[int, dict[str, int]] = {}  # part → page index of each id, once paginated
        self.layouts: dict[int, Layout] = {}  # part → its layout, once rendered (or cached)
        self.numbered: dict[int, int] = {}  # part → the first page it was told
        self.rendered: set[int] = set()  # parts whose PDF, numbered from their current first page, is merging
        self.numbers: dict[str, int] = {}  # the page numbers the contents is being rendered with
        self.contents: tuple[dict[str, int], Path] | None = None  # the front matter: its numbers, its PDF
        self.running: set[int] = set()
        self.measuring = False
        self.looked_up: set[int] = set()
        self.attempts = 0
        self.out = out  # where the merged PDF is written (as many files as attempts: a stopped merge deletes its own)
        self.merger = Merger(self._merged_path())
        self.merged: Path | None = None

    # ---- schedule.Work --------------------------------------------------------------------------------

    def ready(self) -> list[Unit]:
        units = []
        if self.front_pages is None and not self.measuring:
            key = self._key(FRONT, self.placeholder)
            known = self._layout(key)
            if known is None:
                self.measuring = True
                compose_task, label = self._composer(FRONT, self.placeholder), f"{self.label}: contents (measure)"
                units.append(Unit(FRONT, "measure", measure, compose_task, label, key, urgent=True))
            else:
                self.front_pages = known.pages
        for part in range(1, len(self.parts)):
            if part in self.rendered or part in self.running:
                continue
            key = self._chunk_key(part)
            if part not in self.layouts and part not in self.looked_up:
                self.looked_up.add(part)
                known = self._layout(key)
                if known is not None:
                    self._laid_out(part, known)
            if part in self.layouts:
                first = self._first(part)
                if first is None:
                    continue  # known length, unknown start: wait for the chunks before it
                pdf = self._pdf(key, first)
                if pdf is not None:
                    self._rendered(part, pdf)
                    continue
            self.running.add(part)
            units.append(
                Unit(part, "chunk", render_chunk, self._composer(part, None), f"{self.label}: chunk {part}", key)
            )
        if self.contents is None and FRONT not in self.running and self._paginated():
            units += self._contents()
        return units

    def first_page(self, unit: Unit, paginated: Paginated) -> int | None:
        if unit.part == FRONT:
            return 1
        self.counts[unit.part] = paginated.pages
        self.pages_of[unit.part] = paginated.anchors
        return self.start(unit)

    def start(self, unit: Unit) -> int | None:
        if unit.part == FRONT:
            return 1
        first = self._first(unit.part)
        if first is not None:
            self.numbered[unit.part] = first
        return first

    def done(self, unit: Unit, result: Any) -> None:
        if unit.kind == "measure":
            assert isinstance(result, Layout)
            self._save(unit.key + ".json", result)
            self.front_pages, self.measuring = result.pages, False
            return
        assert isinstance(result, Chunk)
        self.running.discard(unit.part)
        key = unit.key
        self._save(key + ".json", result.layout)
        if unit.part == FRONT:
            self._front(self.numbers, result.layout, self._save(key + "-1.pdf", result.pdf))
            return
        first = self.numbered.pop(unit.part)
        pdf = self._save(f"{key}-{first}.pdf", result.pdf)
        self._laid_out(unit.part, result.layout)
        if first == self._first(unit.part):  # else the chunks were numbered again meanwhile: render it again
            self._rendered(unit.part, pdf)

    def result(self) -> Path | None:
        if self.merged is not None or self.contents is None or len(self.rendered) < len(self.parts) - 1:
            return self.merged
        numbers, front = self.contents
        if numbers != self._numbers({part: layout.page_of() for part, layout in self.layouts.items()}):
            # rendered with the ids' pages as pagination told them: they must be the finished layouts' too
            self.contents = None
            return None
        dests = {
            anchor: (self._first(part) - 1 + page, left, top)  # type: ignore[operator]  # all are numbered
            for part, layout in sorted(self.layouts.items())
            for anchor, (page, left, top) in layout.anchors.items()
        }
        arrival = Arrival(front, self.layouts[FRONT].anchors, self._outline(self.parts[FRONT]))
        self.merged = self.merger.finish(arrival, len(self.parts), dests, self.identifier)
        return self.merged

    def close(self) -> None:
        self.merger.close()

    # ---- the parts ------------------------------------------------------------------------------------

    def _composer(self, part: int, numbers: dict[str, int] | None) -> Callable[[], Task]:
        """What composes ``part``'s task (with ``numbers`` in its contents) when its call starts."""
        return functools.partial(self._task, part, numbers)

    def _task(self, part: int, numbers: dict[str, int] | None) -> Task:
        return replace(self.task, html=compose(self.book, **self._options(part, numbers)))

    def _options(self, part: int, numbers: dict[str, int] | None) -> dict[str, Any]:
        """``part``'s HTML, as compose.compose's arguments."""
        chosen = self.parts[part]
        return {
            "front": chosen.front,
            "chapters": chosen.chapters,
            "back": chosen.back,
            "numbers": numbers,
            "bookmarks": False,
            "goto": True,
        }

    def _chunk_key(self, part: int) -> str:
        if part not in self.keys:
            self.keys[part] = self._key(part, None)
        return self.keys[part]

    def _first(self, part: int) -> int | None:
        """The number of ``part``'s first page (the cover is page 1), once every page count before it is known."""
        if part == FRONT:
            return 1
        if self.front_pages is None:
            return None
        first = 1 + self.front_pages
        for before in range(1, part):
            if before not in self.counts:
                return None
            first += self.counts[before]
        return first

    def _laid_out(self, part: int, layout: Layout) -> None:
        self.layouts[part] = layout
        self.counts[part] = layout.pages
        self.pages_of[part] = layout.page_of()

    def _rendered(self, part: int, pdf: Path) -> None:
        self.rendered.add(part)  # the merge reads the PDF from the cache when it appends it
        self.merger.add(part, pdf, self.layouts[part].anchors, self._outline(self.parts[part]))

    def _outline(self, part: Part) -> tuple[Section, ...]:
        """The bookmarks whose headings are in ``part``."""
        outline = self.book.outline()  # Contents, the chapters, References
        chapters = tuple(chapter.outline for chapter in part.chapters)
        return (outline[0],) if part.front else chapters + (outline[-1:] if part.back else ())

    def _paginated(self) -> bool:
        return self.front_pages is not None and all(part in self.pages_of for part in range(1, len(self.parts)))

    def _numbers(self, pages_of: dict[int, dict[str, int]]) -> dict[str, int]:
        """The printed page number of every id after the front matter."""
        return {
            anchor: self._first(part) + page  # type: ignore[operator]  # every part is numbered by now
            for part, anchors in sorted(pages_of.items())
            if part != FRONT
            for anchor, page in anchors.items()
        }

    def _contents(self) -> list[Unit]:
        """The front matter with every heading's page number: rendered as soon as every chunk is paginated."""
        numbers = self._numbers(self.pages_of)
        key = self._key(FRONT, numbers)
        known, pdf = self._layout(key), self._pdf(key, 1)
        if known is not None and pdf is not None:
            self._front(numbers, known, pdf)
            return self.ready() if self.contents is None else []
        self.running.add(FRONT)
        self.numbers = numbers
        compose_task = self._composer(FRONT, numbers)
        return [Unit(FRONT, "contents", render_chunk, compose_task, f"{self.label}: contents", key, urgent=True)]

    def _front(self, numbers: dict[str, int], layout: Layout, pdf: Path) -> None:
        self.layouts[FRONT] = layout
        if layout.pages == self.front_pages:
            self.contents = (numbers, pdf)
            return
        # the contents came out longer or shorter than measured: every chunk starts elsewhere
        self.attempts += 1
        if self.attempts >= ATTEMPTS:
            raise PipelineError("chunked PDF: the contents' page count did not settle; render it in one call")
        self.front_pages = layout.pages
        self.rendered.clear()
        self.merger.close()
        self.merger = Merger(self._merged_path())

    def _merged_path(self) -> Path:
        return self.out.with_name(f"{self.out.name}.{self.attempts}")

    # ---- the cache --------------------------------------------------------------------------------------

    def _key(self, part: int, numbers: dict[str, int] | None) -> str:
        """The hash of ``part``'s task, its HTML hashed as it is composed (never held whole)."""
        task = self.task
        digest = hashlib.sha256(f"chunk\0{task.identifier}\0{task.variant}\0{task.tags}\0".encode())
        digest.update(task.salt.encode() + b"\0")
        for piece in pieces(self.book, **self._options(part, numbers)):
            digest.update(piece.encode())
        return digest.hexdigest()

    def _layout(self, key: str) -> Layout | None:
        path = self.cache / f"{key}.json"
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        anchors = {
            str(name): (int(page), float(left), float(top)) for name, (page, left, top) in data["anchors"].items()
        }
        return Layout(int(data["pages"]), anchors)

    def _pdf(self, key: str, first: int) -> Path | None:
        path = self.cache / f"{key}-{first}.pdf"
        return path if path.is_file() else None

    def _save(self, name: str, result: Layout | bytes) -> Path:
        """Replace, never rewrite: a hard-linked cache file in a published tree never changes (publish.py)."""
        data = result if isinstance(result, bytes) else json.dumps(asdict(result), sort_keys=True).encode()
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = self.cache / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        return tmp.replace(self.cache / name)
