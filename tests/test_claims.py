"""The claims check finds statistics and splits sentences as its plainly written patterns do."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.checks.claims import STATISTIC, sentences

# The patterns as first written, without the changes that only make the engine faster: the reference.
PLAIN_STATISTIC = re.compile(
    r"\d+(?:\.\d+)?\s?%|\b\d+(?:\.\d+)?\s?[×x](?![\w])|\b\d+(?:\.\d+)?\s+(?:million|billion|thousand)\b"
    r"|\b\d{1,3}(?:,\d{3})+\b"
)
PLAIN_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z\"“(\d])")

# Text made of what the patterns look at: digits, separators, units, end marks, quotes and capitals.
pieces = st.sampled_from(
    [
        "1",
        "12",
        "3.7",
        "12,000",
        "1,00",
        "%",
        " %",
        "x",
        "×",
        " million",
        " thousand",
        "billion",
        ". ",
        "! ",
        "?",
        "” ",
        ") ",
        "\n",
        " ",
        "  ",
        "A",
        "The",
        "“Q",
        "(",
        "a",
        "x1",
        "_",
        "é",
        "४",
    ]
)
texts = st.lists(pieces, max_size=40).map("".join)


def plain_sentences(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for match in PLAIN_END.finditer(text):
        out.append((start, text[start : match.start()]))
        start = match.end()
    out.append((start, text[start:]))
    return [(offset, s) for offset, s in out if s.strip()]


def found(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str]]:
    return [(match.span(), match.group(0)) for match in pattern.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(texts)
def test_statistics_are_found_where_the_plain_pattern_finds_them(text: str) -> None:
    assert found(STATISTIC, text) == found(PLAIN_STATISTIC, text)


@settings(max_examples=500, deadline=None)
@given(texts)
def test_sentences_split_where_the_plain_pattern_splits_them(text: str) -> None:
    assert sentences(text) == plain_sentences(text)


def test_what_counts_as_a_statistic() -> None:
    text = "Adoption rose 40 %. Teams ship 3.7× faster and 2x more. Version 2.0 ships. 12,000 staff, 211 million users."
    assert [match.group(0) for match in STATISTIC.finditer(text)] == ["40 %", "3.7×", "2x", "12,000", "211 million"]


def test_sentences_keep_their_end_marks_and_offsets() -> None:
    text = "It grew 40%. “Then” it fell! (Twice.) 3 times? no split here."
    assert sentences(text) == [
        (0, "It grew 40%."),
        (13, "“Then” it fell!"),
        (29, "(Twice."),
        (38, "3 times? no split here."),
    ]
