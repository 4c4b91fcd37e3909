"""The PDF worker processes: each runs one WeasyPrint call at a time and can ask the build a question mid-call.

A call is ``function(task, ask)``; ``ask(value)`` sends ``value`` to the build and returns its answer (a
chunk asks for the number of its first page once it is paginated, keeping its layout meanwhile). A
worker is a fresh interpreter (``python -c``: no inherited Pango/fontconfig state, and none of the
build's modules but those its calls need), talking pickles over two pipes. It is started from the main
thread with SIGINT and SIGTERM blocked, then ignores SIGINT and dies with the build
(``pipeline/processes.py``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.diagnostics import PipelineError
from pipeline.processes import as_child, signals_blocked, subprocess_setup

Ask = Callable[[Any], Any]
Function = Callable[[Any, Ask], Any]  # a module-level function, so it pickles by name
_LENGTH = struct.Struct("!Q")
_START = "import sys; from pipeline.render.pdf.pool import serve; serve(sys.argv[1:])"


class Channel:
    """Pickled values over a pair of pipe ends."""

    def __init__(self, read: int, write: int) -> None:
        self._read = os.fdopen(read, "rb", buffering=0)
        self._write = os.fdopen(write, "wb", buffering=0)

    def fileno(self) -> int:
        return self._read.fileno()

    def send(self, value: Any) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._write.write(_LENGTH.pack(len(data)) + data)

    def recv(self) -> Any:
        (length,) = _LENGTH.unpack(self._exactly(_LENGTH.size))
        return pickle.loads(self._exactly(length))

    def close(self) -> None:
        for end in (self._read, self._write):
            with contextlib.suppress(OSError):
                end.close()

    def _exactly(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = self._read.read(min(left, 1 << 20))
            if not chunk:
                raise EOFError("the other end closed the channel")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


@dataclass(frozen=True, slots=True)
class Message:
    """What a worker says: ``kind`` is "ask" (``value`` wants an answer), "done" or "failed"."""

    worker: int
    call: int
    kind: str
    value: Any


class Pool:
    """``size`` worker processes; ``warm`` runs in each before its first call (imports, hooks)."""

    def __init__(self, size: int, warm: Callable[[], None]) -> None:
        self._channels: list[Channel] = []
        self._processes: list[subprocess.Popen[bytes]] = []
        package_root = str(Path(__file__).resolve().parents[3])  # the folder `pipeline` is in
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH"))))}
        warm_name = f"{warm.__module__}:{warm.__qualname__}"
        with signals_blocked():  # a child must never see a signal before it ignores SIGINT (as_child)
            for _ in range(size):
                to_child, from_parent = os.pipe()  # (read, write) pairs
                to_parent, from_child = os.pipe()
                process = subprocess.Popen(
                    [sys.executable, "-c", _START, str(to_child), str(from_child), str(os.getpid()), warm_name],
                    pass_fds=(to_child, from_child),
                    stdin=subprocess.DEVNULL,
                    env=env,
                    preexec_fn=subprocess_setup(),  # one prepared prctl call between fork and exec
                )
                os.close(to_child)
                os.close(from_child)
                self._channels.append(Channel(to_parent, from_parent))
                self._processes.append(process)

    @property
    def size(self) -> int:
        return len(self._processes)

    def call(self, worker: int, call: int, function: Function, task: Any) -> None:
        self._channels[worker].send(("call", call, function, task))

    def answer(self, worker: int, call: int, value: Any) -> None:
        self._channels[worker].send(("answer", call, value))

    def receive(self) -> list[Message]:
        """The next messages from any worker (blocks until there is one); a dead worker is a PipelineError."""
        from multiprocessing.connection import wait

        messages = []
        ready = wait([channel.fileno() for channel in self._channels])
        for worker, channel in enumerate(self._channels):
            if channel.fileno() not in ready:
                continue
            try:
                kind, call, value = channel.recv()
            except (EOFError, OSError) as exc:
                code = self._processes[worker].wait()
                raise PipelineError(f"a PDF worker process died (exit status {code})") from exc
            messages.append(Message(worker, call, kind, value))
        return messages

    def close(self) -> None:
        """Stop the workers after their current call (normal end)."""
        for channel in self._channels:
            with contextlib.suppress(OSError):
                channel.send(None)
        for process in self._processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._release()

    def kill(self) -> None:
        """Stop the workers at once, mid-call (an interrupt or a failure)."""
        for process in self._processes:
            with contextlib.suppress(OSError):
                process.kill()
        for process in self._processes:
            process.wait()
        self._release()

    def _release(self) -> None:
        for channel in self._channels:
            channel.close()


def serve(argv: list[str]) -> None:
    """A worker's life (``python -c``): calls in, results out, until the build says stop or goes away."""
    read, write, parent, warm = argv
    as_child(int(parent))
    channel = Channel(int(read), int(write))
    module, name = warm.split(":")
    getattr(__import__(module, fromlist=[name]), name)()
    while True:
        try:
            message = channel.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        _kind, call, function, task = message

        def ask(value: Any, call: int = call) -> Any:
            channel.send(("ask", call, value))
            reply = channel.recv()
            if reply is None:
                raise SystemExit(0)
            _answer, _call, answer = reply
            return answer

        try:
            result = function(task, ask)
        except Exception as exc:
            channel.send(("failed", call, _portable(exc)))
            continue
        channel.send(("done", call, result))


def _portable(exc: Exception) -> Exception:
    """The exception as the build can unpickle it (PipelineError with the message otherwise)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return PipelineError(f"{type(exc).__name__}: {exc}")
    return exc
