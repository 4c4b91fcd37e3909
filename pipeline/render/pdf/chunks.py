"""Large handbooks: render the PDF in chunks of chapters (layout pass, numbered pass), then merge them."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.diagnostics import PipelineError
from pipeline.render.pdf.compose import compose
from pipeline.render.pdf.document import Chapter, PrintBook
from pipeline.render.pdf.merge import merge
from pipeline.render.pdf.weasy import Layout, Task, measure, write

Mapper = Callable[[Callable[[Task], Any], Sequence[Task]], list[Any]]  # runs tasks, maybe in parallel

CHARS_PER_PAGE = 2600  # text characters per PDF page, measured on the sample (tables make it fewer)
ATTEMPTS = 3  # page counts settle after one correction at most (contents numbers one digit wider)


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
    """Front matter, chapters grouped up to ``chunk_pages`` estimated pages, references."""
    parts, current, size = [Part(front=True)], list[Chapter](), 0
    for chapter in book.chapters:
        pages = estimate(chapter)
        if current and size + pages > chunk_pages:
            parts.append(Part(chapters=tuple(current)))
            current, size = [], 0
        current.append(chapter)
        size += pages
    if current:
        parts.append(Part(chapters=tuple(current)))
    if book.references:
        parts.append(Part(back=True))
    return parts


def render_chunked(book: PrintBook, task: Task, chunk_pages: int, run: Mapper, cache: Path | None = None) -> bytes:
    """The PDF of ``book`` from chunks: ``task`` carries the shared options, its html is replaced per chunk.

    With ``cache`` (a folder), layouts and chunk PDFs are kept by the hash of their input, so editing one
    page of a large handbook re-renders the contents, that page's chunk and chunks whose numbers moved.
    """
    parts = plan(book, chunk_pages)
    widest = {anchor: 10 ** len(str(estimated_pages(book))) - 1 for anchor in book.ids}
    run = _cached(run, cache) if cache else run
    # pypdf cannot merge structure trees, and parsing them costs most of the merge: chunks are untagged
    task = replace(task, tags=False)

    def tasks(numbers: dict[str, int], starts: list[int] | None) -> list[Task]:
        # only the front chunk's /ID survives the merge: the others leave it empty, so their cache keys hold
        return [
            replace(
                task,
                html=_html(book, part, numbers, starts[i] if starts else None),
                identifier=task.identifier if part.front else "",
            )
            for i, part in enumerate(parts)
        ]

    layouts: list[Layout] = run(measure, tasks(widest, None))
    for _attempt in range(ATTEMPTS):
        starts = _starts(layouts)
        numbers = {
            anchor: starts[i] + page for i, layout in enumerate(layouts) for anchor, page in layout.anchors.items()
        }
        final = tasks(numbers, starts)
        pdfs: list[bytes] = run(write, final)
        if _page_counts(pdfs) == [layout.pages for layout in layouts]:
            return merge(pdfs, book.outline())
        layouts = run(measure, final)  # a chunk came out longer or shorter than measured: number again
    raise PipelineError("chunked PDF: page counts did not settle; render this handbook in one call")


def _html(book: PrintBook, part: Part, numbers: dict[str, int], first_page: int | None) -> str:
    return compose(
        book,
        front=part.front,
        chapters=part.chapters,
        back=part.back,
        numbers=numbers if part.front else None,
        first_page=first_page if first_page != 1 else None,
        bookmarks=False,
        goto=True,
    )


def _starts(layouts: list[Layout]) -> list[int]:
    """The page number each chunk starts at (the cover is page 1)."""
    starts, page = [], 1
    for layout in layouts:
        starts.append(page)
        page += layout.pages
    return starts


def _page_counts(pdfs: list[bytes]) -> list[int]:
    from pypdf import PdfReader

    return [len(PdfReader(io.BytesIO(pdf)).pages) for pdf in pdfs]


def _cached(run: Mapper, folder: Path) -> Mapper:
    """``run`` with results kept on disk by the hash of (function, task)."""

    def cached(function: Callable[[Task], Any], tasks: Sequence[Task]) -> list[Any]:
        paths = [folder / f"{_task_key(function, task)}.{'json' if function is measure else 'pdf'}" for task in tasks]
        missing = [i for i, path in enumerate(paths) if not path.is_file()]
        fresh = dict(zip(missing, run(function, [tasks[i] for i in missing]), strict=True)) if missing else {}
        folder.mkdir(parents=True, exist_ok=True)
        results = []
        for i, path in enumerate(paths):
            if i in fresh:
                _save(path, fresh[i])
                results.append(fresh[i])
            else:
                results.append(_load(path))
        return results

    return cached


def _task_key(function: Callable[[Task], Any], task: Task) -> str:
    digest = hashlib.sha256(f"{function.__name__}\0{task.identifier}\0{task.variant}\0{task.tags}\0".encode())
    digest.update(task.salt.encode() + b"\0" + task.html.encode())
    return digest.hexdigest()


def _save(path: Path, result: Layout | bytes) -> None:
    data = result if isinstance(result, bytes) else json.dumps(asdict(result), sort_keys=True).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _load(path: Path) -> Layout | bytes:
    if path.suffix == ".pdf":
        return path.read_bytes()
    data = json.loads(path.read_text(encoding="utf-8"))
    return Layout(int(data["pages"]), {str(k): int(v) for k, v in data["anchors"].items()})
