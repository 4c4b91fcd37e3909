"""What `handbook build` shows while it works: a live stage on a terminal, then a line per stage."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich only on a terminal, for its spinner
    from rich.status import Status


class StageReporter:
    """Hears ``stage(name)`` as each stage starts (``stage(name, seconds)`` once a stage run beside the others
    is done); ends each with its time, and the files it wrote.

    On a terminal the running stage shows as a spinner; elsewhere (CI logs, pipes) only the
    finished lines are printed, one per stage, so logs stay short and stable.
    """

    def __init__(self) -> None:
        self.terminal = sys.stderr.isatty()
        self.started = time.perf_counter()
        self.current: str | None = None
        self.since = self.started
        self.times: dict[str, float] = {}
        self.status: Status | None = None

    def __call__(self, name: str, seconds: float | None = None) -> None:
        if seconds is not None:  # a stage that ran beside the others (pipeline/build.py BESIDE): done now
            self.times[name] = seconds
            return
        self._end_stage()
        self.current, self.since = name, time.perf_counter()
        if self.terminal:
            label = "checking" if name == "check" else f"building {name}"
            if self.status is None:
                from rich.console import Console

                self.status = Console(stderr=True).status(f"{label}…")
                self.status.start()
            else:
                self.status.update(f"{label}…")

    def __enter__(self) -> StageReporter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._end_stage()
        if self.status is not None:
            self.status.stop()

    def summary(self, by_format: dict[str, list[Path]], out: Path) -> None:
        """One line per format: its time, how many files, and where they are."""
        if "check" in self.times:
            _line(f"  {'check':<10} {self.times['check']:>6.2f} s")
        for name, paths in by_format.items():
            where = _common_folder(paths, out)
            count = _count(len(paths), "file")
            _line(f"  {name:<10} {self.times.get(name, 0.0):>6.2f} s  {count:<10} {where}")
        total = time.perf_counter() - self.started
        files = sum(len(paths) for paths in by_format.values())
        _line(f"Built {_count(len(by_format), 'format')} ({_count(files, 'file')}) into {out}/ in {total:.2f} s.")

    def _end_stage(self) -> None:
        if self.current is not None:
            self.times[self.current] = time.perf_counter() - self.since
            self.current = None


def _line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _common_folder(paths: list[Path], out: Path) -> str:
    if len(paths) == 1:
        return str(paths[0])
    parents = {path.relative_to(out).parts[0] for path in paths if path.is_relative_to(out)}
    return f"{out / parents.pop()}/" if len(parents) == 1 else str(out)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
