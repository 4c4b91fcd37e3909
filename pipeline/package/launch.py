"""The SCO launch page: one LMS session for the visit while the site's pages load in its inner frame."""

from __future__ import annotations

import hashlib
import json
from html import escape
from pathlib import Path

from pipeline.package.info import PackageInfo
from pipeline.package.site import RUNTIME, Site

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
    """The launch file: the configuration as a JSON data block (not executed, so the CSP allows it)."""
    documents = sorted(doc for doc in site.sections if doc not in set(page_ids))
    config = {
        "version": version,
        "completion": completion,
        "start": "index" if "index" in site.sections else (page_ids[0] if page_ids else "index"),
        "hash": structure_hash(page_ids, site),
        "pages": [[page, len(site.sections.get(page, ()))] for page in page_ids],
        "documents": documents,
    }
    data = json.dumps(config, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("<", "\\u003c")
    title = escape(info.title)
    return f"""<!DOCTYPE html>
<html lang="{escape(info.language)}">
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
<noscript><p><a href="index.html">Open {title}</a></p></noscript>
<script src="{RUNTIME}/codec.js"></script>
<script src="{RUNTIME}/sco.js"></script>
</body>
</html>
""".encode()
