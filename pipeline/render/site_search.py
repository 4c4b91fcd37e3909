"""The site's offline search index: section texts of every page, in shard scripts of a fixed run of pages each."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

import orjson

from pipeline.model import Page

GLOBAL = "HANDBOOK_SEARCH_INDEX"  # the index file: the version and the shards' paths
SHARDS_GLOBAL = "HANDBOOK_SEARCH_SHARDS"  # the array each shard pushes its pages onto
VERSION = 2
SHARDS = "search-index/"  # the shards' folder, beside the index file
# Pages per shard, a fixed run so that an edit changes one shard however it resizes its page: the edit reads,
# joins and writes that shard (and the packagers deflate it again), while a search loads them all. At ~20 KB
# of text per page of the 1,000-page benchmark a shard is 1.2 MB and the book 16 shards: the edit's share is a
# few milliseconds, and the search page makes 17 requests. A handbook of tens of pages has one shard.
SHARD_PAGES = 64
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
    # orjson writes strings and lists as json.dumps(ensure_ascii=False, separators=(",", ":")) does, ten times faster
    return orjson.dumps([f"{page.id}.html", page.title, sections]).decode()


def runs(count: int) -> list[range]:
    """The pages of each shard, by index in book order: fixed runs of ``SHARD_PAGES``, so an edit to a page
    changes its own shard only, however much its text grows or shrinks."""
    return [range(start, min(start + SHARD_PAGES, count)) for start in range(0, count, SHARD_PAGES)]


def shard_path(number: int) -> str:
    """A shard's path relative to the index file's folder (as the index lists it)."""
    return f"{SHARDS}{number}.js"


def index_script(shards: int) -> bytes:
    """The index file: ``window.HANDBOOK_SEARCH_INDEX = {"version": 2, "shards": [path, ...]}``, the shards'
    paths relative to its own folder."""
    data = {"version": VERSION, "shards": [shard_path(number) for number in range(shards)]}
    return f"window.{GLOBAL} = {json.dumps(data)};\n".encode()


def shard_script(number: int, entries: Sequence[bytes]) -> bytes:
    """One shard: ``(window.HANDBOOK_SEARCH_SHARDS ||= []).push({"shard": n, "pages": [...]})`` in ES5, one
    page per line; search.js orders the shards by number, whichever loads first."""
    head = f'(window.{SHARDS_GLOBAL} = window.{SHARDS_GLOBAL} || []).push({{"shard": {number}, "pages": [\n'.encode()
    return b"".join([head, b",\n".join(entries), b"\n]});\n"])
