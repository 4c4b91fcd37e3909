"""The no-op build: what the last successful build read and wrote, checked before anything heavy is imported.

A build that succeeds leaves ``outputs/.cache/build-stamp.json``: a digest of every file under the
source folder (names and bytes; each file's own digest kept with its size, times and inode, so the next
build reads only files that changed since), of the build's options, of the pipeline's own code and of the
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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.hashing import code_digest
from pipeline.paths import relative

NAME = "build-stamp.json"
CACHE = ".cache"


MARGIN_NS = 3_000_000_000  # a file changed this close to when it was last looked at may change unseen (coarse clocks)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a build reads, as it begins: one digest over it all, and each source file's content digest."""

    digest: str
    files: dict[str, list[Any]]  # by source-relative path: size, modification and change times, inode, sha256
    taken: int  # when the files were looked at (ns since the epoch)
    root: str

    def content(self, path: str) -> str | None:
        """The sha256 of the file at ``path`` (under the source folder, as os.walk names it), if it was read."""
        found = self.files.get(relative(path, self.root))
        return str(found[4]) if found else None


def previous(config: Config) -> dict[str, Any]:
    """The last successful build's stamp ({} if there is none or it cannot be read)."""
    try:
        found = json.loads((config.out / CACHE / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def inputs(config: Config, last: dict[str, Any] | None = None) -> Inputs | None:
    """Everything a build of ``config`` reads, digested, or None when a file cannot be read.

    A file is read and hashed unless ``last`` (the last stamp) saw it with the same size, times and inode,
    long enough after it last changed that a later change could not have kept its times (as git's index does).
    """
    seen = last.get("files") if last else None
    seen = seen if isinstance(seen, dict) else {}
    before = last.get("taken") if last else None
    trusted = before - MARGIN_NS if isinstance(before, int) else -1
    taken = time.time_ns()
    hasher = hashlib.sha256()
    options = [config.formats, config.strict, config.pdf_split, config.pdf_variant, str(config.source.resolve())]
    hasher.update(json.dumps([code_digest(), _distributions(), options, os.environ.get("SOURCE_DATE_EPOCH")]).encode())
    root = os.fspath(config.source)
    files: dict[str, list[Any]] = {}
    try:
        for path in _files(config.source):
            info = Path(path).stat()
            if not stat.S_ISREG(info.st_mode):
                return None  # a named pipe, a device: the build itself says what is wrong
            rel = relative(path, root)
            state = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
            known = seen.get(rel)
            if known and known[:4] == state and max(info.st_mtime_ns, info.st_ctime_ns) < trusted:
                content = str(known[4])
            else:
                with open(path, "rb") as handle:
                    content = hashlib.sha256(handle.read()).hexdigest()
            files[rel] = [*state, content]
            hasher.update(f"\0{rel}\0{content}".encode())
    except OSError:
        return None
    return Inputs(hasher.hexdigest(), files, taken, root)


def unchanged(config: Config, read: Inputs | None, last: dict[str, Any]) -> list[Diagnostic] | None:
    """The diagnostics of the last build when nothing it read (``read``, made by ``inputs``) or wrote has
    changed since, else None."""
    try:
        if read is None or last.get("inputs") != read.digest:
            return None
        for rel, recorded in last["outputs"].items():
            if _state(config.out / rel) != recorded:
                return None
        return [_diagnostic(entry) for entry in last["diagnostics"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def write(
    config: Config, folder: Path, read: Inputs | None, written: list[Path], diagnostics: list[Diagnostic]
) -> None:
    """Leave the stamp in ``folder`` (the staging folder that becomes ``config.out``); no stamp without ``read``."""
    target = folder / CACHE / NAME
    with contextlib.suppress(FileNotFoundError):
        target.unlink()  # a carried-over stamp of an earlier build
    if read is None:
        return
    outputs = {os.path.relpath(path, folder): _state(path) for path in written}
    stamp = {
        "inputs": read.digest,
        "files": read.files,
        "taken": read.taken,
        "outputs": outputs,
        "diagnostics": [_entry(d) for d in diagnostics],
    }
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
