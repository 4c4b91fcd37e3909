"""Worker processes that own parsed pages: parse and check once, then render on request.

Tokens pickle as slowly as they parse, so they never leave the process that made them. Each
worker parses its share of the pages, runs the page checks, returns findings, facts and a
token-less stub of each page, and then keeps its pages for ``map``: renderers send a function
and an argument, each worker applies it to its own pages, and only the results (strings, small
records) travel back. The main process holds a Book of stubs for everything that needs no tokens.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from pipeline.checks import Context, PageFacts, check_page
from pipeline.diagnostics import Diagnostic, PipelineError
from pipeline.load import RawPage
from pipeline.model import Book, Page
from pipeline.parse import parse
from pipeline.processes import as_child, signals_blocked

R = TypeVar("R")
Listed = list[tuple[RawPage, str, dict[str, Any]]]
Checked = tuple[int, list[Diagnostic], PageFacts, Page]


class WorkerError(RuntimeError):
    """A worker failed: a bug, reported with the worker's traceback."""


def _serve(conn: Connection, share: list[tuple[int, RawPage, str, dict[str, Any]]], shell: Book, parent: int) -> None:
    """A worker's life: ignores SIGINT/SIGTERM (the parent decides), dies with the parent, and ends quietly
    when the parent's end of the pipe closes (the parent exited without saying "close")."""
    as_child(parent)
    pages: dict[int, Page] = {}
    book = shell
    try:
        ctx = Context(shell)
        checked: list[Checked] = []
        for index, raw, page_id, meta in share:
            page = pages[index] = parse(raw, page_id, meta)
            found, facts = check_page(page, ctx)
            checked.append((index, found, facts, dataclasses.replace(page, tokens=[])))
        conn.send(("ok", checked))
        while True:
            command, *args = conn.recv()
            if command == "close":
                return
            if command == "book":
                book = args[0]
                conn.send(("ok", None))
            elif command == "map":
                fn, arg = args
                conn.send(("ok", [(index, fn(page, book, arg)) for index, page in sorted(pages.items())]))
    except (EOFError, BrokenPipeError, ConnectionResetError):  # the parent is gone: nobody to report to
        return
    except Exception:  # a bug: hand the traceback to the main process instead of hanging it
        conn.send(("error", traceback.format_exc()))


class PageWorkers:
    """A fixed set of forked processes, each owning some of the book's pages."""

    def __init__(self, listed: Listed, shell: Book, processes: int) -> None:
        context = multiprocessing.get_context("fork")
        self._conns: list[Connection] = []
        self._procs: list[Any] = []
        with signals_blocked():  # a Ctrl+C while forking reaches the parent only
            for number in range(processes):
                share = [(i, *listed[i]) for i in range(number, len(listed), processes)]
                parent, child = context.Pipe()
                proc = context.Process(target=_serve, args=(child, share, shell, os.getpid()), daemon=True)
                proc.start()
                child.close()
                self._conns.append(parent)
                self._procs.append(proc)
        self.size = len(listed)

    def _gather(self) -> list[Any]:
        results: list[Any] = []
        for conn in self._conns:
            try:
                status, payload = conn.recv()
            except (EOFError, OSError) as exc:  # killed from outside (the OOM killer, a stray SIGKILL)
                self.kill()
                raise PipelineError("a page worker process died; run the build again") from exc
            if status != "ok":
                self.close()
                raise WorkerError(f"a page worker failed:\n{payload}")
            results += payload or ()
        return results

    def checked(self) -> list[Checked]:
        """The first answer of every worker: findings, facts and stubs, in page order."""
        return sorted(self._gather(), key=lambda item: item[0])

    def set_book(self, book: Book) -> None:
        for conn in self._conns:
            conn.send(("book", book))
        self._gather()

    def map(self, fn: Callable[[Page, Book, Any], R], arg: Any) -> list[R]:
        """``fn(page, book, arg)`` for every page, run by its owner; results in page order."""
        for conn in self._conns:
            conn.send(("map", fn, arg))
        return [result for _index, result in sorted(self._gather(), key=lambda item: item[0])]

    def close(self) -> None:
        """Let the workers finish and exit."""
        for conn in self._conns:
            with contextlib.suppress(BrokenPipeError, OSError):
                conn.send(("close",))
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        self._forget()

    def kill(self) -> None:
        """Stop the workers now, mid-task (the build was interrupted)."""
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
