"""LNK checks: page links, anchors, assets, paths escaping source/, undeclared outside pages."""

from __future__ import annotations

import difflib
import os
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from pipeline.checks import Context, PageFacts, PageLink, block_line
from pipeline.codes import diagnostic
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


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    yield from _duplicate_anchors(page, ctx)
    book = ctx.book
    declared = book.manifest.framework_pages
    declared_urls = {fp.url for fp in declared.values() if fp.url}
    anchors = {h.anchor for h in page.headings}
    for inline, link, target, image in links(page):
        line, col = _position(page, inline, link, target)

        def diag(code: str, message: str, hint: str, line: int = line, col: int = col) -> Diagnostic:
            return ctx.at(page, line, col, code, message, hint)

        parts = urlsplit(target)
        if parts.scheme in ("http", "https"):
            if image:
                yield diag(
                    "LNK003",
                    f"remote image `{target}` is never fetched",
                    "download it into source/assets/ and link it relatively",
                )
            elif target not in declared_urls:
                yield diag(
                    "LNK005",
                    f"outside link `{target}` is not declared in handbook.yaml",
                    "declare it under `framework_pages` with an id, title and url",
                )
        elif parts.scheme == "framework":
            if parts.path not in declared:
                close = difflib.get_close_matches(parts.path, sorted(declared), n=1)
                yield diag(
                    "LNK005",
                    f"framework page `{parts.path}` is not declared in handbook.yaml",
                    f"did you mean `framework:{close[0]}`?"
                    if close
                    else "declare it under `framework_pages` with an id and title",
                )
        elif image and not parts.scheme and not parts.path:
            yield diag("LNK003", f"image `{link.content}` has no file", "write the image's path between the ( )")
        elif not parts.scheme and not parts.netloc:  # mailto:, tel: … are the reader's business
            yield from _local(book, page, parts.path, parts.fragment, image, anchors, diag)


def _duplicate_anchors(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    first: dict[str, int] = {}
    for heading in page.headings:
        if heading.anchor in first:
            col = page.source.line(heading.line).find("{#") + 1 or 1
            yield ctx.at(
                page,
                heading.line,
                col,
                "LNK006",
                f"anchor `#{heading.anchor}` is already used by the heading on line {first[heading.anchor]}",
                "give this heading its own {#id}",
            )
        else:
            first[heading.anchor] = heading.line


def _local(
    book: Book, page: Page, path: str, fragment: str, image: bool, anchors: set[str], diag: Report
) -> Iterator[Diagnostic]:
    resolved = _resolve(path)
    if resolved is None:  # same-page anchor
        if fragment and fragment not in anchors:
            yield _anchor(diag, fragment, anchors, page.id)
    elif resolved.startswith("/"):
        yield diag("LNK004", f"absolute path `{path}`", "link relative to the page, e.g. ../assets/x.png")
    elif resolved == ".." or resolved.startswith("../"):
        yield diag(
            "LNK004",
            f"`{path}` points outside the source folder",
            "copy the file into source/assets/ and link it from there",
        )
    elif _page_id(resolved) is None and resolved not in book.assets:
        if _escapes(book, resolved):
            yield diag(
                "LNK004",
                f"`{path}` is a link to a file outside the source folder",
                "copy the file into source/assets/ instead of linking to it",
            )
            return
        yield diag(
            "LNK003",
            f"{'image' if image else 'file'} `{path}` does not exist (looked for source/{resolved})",
            "add the file under source/assets/ and link it relative to the page",
        )


def _escapes(book: Book, resolved: str) -> bool:
    """Whether a source-relative path exists but resolves outside the source folder (a symlink):
    such files are left out of the book's assets."""
    path = book.root / resolved
    # realpath, not resolve(): a symlink loop is LNK008 (pipeline/load.py), not a RuntimeError here
    return os.path.lexists(path) and not Path(os.path.realpath(path)).is_relative_to(os.path.realpath(book.root))


def _resolve(path: str) -> str | None:
    """Source-relative POSIX path of a page-relative link; None for a same-page anchor."""
    path = unquote(path)
    if not path:
        return None
    if path.startswith("/"):
        return path
    return posixpath.normpath(posixpath.join("pages", path))


def _page_id(resolved: str) -> str | None:
    if resolved.startswith("pages/") and resolved.endswith(".md"):
        return resolved[len("pages/") : -3]
    return None


def cross_page(page: Page) -> Iterator[PageLink]:
    """Links to other pages, to be checked once every page's anchors are known."""
    for inline, link, target, _image in links(page):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue
        resolved = _resolve(parts.path)
        target_id = _page_id(resolved) if resolved else None
        if target_id is None:
            continue
        line, col = _position(page, inline, link, target)
        yield PageLink(
            page.source.display, line, col, page.source.line(line), target_id, parts.fragment, unquote(parts.path)
        )


def check_book(facts: list[PageFacts], ctx: Context) -> Iterator[Diagnostic]:
    anchors = {f.id: frozenset(f.anchors) for f in facts}
    for page in facts:
        for link in page.links:

            def diag(code: str, message: str, hint: str, link: PageLink = link) -> Diagnostic:
                return diagnostic(link.display, link.line, link.col, code, message, hint, link.source_line)

            if link.page == HOME and HOME not in anchors:
                continue
            if link.page not in anchors:
                close = difflib.get_close_matches(link.page, sorted(anchors), n=1)
                yield diag(
                    "LNK001",
                    f"no page `{link.written}` in this handbook",
                    f"did you mean `{close[0]}.md`?" if close else "link an existing page, or index.md for home",
                )
            elif link.fragment and link.fragment not in anchors[link.page]:
                yield _anchor(diag, link.fragment, set(anchors[link.page]), link.page)


def _anchor(diag: Report, fragment: str, known: set[str], page_id: str) -> Diagnostic:
    close = difflib.get_close_matches(fragment, sorted(known), n=1)
    return diag(
        "LNK002",
        f"no heading `#{fragment}` on page `{page_id}`",
        f"did you mean `#{close[0]}`?" if close else "link the anchor of an existing heading",
    )


def _position(page: Page, inline: Token, link: Token, target: str) -> tuple[int, int]:
    """Where the target is written, as the parser recorded it (pipeline/sourcepos.py)."""
    if "line" in link.meta:
        return int(link.meta["line"]), int(link.meta["col"])
    first = block_line(page, inline)  # a token made by no rule that records positions
    last = page.body_line + (inline.map[1] if inline.map else 1) - 1
    for number in range(first, last + 1):
        col = page.source.line(number).find(target) if target else -1
        if col >= 0:
            return number, col + 1
    return first, 1
