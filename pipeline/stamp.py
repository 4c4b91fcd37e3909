"""The no-op build: what the last successful build read and wrote, checked before anything heavy is imported.

A build that succeeds leaves ``outputs/.cache/build-stamp.json``: a digest of every file under the
source folder (names and bytes), of the build's options, of the pipeline's own code and of the
installed distributions; each output file with its size, modification time and inode; and the
diagnostics the build reported. The next ``handbook build`` with the same digest and every output
file as it was left has nothing to do: it reports the same diagnostics and stops. Anything else (an
edited, added or removed source file, an output file touched or deleted, another version of a
library) means a real build, which uses the page cache for what did not change.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sysconfig
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.hashing import code_digest

NAME = "build-stamp.json"
CACHE = ".cache"


def inputs(config: Config) -> str | None:
    """The digest of everything a build of ``config`` reads, or None when a file cannot be read."""
    hasher = hashlib.sha256()
    options = [config.formats, config.strict, config.pdf_split, config.pdf_variant, str(config.source.resolve())]
    hasher.update(json.dumps([code_digest(), _distributions(), options, os.environ.get("SOURCE_DATE_EPOCH")]).encode())
    try:
        for path in _files(config.source):
            if not stat.S_ISREG(Path(path).stat().st_mode):
                return None  # a named pipe, a device: the build itself says what is wrong
            hasher.update(b"\0" + os.path.relpath(path, config.source).encode() + b"\0")
            with open(path, "rb") as handle:
                hasher.update(handle.read())
    except OSError:
        return None
    return hasher.hexdigest()


def unchanged(config: Config, digest: str | None) -> list[Diagnostic] | None:
    """The diagnostics of the last build when nothing it read (``digest``, made by ``inputs``) or wrote has
    changed since, else None."""
    try:
        stamp = json.loads((config.out / CACHE / NAME).read_text(encoding="utf-8"))
        if digest is None or stamp["inputs"] != digest:
            return None
        for rel, recorded in stamp["outputs"].items():
            if _state(config.out / rel) != recorded:
                return None
        return [_diagnostic(entry) for entry in stamp["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(config: Config, folder: Path, digest: str | None, written: list[Path], diagnostics: list[Diagnostic]) -> None:
    """Leave the stamp in ``folder`` (the staging folder that becomes ``config.out``); no stamp without a digest."""
    target = folder / CACHE / NAME
    with contextlib.suppress(FileNotFoundError):
        target.unlink()  # a carried-over stamp of an earlier build
    if digest is None:
        return
    outputs = {os.path.relpath(path, folder): _state(path) for path in written}
    stamp = {"inputs": digest, "outputs": outputs, "diagnostics": [_entry(d) for d in diagnostics]}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{NAME}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
    partial.replace(target)


def _files(root: Path) -> list[str]:
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        found += [f"{folder}/{name}" for name in sorted(files)]
    return found


def _distributions() -> list[str]:
    """The installed distributions (their dist-info folders): an upgraded library is another build."""
    names: list[str] = []
    for folder in sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}):
        with contextlib.suppress(OSError):
            names += sorted(p.name for p in Path(folder).iterdir() if p.name.endswith((".dist-info", ".egg-info")))
    return names


def _state(path: Path) -> list[int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def _entry(diag: Diagnostic) -> dict[str, Any]:
    return {
        "path": diag.path,
        "line": diag.line,
        "col": diag.col,
        "code": diag.code,
        "severity": diag.severity.value,
        "message": diag.message,
        "hint": diag.hint,
        "source_line": diag.source_line,
    }


def _diagnostic(entry: dict[str, Any]) -> Diagnostic:
    return Diagnostic(
        entry["path"],
        entry["line"],
        entry["col"],
        entry["code"],
        Severity(entry["severity"]),
        entry["message"],
        entry["hint"],
        entry["source_line"],
    )
