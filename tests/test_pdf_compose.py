"""The print HTML composed a piece at a time: the template's blocks make the whole document, and a chunk's HTML
is composed only as its WeasyPrint call starts (the build process never holds the whole book's HTML)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter

from bench.generate import generate
from pipeline.build import check
from pipeline.config import Config
from pipeline.render.cite import render_citations
from pipeline.render.pdf import chunks, compose
from pipeline.render.pdf.chunks import Chunked, plan
from pipeline.render.pdf.document import Chapter, PrintBook, print_book
from pipeline.render.pdf.numbering import FirstPage, Paginated
from pipeline.render.pdf.schedule import run
from pipeline.render.pdf.weasy import Chunk, Layout, Task

PAGES = 2  # of every fake chunk
Record = tuple[str, bool, tuple[str, ...], bool]  # "compose", front, chapters, back


def document(source: Path, out: Path) -> PrintBook:
    config = Config(source=source, out=out)
    result = check(config, parts=("pdf",))
    assert result.book is not None
    return print_book(result.book, result.parts["pdf"], render_citations(result.book, config.cache))


def test_the_pieces_are_the_template_rendered_whole(tmp_path: Path) -> None:
    """Nothing lies between the template's blocks: composing them one by one is the document."""
    book = document(generate(3, tmp_path / "src"), tmp_path / "out")
    assert len(book.chapters) == 3 and book.references
    template = compose._environment().get_template("handbook.html.j2")
    values = compose._values(book, book.chapters, True, True, None, True)
    whole = compose.link_targets(
        template.render(values), compose.local_ids(book, True, book.chapters, True), frozenset()
    )
    pieces = list(compose.pieces(book))
    assert len(pieces) == len(book.chapters) + 2
    assert "".join(pieces) == compose.compose(book) == whole
    assert all(book.body(chapter) in piece for chapter, piece in zip(book.chapters, pieces[1:-1], strict=True))


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fake_layout(task: Task) -> Layout:
    """Every id of the HTML on the first of ``PAGES`` pages: what WeasyPrint would tell, quickly."""
    return Layout(PAGES, dict.fromkeys(re.findall(r' id="([^"]*)"', task.html), (0, 0.0, 0.0)))


def fake_measure(task: Task, _first_page: FirstPage | None = None) -> Layout:
    return fake_layout(task)


def fake_render_chunk(task: Task, first_page: FirstPage) -> Chunk:
    layout = fake_layout(task)
    first_page(Paginated(layout.pages, layout.page_of()))
    return Chunk(blank_pdf(layout.pages), layout)


def ids(chapters: tuple[Chapter, ...]) -> tuple[str, ...]:
    return tuple(chapter.page_id for chapter in chapters)


def test_a_chunk_is_composed_only_as_its_call_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each call's HTML is composed right after the call is scheduled (never before: the queued calls hold no
    HTML), once; the cache is looked up by keys hashed a chapter at a time, so a cached chunk is never composed."""
    book = document(generate(3, tmp_path / "src"), tmp_path / "out")
    parts = plan(book, 20)
    assert len(parts) >= 4  # the front matter and three chunks or more
    trace: list[Any] = []

    def recorded(document: PrintBook, **options: Any) -> str:
        trace.append(("compose", options["front"], ids(options["chapters"]), options["back"]))
        return compose.compose(document, **options)

    monkeypatch.setattr(chunks, "compose", recorded)
    monkeypatch.setattr(chunks, "measure", fake_measure)
    monkeypatch.setattr(chunks, "render_chunk", fake_render_chunk)

    def built(out: Path) -> Path:
        task = Task("", str(tmp_path / "src"), (str(tmp_path),), identifier="0" * 32, salt="test")
        work = Chunked(book, task, 20, tmp_path / "chunks", "book", out)
        try:
            [merged] = run([work], None, trace)
        finally:
            work.close()
        assert isinstance(merged, Path)
        return merged

    first = built(tmp_path / "first.pdf")
    expected: list[str | Record] = []
    for label in [entry for entry in trace if isinstance(entry, str)]:
        number = int(label.rsplit(" ", 1)[1]) if ": chunk " in label else 0
        part = parts[number]
        expected += [label, ("compose", part.front, ids(part.chapters), part.back)]
    assert trace == expected
    assert sum(": chunk " in entry for entry in trace if isinstance(entry, str)) == len(parts) - 1

    trace.clear()  # the same book again: every chunk, the contents and its measure come from the cache
    again = built(tmp_path / "again.pdf")
    assert trace == []
    assert again.read_bytes() == first.read_bytes()
