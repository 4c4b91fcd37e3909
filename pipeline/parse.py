"""Markdown parsing, once per page: the configured markdown-it-py instance, citations, anchors."""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata
from collections import Counter
from typing import Any

from markdown_it import MarkdownIt, rules_block, rules_inline
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from pipeline.gcpause import collector_paused
from pipeline.load import RawPage
from pipeline.model import Citation, Heading, Page
from pipeline.sourcepos import (
    BlockRule,
    link_position,
    locate_token,
    with_cell_columns,
    with_link_positions,
    with_start_positions,
)
from pipeline.sourcepos import locate as locate  # public here since the checks first used it
from pipeline.yamlsrc import YamlDoc

# pandoc's citation key: starts with a letter, digit or _, may hold internal punctuation.
_KEY = r"[A-Za-z0-9_](?:[A-Za-z0-9_]|[:.#$%&+?<>~/-](?=[A-Za-z0-9_]))*"
_ITEM = re.compile(r"^(?P<prefix>.*?)(?:(?<=\s)|^)(?P<suppress>-?)@(?P<key>" + _KEY + r")(?P<suffix>.*)$", re.S)
_NARRATIVE = re.compile(r"@(" + _KEY + r")")
_EXPLICIT_ID = re.compile(r"\s*\{#([A-Za-z][\w-]*)\}\s*$")
# <!-- handbook: ignore CLM001 TBL002 (an optional reason) -->
MAX_NESTING = 100  # block levels: a blockquote is one, a list item two (list + item)
_SUPPRESS = re.compile(r"<!--\s*handbook:\s*ignore\s+([A-Z]{2,3}[0-9]{3}(?:[\s,]+[A-Z]{2,3}[0-9]{3})*)\b.*?-->", re.S)


# Rules that act only where a body holds one of their marks: a body without them parses to the same tokens
# without those rules, and faster (markdown-it tries each block rule at every line and each inline rule at
# every mark, and normalize rewrites every line end). A lone `~`, as in "~30%", is text: strikethrough needs
# `~~`. Indented code needs four columns of indent, which takes four spaces or a tab. Pages are read with
# `\n` line ends (pipeline/load.py): normalize changes only a carriage return or a NUL. A blockquote's `>` and
# a setext underline start a line's content, after indent and container marks only (a list marker is followed
# by a space): the `>` of `-->` starts no blockquote. Marks are substrings, or a pattern looked for in the text
# after a line end (so that the first line starts after one too); a substring is found faster than a pattern.
Marks = tuple[str, ...] | re.Pattern[str]
_MARKS: tuple[tuple[tuple[str, ...], Marks], ...] = (
    (("explicit_heading_ids",), ("{#",)),
    (("code",), ("    ", "\t")),
    (("fence",), ("```", "~~~")),
    (("blockquote",), re.compile(r">(?<![^\n \t>].)")),
    (("lheading",), re.compile(r"\n[ \t>]*(?:=+|-+)[ \t]*$", re.M)),
    (("reference",), ("]:",)),
    (("html_block", "html_inline", "autolink"), ("<",)),
    (("footnote_def", "footnote_inline", "footnote_ref", "footnote_tail"), ("[^", "^[")),
    (("narrative_citation",), ("@",)),
    (("escape",), ("\\",)),
    (("backticks",), ("`",)),
    (("emphasis",), ("*", "_")),
    (("strikethrough",), ("~~",)),
    (("image",), ("![",)),
    (("entity",), ("&",)),
)


# Where markdown-it's text rule stops a run of text, for the inline rules to try the next character: each inline
# rule of this parser starts at one of these (a line end, escape, code span, strikethrough, emphasis, link, image,
# autolink or HTML tag, entity, footnote or citation), and `]` ends a link's label, which is found by skipping
# text up to it. markdown-it's own set also holds `#$%+-:=>{}`, kept for extensions this parser does not use: at
# each of them every rule was tried in turn, none matched, and the text went on, one character at a time (on
# bench/generate.py's pages, hyphens, colons and percent signs: 9% of a page's parse). The tokens are the
# same (tests/test_parse.py holds them to markdown-it's own set).
_TEXT_ENDS = re.compile("[" + re.escape("\n!&*<@[\\]^_`~") + "]")


def markdown() -> MarkdownIt:
    """The one configured parser: CommonMark + GFM tables + strikethrough + footnotes + citations."""
    return _parser(frozenset())


def parser_for(body: str) -> MarkdownIt:
    """``markdown()`` less the rules that cannot act on ``body`` (``_MARKS``): the same tokens, a fifth faster
    on the pages of bench/generate.py."""
    normal = "\r" not in body and "\0" not in body  # what normalize leaves as it is
    text = "\n" + (body if normal else body.replace("\r\n", "\n").replace("\r", "\n"))  # the lines markdown-it reads
    unused = {rule for rules, marks in _MARKS if not _holds(text, marks) for rule in rules}
    return _parser(frozenset(unused | ({"normalize"} if normal else set())))


def _holds(text: str, marks: Marks) -> bool:
    if isinstance(marks, re.Pattern):
        return marks.search(text) is not None
    return any(mark in text for mark in marks)


@functools.cache
def _parser(unused: frozenset[str]) -> MarkdownIt:
    """The configured parser with the rules ``unused`` disabled."""
    # markdown-it's own limit is only a backstop above ours (see _nesting_guard); inline, it bounds
    # the recursion of nested brackets (a few frames per level).
    options = {"html": True, "maxNesting": MAX_NESTING + 10}
    md = MarkdownIt("commonmark", options).enable(["table", "strikethrough"]).use(footnote_plugin)
    md.block.ruler.before("table", "nesting_guard", _nesting_guard)
    md.block.ruler.at("table", _table_rule(with_cell_columns(rules_block.table)), {"alt": ["paragraph", "reference"]})
    for kind, rule in (("link", rules_inline.link), ("image", rules_inline.image), ("autolink", rules_inline.autolink)):
        md.inline.ruler.at(kind, with_link_positions(rule, kind))
    md.inline.ruler.at("html_inline", with_start_positions(rules_inline.html_inline, "<"))
    md.inline.ruler.before("link", "citation", _bracketed_citation)
    md.inline.ruler.after("text", "narrative_citation", _narrative_citation)  # `@` ends a text run
    md.core.ruler.after("block", "explicit_heading_ids", _explicit_heading_ids)
    md.inline.terminator_re = _TEXT_ENDS
    return md.disable(sorted(unused)) if unused else md


# markdown-it's table rule is tried at every line (it is the first block rule), and splits each row into its cells
# one character at a time, in Python (``escapedSplit``): on bench/generate.py's pages, rubric tables in each, 6%
# of a page's parse. A table's first line holds a pipe, and a row without a backslash has no escaped pipe:
# its cells are then ``str.split``'s. The rule is lent that split while it runs, so nothing else in the process
# sees a change; the tokens are the same (tests/test_parse.py holds them to markdown-it's own rule).
_TABLE_MODULE = importlib.import_module("markdown_it.rules_block.table")
_ESCAPED_SPLIT = _TABLE_MODULE.escapedSplit


def split_row(line: str) -> list[str]:
    """A table row's cells as markdown-it's ``escapedSplit`` finds them: by ``str.split`` unless one may be escaped."""
    return line.split("|") if "\\" not in line else list(_ESCAPED_SPLIT(line))


def _table_rule(rule: BlockRule) -> BlockRule:
    """markdown-it's table rule (``rule``), tried only at a line that holds a pipe, as a table's first line does
    (the rule itself looks at the next line first), and splitting rows by ``split_row``."""

    def table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        begin = state.bMarks[start_line] + state.tShift[start_line]
        if state.src.find("|", begin, state.eMarks[start_line]) < 0:
            return False
        setattr(_TABLE_MODULE, "escapedSplit", split_row)  # noqa: B010 (the module's global, for this call only)
        try:
            return rule(state, start_line, end_line, silent)
        finally:
            setattr(_TABLE_MODULE, "escapedSplit", _ESCAPED_SPLIT)  # noqa: B010

    return table


def _nesting_guard(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Past MAX_NESTING levels, skip only this container's remaining lines, leaving a hidden
    ``nesting_too_deep`` token for MD001, where markdown-it would silently drop the rest of the page."""
    if silent or state.level < MAX_NESTING:
        return False
    line = start + 1
    while line < end and (state.isEmpty(line) or state.sCount[line] >= state.blkIndent):
        line += 1
    last = line - 1
    while last > start and state.isEmpty(last):
        last -= 1
    token = state.push("nesting_too_deep", "", 0)
    token.map, token.hidden, token.block = [start, last + 1], True, True
    pos = state.bMarks[start] + state.tShift[start]
    token.meta = {"col": pos - (state.src.rfind("\n", 0, pos) + 1)}
    state.line = line
    return True


def _bracketed_citation(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    if src[start] != "[":
        return False
    depth, pos = 0, start
    limit = min(state.posMax, start + 2000)  # no citation is longer; keeps '[[[[…' linear
    while pos < limit:
        char = src[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                break
        pos += 1
    else:
        return False
    if pos + 1 < len(src) and src[pos + 1] in "([:":
        return False  # a link or a reference definition, not a citation
    items, part_start = [], start + 1
    for part in src[start + 1 : pos].split(";"):
        match = _ITEM.match(part)
        if not match or "@" in match.group("prefix"):
            return False
        items.append(
            {
                "key": match.group("key"),
                "prefix": match.group("prefix").strip(),
                "suffix": match.group("suffix").strip(),
                "suppress_author": bool(match.group("suppress")),
                "pos": part_start + match.start("key") - 1,  # the `@`
            }
        )
        part_start += len(part) + 1
    if not silent:
        token = state.push("citation", "", 0)
        token.content = src[start : pos + 1]
        token.meta = {"items": items, "narrative": False, "pos": start}
    state.pos = pos + 1
    return True


def _narrative_citation(state: StateInline, silent: bool) -> bool:
    src, start = state.src, state.pos
    if src[start] != "@" or (start > 0 and (src[start - 1].isalnum() or src[start - 1] in "_@.")):
        return False
    match = _NARRATIVE.match(src, start)
    if not match:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.content = match.group(0)
        token.meta = {
            "items": [{"key": match.group(1), "prefix": "", "suffix": "", "suppress_author": False, "pos": start}],
            "narrative": True,
            "pos": start,
        }
    state.pos = match.end()
    return True


def _explicit_heading_ids(state: StateCore) -> None:
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            match = _EXPLICIT_ID.search(inline.content)
            if match:
                token.attrSet("id", match.group(1))
                inline.content = inline.content[: match.start()]


@functools.lru_cache(maxsize=4096)  # headings recur from page to page ("Self-assessment", "Why it matters")
def slugify(text: str) -> str:
    """GitHub-like anchor: lowercase ASCII words joined by single hyphens."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[\s_-]+", "-", text).strip("-") or "section"


def inline_text(token: Token) -> str:
    """Plain text of an inline token's children (citations keep their source form)."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline", "citation", "html_inline"):
            parts.append(child.content if child.type != "html_inline" else "")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def parse(raw: RawPage, page_id: str, meta: dict[str, Any]) -> Page:
    """Parse one page body into tokens and collect its headings, citations and suppressions."""
    env: dict[str, Any] = {}
    with collector_paused():  # a large page is a million tokens that the collector would walk again and again
        body = raw.body  # joined from the file's lines on each use
        tokens = parser_for(body).parse(body, env)
        headings = _anchor_headings(tokens, raw.body_line)
        citations, groups = _citations(tokens, raw)
    return Page(
        page_id,
        raw.source,
        meta,
        raw.doc or YamlDoc(None),
        raw.body_line,
        tokens,
        headings,
        citations,
        _suppressions(tokens, raw.body_line),
        groups,
    )


def _anchor_headings(tokens: list[Token], body_line: int) -> tuple[Heading, ...]:
    """Give every heading a stable anchor; a repeated sub-heading is prefixed with its section's."""
    found = [(token, inline_text(tokens[i + 1])) for i, token in enumerate(tokens) if token.type == "heading_open"]
    slugs = [slugify(text) for _token, text in found]
    repeated = {slug for slug, n in Counter(slugs).items() if n > 1}
    used: set[str] = set()
    parent = ""
    headings = []
    for (token, full), slug in zip(found, slugs, strict=True):
        level = int(token.tag[1])
        text = full.strip()
        anchor = str(token.attrGet("id") or "")
        if not anchor:
            anchor = slug
            if anchor in repeated and parent and level > 2:
                anchor = f"{parent}-{anchor}"
            base, n = anchor, 2
            while anchor in used:
                anchor, n = f"{base}-{n}", n + 1
            token.attrSet("id", anchor)
        used.add(anchor)
        if level <= 2:
            parent = anchor
        line = body_line + (token.map[0] if token.map else 0)
        headings.append(Heading(level, text, anchor, line))
    return tuple(headings)


def _citations(tokens: list[Token], raw: RawPage) -> tuple[tuple[Citation, ...], tuple[str, ...]]:
    """Every cited key at the file position of its `@`, and each citation group's source text once, in order
    of first use; links and images get their target's position (``meta["line"]``, ``meta["col"]``) on the way."""
    out: list[Citation] = []
    groups: dict[str, None] = {}
    lines, body_line = raw.source.lines, raw.body_line
    group = 0
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "citation":
                groups[child.content] = None
                for item in child.meta["items"]:
                    line, col = locate_token(lines, body_line, token, item["pos"], "@" + item["key"])
                    out.append(
                        Citation(item["key"], line, col, child.meta["narrative"], item["prefix"], item["suffix"], group)
                    )
                group += 1
            elif child.type in ("link_open", "image") and "start" in child.meta:
                child.meta["line"], child.meta["col"] = link_position(lines, body_line, token, child)
    return tuple(out), tuple(groups)


def _suppressions(tokens: list[Token], body_line: int) -> tuple[tuple[tuple[str, ...], int, int], ...]:
    out = []
    for index, token in enumerate(tokens):
        if token.type != "html_block":
            continue
        match = _SUPPRESS.search(token.content)
        if not match:
            continue
        codes = tuple(sorted(set(re.split(r"[\s,]+", match.group(1).strip()))))
        for following in tokens[index + 1 :]:
            if following.map and following.level == token.level:
                out.append((codes, body_line + following.map[0], body_line + following.map[1] - 1))
                break
    return tuple(out)
