"""Process lifetime: child processes die with the build, and SIGINT / SIGTERM end it in one way.

A child (page worker, PDF process) ignores SIGINT, so a Ctrl+C that reaches the whole process group
leaves the decision to the parent (SIGTERM still ends it: that is how ``multiprocessing`` stops
daemons), and on Linux asks the kernel to SIGKILL it when its parent dies (``PR_SET_PDEATHSIG``),
even when the parent is killed with SIGKILL. pandoc runs in its own session for the same reason.
The parent turns SIGINT and SIGTERM into ``Interrupted``, which unwinds the build (its staging
folder is removed, its children are stopped) and becomes one line and exit status 128 + signal.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import NoReturn

PR_SET_PDEATHSIG = 1
_STOPS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The build was stopped by a signal; ``published`` tells whether the new outputs were already in place."""

    def __init__(self, signum: int, published: bool = False) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.published = published

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM raises ``Interrupted`` in the main thread, as SIGINT raises KeyboardInterrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_now(code: int) -> NoReturn:
    """End the run with ``code``; a Ctrl+C or SIGTERM from here on ends it with ``code`` at once.

    The run's work is done and reported: a stop signal during the interpreter's shutdown would
    otherwise kill it by that signal (or print a traceback), as if the finished run had failed.
    """

    def done(_signum: int, _frame: FrameType | None) -> None:
        finish(code)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, done)
        signal.signal(signal.SIGTERM, done)
    sys.exit(code)


def finish(code: object) -> NoReturn:
    """End the process now with ``code`` as ``sys.exit`` would take it (None: 0; not a number: printed, 1).

    For a command whose work is done, written and reported: what the interpreter's shutdown would do next is
    free every object one by one (0.1 s after a 1,000-page build, a tenth of an edit build) and run exit
    handlers. Stop signals are ignored from here: the finished run keeps its status.
    """
    if threading.current_thread() is threading.main_thread():
        for signum in _STOPS:
            signal.signal(signum, signal.SIG_IGN)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread while children start: they inherit the mask, so no signal
    reaches a child before it ignores them (``as_child``); the parent gets any pending one afterwards."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def as_child(parent: int) -> None:
    """Run first in a child process: ignore SIGINT, and die when ``parent`` does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this process when the thread that started it exits; exit now if that already happened."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def subprocess_setup() -> Callable[[], None] | None:
    """A ``preexec_fn`` for external tools (pandoc) that makes them die with this process; None off Linux.

    It runs between fork and exec, so it only makes one prepared C call (no imports, no allocation).
    """
    if sys.platform != "linux":
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    kill = int(signal.SIGKILL)

    def setup() -> None:
        prctl(PR_SET_PDEATHSIG, kill, 0, 0, 0)

    return setup
