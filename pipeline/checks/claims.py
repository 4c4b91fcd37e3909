"""CLM checks: sentences stating a statistic with no citation."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks import Context, block_line, inline_blocks
from pipeline.diagnostics import Diagnostic
from pipeline.model import Page
from pipeline.parse import locate

CITED = "\ue000"  # stands for a citation token inside the sentence text
# A percentage, a multiplier (2.4×, 4x), or a large count (211 million, 12,000). Each starts with a digit: the
# leading lookahead changes no match, but lets the regex engine skip to digits (three times faster).
STATISTIC = re.compile(
    r"(?=\d)(?:\d+(?:\.\d+)?\s?%|\b\d+(?:\.\d+)?\s?[×x](?![\w])|\b\d+(?:\.\d+)?\s+(?:million|billion|thousand)\b"
    r"|\b\d{1,3}(?:,\d{3})+\b)"
)
_DIGIT = re.compile(r"\d")
# A sentence's end mark, then the space before the next sentence: the end mark is matched rather than looked
# behind for, which lets the engine skip to it; the sentence keeps it (``match.start() + 1``).
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s+(?=[A-Z\"“(\d])")


def sentences(text: str) -> list[tuple[int, str]]:
    """Split text into (offset, sentence)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        out.append((start, text[start : match.start() + 1]))
        start = match.end()
    out.append((start, text[start:]))
    return [(offset, s) for offset, s in out if s.strip()]


def check_page(page: Page, ctx: Context) -> Iterator[Diagnostic]:
    for token, in_table in inline_blocks(page):
        if in_table or not token.children or not _DIGIT.search(token.content):
            continue  # table cells are descriptors, not claims; no digit, no statistic
        text = "".join(
            CITED
            if c.type == "citation"
            else c.content
            if c.type in ("text", "code_inline")
            else " "
            if c.type in ("softbreak", "hardbreak")
            else ""
            for c in token.children
        )
        parts = sentences(text)
        for index, (offset, sentence) in enumerate(parts):
            stat = STATISTIC.search(sentence)
            if stat is None or CITED in sentence:
                continue
            # A run of statistics sentences may share the citation that closes the run.
            following = parts[index + 1 :]
            covered = False
            for _o, later in following:
                if not STATISTIC.search(later):
                    break
                if CITED in later:
                    covered = True
                    break
            if covered:
                continue
            needle = stat.group(0)
            start = token.content.find(text[offset : offset + 12]) if CITED not in text[offset : offset + 12] else -1
            pos = token.content.find(needle, max(start, 0))
            line, col = locate(page.source.lines, block_line(page, token), token.content, max(pos, 0), needle)
            yield ctx.at(
                page,
                line,
                col,
                "CLM001",
                f"statistic `{needle.strip()}` has no citation",
                "add [@key] to the sentence, or suppress the block if it is not a claim",
            )
