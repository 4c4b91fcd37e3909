"""WeasyPrint calls (run in worker processes): lay out or write one HTML document, fetching local files only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from pipeline.diagnostics import PipelineError
from pipeline.render.pdf.numbering import FirstPage, numbered

log = logging.getLogger("pipeline.render.pdf")
ALLOWED_SCHEMES = ("file", "data")


@dataclass(frozen=True, slots=True)
class Task:
    """One WeasyPrint call: picklable, so it can cross into a worker process."""

    html: str
    base: str  # folder that relative URLs resolve against (the handbook's source folder)
    roots: tuple[str, ...]  # the only folders files may be read from
    identifier: str = ""  # PDF /ID, pinned for reproducible output
    variant: str | None = None
    tags: bool = True
    salt: str = ""  # what else shapes the output (fonts, library versions): part of cache keys only


Anchor = tuple[int, float, float]  # page index, left and top in PDF points (a PDF /XYZ destination)
PT_PER_PX = 0.75  # WeasyPrint's CSS pixel in PDF points


@dataclass(frozen=True, slots=True)
class Layout:
    """What a layout tells: the page count and where every id is (its first occurrence)."""

    pages: int
    anchors: dict[str, Anchor]

    def page_of(self) -> dict[str, int]:
        return {name: page for name, (page, _left, _top) in self.anchors.items()}


@dataclass(frozen=True, slots=True)
class Chunk:
    """A chunk rendered: its PDF, and its layout (what the contents and the chunks after it need)."""

    pdf: bytes
    layout: Layout


def refusal(url: str, roots: tuple[str, ...]) -> str | None:
    """Why ``url`` must not be fetched, or None: only file: URLs inside ``roots`` (and data:) are read."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        return f"remote or unknown URL {url!r} is never fetched"
    if parts.scheme == "data":
        return None
    if parts.netloc not in ("", "localhost"):
        return f"file URL on another host {url!r} is never fetched"
    path = Path(url2pathname(parts.path)).resolve()
    if not any(path.is_relative_to(Path(root).resolve()) for root in roots):
        return f"file {path} is outside the build's own files"
    return None


def _fetcher(roots: tuple[str, ...]) -> Any:
    from weasyprint import URLFetcher

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        """WeasyPrint's fetcher, refusing anything but the build's own files."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            reason = refusal(url, roots)
            if reason:
                log.warning("PDF: %s", reason)
                raise ValueError(reason)
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols=ALLOWED_SCHEMES, timeout=1)


def prepare() -> None:
    """Import WeasyPrint and install our hooks: what a worker process does while it waits for work."""
    from pipeline.render.pdf import numbering, subset

    subset.install()  # fonts subset by fontTools without the clock, whether or not libharfbuzz-subset is present
    numbering.install()  # page numbers can be chosen after pagination (render_chunk)


def _document(task: Task) -> Any:
    from weasyprint import HTML

    prepare()
    base = Path(task.base).resolve().as_uri() + "/"
    return HTML(string=task.html, base_url=base, url_fetcher=_fetcher(task.roots)).render()


def write(task: Task, _first_page: FirstPage | None = None) -> bytes:
    """The finished PDF of ``task`` (one WeasyPrint call)."""
    try:
        return _pdf(_document(task), task)
    except Exception as exc:  # WeasyPrint raises many types; any of them is a failed PDF, not bad content
        raise PipelineError(f"WeasyPrint failed to write the PDF: {type(exc).__name__}: {exc}") from exc


def measure(task: Task, _first_page: FirstPage | None = None) -> Layout:
    """Lay ``task`` out without writing it (the contents of a chunked PDF, with placeholder numbers)."""
    try:
        document = _document(task)
    except Exception as exc:
        raise PipelineError(f"WeasyPrint failed to lay out the PDF: {type(exc).__name__}: {exc}") from exc
    return _layout(document)


def render_chunk(task: Task, first_page: FirstPage) -> Chunk:
    """Lay ``task`` out once and write it, numbered from ``first_page(page_count)`` (asked after pagination)."""
    try:
        with numbered(first_page):
            document = _document(task)
        return Chunk(_pdf(document, task), _layout(document))
    except PipelineError:
        raise
    except Exception as exc:
        raise PipelineError(f"WeasyPrint failed to render a PDF chunk: {type(exc).__name__}: {exc}") from exc


def _pdf(document: Any, task: Task) -> bytes:
    pdf = document.write_pdf(
        pdf_identifier=task.identifier.encode() or None, pdf_variant=task.variant, pdf_tags=task.tags
    )
    assert isinstance(pdf, bytes)
    return pdf


def _layout(document: Any) -> Layout:
    """Page count and anchors, placed as WeasyPrint places its own destinations (y from the page's bottom)."""
    anchors: dict[str, Anchor] = {}
    for index, page in enumerate(document.pages):
        for name, (x, y, *_size) in page.anchors.items():
            # the first occurrence, as WeasyPrint's own links use
            anchors.setdefault(name, (index, x * PT_PER_PX, (page.height - y) * PT_PER_PX))
    return Layout(len(document.pages), anchors)
