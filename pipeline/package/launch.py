"""The SCO launch page: one LMS session for the visit while the site's pages load in its inner frame."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from html import escape
from pathlib import Path

from pipeline.package.info import PackageInfo
from pipeline.package.site import LAUNCH, RUNTIME, Site

RUNTIME_SOURCES = Path(__file__).parent / "runtime"
RUNTIME_FILES = ("codec.js", "host.css", "page.js", "sco.js")
COMPLETION_RULES = ("sections", "last-page")
# Same-origin files only, no inline script: the same policy as the site's pages.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'"
)


def runtime_files() -> dict[str, bytes]:
    """Our run-time, by zip path."""
    return {f"{RUNTIME}/{name}": (RUNTIME_SOURCES / name).read_bytes() for name in RUNTIME_FILES}


def structure_hash(page_ids: list[str], site: Site) -> str:
    """Names the section layout; suspend data written for another layout is not applied to this one."""
    layout = json.dumps([[page, list(site.sections.get(page, ()))] for page in page_ids], ensure_ascii=False)
    return hashlib.sha256(layout.encode()).hexdigest()[:8]


def launch_page(info: PackageInfo, version: str, page_ids: list[str], site: Site, completion: str) -> bytes:
    """The launch file of the one SCO: every page tracked, every other document of the site bookmarkable."""
    tracked = set(page_ids)
    documents = sorted(doc for doc in site.sections if doc not in tracked)
    config = {
        "version": version,
        "completion": completion,
        "start": "index" if "index" in site.sections else (page_ids[0] if page_ids else "index"),
        "hash": structure_hash(page_ids, site),
        "pages": [[page, len(site.sections.get(page, ()))] for page in page_ids],
        "documents": documents,
    }
    return _document(info.language, info.title, config, "index.html")


def page_launch_name(page_id: str) -> str:
    """The launch file of one page's SCO (page ids never contain "_": no clash with a site page)."""
    return f"{LAUNCH[: -len('.html')]}_{page_id}.html"


def page_launch(info: PackageInfo, version: str, page_id: str, title: str, site: Site, completion: str) -> bytes:
    """The launch file of one page's SCO: only that page is tracked; links to the rest of the site
    still work but leave nothing in this SCO (no ``documents``: no bookmark, progress or answer there).
    The last-page rule becomes "last-section": completed when the page's last section has been read."""
    config = {
        "version": version,
        "completion": "last-section" if completion == "last-page" else completion,
        "start": page_id,
        "hash": structure_hash([page_id], site),
        "pages": [[page_id, len(site.sections.get(page_id, ()))]],
        "documents": [],
    }
    return _document(info.language, title, config, f"{page_id}.html")


def _document(language: str, title_text: str, config: Mapping[str, object], home: str) -> bytes:
    """The launch page: the configuration as a JSON data block (not executed, so the CSP allows it)."""
    data = json.dumps(config, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")
    title = escape(title_text)
    return f"""<!DOCTYPE html>
<html lang="{escape(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{RUNTIME}/host.css">
</head>
<body>
<script type="application/json" id="hb-scorm-config">{data}</script>
<iframe id="hb-frame" title="{title}"></iframe>
<noscript><p><a href="{escape(home)}">Open {title}</a></p></noscript>
<script src="{RUNTIME}/codec.js"></script>
<script src="{RUNTIME}/sco.js"></script>
</body>
</html>
""".encode()
