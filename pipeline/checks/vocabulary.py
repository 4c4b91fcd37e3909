"""VOC checks: a level named with a name other than its scale's ("Level 2 — AI-Enabled")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks import Context, block_line
from pipeline.diagnostics import Diagnostic
from pipeline.model import Level, Page
from pipeline.parse import locate

# A name that looks like a level name: one to four capitalised words, hyphens allowed.
_NAME = r"(?P<name>[A-Z][\w-]*(?: [A-Z][\w-]*){0,3})"


Vocabulary = tuple[re.Pattern[str], dict[str, Level], dict[str, set[str]]]


def _vocabulary(ctx: Context) -> Vocabulary | None:
    """One pattern for every label: `Level 2 — Name` and `Level 2 (Name)`; built once per run."""
    key = ("vocabulary", "")
    if key not in ctx.memo:
        by_label: dict[str, Level] = {}
        names: dict[str, set[str]] = {}
        for scale in ctx.book.manifest.scales.values():
            for level in (lv for lv in scale.levels if lv.label.strip()):  # a label-less level is SCH001's
                by_label.setdefault(level.label, level)
                names.setdefault(level.label, set()).add(level.name)
        labels = "|".join(re.escape(label) for label in sorted(by_label, key=len, reverse=True))
        pattern = re.compile(
            r"(?<![\w.])(?P<label>"
            + labels
            + r")(?![\w.])(?:\s*[—–-]+\s*"
            + _NAME
            + r"|\s*\("
            + _NAME.replace("name", "pname")
            + r"\))"
        )
        ctx.memo[key] = (pattern, by_label, names) if by_label else None
    return ctx.memo[key]  # type: ignore[return-value]


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    vocabulary = _vocabulary(ctx)
    if vocabulary is not None:
        yield from _page(page, *vocabulary, ctx)


def _page(
    page: Page, pattern: re.Pattern[str], by_label: dict[str, Level], names: dict[str, set[str]], ctx: Context
) -> Iterator[Diagnostic]:
    first_words = {label.split()[0] for label in by_label}
    for token in page.tokens:
        if token.type != "inline" or not any(word in token.content for word in first_words):
            continue
        for match in pattern.finditer(token.content):
            label = match.group("label")
            name = match.group("name") or match.group("pname")
            if name in names[label]:
                continue
            line, col = locate(page.source.lines, block_line(page, token), token.content, match.start(), match.group(0))
            expected = " or ".join(sorted(names[label]))
            yield ctx.at(
                page,
                line,
                col,
                "VOC001",
                f"`{label}` is named `{name}`, but its scale calls it `{expected}`",
                f"write `{label} — {by_label[label].name}`",
            )
