"""The files a launch page loads as it opens (scripts, stylesheets, images, media, frames): each must be in the zip.

Only static attributes of the launch file itself are read; a URL built by script, a remote URL, a
``data:`` URL or a template placeholder is not a file reference and is skipped, so the check has no
false alarms on any tool's player (it may miss what a script loads later).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from html.parser import HTMLParser

# (tag, attribute) pairs the browser fetches while the page loads; <a href> is a link, not a load.
_LOADS = {
    ("script", "src"),
    ("img", "src"),
    ("audio", "src"),
    ("video", "src"),
    ("video", "poster"),
    ("source", "src"),
    ("track", "src"),
    ("iframe", "src"),
    ("frame", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("input", "src"),
}
_STYLESHEET_RELS = {"stylesheet", "icon", "shortcut", "preload", "modulepreload", "manifest"}
_TEMPLATE = ("{{", "${", "<%", "{%", "'+", '"+', "+'", '+"', "[[")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.found: list[tuple[str, str, int]] = []  # (tag, url, line in the HTML file)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and values.get("href"):
            self.base = self.base or values["href"]
            return
        for name, value in values.items():
            if (tag, name) in _LOADS:
                self.found.append((tag, value, self.getpos()[0]))
        if tag == "link" and values.get("href") and _STYLESHEET_RELS & set(values.get("rel", "").lower().split()):
            self.found.append((tag, values["href"], self.getpos()[0]))


def loaded(html: str) -> tuple[str, list[tuple[str, str, int]]]:
    """(the <base href>, every (tag, url, line) the page loads)."""
    collector = _Collector()
    try:
        collector.feed(html)
        collector.close()
    except AssertionError:  # html.parser gives up on some malformed markup: keep what was read
        pass
    return collector.base, collector.found


def local_targets(launch: str, html: str) -> Iterator[tuple[str, str, str, int]]:
    """(tag, url as written, zip path, line) of each local file the launch page at zip path ``launch`` loads."""
    from pipeline.package.semantics import resolve

    base, found = loaded(html)
    folder = posixpath.dirname(launch)
    if base:
        path, why = resolve(base.rsplit("/", 1)[0] + "/" if "/" in base else "", folder)
        if why:
            return  # a remote or odd <base>: the page's URLs are not files of the package
        folder = path
    for tag, url, line in found:
        url = url.strip()
        if not url or url.startswith("#") or any(mark in url for mark in _TEMPLATE):
            continue
        path, why = resolve(url, folder)
        if why or not path:
            continue  # remote, data:, javascript:, about:, absolute or outside: not a file of the zip
        yield tag, url, path, line
