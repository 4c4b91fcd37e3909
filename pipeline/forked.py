"""A stage run beside the build in a forked process: its result, or its exception, comes back over a pipe.

The child gets what it needs through fork (nothing is pickled on the way there), ignores SIGINT, dies
with SIGTERM's default action and with the build (pipeline/processes.py), and sends back one message:
the stage's return value, or the exception it raised with the child's traceback as its cause, which
the parent raises as if the stage had run in its own process. Leaving the ``with`` block by an
exception (a failed stage, Ctrl+C) kills the child and waits for it, so no process outlives the build.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

from pipeline.diagnostics import PipelineError
from pipeline.processes import as_child, signals_blocked

T = TypeVar("T")
R = TypeVar("R")


def forking(jobs: int = 0) -> bool:
    """Whether stages may run in forked processes: not for ``--jobs 1``, on one core, or without fork."""
    return jobs != 1 and (os.cpu_count() or 1) >= 2 and hasattr(os, "fork")


def on_both_cores(items: Sequence[T], work: Callable[[T], R], jobs: int, least: int) -> list[R]:
    """``work(item)`` for each item, in order: shared with a forked process, whose results come back pickled,
    when there are ``least`` items or more and ``forking(jobs)``; else all of them here. Each process takes the
    next item not yet taken, so both finish together, however the items' costs and the other work on the
    machine differ."""
    if len(items) < least or not forking(jobs):
        return [work(item) for item in items]
    taken = Taken()

    def share() -> list[tuple[int, R]]:
        done: list[tuple[int, R]] = []
        while (index := taken.next()) < len(items):
            done.append((index, work(items[index])))
        return done

    with Forked(share) as other:
        done = dict(share())
        done.update(other.result())
    return [done[index] for index in range(len(items))]


class Taken:
    """How many items of a list the processes sharing it have taken, in list order: made before they fork."""

    def __init__(self) -> None:
        self._count = multiprocessing.get_context("fork").Value("q", 0)

    def next(self) -> int:
        """The index of the next item not yet taken (past the end once all are), now taken."""
        with self._count.get_lock():
            index: int = self._count.value
            self._count.value = index + 1
        return index


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a forked stage, shown as the cause of the one raised here."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StageFailed(RuntimeError):
    """A forked stage raised an exception that cannot be sent back as it is; its traceback is the message."""


class Forked(Generic[T]):
    """``work()`` running in a forked child from the moment this is made; ``result()`` waits for it."""

    def __init__(self, work: Callable[[], T]) -> None:
        context = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # the child flushes its copy of unwritten output when it exits
            with contextlib.suppress(Exception):
                stream.flush()
        self._conn, child = context.Pipe(duplex=False)
        with signals_blocked():  # a Ctrl+C while forking reaches the parent only
            self._proc: Any = context.Process(target=_run, args=(child, work, os.getpid()), daemon=True)
            self._proc.start()
        child.close()
        self._taken = False

    def result(self) -> T:
        """The child's return value, or its exception raised here."""
        self._taken = True
        try:
            status, payload = self._conn.recv()
        except (EOFError, OSError) as exc:  # killed from outside (the OOM killer, a stray SIGKILL)
            self.kill()
            raise PipelineError("a build process died; run the build again") from exc
        self._proc.join()
        self._conn.close()
        if status == "error":
            error, remote = payload
            raise error from RemoteTraceback(remote)
        found: T = payload
        return found

    def kill(self) -> None:
        """Stop the child now, mid-task, and wait for it."""
        with contextlib.suppress(OSError, ValueError):
            self._proc.kill()
        with contextlib.suppress(OSError, ValueError, AssertionError):
            self._proc.join(timeout=5)
        self._conn.close()

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self._taken:  # the build is unwinding before it asked for the result
            self.kill()


def _run(conn: Connection, work: Callable[[], Any], parent: int) -> None:
    """The child's life: run ``work``, send its result or its exception, exit."""
    as_child(parent)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: a SIGTERM just ends the child
    gc.disable()  # a short-lived process: collecting would only copy the parent's pages it touches
    try:
        message: tuple[str, Any] = ("done", work())
    except BaseException as exc:  # everything goes back to the parent, KeyboardInterrupt included
        message = ("error", (_portable(exc), traceback.format_exc()))
    with contextlib.suppress(EOFError, BrokenPipeError, ConnectionResetError):  # the parent is gone
        conn.send(message)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a ``StageFailed`` carrying its traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return StageFailed("".join(traceback.format_exception(exc)))
    return exc
