"""The PDF format: outputs/pdf/<handbook-id>.pdf (and one per page with pdf_split), cached by input hash."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import Config
from pipeline.diagnostics import PipelineError
from pipeline.model import Book
from pipeline.processes import as_child, signals_blocked
from pipeline.render.cite import render_citations
from pipeline.render.pdf.chunks import estimated_pages, plan, render_chunked
from pipeline.render.pdf.compose import compose
from pipeline.render.pdf.document import PrintBook, print_book
from pipeline.render.pdf.fonts import font_roots, fonts_digest
from pipeline.render.pdf.weasy import Task, write

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

FOLDER = "pdf"
VARIANTS = ("pdf/ua-1",)
CHUNK_THRESHOLD = 300  # estimated PDF pages above which a handbook is rendered in chunks (~1 MB per page)
CHUNK_PAGES = 150  # estimated PDF pages per chunk
log = logging.getLogger("pipeline.render.pdf")


@dataclass(frozen=True, slots=True)
class Job:
    """One PDF to produce: where it goes, what it shows, how (one call or chunks) and its cache key."""

    target: str  # path under the output folder
    book: PrintBook
    task: Task  # the whole document; a chunked job composes its chunks from ``book``
    chunk_pages: int | None  # None: one WeasyPrint call
    key: str


def render(book: Book, out: Path, config: Config) -> list[Path]:
    return render_books([book], out, config)


def render_books(
    books: Sequence[Book],
    out: Path,
    config: Config,
    *,
    chunk_threshold: int = CHUNK_THRESHOLD,
    chunk_pages: int = CHUNK_PAGES,
) -> list[Path]:
    """Write every handbook's PDF (and page PDFs); WeasyPrint runs only for inputs not in the cache."""
    jobs = [job for book in books for job in jobs_of(book, config, chunk_threshold, chunk_pages)]
    cache = config.cache / FOLDER
    todo = [job for job in jobs if not (cache / f"{job.key}.pdf").is_file()]
    if todo:
        _run(todo, cache, config.jobs)
    written = []
    for job in jobs:
        target = out / job.target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache / f"{job.key}.pdf", target)
        written.append(target)
    return written


def jobs_of(
    book: Book, config: Config, chunk_threshold: int = CHUNK_THRESHOLD, chunk_pages: int = CHUNK_PAGES
) -> list[Job]:
    """The handbook's PDF job, plus one per page when ``config.pdf_split``."""
    variant = config.pdf_variant or None
    if variant is not None and variant not in VARIANTS:
        raise PipelineError(f"unknown PDF variant {variant!r}; choose from {', '.join(VARIANTS)}")
    citations = render_citations(book, config.cache)
    whole = print_book(book, citations)
    chunked = estimated_pages(whole) > chunk_threshold
    if chunked and variant:
        # pypdf cannot merge structure trees: a tagged PDF/UA document is always one call
        log.warning("PDF: %s is rendered in one call (%s), however large", book.manifest.id, variant)
    hid = book.manifest.id
    jobs = [_job(f"{FOLDER}/{hid}.pdf", whole, book, variant, chunk_pages if chunked and not variant else None)]
    if config.pdf_split:
        for page in book.pages:
            part = print_book(book, citations, (page,))
            jobs.append(_job(f"{FOLDER}/{hid}/{page.id}.pdf", part, book, variant, None))
    return jobs


def _job(target: str, document: PrintBook, book: Book, variant: str | None, chunk_pages: int | None) -> Job:
    html = compose(document)
    roots = (str(book.root), *(str(root) for root in font_roots()))
    digest = hashlib.sha256()
    for part in (_portable(html, roots), str(variant), str(chunk_pages), _environment_digest(), _assets_digest(book)):
        digest.update(part.encode() + b"\0")
    key = digest.hexdigest()
    task = Task(html, str(book.root), roots, identifier=key[:32], variant=variant, salt=_environment_digest())
    return Job(target, document, task, chunk_pages, key)


def _portable(html: str, roots: tuple[str, ...]) -> str:
    """The HTML with the folders it names (the source, the installed fonts) as placeholders: the key, and so
    the PDF's /ID, is the same for the same handbook wherever the checkout or the virtual environment lies."""
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


def _run(jobs: list[Job], cache: Path, processes: int) -> None:
    """Render the jobs: in this process when there is one WeasyPrint call, else in a pool of processes."""
    calls = sum(len(plan(job.book, job.chunk_pages)) if job.chunk_pages else 1 for job in jobs)
    workers = min(calls, processes or os.cpu_count() or 1)
    cache.mkdir(parents=True, exist_ok=True)
    if workers <= 1:
        for job in jobs:
            _store(cache, job, _execute(job, _in_process, cache / "chunks"))
        return
    import multiprocessing
    from concurrent.futures import ThreadPoolExecutor

    # spawn: a fresh interpreter, never a fork of a process whose Pango/fontconfig state is in use
    context = multiprocessing.get_context("spawn")
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=as_child, initargs=(os.getpid(),))
    try:
        _start(pool, workers)
        with ThreadPoolExecutor(len(jobs)) as threads:

            def in_pool(function: Callable[[Task], Any], tasks: Sequence[Task]) -> list[Any]:
                return list(pool.map(function, tasks))

            # one thread per job orchestrates it (chunks have two passes); the processes do the WeasyPrint work
            futures = [threads.submit(_execute, job, in_pool, cache / "chunks") for job in jobs]
            try:
                for job, future in zip(jobs, futures, strict=True):
                    _store(cache, job, future.result())
            except BaseException:
                _kill(pool)  # an interrupt or a failure: the threads' pool.map calls end at once
                raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start(pool: ProcessPoolExecutor, workers: int) -> None:
    """Start every pool process now, from this (the main) thread, with SIGINT and SIGTERM blocked.

    A process dies with the thread that started it (PR_SET_PDEATHSIG): started lazily from a job's
    thread, it would be killed when that thread ends. Blocked signals reach the parent only.
    """
    with signals_blocked():
        for _ in range(workers):
            pool.submit(os.getpid)


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's processes mid-task (the executor has no public way to)."""
    processes = dict(pool._processes or {})
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes.values():
        with contextlib.suppress(OSError):
            process.kill()


def _in_process(function: Callable[[Task], Any], tasks: Sequence[Task]) -> list[Any]:
    return [function(task) for task in tasks]


def _execute(job: Job, run: Callable[[Callable[[Task], Any], Sequence[Task]], list[Any]], cache: Path) -> bytes:
    if job.chunk_pages:
        return render_chunked(job.book, job.task, job.chunk_pages, run, cache)
    result: bytes = run(write, [job.task])[0]
    return result


def _store(cache: Path, job: Job, pdf: bytes) -> None:
    """Write the finished PDF into the cache atomically: a crash never leaves half a PDF under its key."""
    tmp = cache / f".{job.key}.{os.getpid()}.tmp"
    tmp.write_bytes(pdf)
    tmp.replace(cache / f"{job.key}.pdf")
