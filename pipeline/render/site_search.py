"""The site's offline search index: section texts of every page, emitted as a JS file defining a global."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable

from pipeline.model import Page

GLOBAL = "HANDBOOK_SEARCH_INDEX"
_SECTION = re.compile(r'<section class="hb-section" data-section="([^"]*)">(.*?)</section>', re.S)
# Block boundaries become spaces so that adjacent cells or list items do not run together.
_BLOCK = re.compile(r"</?(?:p|li|ul|ol|td|th|tr|thead|tbody|table|h[1-6]|div|section|blockquote|pre|br|dd|dt|dl|"
                    r"figure|figcaption|details|summary|hr)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"<h[1-6]\b[^>]*>.*?</h[1-6]>", re.S)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub("", _BLOCK.sub(" ", fragment))).split())


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
    for anchor, inner in _SECTION.findall(body):
        title = headings.get(html.unescape(anchor), page.title)
        first = _HEADING.search(inner)
        if first and first.start() == inner.find("<h"):
            inner = inner[:first.start()] + inner[first.end():]  # the heading is its own field
        text = text_of(inner)
        if text or title != page.title:
            sections.append([html.unescape(anchor), title, text])
    return json.dumps([f"{page.id}.html", page.title, sections], ensure_ascii=False, separators=(",", ":"))


def script(entries: Iterable[str]) -> bytes:
    """The index file: ``window.HANDBOOK_SEARCH_INDEX = {"pages": [...]}``, one page per line."""
    body = ",\n".join(entries)
    return f'window.{GLOBAL} = {{"version": 1, "pages": [\n{body}\n]}};\n'.encode()
