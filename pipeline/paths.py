"""Relative paths as ``os.path.relpath`` gives them, without its work for the common case (thousands a build)."""

from __future__ import annotations

import os
from pathlib import Path


def relative(path: str, root: str | None = None) -> str:
    """``os.path.relpath(path, root)`` (``root``: the working directory when None): a normalised path under
    ``root``, or a normalised relative one against the working directory, is answered by slicing."""
    if root is None:
        if path and not path.startswith(("..", os.sep)) and os.path.normpath(path) == path:
            return path
        root = str(Path.cwd())
    prefix = root if root.endswith(os.sep) else root + os.sep
    if path.startswith(prefix):
        rest = path[len(prefix) :]
        if rest and not rest.startswith(("..", os.sep)) and os.path.normpath(rest) == rest:
            return rest
    return os.path.relpath(path, root)
