"""WeasyPrint calls (run in worker processes): lay out or write one HTML document, fetching local files only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from pipeline.diagnostics import PipelineError

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


@dataclass(frozen=True, slots=True)
class Layout:
    """What a layout-only pass learns: the page count and the page index of every anchor."""

    pages: int
    anchors: dict[str, int]


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


def _document(task: Task) -> Any:
    from weasyprint import HTML

    from pipeline.render.pdf.subset import install

    install()  # fonts subset by fontTools without the clock, whether or not libharfbuzz-subset is present
    base = Path(task.base).resolve().as_uri() + "/"
    return HTML(string=task.html, base_url=base, url_fetcher=_fetcher(task.roots)).render()


def write(task: Task) -> bytes:
    """The finished PDF of ``task``."""
    try:
        document = _document(task)
        pdf = document.write_pdf(
            pdf_identifier=task.identifier.encode() or None, pdf_variant=task.variant, pdf_tags=task.tags
        )
    except Exception as exc:  # WeasyPrint raises many types; any of them is a failed PDF, not bad content
        raise PipelineError(f"WeasyPrint failed to write the PDF: {type(exc).__name__}: {exc}") from exc
    assert isinstance(pdf, bytes)
    return pdf


def measure(task: Task) -> Layout:
    """Lay ``task`` out without writing it: the first pass of a chunked PDF."""
    try:
        document = _document(task)
    except Exception as exc:
        raise PipelineError(f"WeasyPrint failed to lay out the PDF: {type(exc).__name__}: {exc}") from exc
    anchors = {name: index for index, page in enumerate(document.pages) for name in page.anchors}
    return Layout(len(document.pages), anchors)
