"""Publishing a build: the output folder changes in one step, or not at all.

A build writes into a staging folder next to ``--out`` (same file system), carries over what it
does not produce (other formats, the renderers' cache) as hard links, then exchanges the two folders
in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames) and deletes the old
tree. An interrupted or killed build leaves ``--out`` as it was; the staging or old folder it leaves
behind (``.<out>.handbook-<pid>-<token>``) is removed by the next build once its process is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from pipeline.diagnostics import PipelineError

CACHE = ".cache"
LOCK = ".handbook-build.lock"  # inside a staging folder while its build runs; removed before publishing
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_PARTIAL = (".tmp", ".partial")  # a cache entry being written: never shared with the next build


class OutputError(PipelineError):
    """``--out`` cannot be used: it overlaps the source, lies under a file or is not writable (a usage error)."""


def check_target(source: Path, out: Path) -> None:
    """Refuse an output folder that would overwrite the source, or that cannot be written; writes nothing."""
    src, dst = Path(os.path.realpath(source)), Path(os.path.realpath(out))
    if dst == src or dst.is_relative_to(src) or src.is_relative_to(dst):
        where = "is" if dst == src else "is inside" if dst.is_relative_to(src) else "contains"
        raise OutputError(
            f"--out {out} {where} the source folder {source}: a build replaces its output folder whole, "
            "so it would delete source files; choose a folder outside the source"
        )
    existing = dst
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"--out {out}: {existing} is a file, not a folder")
    if existing == dst and not os.access(dst.parent, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: cannot write in {dst.parent} (permission denied)")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: cannot write in {existing} (permission denied)")


def _pattern(out: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(out.name)}\.handbook-(staging|old)-(\d+)-[0-9a-f]{{12}}")


def _sibling(out: Path, kind: str) -> Path:
    return out.with_name(f".{out.name}.handbook-{kind}-{os.getpid()}-{secrets.token_hex(6)}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _locked(folder: Path) -> bool:
    """Whether a build holds the lock inside ``folder`` (no lock file: unknown, so True)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: rely on the process id alone
        return True
    try:
        fd = os.open(folder / LOCK, os.O_RDWR)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def leftovers(out: Path) -> list[Path]:
    """Staging and old folders of builds into ``out`` that were killed: their process is gone or their lock free."""
    pattern = _pattern(out)
    try:
        names = [entry.name for entry in out.parent.iterdir()]
    except OSError:
        return []
    found = []
    for name in sorted(names):
        match = pattern.fullmatch(name)
        path = out.parent / name
        if match is None or not path.is_dir() or path.is_symlink():
            continue
        pid = int(match[2])
        if not _alive(pid) or (pid != os.getpid() and not _locked(path)):
            found.append(path)
    return found


def clean(out: Path) -> None:
    """Remove what killed builds left next to ``out``; restore ``out`` if one died between two renames."""
    stale = leftovers(out)
    if not out.exists():
        old = [path for path in stale if ".handbook-old-" in path.name]
        if len(old) == 1:  # the fallback publish died after moving out away: that tree is the last build
            old[0].rename(out)
            stale.remove(old[0])
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)


class Staging:
    """A staging folder next to ``out``: render into ``path``, then ``publish``; removed on any exception."""

    def __init__(self, out: Path) -> None:
        self.out = Path(os.path.realpath(out))  # exchange the real folder, not a symlink to it
        self.path = _sibling(self.out, "staging")
        self.published = False
        self._lock: int | None = None

    def __enter__(self) -> Staging:
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            clean(self.out)
            self.path.mkdir()
        except OSError as exc:
            raise OutputError(f"cannot write next to --out {self.out}: {exc.strerror or exc}") from exc
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(self.out.stat().st_mode)
            self.path.chmod(mode)  # the published folder keeps the permissions the old one had
        self._lock = _hold_lock(self.path / LOCK)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._release()
        if not self.published:
            shutil.rmtree(self.path, ignore_errors=True)

    def carry(self, names: Iterable[str] | None = None) -> None:
        """Hard-link (or copy) top-level entries of ``out`` that the staging folder lacks: ``names``, or all."""
        if not self.out.is_dir():
            return
        for entry in sorted(self.out.iterdir()):
            target = self.path / entry.name
            if (names is not None and entry.name not in names) or target.exists() or target.is_symlink():
                continue
            _link_tree(entry, target, skip_partial=entry.name == CACHE)

    def publish(self) -> None:
        """Carry over everything else, then put the staging folder in place of ``out`` in one step."""
        self.carry()
        self._release()
        (self.path / LOCK).unlink(missing_ok=True)
        if not self.out.exists():
            self.path.rename(self.out)
            self.published = True
            return
        if _exchange(self.path, self.out):
            self.published = True
            shutil.rmtree(self.path, ignore_errors=True)  # now the old tree
            return
        old = _sibling(self.out, "old")
        self.out.rename(old)
        self.path.rename(self.out)
        self.published = True
        shutil.rmtree(old, ignore_errors=True)

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def _hold_lock(path: Path) -> int | None:
    """Create and lock ``path``: the folder it is in belongs to a running build."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    os.write(fd, f"{os.getpid()}\n".encode())
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (ImportError, OSError):  # pragma: no cover - no flock: the process id in the name still protects it
        pass
    return fd


def _link_tree(source: Path, target: Path, skip_partial: bool) -> None:
    if source.is_symlink():
        target.symlink_to(source.readlink())
    elif source.is_dir():
        shutil.copytree(
            source,
            target,
            symlinks=True,
            copy_function=_link_or_copy,
            ignore=_partial_files if skip_partial else None,
        )
    elif source.is_file():
        _link_or_copy(str(source), str(target))


def _partial_files(_folder: str, names: list[str]) -> set[str]:
    return {name for name in names if name.endswith(_PARTIAL)}


def _link_or_copy(source: str, target: str) -> str:
    """A hard link (no bytes copied; every writer replaces files rather than rewriting them), else a copy."""
    if not stat.S_ISREG(os.lstat(source).st_mode):
        return target  # a FIFO or socket someone left in the output folder is not carried over
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not supported."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a libc without renameat2 (glibc < 2.28, some musl)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # the file system cannot exchange
        return False
    raise OutputError(f"cannot replace {b}: {os.strerror(code)}")
