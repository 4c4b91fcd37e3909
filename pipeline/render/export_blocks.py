"""One page of the JSON export: its tokens as sections of blocks, with stable ids, text, HTML and source lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from pipeline.model import Book, Citation, Page, Scale
from pipeline.render.cite import CitationText, plain
from pipeline.render.markup import Links, Rendered
from pipeline.tables import Table

JSON = dict[str, Any]
Span = tuple[int, int]  # [start, end) indices into page.tokens

# markdown-it's top-level token → the export's block type; anything unforeseen is "other"
_TYPES = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "table_open": "table",
    "blockquote_open": "blockquote",
    "fence": "code",
    "code_block": "code",
    "html_block": "html",
    "hr": "rule",
    "footnote_block_open": "footnotes",
}


@dataclass(slots=True)
class PageExport:
    """What one page contributes to the export: its sections and the citations met in them."""

    sections: list[JSON] = field(default_factory=list)
    citations: list[JSON] = field(default_factory=list)


@dataclass(slots=True)
class _Walk:
    """Per-page state: the HTML of token spans, rubric tables, inline texts met, where citation groups have got to."""

    page: Page
    tokens: list[Token]
    path: str
    citations: CitationText
    links: Links
    html: Callable[[int, int], str]
    rubrics: dict[int, Table]
    groups: dict[int, list[Citation]]
    group: int = 0
    section: str = ""
    out: PageExport = field(default_factory=PageExport)
    texts: dict[int, str] = field(default_factory=dict)  # inline token index → its text

    def source(self, span: Span) -> JSON:
        line, tokens = 0, self.tokens
        for index in range(*span):  # the first token with a line: almost always the first
            found = tokens[index].map
            if found:
                line = found[0]
                break
        return {"path": self.path, "line": self.page.body_line + line}

    def text(self, index: int) -> str:
        """An inline token's text, made once: a list item's text is also part of its list's."""
        text = self.texts.get(index)
        if text is None:
            text = self.texts[index] = _inline_text(self.tokens[index], self.citations)
        return text


def export_page(page: Page, book: Book, rendered: Rendered, citations: CitationText, links: Links) -> PageExport:
    """Sections (one per h1/h2, plus an introduction before the first) holding the page's blocks; their HTML
    is sliced from ``rendered``, the page rendered with ``citations`` and ``links``."""
    groups: dict[int, list[Citation]] = {}
    for citation in page.citations:
        groups.setdefault(citation.group, []).append(citation)
    path = page.source.path.relative_to(book.root).as_posix()
    tokens = page.tokens
    walk = _Walk(page, tokens, path, citations, links, rendered.span, rendered.rubrics, groups)
    section: JSON | None = None
    for span in _blocks(tokens, 0, len(tokens)):
        first = tokens[span[0]]
        if first.type == "heading_open" and first.tag in ("h1", "h2"):
            section = _section(walk, span, str(first.attrGet("id") or ""), int(first.tag[1]))
        walk.section = section["id"] if section else f"{page.id}-intro"
        block = _block(walk, span, f"{page.id}/{walk.section}/{len(section['blocks']) + 1 if section else 1}")
        if block is None:
            continue
        if section is None:  # content before the first heading; made only once there is some
            section = {"id": walk.section, "title": "", "level": 0, "source": block["source"], "blocks": []}
            walk.out.sections.append(section)
        section["blocks"].append(block)
    return walk.out


def _section(walk: _Walk, span: Span, anchor: str, level: int) -> JSON:
    title = walk.text(span[0] + 1)
    section = {"id": anchor, "title": title, "level": level, "source": walk.source(span), "blocks": []}
    walk.out.sections.append(section)
    return section


def _blocks(tokens: list[Token], start: int, end: int) -> Iterator[Span]:
    """Spans of the blocks directly inside [start, end): an opening token up to its closing one."""
    index = start
    while index < end:
        depth, last = 0, index
        while True:
            depth += tokens[last].nesting
            last += 1
            if depth <= 0 or last >= end:
                break
        yield index, last
        index = last


def _block(walk: _Walk, span: Span, block_id: str) -> JSON | None:
    kind = _TYPES.get(walk.tokens[span[0]].type, "other")
    html = walk.html(*span)
    if kind == "html" and not html.strip():
        return None  # a comment (e.g. a check suppression) renders to nothing and is no content
    if walk.groups:
        _cite(walk, span, block_id)
    block: JSON = {"id": block_id, "type": kind, "html": html, "source": walk.source(span)}
    if kind == "paragraph" and span[1] - span[0] == 3:  # open, inline, close: most blocks
        block["text"] = walk.text(span[0] + 1)
        return block
    block.update(_details(walk, span, block_id, kind))
    if "text" not in block:
        block["text"] = plain(html) if kind in ("html", "other") else _text(walk, span)
    return block


def _details(walk: _Walk, span: Span, block_id: str, kind: str) -> JSON:
    """The members particular to a block type."""
    first = walk.tokens[span[0]]
    if kind == "heading":
        return {"level": int(first.tag[1]), "anchor": str(first.attrGet("id") or "")}
    if kind == "list":
        ordered = first.type == "ordered_list_open"
        start = {"start": int(first.attrGet("start") or 1)} if ordered else {}
        return {"ordered": ordered, "items": _items(walk, span, block_id), **start}
    if kind == "footnotes":
        return {"items": _items(walk, span, block_id)}
    if kind == "code":
        return {"language": (first.info.split() or [""])[0], "text": first.content.rstrip("\n")}
    if kind == "table":
        return _table(walk, span)
    return {}


def _text(walk: _Walk, span: Span) -> str:
    """Plain text of a span: each paragraph, heading or cell on its own line, citations rendered."""
    tokens = walk.tokens
    return "\n".join(text for text in (walk.text(i) for i in range(*span) if tokens[i].type == "inline") if text)


def _inline_text(token: Token, citations: CitationText) -> str:
    children = token.children or ()
    if len(children) == 1 and children[0].type == "text":  # most inline tokens (a table cell, a plain line)
        return " ".join(children[0].content.split())
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "citation":
            parts.append(citations.text(child.content))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child, citations))  # its alt text
        elif child.type == "footnote_ref":
            parts.append(f"[{child.meta['id'] + 1}]")  # as the HTML shows it
    return " ".join("".join(parts).split())


def _items(walk: _Walk, span: Span, block_id: str) -> list[JSON]:
    """The list's (or footnote block's) own items; nested lists stay inside their item."""
    out = []
    for number, item in enumerate(_blocks(walk.tokens, span[0] + 1, span[1] - 1), start=1):
        entry = {
            "id": f"{block_id}.{number}",
            "text": _text(walk, item),
            "html": walk.html(*item),
            "source": walk.source(item),
        }
        label = walk.tokens[item[0]].meta.get("label")
        if label is not None:
            entry["label"] = str(label)
        out.append(entry)
    return out


Row = tuple[list[JSON], int]  # cells ({text, html}), file line


def _table(walk: _Walk, span: Span) -> JSON:
    """A table's cells, or for a rubric its questions and descriptors; text is tab-separated rows."""
    rows: list[Row] = []
    for index in range(*span):
        token = walk.tokens[index]
        if token.type == "tr_open":
            rows.append(([], walk.page.body_line + (token.map[0] if token.map else 0)))
        elif token.type == "inline" and rows:
            rows[-1][0].append({"text": walk.text(index), "html": walk.html(index, index + 1)})
    text = "\n".join("\t".join(cell["text"] for cell in cells) for cells, _ in rows)
    table = walk.rubrics.get(span[0])
    if table is None or table.scale is None:
        return {"text": text, "table": {"header": rows[0][0], "rows": [cells for cells, _ in rows[1:]]}}
    return {"text": text, "type": "rubric", "rubric": _rubric(walk, table, table.scale, rows)}


def _rubric(walk: _Walk, table: Table, scale: Scale, rows: list[Row]) -> JSON:
    """The rubric as data; level columns map to the scale's levels by position, as the HTML does."""
    questions = []
    for number, (cells, line) in enumerate(rows[1:], start=1):
        descriptors = {
            level.id: {"label": level.label, **cell} for level, cell in zip(scale.levels, cells[1:], strict=False)
        }
        source = {"path": walk.path, "line": line}
        questions.append({"id": f"q{number}", **cells[0], "descriptors": descriptors, "source": source})
    header = rows[0][0]
    return {"id": table.rubric_id, "scale": scale.id, "question_header": header[0]["text"], "questions": questions}


def _cite(walk: _Walk, span: Span, block_id: str) -> None:
    """Record the block's citations; groups are numbered in reading order exactly as parse numbers them."""
    for token in walk.tokens[span[0] : span[1]]:
        if token.type != "inline" or "@" not in token.content or not token.children or not token.map:
            continue  # every citation holds an `@` (pipeline/parse.py)
        for child in token.children:
            if child.type != "citation":
                continue
            text = walk.citations.text(child.content)
            markup = walk.citations.html(child.content, walk.links.reference)
            for citation, item in zip(walk.groups.get(walk.group, ()), child.meta["items"], strict=False):
                walk.out.citations.append(
                    {
                        "key": citation.key,
                        "prefix": citation.prefix,
                        "suffix": citation.suffix,
                        "narrative": citation.narrative,
                        "suppress_author": bool(item["suppress_author"]),
                        "group": citation.group,
                        "text": text,
                        "html": markup,
                        "page": walk.page.id,
                        "section": walk.section,
                        "block": block_id,
                        "source": {"path": walk.path, "line": citation.line, "column": citation.col},
                    }
                )
            walk.group += 1
