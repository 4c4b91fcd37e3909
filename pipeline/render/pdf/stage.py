"""The PDF stage: outputs/pdf/<handbook-id>.pdf (and one per page with pdf_split), cached by input hash."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path

from pipeline.config import Config
from pipeline.diagnostics import PipelineError
from pipeline.model import Book
from pipeline.render.cite import render_citations
from pipeline.render.pdf.chunks import Chunked, estimated_pages, plan
from pipeline.render.pdf.compose import compose, pieces
from pipeline.render.pdf.document import ChapterPart, PrintBook, print_book
from pipeline.render.pdf.fonts import font_roots, fonts_digest
from pipeline.render.pdf.pool import Pool
from pipeline.render.pdf.schedule import Single, Work, run
from pipeline.render.pdf.weasy import Task, prepare

FOLDER = "pdf"
VARIANTS = ("pdf/ua-1",)
CHUNK_THRESHOLD = 80  # estimated PDF pages above which a handbook is rendered in chunks, on both cores
CHUNK_PAGES = 150  # estimated PDF pages per chunk
log = logging.getLogger("pipeline.render.pdf")


@dataclass(frozen=True, slots=True)
class Job:
    """One PDF to produce: where it goes, what it shows, how (one call or chunks) and its cache key."""

    target: str  # path under the output folder
    book: PrintBook
    task: Task  # the calls' settings, without HTML: each call's is composed from ``book`` as it starts
    chunk_pages: int | None  # None: one WeasyPrint call
    key: str

    def whole(self) -> Task:
        """The task of a job rendered in one call: the whole document."""
        return replace(self.task, html=compose(self.book))


def render_books(
    books: Sequence[tuple[Book, Sequence[ChapterPart]]],
    out: Path,
    config: Config,
    *,
    chunk_threshold: int = CHUNK_THRESHOLD,
    chunk_pages: int = CHUNK_PAGES,
    trace: list[str] | None = None,
) -> list[Path]:
    """Write every handbook's PDF (and page PDFs); WeasyPrint runs only for inputs not in the cache.

    ``trace`` (tests, benchmarks) receives a line per WeasyPrint call made, in the order they start.
    """
    jobs = [job for book, parts in books for job in jobs_of(book, parts, config, chunk_threshold, chunk_pages)]
    cache = config.cache / FOLDER
    todo = [job for job in jobs if not (cache / f"{job.key}.pdf").is_file()]
    if todo:
        _run(todo, cache, config.jobs, trace)
    written = []
    for job in jobs:
        target = out / job.target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache / f"{job.key}.pdf", target)
        written.append(target)
    return written


def jobs_of(
    book: Book,
    parts: Sequence[ChapterPart],
    config: Config,
    chunk_threshold: int = CHUNK_THRESHOLD,
    chunk_pages: int = CHUNK_PAGES,
) -> list[Job]:
    """The handbook's PDF job, plus one per page when ``config.pdf_split``."""
    variant = config.pdf_variant or None
    if variant is not None and variant not in VARIANTS:
        raise PipelineError(f"unknown PDF variant {variant!r}; choose from {', '.join(VARIANTS)}")
    citations = render_citations(book, config.cache)
    whole = print_book(book, parts, citations)
    chunked = estimated_pages(whole) > chunk_threshold
    if chunked and variant:
        # pypdf cannot merge structure trees: a tagged PDF/UA document is always one call
        log.warning("PDF: %s is rendered in one call (%s), however large", book.manifest.id, variant)
    hid = book.manifest.id
    jobs = [_job(f"{FOLDER}/{hid}.pdf", whole, book, variant, chunk_pages if chunked and not variant else None)]
    if config.pdf_split:
        for page in book.pages:
            part = print_book(book, parts, citations, (page,))
            jobs.append(_job(f"{FOLDER}/{hid}/{page.id}.pdf", part, book, variant, None))
    return jobs


def _job(target: str, document: PrintBook, book: Book, variant: str | None, chunk_pages: int | None) -> Job:
    """The job and its key: the hash of the whole document's HTML, composed a chapter at a time (never held)."""
    roots = (str(book.root), *(str(root) for root in font_roots()))
    digest = hashlib.sha256()
    for piece in pieces(document):
        digest.update(_portable(piece, roots).encode())
    digest.update(b"\0")
    for part in (str(variant), str(chunk_pages), _environment_digest(), _assets_digest(book)):
        digest.update(part.encode() + b"\0")
    key = digest.hexdigest()
    task = Task("", str(book.root), roots, identifier=key[:32], variant=variant, salt=_environment_digest())
    return Job(target, document, task, chunk_pages, key)


def _portable(html: str, roots: tuple[str, ...]) -> str:
    """The HTML (a piece of it: no folder's name is split between pieces) with the folders it names (the source,
    the installed fonts) as placeholders: the key, and so the PDF's /ID, is the same for the same handbook
    wherever the checkout or the virtual environment lies."""
    for number, root in enumerate(roots):
        folder = Path(root).absolute()
        for written in (folder.as_uri(), str(folder)):
            html = html.replace(written, f"root{number}:")
    return html


@functools.cache
def _environment_digest() -> str:
    """Everything besides the HTML that shapes the bytes: fonts, library versions, this renderer's code."""
    digest = hashlib.sha256(fonts_digest().encode())
    for package in ("weasyprint", "pydyf", "pypdf", "fonttools", "tinycss2", "pyphen"):
        digest.update(f"{package}={_version(package)}".encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return version(package)
    except Exception:  # an absent optional library is a state like any version
        return "-"


def _assets_digest(book: Book) -> str:
    digest = hashlib.sha256()
    for asset in sorted(book.assets):
        path = book.root / asset
        digest.update(asset.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()


def _run(jobs: list[Job], cache: Path, processes: int, trace: list[str] | None) -> None:
    """Render the jobs: in this process when there is one WeasyPrint call, else on a pool of processes.

    The pool starts before anything is composed, so its processes import WeasyPrint meanwhile.
    """
    calls = sum(len(plan(job.book, job.chunk_pages)) if job.chunk_pages else 1 for job in jobs)
    workers = min(calls, processes or os.cpu_count() or 1)
    cache.mkdir(parents=True, exist_ok=True)
    pool = Pool(workers, prepare) if workers > 1 else None
    works: list[Work] = []
    try:
        for job in jobs:
            if job.chunk_pages:
                merged = cache / f".{job.key}.{os.getpid()}.merge"
                works.append(Chunked(job.book, job.task, job.chunk_pages, cache / "chunks", job.target, merged))
            else:
                works.append(Single(job.whole, job.target))
        for job, pdf in zip(jobs, run(works, pool, trace), strict=True):
            _store(cache, job, pdf)
    except BaseException:
        if pool is not None:
            pool.kill()  # an interrupt or a failure: stop the calls at once
        raise
    finally:
        for work in works:
            work.close()
    if pool is not None:
        pool.close()


def _store(cache: Path, job: Job, pdf: bytes | Path) -> None:
    """Put the finished PDF (bytes, or a file written in the cache folder) into the cache atomically: a crash
    never leaves half a PDF under its key."""
    if isinstance(pdf, bytes):
        tmp = cache / f".{job.key}.{os.getpid()}.tmp"
        tmp.write_bytes(pdf)
        pdf = tmp
    pdf.replace(cache / f"{job.key}.pdf")
