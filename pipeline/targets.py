"""What `handbook check PATH…` checks: source folders whole, or page files within their book and reported alone."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.diagnostics import Diagnostic
from pipeline.load import MANIFEST


@dataclass(slots=True)
class Target:
    """One handbook to check, and whose findings to report: every one (``files`` is None) or those files'."""

    source: Path
    files: set[str] | None = field(default_factory=set)

    def reported(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The findings to report: all of a whole source, or those in the named files."""
        if self.files is None:
            return list(diagnostics)
        return [d for d in diagnostics if _key(d.path) in self.files]


@dataclass(slots=True)
class Targets:
    """The handbooks to check, and the named files that belong to none (reported as skipped, never checked)."""

    handbooks: list[Target]
    outside: list[Path]


def book_root(path: Path) -> Path | None:
    """The source folder a file belongs to: its own folder or the nearest parent holding handbook.yaml."""
    start = path.resolve().parent
    for folder in (start, *start.parents):
        if (folder / MANIFEST).is_file():
            return folder
    return None


def targets(paths: Sequence[Path]) -> Targets:
    """Group ``paths`` by handbook: a folder is checked and reported whole, a file within its book alone."""
    by_root: dict[Path, Target] = {}
    outside: list[Path] = []
    for path in paths:
        if path.is_dir():
            target = by_root.setdefault(path.resolve(), Target(path))
            target.source, target.files = path, None
            continue
        root = book_root(path)
        if root is None:
            outside.append(path)
            continue
        target = by_root.setdefault(root, Target(_shown(root)))
        if target.files is not None:
            target.files.add(_key(str(path)))
    return Targets(list(by_root.values()), outside)


def _key(path: str) -> str:
    """A file's identity for matching findings to named files: its real path."""
    return os.path.realpath(path)


def _shown(root: Path) -> Path:
    """The source folder as the user would write it: relative to the working directory when inside it."""
    try:
        return Path(os.path.relpath(root))
    except ValueError:  # pragma: no cover - another drive on Windows
        return root
