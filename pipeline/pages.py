"""The page runners: every listed page parsed, checked and turned into its formats' parts, here or in workers.

A page's tokens live only while its page is run: right after the page checks, each requested format's
``page_part`` (pipeline/render/) takes what it needs of the page as plain data, and the tokens are
dropped. The page's HTML as the site links it is rendered at most once, shared by the site's part and
the JSON export's (markup.SiteHtml). What is left, a ``PageResult``, is small and pickles fast; it travels
back from a worker process as a ``Kept``, which is what the page cache saves (pipeline/pagecache.py).
``LocalPages`` runs pages in this process, ``PageWorkers`` in forked processes; both give the same results
in the same order.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, overload

import zstandard

from pipeline.checks import Context, PageFacts, check_page
from pipeline.diagnostics import Diagnostic, PipelineError, Policy
from pipeline.forked import Taken
from pipeline.gcpause import collector_paused
from pipeline.load import RawPage
from pipeline.model import Book, Page, SourceFile
from pipeline.parse import parse
from pipeline.pickling import by_fields
from pipeline.processes import as_child, signals_blocked
from pipeline.render import renderer
from pipeline.render.markup import SiteHtml
from pipeline.yamlsrc import YamlDoc

Listed = Sequence[tuple[RawPage, str, dict[str, Any]]]
_NO_SOURCE = SourceFile.of(Path(), "", "")


@by_fields
@dataclass(frozen=True, slots=True)
class PageResult:
    """What a page leaves once its tokens are gone: findings, facts for the book checks, a token-less
    page, and each requested format's part, packed (none when the page has errors: the build stops)."""

    findings: list[Diagnostic]
    facts: PageFacts
    page: Page
    parts: dict[str, bytes]

    def portable(self) -> PageResult:
        """Without the page's source text and frontmatter, which the receiving side already holds."""
        return dataclasses.replace(self, page=dataclasses.replace(self.page, source=_NO_SOURCE, doc=YamlDoc(None)))

    def restored(self, raw: RawPage) -> PageResult:
        """The portable result given back its page's source."""
        page = dataclasses.replace(self.page, source=raw.source, doc=raw.doc or YamlDoc(None))
        return dataclasses.replace(self, page=page)


@by_fields
@dataclass(frozen=True, slots=True)
class Kept:
    """A portable result as it travels from a worker and as the page cache saves it: the result without its
    parts, pickled once where it was made, and the parts (packed already). Saving a thousand of these copies
    bytes; saving the results themselves walked their fifty records a page again (0.2 s at 1,000 pages)."""

    head: bytes
    parts: dict[str, bytes]

    @classmethod
    def of(cls, result: PageResult) -> Kept:
        """``result`` (a portable one) kept."""
        return cls(pickle.dumps(dataclasses.replace(result, parts={}), protocol=pickle.HIGHEST_PROTOCOL), result.parts)

    def result(self) -> PageResult:
        """The portable result."""
        head: PageResult = pickle.loads(self.head)
        return PageResult(head.findings, head.facts, head.page, self.parts)


Ran = tuple[PageResult, Kept | None]  # a page's result, and as it was kept on its way from a worker (None: run here)


@dataclass(frozen=True, slots=True)
class PageRun:
    """What every page of one run shares: the book without its pages, the parts wanted, the severity policy."""

    book: Book
    parts: tuple[str, ...]
    policy: Policy

    def page(self, raw: RawPage, page_id: str, meta: dict[str, Any], ctx: Context) -> PageResult:
        """Parse, check and make the parts of one page."""
        with collector_paused():  # token trees hold no cycles: the collector would only walk them
            page = parse(raw, page_id, meta)
            findings, facts = check_page(page, ctx)
            fails = self.policy.fails(findings)
            site = SiteHtml(page, self.book)  # rendered once, if a part asks: the site's and the JSON's HTML
            wanted = () if fails else self.parts
            parts = {name: pack(renderer(name).page_part(page, self.book, site)) for name in wanted}
        return PageResult(findings, facts, dataclasses.replace(page, tokens=[]), parts)


def pack(part: Any) -> bytes:
    """A page part as bytes: pickled and compressed (parts are mostly HTML and JSON text, a fifth of it packed).

    Zstandard at its fast level -1, measured on the benchmark's pages: four times faster than zlib's fastest
    level both ways (35 KB a page against zlib's 32); against Zstandard's level 1, 10% faster to pack and
    twice as fast to unpack, for 22% more bytes. One compressor for the process (a context made per call costs
    a third of the compressing)."""
    return _PACKER.compress(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))


_PACKER = zstandard.ZstdCompressor(level=-1)
_UNPACKER = zstandard.ZstdDecompressor()


class Parts(Sequence[Any]):
    """One format's page parts in page order, kept packed and unpacked one at a time as a renderer reads them:
    the parts of 1,000 pages unpacked would be hundreds of megabytes."""

    def __init__(self, packed: list[bytes]) -> None:
        self._packed = packed

    def __len__(self) -> int:
        return len(self._packed)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [pickle.loads(_UNPACKER.decompress(blob)) for blob in self._packed[index]]
        return pickle.loads(_UNPACKER.decompress(self._packed[index]))


class PageRunner(Protocol):
    """Runs the listed pages of a book; a context manager that stops what it started."""

    def check(self, run: PageRun, listed: Listed, meanwhile: Callable[[], None] = lambda: None) -> list[Ran]:
        """The results of ``listed``, in order; ``meanwhile`` is this process's own work while the pages run."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> PageRunner: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class LocalPages:
    """Pages run one after another in this process."""

    def check(self, run: PageRun, listed: Listed, meanwhile: Callable[[], None] = lambda: None) -> list[Ran]:
        meanwhile()
        ctx = Context(run.book)
        return [(run.page(raw, page_id, meta, ctx), None) for raw, page_id, meta in listed]

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalPages:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class WorkerError(RuntimeError):
    """A worker failed: a bug, reported with the worker's traceback."""


class PageWorkers:
    """Forked processes, each taking the next page not yet taken; portable results travel back one page at a time.

    The pages reach the workers through fork (nothing is pickled on the way there). A worker ignores
    SIGINT/SIGTERM (the build decides), dies with the build, and exits once it has sent its last page.
    """

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._procs: list[Any] = []
        self._conns: list[Connection] = []

    def check(self, run: PageRun, listed: Listed, meanwhile: Callable[[], None] = lambda: None) -> list[Ran]:
        """The workers' results; ``meanwhile`` runs on a thread started once they are forked (a thread alive
        at a fork could hold a lock that the forked process would then wait for forever)."""
        for name in run.parts:  # imported once here, not in each worker (and again in this process afterwards)
            renderer(name)
        context = multiprocessing.get_context("fork")
        taken = Taken()
        with signals_blocked():  # a Ctrl+C while forking reaches the parent only
            for _number in range(self.processes):
                parent, child = context.Pipe(duplex=False)
                args = (child, run, listed, taken, os.getpid())
                proc = context.Process(target=_serve, args=args, daemon=True)
                proc.start()
                child.close()
                self._conns.append(parent)
                self._procs.append(proc)
        results: list[Ran | None] = [None] * len(listed)
        open_conns = set(self._conns)
        with ThreadPoolExecutor(1) as side:
            done = side.submit(meanwhile)
            while open_conns:
                for conn in wait(list(open_conns)):
                    assert isinstance(conn, Connection)
                    message = self._receive(conn)
                    if message is None:
                        open_conns.discard(conn)
                    else:
                        index, kept = message
                        results[index] = (kept.result().restored(listed[index][0]), kept)
            done.result()
        self.close()
        return [result for result in results if result is not None]

    def _receive(self, conn: Connection) -> tuple[int, Kept] | None:
        """A worker's next result (with its page's index in the list), or None once it is done."""
        try:
            status, payload = conn.recv()
        except (EOFError, OSError) as exc:  # killed from outside (the OOM killer, a stray SIGKILL)
            self.kill()
            raise PipelineError("a page worker process died; run the build again") from exc
        if status == "error":
            self.kill()
            raise WorkerError(f"a page worker failed:\n{payload}")
        found: tuple[int, Kept] | None = payload
        return found

    def close(self) -> None:
        """Wait for the workers to exit (they exit once they have answered)."""
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        self._forget()

    def kill(self) -> None:
        """Stop the workers now, mid-task (the build was interrupted or failed)."""
        for proc in self._procs:
            with contextlib.suppress(OSError):
                proc.kill()
        for proc in self._procs:
            proc.join(timeout=5)
        self._forget()

    def _forget(self) -> None:
        for conn in self._conns:
            conn.close()
        self._conns, self._procs = [], []

    def __enter__(self) -> PageWorkers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.kill()


def _serve(conn: Connection, run: PageRun, listed: Listed, taken: Taken, parent: int) -> None:
    """A worker's life: take the next page (``taken`` counts the pages taken), run it, send its result; exit
    when none is left. Taking pages one at a time keeps both workers busy until the last page, whatever the
    pages' sizes."""
    as_child(parent)
    gc.disable()  # a short-lived process whose token trees hold no cycles: collecting is pure cost
    try:
        ctx = Context(run.book)
        while (index := taken.next()) < len(listed):
            raw, page_id, meta = listed[index]
            conn.send(("page", (index, Kept.of(run.page(raw, page_id, meta, ctx).portable()))))
        conn.send(("done", None))
    except (EOFError, BrokenPipeError, ConnectionResetError):  # the parent is gone: nobody to report to
        return
    except Exception:  # a bug: hand the traceback to the main process instead of hanging it
        conn.send(("error", traceback.format_exc()))


def runner(pages: int, jobs: int | None) -> PageRunner:
    """Workers when there are enough pages for forking to pay (``jobs``: at most that many, default: cores)."""
    processes = min(jobs or os.cpu_count() or 1, pages // PAGES_PER_WORKER)
    return PageWorkers(processes) if processes >= 2 else LocalPages()


PAGES_PER_WORKER = 24  # below this, starting a worker costs more than it saves
