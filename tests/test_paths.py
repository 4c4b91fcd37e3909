"""pipeline/paths.py against the standard library's own ``os.path.relpath`` on many path shapes."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from pipeline.paths import relative

PARTS = ["a", "b", "..", ".", "", "pages", "x.md", "...", "..a", "a.."]


def shapes(cwd: str, count: int) -> list[tuple[str, str | None]]:
    """Paths and roots: relative and absolute, normalised or not, inside and outside the root and the cwd."""
    rng = random.Random(7)
    parts = [*PARTS, *Path(cwd).parts[1:3]]
    roots: list[str | None] = [None, ".", "a", "a/b", "/", cwd, f"{cwd}/a", "./a", "a/", "..", "../a", "a//b"]
    found: list[tuple[str, str | None]] = []
    while len(found) < count:
        path = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 6)))
        path = rng.choice(["", "", "/", f"{cwd}/", "./", "../", "a//"]) + path
        if path:
            found.append((path, rng.choice(roots)))
    return found


def test_relative_is_what_relpath_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cases = shapes(str(Path.cwd()), 20_000)
    for path, root in cases:
        assert relative(path, root) == os.path.relpath(path, root), (path, root)
    # the common cases, answered by slicing: a normalised path under the root, a normalised relative one
    assert relative("src/pages/x.md", "src") == "pages/x.md" and relative("./pages/x.md", ".") == "pages/x.md"
    assert relative("pages/intro.md") == "pages/intro.md" and relative(f"{tmp_path}/pages/x.md") == "pages/x.md"
