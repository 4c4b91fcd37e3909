"""One page of the JSON export: its tokens as sections of blocks, with stable ids, text, HTML and source lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from pipeline.model import Book, Citation, Page
from pipeline.render.cite import Citations, plain
from pipeline.render.markup import Links, span_renderer
from pipeline.tables import Table, tables

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
    """Per-page state: the renderer, rubric tables, and where citation groups have got to."""

    page: Page
    path: str
    citations: Citations
    links: Links
    html: Callable[[int, int], str]
    rubrics: dict[int, Table]
    groups: dict[int, list[Citation]]
    group: int = 0
    section: str = ""
    out: PageExport = field(default_factory=PageExport)

    def source(self, span: Span) -> JSON:
        line = next((t.map[0] for t in self.page.tokens[span[0] : span[1]] if t.map), 0)
        return {"path": self.path, "line": self.page.body_line + line}


def export_page(page: Page, book: Book, citations: Citations, links: Links) -> PageExport:
    """Sections (one per h1/h2, plus an introduction before the first) holding the page's blocks."""
    groups: dict[int, list[Citation]] = {}
    for citation in page.citations:
        groups.setdefault(citation.group, []).append(citation)
    rubrics = {t.index: t for t in tables(page, book) if t.scale is not None}
    walk = _Walk(
        page,
        page.source.path.relative_to(book.root).as_posix(),
        citations,
        links,
        span_renderer(page, book, citations, links),
        rubrics,
        groups,
    )
    section: JSON | None = None
    for span in _blocks(page.tokens, 0, len(page.tokens)):
        first = page.tokens[span[0]]
        if first.type == "heading_open" and first.tag in ("h1", "h2"):
            section = _section(walk, span, str(first.attrGet("id") or ""), int(first.tag[1]))
        elif section is None:
            section = {"id": f"{page.id}-intro", "title": "", "level": 0, "source": walk.source(span), "blocks": []}
            walk.out.sections.append(section)
        walk.section = section["id"]
        block = _block(walk, span, f"{page.id}/{section['id']}/{len(section['blocks']) + 1}")
        if block is not None:
            section["blocks"].append(block)
    return walk.out


def _section(walk: _Walk, span: Span, anchor: str, level: int) -> JSON:
    title = _inline_text(walk.page.tokens[span[0] + 1], walk.citations)
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
    tokens = walk.page.tokens
    first = tokens[span[0]]
    kind = _TYPES.get(first.type, "other")
    html = walk.html(*span)
    if kind == "html" and not html.strip():
        return None  # a comment (e.g. a check suppression) renders to nothing and is no content
    block: JSON = {"id": block_id, "type": kind, "html": html, "source": walk.source(span)}
    _cite(walk, span, block_id)
    if kind == "heading":
        block.update(level=int(first.tag[1]), anchor=str(first.attrGet("id") or ""))
    elif kind == "list":
        block.update(ordered=first.type == "ordered_list_open", items=_items(walk, span, block_id))
        if first.type == "ordered_list_open":
            block["start"] = int(first.attrGet("start") or 1)
    elif kind == "footnotes":
        block["items"] = _items(walk, span, block_id)
    elif kind == "code":
        block["language"] = first.info.strip().split(" ")[0] if first.info.strip() else ""
    if kind == "table":
        rows = _rows(walk, span)
        table = walk.rubrics.get(span[0])
        if table is not None and table.scale is not None:
            block.update(type="rubric", rubric=_rubric(walk, table, rows))
        else:
            block["table"] = {
                "header": [cell for cell, _ in rows[0][0]],
                "rows": [[c for c, _ in r] for r, _ in rows[1:]],
            }
        block["text"] = "\n".join("\t".join(cell["text"] for cell, _ in row) for row, _ in rows)
    elif kind == "code":
        block["text"] = first.content.rstrip("\n")
    elif kind in ("html", "other"):
        block["text"] = plain(html)
    else:
        block["text"] = _text(walk, span)
    return block


def _text(walk: _Walk, span: Span) -> str:
    """Plain text of a span: each paragraph, heading or cell on its own line, citations rendered."""
    inlines = (t for t in walk.page.tokens[span[0] : span[1]] if t.type == "inline")
    return "\n".join(text for text in (_inline_text(t, walk.citations) for t in inlines) if text)


def _inline_text(token: Token, citations: Citations) -> str:
    parts = []
    for child in token.children or ():
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
    for number, item in enumerate(_blocks(walk.page.tokens, span[0] + 1, span[1] - 1), start=1):
        entry = {
            "id": f"{block_id}.{number}",
            "text": _text(walk, item),
            "html": walk.html(*item),
            "source": walk.source(item),
        }
        label = walk.page.tokens[item[0]].meta.get("label")
        if label is not None:
            entry["label"] = str(label)
        out.append(entry)
    return out


Row = tuple[list[tuple[JSON, int]], int]  # cells as ({text, html}, token index), file line


def _rows(walk: _Walk, span: Span) -> list[Row]:
    rows: list[Row] = []
    for index in range(*span):
        token = walk.page.tokens[index]
        if token.type == "tr_open":
            rows.append(([], walk.page.body_line + (token.map[0] if token.map else 0)))
        elif token.type == "inline" and rows:
            cell = {"text": _inline_text(token, walk.citations), "html": walk.html(index, index + 1)}
            rows[-1][0].append((cell, index))
    return rows


def _rubric(walk: _Walk, table: Table, rows: list[Row]) -> JSON:
    """The rubric as data; level columns map to the scale's levels by position, as the HTML does."""
    assert table.scale is not None
    levels = table.scale.levels
    questions = []
    for number, (cells, line) in enumerate(rows[1:], start=1):
        question, _ = cells[0]
        descriptors = {
            level.id: {"label": level.label, **cell} for level, (cell, _) in zip(levels, cells[1:], strict=False)
        }
        questions.append(
            {"id": f"q{number}", **question, "descriptors": descriptors, "source": {"path": walk.path, "line": line}}
        )
    return {
        "id": table.rubric_id,
        "scale": table.scale.id,
        "question_header": rows[0][0][0][0]["text"],
        "questions": questions,
    }


def _cite(walk: _Walk, span: Span, block_id: str) -> None:
    """Record the block's citations; groups are numbered in reading order exactly as parse numbers them."""
    for token in walk.page.tokens[span[0] : span[1]]:
        if token.type != "inline" or not token.children or not token.map:
            continue
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
