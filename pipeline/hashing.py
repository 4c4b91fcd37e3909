"""Content keys for the caches: one sha256 over text parts, each ended by a NUL so that parts cannot run together."""

from __future__ import annotations

import hashlib


def digest(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode())
        hasher.update(b"\0")
    return hasher.hexdigest()
