"""Content keys for the caches: one sha256 over text parts, each ended by a NUL so that parts cannot run together."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode())
        hasher.update(b"\0")
    return hasher.hexdigest()


@functools.cache
def code_digest() -> str:
    """The pipeline's own code, templates and data: a cached output made by other code is not reused."""
    hasher = hashlib.sha256()
    found = []
    for folder, subfolders, files in os.walk(PACKAGE):
        subfolders[:] = [name for name in subfolders if name not in ("__pycache__", "bundled")]
        found += [f"{folder}/{name}" for name in files if name.endswith(_CODE)]
    for path in sorted(found):
        with open(path, "rb") as handle:
            hasher.update(os.path.relpath(path, PACKAGE).encode() + b"\0" + handle.read())
    return hasher.hexdigest()


_CODE = (".py", ".html", ".j2", ".css", ".js", ".yaml", ".json")
