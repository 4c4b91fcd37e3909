"""The rendered HTML site as package content: its files, each page's sections, the run-time script tag."""

from __future__ import annotations

import hashlib
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.diagnostics import PipelineError

RUNTIME = "scorm_runtime"  # folder of our run-time files in the package; page ids cannot contain "_"
LAUNCH = "scorm_launch.html"
_SECTION = re.compile(rb"<section\b[^>]*\bclass=\"(?:[^\"]*\s)?hb-section(?:\s[^\"]*)?\"[^>]*>")
_ANCHOR = re.compile(rb"\bdata-section=\"([^\"]*)\"")
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


@dataclass(slots=True)
class Site:
    """Every file by zip path: its size and digest as packaged (HTML pages carrying the page agent), each page's
    sections, and the bytes of the files read (``data`` reads the others, which ``siteindex`` knew)."""

    files: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    folder: Path | None = None

    def data(self, rel: str) -> bytes:
        """The file's bytes as packaged; one the index knew is read now, and must be what the index said."""
        found = self.files.get(rel)
        if found is not None:
            return found
        assert self.folder is not None, rel
        data = packaged((self.folder / rel).read_bytes(), rel)
        if hashlib.sha256(data).hexdigest() != self.digests[rel]:
            raise PipelineError(f"{self.folder / rel} changed while it was being packaged; run the build again")
        return data


def read_site(folder: Path, cache: Path | None = None) -> Site:
    """Every file under ``folder`` (hidden files skipped) in a stable order, with the agent injected.

    With the build's ``cache`` folder, a page that is a hard link into the html renderer's store is not
    read: what packaging needs of it (size, digest, sections) is known by its store key (siteindex.py).
    """
    from pipeline.package.siteindex import SiteIndex

    site = Site(folder=folder)
    index = SiteIndex.of(cache, folder) if cache is not None else None
    for rel, entry in _walk(folder):
        known = index.known(rel, entry) if index is not None else None
        if known is None:
            raw = Path(entry.path).read_bytes()
            data = packaged(raw, rel)
            site.files[rel] = data
            known = Known(hashlib.sha256(data).hexdigest(), len(data), sections(raw) if rel.endswith(".html") else ())
            if index is not None:
                index.learn(rel, entry, known)
        site.digests[rel], site.sizes[rel] = known.digest, known.size
        if rel.endswith(".html"):
            site.sections[rel[: -len(".html")]] = known.sections
    if index is not None:
        index.save()
    return site


@dataclass(frozen=True, slots=True)
class Known:
    """What packaging needs of a site file: the digest and size of its bytes as packaged, its sections."""

    digest: str
    size: int
    sections: tuple[str, ...]


def packaged(raw: bytes, rel: str) -> bytes:
    """A site file as it goes into a package: an HTML page gets the page agent."""
    return inject(raw, rel) if rel.endswith(".html") else raw


def _walk(folder: Path) -> list[tuple[str, os.DirEntry[str]]]:
    """Every file under ``folder`` by its path relative to it (posix), sorted; hidden entries skipped."""
    found: list[tuple[str, os.DirEntry[str]]] = []
    pending = [(folder, "")]
    while pending:
        where, prefix = pending.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    if not entry.is_symlink():  # as os.walk: a linked folder is not entered
                        pending.append((Path(entry.path), f"{prefix}{entry.name}/"))
                else:
                    found.append((f"{prefix}{entry.name}", entry))
    return sorted(found, key=lambda item: item[0])


def sections(page: bytes) -> tuple[str, ...]:
    """The ``data-section`` anchors of the page's ``<section class="hb-section">`` elements, in order."""
    anchors = []
    for tag in _SECTION.finditer(page):
        found = _ANCHOR.search(tag.group(0))
        anchors.append(html.unescape(found.group(1).decode("utf-8", "replace")) if found else "")
    return tuple(anchors)


def inject(page: bytes, rel: str) -> bytes:
    """Add the page agent's script tag (a same-origin file, as the site's CSP allows) before </head>."""
    depth = rel.count("/")
    doc = html.escape(rel[: -len(".html")], quote=True)
    tag = (f'<script src="{"../" * depth}{RUNTIME}/page.js" data-hb-doc="{doc}" defer></script>\n').encode()
    for pattern in (_HEAD_END, _BODY_END):
        found = pattern.search(page)
        if found:
            return page[: found.start()] + tag + page[found.start() :]
    return page + b"\n" + tag
