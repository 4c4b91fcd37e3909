"""LNK checks: page links, anchors, assets, paths escaping source/, undeclared outside pages."""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Callable, Iterator
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from pipeline.checks import Context, block_line
from pipeline.diagnostics import Diagnostic
from pipeline.model import Book, Page

HOME = "index"
Report = Callable[[str, str, str], Diagnostic]  # code, message, hint at the link's position


def links(page: Page) -> Iterator[tuple[Token, Token, str, bool]]:
    """(inline token, link or image token, target, is_image) for every link and image of a page."""
    for token in page.tokens:
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "link_open":
                yield token, child, str(child.attrGet("href") or ""), False
            elif child.type == "image":
                yield token, child, str(child.attrGet("src") or ""), True


def check(book: Book, ctx: Context) -> Iterator[Diagnostic]:
    anchors = {page.id: {h.anchor for h in page.headings} for page in book.pages}
    declared = book.manifest.framework_pages
    declared_urls = {fp.url for fp in declared.values() if fp.url}
    for page in book.pages:
        for inline, _link, target, image in links(page):
            line, col = _position(page, inline, target)

            def diag(code: str, message: str, hint: str, line: int = line, col: int = col) -> Diagnostic:
                return ctx.at(page, line, col, code, message, hint)

            parts = urlsplit(target)
            if parts.scheme in ("http", "https"):
                if image:
                    yield diag("LNK003", f"remote image `{target}` is never fetched",
                               "download it into source/assets/ and link it relatively")
                elif target not in declared_urls:
                    yield diag("LNK005", f"outside link `{target}` is not declared in handbook.yaml",
                               "declare it under `framework_pages` with an id, title and url")
                continue
            if parts.scheme == "framework":
                if parts.path not in declared:
                    close = difflib.get_close_matches(parts.path, sorted(declared), n=1)
                    yield diag("LNK005", f"framework page `{parts.path}` is not declared in handbook.yaml",
                               f"did you mean `framework:{close[0]}`?" if close
                               else "declare it under `framework_pages` with an id and title")
                continue
            if parts.scheme or parts.netloc:
                continue  # mailto:, tel: … are the reader's business
            yield from _local(book, page, parts.path, parts.fragment, image, anchors, diag)


def _local(book: Book, page: Page, path: str, fragment: str, image: bool,
           anchors: dict[str, set[str]], diag: Report) -> Iterator[Diagnostic]:
    path = unquote(path)
    if not path:
        if fragment and fragment not in anchors[page.id]:
            yield _anchor(diag, fragment, anchors[page.id], page.id)
        return
    if path.startswith("/"):
        yield diag("LNK004", f"absolute path `{path}`", "link relative to the page, e.g. ../assets/x.png")
        return
    resolved = posixpath.normpath(posixpath.join("pages", path))
    if resolved.startswith("../") or resolved == "..":
        yield diag("LNK004", f"`{path}` points outside the source folder",
                   "copy the file into source/assets/ and link it from there")
        return
    if resolved.startswith("pages/") and resolved.endswith(".md"):
        target = resolved[len("pages/"):-3]
        if target == HOME and book.page(HOME) is None:
            return
        if target not in anchors:
            close = difflib.get_close_matches(target, sorted(anchors), n=1)
            yield diag("LNK001", f"no page `{path}` in this handbook",
                       f"did you mean `{close[0]}.md`?" if close else "link an existing page, or index.md for home")
        elif fragment and fragment not in anchors[target]:
            yield _anchor(diag, fragment, anchors[target], target)
        return
    if resolved not in book.assets:
        yield diag("LNK003", f"{'image' if image else 'file'} `{path}` does not exist (looked for source/{resolved})",
                   "add the file under source/assets/ and link it relative to the page")


def _anchor(diag: Report, fragment: str, known: set[str], page_id: str) -> Diagnostic:
    close = difflib.get_close_matches(fragment, sorted(known), n=1)
    return diag("LNK002", f"no heading `#{fragment}` on page `{page_id}`",
                f"did you mean `#{close[0]}`?" if close else "link the anchor of an existing heading")


def _position(page: Page, inline: Token, target: str) -> tuple[int, int]:
    """Where the target is written: searched in the block's source lines."""
    first = block_line(page, inline)
    last = page.body_line + (inline.map[1] if inline.map else 1) - 1
    for number in range(first, last + 1):
        col = page.source.line(number).find(target) if target else -1
        if col >= 0:
            return number, col + 1
    return first, 1
