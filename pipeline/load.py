"""Reading the source folder: decoding, symlink containment, and frontmatter splitting."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Container
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import characters
from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic
from pipeline.forked import on_both_cores
from pipeline.hashing import digest
from pipeline.model import SourceFile
from pipeline.paths import relative
from pipeline.yamlsrc import YamlDoc, parse_yaml

MANIFEST = "handbook.yaml"
PAGES_DIR = "pages"
_FENCES = ("---", "...")


@dataclass(slots=True)
class RawPage:
    """A page file split into frontmatter (parsed) and Markdown body."""

    source: SourceFile
    doc: YamlDoc | None
    body_line: int
    front: str  # a digest of the file's name and its frontmatter's lines, fences included: what validating it reads

    @property
    def body(self) -> str:
        """The Markdown after the frontmatter (made on demand: it would double the pages' memory)."""
        return "\n".join(self.source.lines[self.body_line - 1 :])


@dataclass(slots=True)
class Sources:
    """What ``load`` found under ``source/``."""

    root: Path
    manifest: SourceFile | None = None
    manifest_doc: YamlDoc | None = None
    pages: list[RawPage] = field(default_factory=list)
    page_files: frozenset[str] = frozenset()  # stems of every pages/*.md, readable or not
    assets: frozenset[str] = frozenset()


@dataclass(slots=True)
class Known:
    """What reading each page found, by file name and text: frontmatter, body line, findings (see load())."""

    entries: dict[str, tuple[RawPage | None, list[Diagnostic]]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    # in one process (handbook serve): each page file as last read, by path, with its size, time and inode,
    # and each page as last made from it
    files: dict[str, tuple[tuple[int, int, int], SourceFile]] = field(default_factory=dict)
    made: dict[str, RawPage] = field(default_factory=dict)
    manifest: dict[str, tuple[YamlDoc | None, list[Diagnostic]]] = field(default_factory=dict)  # its parse, by key

    def retain_used(self) -> None:
        """Forget the pages the latest load did not read (old versions of edited pages)."""
        self.entries = {key: value for key, value in self.entries.items() if key in self.used}
        self.manifest = {key: value for key, value in self.manifest.items() if key in self.used}
        self.files = {path: seen for path, seen in self.files.items() if seen[1].key in self.used}
        self.made = {key: raw for key, raw in self.made.items() if key in self.used}
        self.used = set()


def display_path(path: Path) -> str:
    """The path as diagnostics show it: relative to the working directory when inside it."""
    try:
        return relative(os.fspath(path))
    except ValueError:  # pragma: no cover - different drive on Windows
        return str(path)


def read_source(path: Path, root: Path) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Read one file as UTF-8 text; refuse files that escape ``root``, are not text or hold forbidden characters."""
    source, found = read_text(path, root)
    return source, found if source is None else characters.diagnostics(source.display, source.text)


def read_text(
    path: Path, root: Path, inside: bool = False, seen: Container[str] = ()
) -> tuple[SourceFile | None, list[Diagnostic]]:
    """Read one file as UTF-8 text; refuse files that escape ``root`` or are not text.

    ``inside``: the caller knows the path is no symlink in a folder inside ``root`` (no realpath needed).
    ``seen``: keys of files read before; a file with one of them is not decoded until its text is used.
    """
    shown = display_path(path)
    resolved = path if inside else Path(os.path.realpath(path))  # never raises, even for a symlink loop
    if not inside and not resolved.is_relative_to(os.path.realpath(root)):
        return None, [
            diagnostic(
                shown,
                1,
                1,
                "LNK004",
                f"`{shown}` resolves outside the source folder (to {resolved})",
                "copy the file into source/ instead of linking to it",
            )
        ]
    data = read_regular(path)
    if isinstance(data, str):
        return None, [unreadable(shown, "FM010", data)]
    if b"\0" in data[:8192]:
        return None, [
            diagnostic(shown, 1, 1, "FM005", "binary file, not UTF-8 text", "save the page as UTF-8 Markdown")
        ]
    content = hashlib.sha256(data).hexdigest()
    if digest(shown, content) in seen:  # these very bytes decoded before
        return SourceFile.encoded(path, shown, content, data), []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # the text before the bad byte is valid: count its lines and characters as the decoded file would
        bad = bytes(exc.object)  # without the BOM, which utf-8-sig strips before decoding
        before = bad[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8")) + 1
        return None, [
            diagnostic(
                shown,
                line,
                col,
                "FM005",
                f"byte 0x{bad[exc.start]:02x} is not valid UTF-8",
                "save the file as UTF-8",
            )
        ]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceFile.decoded(path, shown, content, text), []


def read_regular(path: Path, keep: bool = True) -> bytes | str:
    """The bytes of a regular file (b"" without ``keep``), or why it cannot be read.

    Only regular files are read: the file is opened without blocking and checked before reading,
    so a named pipe never hangs the build and a directory never raises.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return _why(path, exc)
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind:
            return f"it is {kind}, not a file"
        if not keep:
            return b""
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError as exc:
        return _why(path, exc)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    """What a non-regular file is, for a diagnostic ("" for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _why(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a symlink loop"
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"it is a symlink to `{path.readlink()}`, which does not exist"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def unreadable(shown: str, code: str, why: str) -> Diagnostic:
    """FM010 (a page, the manifest, the bibliography) or LNK008 (an asset) at 1:1 of the file."""
    what = "source file" if code == "FM010" else "asset"
    return diagnostic(
        shown,
        1,
        1,
        code,
        f"cannot read {what} `{shown}`: {why}",
        "replace it with a readable regular file, or remove it",
    )


def split_frontmatter(source: SourceFile) -> tuple[RawPage | None, list[Diagnostic]]:
    """Split ``---`` YAML frontmatter from the body and parse it, keeping line numbers."""
    text = source.text
    first = text.split("\n", 1)[0]
    if first.rstrip() != "---":
        what = "empty file" if not text.strip() else "page does not start with `---` frontmatter"
        return None, [
            diagnostic(
                source.display,
                1,
                1,
                "FM001",
                what,
                "start the page with `---`, `id: …`, `title: …` and `---`",
                first,
            )
        ]
    lines = source.lines
    for index in range(1, len(lines)):
        if lines[index].rstrip() in _FENCES:
            yaml_text = "\n".join(lines[1:index])
            doc, diags = parse_yaml(yaml_text, source.display, line_offset=1)
            return RawPage(source, doc, index + 2, digest(source.display, *lines[: index + 1])), diags
    return None, [
        diagnostic(
            source.display,
            1,
            1,
            "FM002",
            "frontmatter opened here is never closed",
            "add a line with only `---` after the last frontmatter key",
            first,
        )
    ]


def load(
    root: Path, known: Known | None = None, contents: Callable[[str], str | None] | None = None, jobs: int = 0
) -> tuple[Sources, list[Diagnostic]]:
    """Read ``handbook.yaml``, every ``pages/*.md`` and the asset list under ``root``.

    ``known`` keeps what reading each page found, by file name and text: a page read before is not
    checked for characters or split and parsed again (``handbook serve`` and the build's page cache).
    ``contents`` gives a page file's sha256 by path when the build has it (pipeline/stamp.py): a page
    ``known`` holds by that digest is not read at all. ``jobs`` as in Config: 1 forks no process.
    """
    sources = Sources(root)
    diags: list[Diagnostic] = []
    manifest_path = root / MANIFEST
    if not os.path.lexists(manifest_path):
        diags.append(
            diagnostic(
                display_path(manifest_path),
                1,
                1,
                "SCH006",
                f"no {MANIFEST} in {display_path(root)}",
                'create it with `handbook new handbook "Title"` (see docs/authoring.md), or pass --source',
            )
        )
    else:
        manifest, found = read_source(manifest_path, root)
        diags += found
        if manifest is not None:
            sources.manifest = manifest
            parsed = known.manifest.get(manifest.key) if known is not None else None
            if parsed is None:
                parsed = parse_yaml(manifest.text, manifest.display)
            if known is not None:
                known.manifest[manifest.key] = parsed
                known.used.add(manifest.key)
            sources.manifest_doc, found = parsed
            diags += found
    pages_dir = root / PAGES_DIR
    entries = sorted(_page_entries(pages_dir), key=lambda entry: entry.name)
    sources.page_files = frozenset(entry.name[:-3] for entry in entries)
    plain = Path(os.path.realpath(pages_dir)).is_relative_to(os.path.realpath(root))
    read = [_read_page(entry, pages_dir, root, plain and not entry.is_symlink(), known, contents) for entry in entries]
    fresh = {source.key: source for source, _found in read if source is not None}
    if known is not None:
        fresh = {key: source for key, source in fresh.items() if key not in known.entries}
    split = _split_pages(list(fresh.values()), jobs)
    for source, found in read:
        if source is None:
            diags += found
            continue
        key = source.key
        if known is not None:
            known.used.add(key)
        if known is None or key in split:
            result = split[key]
            if known is not None:
                known.entries[key] = (replace(result[0], source=_NO_TEXT) if result[0] else None, result[1])
        else:
            shell, cached = known.entries[key]
            made = known.made.get(key)
            if made is None or made.source is not source:  # the page as this process last made it, if any
                made = replace(shell, source=source) if shell else None
                if made is not None:
                    known.made[key] = made
            result = (made, cached)
        diags += result[1]
        if result[0] is not None:
            sources.pages.append(result[0])
    assets, found = _assets(root, _read_elsewhere(sources))
    sources.assets = frozenset(assets)
    diags += found
    return sources, diags


_NO_TEXT = SourceFile.of(Path(), "", "")
SPLIT_PAGES = 128  # fewer pages to split than this are split in this process alone


def _split_pages(sources: list[SourceFile], jobs: int) -> dict[str, tuple[RawPage | None, list[Diagnostic]]]:
    """Each page split into frontmatter and body, with its character findings, by source key. With many pages
    (a first build), they are shared with a forked process (the frontmatter's YAML is most of reading a
    page); pages travel back without their text, which this process holds."""
    split = on_both_cores(sources, _split, jobs, SPLIT_PAGES)
    return {
        source.key: (replace(raw, source=source) if raw else None, found)
        for source, (raw, found) in zip(sources, split, strict=True)
    }


def _split(source: SourceFile) -> tuple[RawPage | None, list[Diagnostic]]:
    """The page split, without its text (``known`` keeps pages so), and what reading it found."""
    raw, found = split_frontmatter(source)
    return (replace(raw, source=_NO_TEXT) if raw else None), characters.diagnostics(source.display, source.text) + found


def _read_page(
    entry: os.DirEntry[str],
    folder: Path,
    root: Path,
    inside: bool,
    known: Known | None,
    contents: Callable[[str], str | None] | None,
) -> tuple[SourceFile | None, list[Diagnostic]]:
    """A page file's text; the one ``known`` read before when its size, time and inode are unchanged, or
    none yet when ``known`` has its digest from ``contents``."""
    content = contents(entry.path) if contents is not None and inside and known is not None else None
    if content is not None:
        path = folder / entry.name
        shown = display_path(path)
        if known is not None and digest(shown, content) in known.entries:
            return SourceFile.unread(path, shown, content), []
    try:
        info = entry.stat()
        state = (info.st_size, info.st_mtime_ns, info.st_ino)
    except OSError:
        state = None
    if known is not None and state is not None and entry.path in known.files:
        was, seen = known.files[entry.path]
        if was == state:
            return seen, []
    source, found = read_text(folder / entry.name, root, inside, known.entries if known is not None else ())
    if known is not None and state is not None and source is not None and stat.S_ISREG(info.st_mode):
        known.files[entry.path] = (state, source)
    return source, found


def _page_entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return [entry for entry in entries if entry.name.endswith(".md")]
    except OSError:  # no pages/ folder (SCH005 names the missing pages), or not a folder
        return []


def _read_elsewhere(sources: Sources) -> frozenset[str]:
    """Files outside pages/ that are read as sources, not assets: their faults are FM010, not LNK008."""
    data = sources.manifest_doc.data if sources.manifest_doc is not None else None
    bibliography = data.get("bibliography") if isinstance(data, dict) else None
    return frozenset({MANIFEST, bibliography if isinstance(bibliography, str) else "references.yaml"})


def _assets(root: Path, skip: frozenset[str] = frozenset()) -> tuple[list[str], list[Diagnostic]]:
    """Every readable regular file outside pages/, except symlinks that lead out of the source folder
    (LNK004, reported where a page uses them); an asset that cannot be read is LNK008 (except ``skip``)."""
    out, diags = [], []
    inside = os.path.realpath(root)
    for dirpath, dirs, files in os.walk(root):
        if Path(dirpath) == root and PAGES_DIR in dirs:
            dirs.remove(PAGES_DIR)  # its *.md are pages; anything else there is not published either
        for name in files:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(inside):
                continue
            why = read_regular(path, keep=False)
            if isinstance(why, str):
                if rel not in skip:
                    diags.append(unreadable(display_path(path), "LNK008", why))
                continue
            out.append(rel)
    return out, diags
