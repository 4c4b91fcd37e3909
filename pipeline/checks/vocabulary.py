"""VOC checks: a level named with a name other than its scale's ("Level 2 — AI-Enabled")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks import Context, block_line
from pipeline.diagnostics import Diagnostic
from pipeline.model import Book, Level, Page
from pipeline.parse import locate

# A name that looks like a level name: one to four capitalised words, hyphens allowed.
_NAME = r"(?P<name>[A-Z][\w-]*(?: [A-Z][\w-]*){0,3})"


def _patterns(book: Book) -> list[tuple[re.Pattern[str], dict[str, Level]]]:
    """One pattern per label prefix: `Level 2 — Name` and `Level 2 (Name)`."""
    by_label: dict[str, Level] = {}
    for scale in book.manifest.scales.values():
        for level in scale.levels:
            by_label.setdefault(level.label, level)
    if not by_label:
        return []
    labels = "|".join(re.escape(label) for label in sorted(by_label, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w.])(?P<label>" + labels + r")(?![\w.])(?:\s*[—–-]+\s*" + _NAME
                         + r"|\s*\(" + _NAME.replace("name", "pname") + r"\))")
    return [(pattern, by_label)]


def check(book: Book, ctx: Context) -> Iterator[Diagnostic]:
    names_by_label: dict[str, set[str]] = {}
    for scale in book.manifest.scales.values():
        for level in scale.levels:
            names_by_label.setdefault(level.label, set()).add(level.name)
    for pattern, by_label in _patterns(book):
        for page in book.pages:
            yield from _page(page, pattern, by_label, names_by_label, ctx)


def _page(page: Page, pattern: re.Pattern[str], by_label: dict[str, Level],
          names: dict[str, set[str]], ctx: Context) -> Iterator[Diagnostic]:
    for token in page.tokens:
        if token.type != "inline" or not token.content:
            continue
        for match in pattern.finditer(token.content):
            label = match.group("label")
            name = match.group("name") or match.group("pname")
            if name in names[label]:
                continue
            line, col = locate(page.source.lines, block_line(page, token), token.content, match.start(),
                               match.group(0))
            expected = " or ".join(sorted(names[label]))
            yield ctx.at(page, line, col, "VOC001", f"`{label}` is named `{name}`, but its scale calls it `{expected}`",
                         f"write `{label} — {by_label[label].name}`")
