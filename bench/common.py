"""Shared benchmark helpers: timing commands side by side and printing a ratio table."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def timed(command: list[str], runs: int = 3, cwd: Path = ROOT) -> float:
    """Median wall-clock seconds of ``runs`` runs of a command (its exit status 0 or 1 accepted)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return statistics.median(times)


def table(rows: list[tuple[str, float]], base: str) -> str:
    """Seconds and the ratio of each row to the row named ``base``."""
    reference = dict(rows)[base]
    width = max(len(name) for name, _ in rows)
    lines = [f"{'what':<{width}}  {'seconds':>8}  {'ratio':>6}"]
    lines += [f"{name:<{width}}  {secs:8.2f}  {secs / reference:6.2f}×" for name, secs in rows]
    return "\n".join(lines)
