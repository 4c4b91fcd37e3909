"""Running the PDF jobs' WeasyPrint calls: on the worker pool as soon as each can start, or here one by one."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pipeline.diagnostics import PipelineError
from pipeline.render.pdf.numbering import Paginated
from pipeline.render.pdf.pool import Function, Pool
from pipeline.render.pdf.weasy import Task, write


@dataclass(frozen=True, slots=True)
class Unit:
    """One WeasyPrint call that a job needs: ``function(compose(), ask)``; ``part``, ``label``, ``key`` are the job's.

    Its task is composed as the call starts and dropped once handed over: the calls waiting in the queue hold
    no HTML.
    """

    part: int
    kind: str
    function: Function
    compose: Callable[[], Task]
    label: str
    key: str = ""  # the task's cache key (chunks.py)
    urgent: bool = False  # others wait for it: before any call queued earlier


class Work(Protocol):
    """A job's calls: what can run now, where a paginated chunk starts, what came back, the finished PDF."""

    def ready(self) -> list[Unit]:
        """Calls that can start now; each is returned once (until ``done`` says it must run again)."""
        ...

    def first_page(self, unit: Unit, paginated: Paginated) -> int | None:
        """``unit`` is paginated: the number of its first page, None while unknown."""
        ...

    def start(self, unit: Unit) -> int | None:
        """The number of ``unit``'s first page, once known (for a call that asked before it was)."""
        ...

    def done(self, unit: Unit, result: Any) -> None: ...

    def result(self) -> bytes | Path | None:
        """The finished PDF (its bytes, or the file it was written to), once every call is done."""
        ...

    def close(self) -> None:
        """Let go of what the work holds (a merge thread), finished or not."""
        ...


class Single:
    """A PDF from one WeasyPrint call."""

    def __init__(self, compose: Callable[[], Task], label: str) -> None:
        self._unit: Unit | None = Unit(0, "write", write, compose, label)
        self._pdf: bytes | None = None

    def ready(self) -> list[Unit]:
        unit, self._unit = self._unit, None
        return [unit] if unit else []

    def first_page(self, unit: Unit, paginated: Paginated) -> int | None:
        return 1

    def start(self, unit: Unit) -> int | None:
        return 1

    def done(self, unit: Unit, result: Any) -> None:
        assert isinstance(result, bytes)
        self._pdf = result

    def result(self) -> bytes | None:
        return self._pdf

    def close(self) -> None:
        pass


def run(works: list[Work], pool: Pool | None, trace: list[str] | None = None) -> list[bytes | Path]:
    """Every work's finished PDF: calls on ``pool`` (in the order the works give them), or here."""
    if pool is None:
        _here(works, trace)
    else:
        _on(pool, works, trace)
    pdfs = [work.result() for work in works]
    assert all(pdf is not None for pdf in pdfs)
    return [pdf for pdf in pdfs if pdf is not None]


def _here(works: list[Work], trace: list[str] | None) -> None:
    """One call after the other in this process: a chunk's first page is always known when it asks."""
    while True:
        units = [(work, unit) for work in works for unit in work.ready()]
        if not units:
            if all(work.result() is not None for work in works):
                return
            raise PipelineError("PDF: no call can run, but the PDF is not finished")
        for work, unit in units:
            if trace is not None:
                trace.append(unit.label)

            def ask(paginated: Paginated, work: Work = work, unit: Unit = unit) -> int:
                start = work.first_page(unit, paginated)
                if start is None:
                    raise PipelineError(f"PDF: {unit.label} cannot be numbered")
                return start

            work.done(unit, unit.function(unit.compose(), ask))


def _on(pool: Pool, works: list[Work], trace: list[str] | None) -> None:
    """Calls on the pool's workers; a chunk that asks before its first page is known waits, keeping its layout."""
    queue: deque[tuple[Work, Unit]] = deque()
    free = list(range(pool.size))
    running: dict[int, tuple[int, Work, Unit]] = {}  # call id → worker, work, unit
    waiting: dict[int, tuple[int, Work, Unit]] = {}  # calls paginated whose first page is not known yet
    ids = itertools.count()
    while True:
        for work in works:
            for unit in work.ready():
                (queue.appendleft if unit.urgent else queue.append)((work, unit))
        if not queue and not running and all(work.result() is not None for work in works):
            return
        for call, (worker, work, unit) in list(waiting.items()):
            start = work.start(unit)
            if start is not None:
                del waiting[call]
                pool.answer(worker, call, start)
        while free and queue:
            work, unit = queue.popleft()
            worker, call = free.pop(0), next(ids)
            running[call] = (worker, work, unit)
            if trace is not None:
                trace.append(unit.label)
            pool.call(worker, call, unit.function, unit.compose())
        if len(waiting) == len(running):  # nothing runs that could tell the waiting calls their first page
            raise PipelineError("PDF: no call can run, but the PDF is not finished")
        for message in pool.receive():
            worker, work, unit = running[message.call]
            if message.kind == "ask":
                start = work.first_page(unit, message.value)
                if start is None:
                    waiting[message.call] = (worker, work, unit)
                else:
                    pool.answer(worker, message.call, start)
            elif message.kind == "done":
                del running[message.call]
                free.append(worker)
                free.sort()
                work.done(unit, message.value)
            else:
                raise message.value
