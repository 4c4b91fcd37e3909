"""Page tokens → HTML fragment: sections, rubric tables, citations, links, sanitised raw HTML.

Shared by every format (site, JSON export, PDF, packages), so a page is rendered one way only.
The HTML contract other code relies on (self-assessment script, SCORM run-time, PDF):
  <section class="hb-section" data-section="ANCHOR">   one per h2 (and one for any intro)
  <table class="rubric" data-rubric="ID" data-scale="SCALE">, body rows <tr data-question="qN">,
  level cells <td data-level="LEVEL-ID" data-label="LEVEL LABEL">
  <span class="citation" data-cites="KEYS">…<a href="REF_PREFIX+KEY">…</a>…</span>
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from pipeline.htmlpolicy import sanitise
from pipeline.model import Book, Page
from pipeline.parse import markdown
from pipeline.render.cite import CitationMarks, CitationText, Uses
from pipeline.render.labels import labels
from pipeline.tables import Table, tables


def same_path(path: str) -> str:
    return path


def site_page_href(page: str, fragment: str) -> str:
    return f"{page}.html" + (f"#{fragment}" if fragment else "")


@dataclass(frozen=True, slots=True)
class Links:
    """How a format addresses pages, bibliography entries and assets.

    The callables are module-level functions, so Links pickle.
    """

    page: Callable[[str, str], str]  # (page id, fragment) → href; page id "index" is the home page
    reference: str = "#ref-"  # prefix before a reference key
    asset: Callable[[str], str] = same_path  # source-relative path → href


def site_links(reference_page: str = "references.html") -> Links:
    """Links for the multi-page site: page.html#anchor, references on their own page."""
    return Links(site_page_href, f"{reference_page}#ref-")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A page rendered in one pass: the body, and where each token's HTML starts in it without the
    <section> wrappers, so a block, a list item or an inline token (a table cell) is a slice."""

    body: str  # one <section> per h2 (and one for any intro) around the blocks
    bare: str  # the body without its <section> wrappers
    starts: list[int]  # token index → offset in ``bare`` where its HTML starts; one more for the end
    after_hidden: frozenset[int]  # tokens whose HTML starts with the newline a hidden token before them asks for
    assets: tuple[str, ...]  # source files the body links, in order, repeats kept
    rubrics: dict[int, Table]  # the rubric tables by the index of their table_open token

    def span(self, start: int, end: int) -> str:
        """The HTML of the balanced span ``tokens[start:end]`` as if rendered on its own, without <section>
        wrappers: without the newline that only the hidden (tight list) paragraph before it adds."""
        return self.bare[self.starts[start] + (start in self.after_hidden) : self.starts[end]]


def render(page: Page, book: Book, citations: CitationText, links: Links) -> Rendered:
    """The page body as HTML, each token rendered once, in order; <section> wrappers are pieces of their own."""
    rubrics = {table.index: table for table in tables(page, book) if table.scale is not None}
    env: dict[str, Any] = {
        "page": page,
        "book": book,
        "citations": citations,
        "links": links,
        "section_open": False,
        "cells": rubrics,
        "assets": [],
    }
    rules, options, tokens = _renderer().rules, markdown().options, page.tokens
    pieces: list[str] = []
    starts: list[int] = []
    wrappers: list[tuple[int, str]] = []  # (offset in the bare HTML, the <section> tags due there)
    after_hidden: set[int] = set()
    at = 0
    for index, token in enumerate(tokens):  # RendererHTML.render, noting where each token starts
        kind = token.type
        if kind in _WRAPPED:
            wrapper = _section(tokens, index, env)
            if wrapper:
                wrappers.append((at, wrapper))
        if kind == "inline":
            piece = _inline(token.children, rules, options, env) if token.children else ""
        elif kind in rules:
            piece = rules[kind](tokens, index, options, env)
        else:
            piece = _tag(tokens, index, token)
            if token.block and token.nesting != -1 and index and tokens[index - 1].hidden and not token.hidden:
                after_hidden.add(index)  # renderToken's newline, as in "- a\n  > b"
        starts.append(at)
        at += len(piece)
        pieces.append(piece)
    starts.append(at)
    if env["section_open"]:
        wrappers.append((at, "</section>\n"))
    bare = "".join(pieces)
    body: list[str] = []
    last = 0
    for offset, wrapper in wrappers:
        body += (bare[last:offset], wrapper)
        last = offset
    body.append(bare[last:])
    assets = tuple(env["assets"])
    return Rendered("".join(body), bare, starts, frozenset(after_hidden), assets, rubrics)


def render_page(page: Page, book: Book, citations: CitationText, links: Links, assets: list[str] | None = None) -> str:
    """The page body as HTML, wrapped in one <section> per h2; ``assets`` collects the files it links."""
    rendered = render(page, book, citations, links)
    if assets is not None:
        assets.extend(rendered.assets)
    return rendered.body


class SiteHtml:
    """A page rendered as the site links it, with citation marks (cite.CitationMarks), on first use: one
    rendering shared by the site's and the JSON export's page parts within a page run (pipeline/pages.py)."""

    __slots__ = ("_book", "_done", "_page")

    def __init__(self, page: Page, book: Book) -> None:
        self._page, self._book = page, book
        self._done: tuple[Rendered, Uses] | None = None

    def get(self) -> tuple[Rendered, Uses]:
        """The rendering and the citation marks' uses (a copy is for a part that adds marks of its own)."""
        if self._done is None:
            marks = CitationMarks()
            self._done = render(self._page, self._book, marks, site_links()), tuple(marks.uses)
        return self._done


def _inline(children: list[Token], rules: dict[str, Any], options: OptionsDict, env: MutableMapping[str, Any]) -> str:
    """RendererHTML.renderInline: text escaped in place, the tags by ``_tag``."""
    out = []
    for index, child in enumerate(children):
        kind = child.type
        if kind == "text":  # RendererHTML.text: the project's renderer keeps it
            out.append(escapeHtml(child.content))
        elif kind in rules:
            out.append(rules[kind](children, index, options, env))
        else:
            out.append(_tag(children, index, child))
    return "".join(out)


def _tag(tokens: Sequence[Token], index: int, token: Token) -> str:
    """RendererHTML.renderToken with the parser's options (xhtmlOut on): a token's tag, with its attributes."""
    if token.hidden:
        return ""
    nesting = token.nesting
    tag = ("</" if nesting == -1 else "<") + token.tag
    if token.attrs:
        tag += "".join(f' {escapeHtml(key)}="{escapeHtml(str(value))}"' for key, value in token.attrs.items())
    if not token.block:
        return tag + " />" if nesting == 0 else tag + ">"
    if nesting != -1 and index and tokens[index - 1].hidden:
        tag = "\n" + tag
    if nesting == 0:
        tag += " /"
    elif nesting == 1 and index + 1 < len(tokens):
        after = tokens[index + 1]
        if after.type == "inline" or after.hidden or (after.nesting == -1 and after.tag == token.tag):
            return tag + ">"
    return tag + ">\n"


_WRAPPED = frozenset({"heading_open", "paragraph_open", "table_open"})  # the tokens a <section> can open before


def _section(tokens: Sequence[Token], idx: int, env: MutableMapping[str, Any]) -> str:
    """The <section> wrapper text (a close and an open) due before token ``idx``, if any."""
    token = tokens[idx]
    if token.type == "heading_open" and token.tag in ("h1", "h2"):
        out = "</section>\n" if env["section_open"] else ""
        env["section_open"] = True
        return out + f'<section class="hb-section" data-section="{html.escape(str(token.attrGet("id") or ""))}">\n'
    if env["section_open"]:
        return ""
    if token.type in ("heading_open", "table_open") or (token.type == "paragraph_open" and token.level == 0):
        env["section_open"] = True
        return f'<section class="hb-section" data-section="{html.escape(env["page"].id)}-intro">\n'
    return ""


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer with the project's rules."""

    def heading_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]
    ) -> str:
        anchor = html.escape(str(tokens[idx - 2].attrGet("id") or ""))
        label = html.escape(labels(env["book"].manifest.language)["section_link"])
        return f'<a class="anchor" href="#{anchor}" aria-label="{label}"></a>' + self.renderToken(
            tokens, idx, options, env
        )

    def table_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]) -> str:
        table: Table | None = env["cells"].get(idx)
        env["table"], env["column"], env["row"] = table, 0, -1
        if table is None or table.scale is None:
            return '<div class="table-wrap">\n<table>\n'
        return (
            f'<div class="table-wrap">\n<table class="rubric" data-rubric="{table.rubric_id}" '
            f'data-scale="{html.escape(table.scale.id)}">\n'
        )

    def table_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]
    ) -> str:
        env["table"] = None
        return "</table>\n</div>\n"

    def tr_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]) -> str:
        env["column"] = 0
        env["row"] += 1
        if env.get("table") is not None and env["row"] > 0:
            return f'<tr data-question="q{env["row"]}">\n'
        return "<tr>\n"

    def th_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]) -> str:
        return self._cell(tokens[idx], "th", env)

    def td_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]) -> str:
        return self._cell(tokens[idx], "td", env)

    def _cell(self, token: Token, tag: str, env: MutableMapping[str, Any]) -> str:
        column = env.get("column", 0)
        env["column"] = column + 1
        style = token.attrGet("style")
        attrs = f' style="{html.escape(str(style))}"' if style else ""
        table: Table | None = env.get("table")
        if table is None or table.scale is None:
            return f"<{tag}{attrs}>"
        levels = table.scale.levels
        if env["row"] == 0:
            level = levels[column - 1] if 0 < column <= len(levels) else None
            data = f' data-level="{html.escape(level.id)}"' if level else ""
            return f'<th scope="col"{data}>'
        if column == 0:
            return f'<{tag} class="question">'
        level = levels[column - 1] if column <= len(levels) else None
        if level is None:
            return f"<{tag}>"
        return f'<{tag} data-level="{html.escape(level.id)}" data-label="{html.escape(level.label)}">'

    def citation(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]) -> str:
        links: Links = env["links"]
        return str(env["citations"].html(tokens[idx].content, links.reference))

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        book: Book = env["book"]
        parts = urlsplit(href)
        if parts.scheme == "framework":
            known = book.manifest.framework_pages.get(parts.path)
            words, name = labels(book.manifest.language), known.title if known else parts.path
            if known and known.url:
                title = html.escape(words.text("framework_link", title=name))
                return f'<a class="framework-link" href="{html.escape(known.url)}" title="{title}">'
            title = html.escape(words.text("framework_link_missing", title=name))
            return f'<a class="framework-link" title="{title}">'
        if parts.scheme in ("http", "https", "mailto"):
            return f'<a class="external" href="{html.escape(href)}" rel="noopener">'
        if not parts.scheme and not parts.netloc:
            return f'<a href="{html.escape(_local_href(href, env["links"], env.setdefault("assets", [])))}">'
        return "<a>"  # any other scheme is dropped

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]) -> str:
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = html.escape(self.renderInlineAsText(token.children or [], options, env))
        if urlsplit(src).scheme:
            return f'<span class="missing-image">[{alt}]</span>'  # remote images are never fetched
        resolved = posixpath.normpath(posixpath.join("pages", src))
        title = token.attrGet("title")
        extra = f' title="{html.escape(str(title))}"' if title else ""
        env.setdefault("assets", []).append(resolved)
        return f'<img src="{html.escape(env["links"].asset(resolved))}" alt="{alt}" loading="lazy"{extra}>'

    def html_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]) -> str:
        cleaned = sanitise(tokens[idx].content)
        return cleaned + "\n" if cleaned.strip() else ""

    def html_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: MutableMapping[str, Any]
    ) -> str:
        return ""  # an inline tag alone cannot be checked for balance; its text still renders


def _local_href(href: str, links: Links, assets: list[str]) -> str:
    parts = urlsplit(href)
    if not parts.path:
        return f"#{parts.fragment}" if parts.fragment else "#"
    resolved = posixpath.normpath(posixpath.join("pages", parts.path))
    if resolved.startswith("pages/") and resolved.endswith(".md"):
        return links.page(resolved[len("pages/") : -3], parts.fragment)
    assets.append(resolved)
    return links.asset(resolved)


_RENDERER: list[_Renderer] = []


def _renderer() -> _Renderer:
    if not _RENDERER:
        renderer = _Renderer(markdown())
        # footnote rules come from the plugin, registered on the parser's own renderer
        plugin_rules: dict[str, Any] = getattr(markdown().renderer, "rules", {})
        for name, rule in plugin_rules.items():
            if name.startswith("footnote"):
                renderer.rules[name] = rule
        _RENDERER.append(renderer)
    return _RENDERER[0]
