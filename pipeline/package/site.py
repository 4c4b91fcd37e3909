"""The rendered HTML site as package content: its files, each page's sections, the run-time script tag."""

from __future__ import annotations

import hashlib
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

RUNTIME = "scorm_runtime"  # folder of our run-time files in the package; page ids cannot contain "_"
LAUNCH = "scorm_launch.html"
_SECTION = re.compile(rb"<section\b[^>]*\bclass=\"(?:[^\"]*\s)?hb-section(?:\s[^\"]*)?\"[^>]*>")
_ANCHOR = re.compile(rb"\bdata-section=\"([^\"]*)\"")
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


@dataclass(slots=True)
class Site:
    """Files by zip path (HTML pages already carrying the page agent), their digests, sections by page."""

    files: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)


def read_site(folder: Path) -> Site:
    """Read every file under ``folder`` (hidden files skipped) in a stable order, injecting the agent."""
    site = Site()
    for path in _walk(folder):
        rel = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        if rel.endswith(".html"):
            site.sections[rel[: -len(".html")]] = sections(data)
            data = inject(data, rel)
        site.files[rel] = data
        site.digests[rel] = hashlib.sha256(data).hexdigest()
    return site


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / name for name in sorted(files) if not name.startswith(".")]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


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
