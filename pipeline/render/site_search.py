"""The site's offline search index: section texts of every page, emitted as a JS file defining a global."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

from pipeline.model import Page

GLOBAL = "HANDBOOK_SEARCH_INDEX"
_SECTION = re.compile(r'<section class="hb-section" data-section="([^"]*)">')
# Closing block tags become spaces so that adjacent cells or list items do not run together; inline tags
# vanish, so "(<a>Stack Overflow, 2025</a>)" stays "(Stack Overflow, 2025)".
_BREAK = re.compile(r"</(?:p|li|t[dhr]|h[1-6]|div|d[dt]|blockquote|pre|figcaption|summary|table|[uo]l)>|<[bh]r\b[^>]*>")
_TAG = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"\s*<h[1-6]\b[^>]*>.*?</h[1-6]>", re.S)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub("", _BREAK.sub(" ", fragment))).split())


def page_entry(page: Page, body: str) -> str:
    """One page's index entry as compact JSON: [href, title, [[anchor, heading, text], ...]].

    The page header (title, subtitle, summary, objectives) is a section of its own with an empty anchor.
    """
    meta = page.meta
    objectives = meta.get("objectives")
    header = [str(meta.get("subtitle") or ""), str(meta.get("summary") or "")]
    header += [str(item) for item in objectives] if isinstance(objectives, list) else []
    sections = [["", page.title, " ".join(" ".join(header).split())]]
    headings = {heading.anchor: heading.text for heading in page.headings}
    parts = _SECTION.split(body)  # [before, anchor, content, anchor, content, ...]
    for anchor, inner in zip(parts[1::2], parts[2::2], strict=True):
        name = html.unescape(anchor)
        heading = _HEADING.match(inner)
        text = text_of(inner[heading.end() :] if heading else inner)
        title = headings.get(name, page.title)
        if text or title != page.title:
            sections.append([name, title, text])
    return json.dumps([f"{page.id}.html", page.title, sections], ensure_ascii=False, separators=(",", ":"))


def script(entries: Sequence[bytes]) -> bytes:
    """The index file: ``window.HANDBOOK_SEARCH_INDEX = {"pages": [...]}``, one page per line (joined in one copy:
    the index of 1,000 pages is megabytes)."""
    pieces = [b'window.%s = {"version": 1, "pages": [\n' % GLOBAL.encode()]
    for number, entry in enumerate(entries):
        pieces += (b",\n", entry) if number else (entry,)
    pieces.append(b"\n]};\n")
    return b"".join(pieces)
