"""The parser chosen for a page body gives the same tokens as the full configured parser, and that one the same
as with markdown-it's own table rule and text runs."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.parser_inline import ParserInline

from pipeline import parse as parse_module
from pipeline.load import load
from pipeline.parse import markdown, parse, parser_for, split_row
from tests.seed import SEED
from tests.test_fuzz import markdown_bodies

FIXTURES = Path(__file__).parent / "fixtures"
# Markdown's punctuation and the marks the chosen parser looks for (pipeline/parse.py _MARKS), in pieces: a lone
# `~` and `~~`, fences, four spaces and tabs, carriage returns and NULs, reference definitions, explicit ids
pieces = st.sampled_from(
    [
        *"ab 1\n>-*_`[]()!^:@<>&#;|\\~=.{}",
        "```",
        "~~~",
        "    ",
        "\t",
        "\r",
        "\r\n",
        "\0",
        "]: /u",
        "{#x}",
        "![",
        "[^",
        "^[",
        "~~",
        "&amp;",
        "<b>",
        "<!-- c -->",
        "\\*",
        "- ",
        "1. ",
        "# ",
        "| a |",
        "\n\n",
    ]
)
punctuation = st.lists(pieces, max_size=40).map("".join)


def tokens(body: str, parser: Any) -> tuple[list[dict[str, Any]], Any]:
    """The tokens, and the link reference definitions (the env's only entry that parse() reads)."""
    env: dict[str, Any] = {}
    found = parser.parse(body, env)
    return [token.as_dict() for token in found], env.get("references")


# Each rule the chosen parser may leave out, at work in a body of its own
RULES_AT_WORK = [
    "a\r\nb\0c\n",
    "# Title {#own-id}\n",
    "para\n\n    indented code\n",
    "\tcode after a tab\n",
    "~~~\nfenced\n~~~\n\n```\nfenced\n```\n",
    "> quoted\n",
    "- > quoted in a list\n",
    "1.\t> quoted after a tab\n<!-- a comment -->\n",
    "a\r> quoted after a carriage return\n",
    "text\n\n* * *\n",
    "- ***\n",
    "> - - -\n",
    "Title\n===\n",
    "- Item\n  ---\n",
    "> Quote\n> ---\n",
    "[a]: /url\n\n[a]\n",
    "<div>\nblock\n</div>\n\ninline <b>tag</b> and <https://example.org>\n",
    "a note[^1] and ^[inline]\n\n[^1]: The note.\n",
    "@key says so\n",
    "\\*not emphasis\\*\n",
    "`code`\n",
    "*one* _two_\n",
    "~~gone~~\n",
    "![alt](pic.png)\n",
    "&amp; &copy;\n",
]


@pytest.mark.parametrize("body", RULES_AT_WORK)
def test_a_rule_the_chosen_parser_may_leave_out_is_kept_where_it_acts(body: str) -> None:
    assert tokens(body, parser_for(body)) == tokens(body, markdown())


@settings(max_examples=300, deadline=None)
@given(st.one_of(markdown_bodies, punctuation))
def test_the_chosen_parser_makes_the_full_parsers_tokens(body: str) -> None:
    assert tokens(body, parser_for(body)) == tokens(body, markdown())


def test_pages_that_authors_wrote_parse_alike_with_the_chosen_parser() -> None:
    bodies = [SEED.read_text(encoding="utf-8")]
    bodies += [path.read_bytes().decode("utf-8", "replace") for path in sorted(FIXTURES.glob("*/pages/*.md"))]
    assert len(bodies) > 50
    for body in bodies:
        assert tokens(body, parser_for(body)) == tokens(body, markdown()), body[:80]


def test_strikethrough_and_footnotes_are_parsed_where_a_page_has_them(tmp_path: Path) -> None:
    plain = "Plain text with no marks at all, but about ~30% of a tilde.\n"
    assert parser_for(plain) is not markdown()
    (tmp_path / "handbook.yaml").write_text("id: h\ntitle: H\npages: [a]\n", encoding="utf-8")
    (tmp_path / "pages").mkdir()
    body = "~~gone~~ and a note[^1] and an inline one^[aside].\n\n[^1]: The note.\n"
    (tmp_path / "pages" / "a.md").write_text("---\ntitle: A\n---\n" + body, encoding="utf-8")
    sources, _ = load(tmp_path)
    page = parse(sources.pages[0], "a", {})
    kinds = {child.type for token in page.tokens for child in token.children or ()} | {t.type for t in page.tokens}
    assert {"s_open", "footnote_ref", "footnote_block_open"} <= kinds


# Table rows as authors write them: pipes, escaped pipes, backslashes elsewhere, code spans, spaces, text
row_pieces = st.lists(st.sampled_from(["|", "\\|", "\\", "\\\\|", "`", " ", "a", "b c", ":-", "é"]), max_size=30)


@settings(max_examples=500, deadline=None)
@given(row_pieces.map("".join))
def test_a_row_splits_into_the_cells_markdown_it_finds(line: str) -> None:
    stock = importlib.import_module("markdown_it.rules_block.table").escapedSplit
    assert split_row(line) == stock(line)


TABLES = [
    "| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 |\n",
    "| a \\| b | c |\n| --- | --- |\n| `x \\| y` | z \\\\| w |\n",
    "a | b\n-- | --\nc | d \\| e\n\ntext after\n",
    "> | q | r |\n> |---|---|\n> | s | t |\n",
    "- | in | list |\n  |----|------|\n  | x  | y    |\n",
    "no pipe here\n|---|---|\n| a | b |\n",
    "| a |\n| - |\n\n    | code | block |\n    |---|---|\n",
    "-a | b\n--|--\n*c* | d\n",
]


def _stock_parser() -> Any:
    """The full configured parser with markdown-it's own table rule, and its own text runs (the characters
    at which its text rule stops), positions recorded alike."""
    with mock.patch.object(parse_module, "_table_rule", lambda rule: rule):
        parser = parse_module._parser.__wrapped__(frozenset())
    parser.inline.terminator_re = ParserInline().terminator_re
    return parser


STOCK = _stock_parser()


@pytest.mark.parametrize("body", TABLES + RULES_AT_WORK)
def test_bodies_parse_as_with_markdown_its_own_table_rule_and_text_runs(body: str) -> None:
    assert tokens(body, markdown()) == tokens(body, STOCK)


@settings(max_examples=500, deadline=None)
@given(st.one_of(markdown_bodies, punctuation, st.lists(st.sampled_from(TABLES), max_size=4).map("\n".join)))
def test_any_body_parses_as_with_markdown_its_own_table_rule_and_text_runs(body: str) -> None:
    assert tokens(body, markdown()) == tokens(body, STOCK)


def test_pages_that_authors_wrote_parse_as_with_markdown_its_own_table_rule_and_text_runs() -> None:
    bodies = [SEED.read_text(encoding="utf-8")]
    bodies += [path.read_bytes().decode("utf-8", "replace") for path in sorted(FIXTURES.glob("*/pages/*.md"))]
    assert sum("|" in body for body in bodies) > 10
    for body in bodies:
        assert tokens(body, markdown()) == tokens(body, STOCK), body[:80]


def test_text_runs_past_the_characters_no_rule_of_the_parser_starts_at() -> None:
    text = "A self-assessment: 30% of #teams, +2 = {more} > $5 "
    assert markdown().inline.terminator_re.search(text) is None
    assert STOCK.inline.terminator_re.search(text) is not None
    for mark in "\n!&*<@[\\]^_`~":
        assert markdown().inline.terminator_re.search(f"text {mark}") is not None


def test_only_a_row_with_a_backslash_is_split_by_markdown_it_and_its_module_is_left_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = importlib.import_module("markdown_it.rules_block.table")
    stock = module.escapedSplit
    markdown().parse("| a \\| b | c |\n|---|---|\n| 1 | 2 |\n")
    assert module.escapedSplit is stock
    called: list[str] = []

    def counted(line: str) -> list[str]:
        called.append(line)
        return list(stock(line))

    monkeypatch.setattr(parse_module, "_ESCAPED_SPLIT", counted)
    body = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert [t.content for t in markdown().parse(body) if t.type == "inline"] == ["a", "b", "1", "2"]
    assert called == []
    markdown().parse("| a \\| b | c |\n|---|---|\n| 1 | 2 |\n")
    assert called == ["| a \\| b | c |"]
