"""The page renderer's own loop (pipeline/render/markup.py) writes tags and inline text as markdown-it's does."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from pipeline.parse import markdown
from pipeline.render.markup import _inline, _tag
from tests.seed import SEED
from tests.test_fuzz import markdown_bodies
from tests.test_parse import punctuation

FIXTURES = Path(__file__).parent / "fixtures"


def _rendered_alike(body: str) -> None:
    """Every token's tag as RendererHTML.renderToken writes it, every inline run as RendererHTML.renderInline."""
    parser, reference = markdown(), RendererHTML()
    blocks = parser.parse(body)
    runs: list[list[Token]] = [blocks, *(token.children for token in blocks if token.children)]
    for tokens in runs:
        for index, token in enumerate(tokens):
            assert _tag(tokens, index, token) == reference.renderToken(tokens, index, parser.options, {}), token
    for token in blocks:
        if token.children:
            expected = reference.renderInline(token.children, parser.options, {})
            assert _inline(token.children, reference.rules, parser.options, {}) == expected, token.content


@settings(max_examples=300, deadline=None)
@given(st.one_of(markdown_bodies, punctuation))
def test_tags_and_inline_text_are_written_as_markdown_it_writes_them(body: str) -> None:
    _rendered_alike(body)


def test_pages_that_authors_wrote_render_their_tags_as_markdown_it_does() -> None:
    bodies = [SEED.read_text(encoding="utf-8")]
    bodies += [path.read_bytes().decode("utf-8", "replace") for path in sorted(FIXTURES.glob("*/pages/*.md"))]
    assert len(bodies) > 50
    for body in bodies:
        _rendered_alike(body)
