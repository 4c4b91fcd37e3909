"""LNK007: SVG, HTML and XML files of the source folder that carry active content.

Assets are copied into every output as they are and served from the site's own origin, where the
pages' Content-Security-Policy does not apply. They are refused, not cleaned: cleaning SVG takes a
full SVG sanitizer (``<use>``, ``<animate>`` and ``<set>`` can all write a ``javascript:`` URL), and
an asset silently changed is not the file its author made. The author fixes the file at the position
given; nothing is published until then.

Asset files are markup of their own, not Markdown: they are read with the standard HTML tokenizer,
which also walks SVG and XML tags (names lowercased) well enough to find these constructs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

from pipeline.checks import Context, PageFacts
from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic
from pipeline.load import display_path

SUFFIXES = (".svg", ".html", ".htm", ".xhtml", ".xht", ".xml")
_ACTIVE_ELEMENTS = {
    "script": "a `<script>` element",
    "foreignobject": "an SVG `<foreignObject>`, which can hold HTML and script",
    "handler": "an SVG `<handler>` (script)",
}
_ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:application/xhtml", "data:image/svg")


def check_book(facts: list[PageFacts], ctx: Context) -> Iterator[Diagnostic]:
    root = ctx.book.root
    for rel in sorted(ctx.book.assets):
        if not rel.lower().endswith(SUFFIXES):
            continue
        path = root / rel
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue  # unreadable files are the loader's business
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        shown = display_path(path)
        for line, col, what in active_content(text):
            yield diagnostic(
                shown,
                line,
                col,
                "LNK007",
                f"{what}: this file would run script from the site's own origin",
                "remove it from the file (export the drawing again as plain SVG), or leave the file out of source/",
                lines[line - 1] if 0 < line <= len(lines) else "",
            )


def active_content(text: str) -> list[tuple[int, int, str]]:
    """(line, col, what) of every script, handler, script URL or foreignObject of an SVG/HTML/XML text."""
    finder = _Finder()
    finder.feed(text.replace("\r\n", "\n").replace("\r", "\n"))
    finder.close()
    return finder.found


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, offset = self.getpos()
        if tag in _ACTIVE_ELEMENTS:
            self.found.append((line, offset + 1, _ACTIVE_ELEMENTS[tag]))
        raw = self.get_starttag_text() or ""
        for name, value in attrs:
            what = ""
            if name.startswith("on"):
                what = f"an event handler `{name}` on `<{tag}>`"
            elif name == "srcdoc":
                what = f"an embedded document (`srcdoc`) on `<{tag}>`"
            elif value is not None and re.sub(r"[\x00-\x20]", "", value).lower().startswith(_ACTIVE_SCHEMES):
                what = f"a script URL in `{name}` of `<{tag}>`"
            if what:
                self.found.append((*_attribute_position(raw, name, line, offset), what))


def _attribute_position(raw: str, name: str, line: int, offset: int) -> tuple[int, int]:
    """Line and column of attribute ``name`` in a start tag that begins at (line, offset)."""
    match = re.search(r"[\s/\"']" + re.escape(name) + r"(?=[\s=/>]|$)", raw, re.I)
    if match is None:
        return line, offset + 1
    before = raw[: match.start() + 1]
    newlines = before.count("\n")
    if newlines:
        return line + newlines, len(before) - before.rfind("\n")
    return line, offset + len(before) + 1
