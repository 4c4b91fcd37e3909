"""The parser chosen for a page body gives the same tokens as the full configured parser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.load import load
from pipeline.parse import markdown, parse, parser_for
from tests.seed import SEED
from tests.test_fuzz import markdown_bodies

FIXTURES = Path(__file__).parent / "fixtures"
# Markdown's punctuation, `^`, `[` and `~` among it: lone tildes parse without strikethrough, `~~` with it
punctuation = st.text(alphabet=st.sampled_from(list("ab 1\n>-*_`[]()!^:@<>&#;|\\~")), max_size=60)


def tokens(body: str, parser: Any) -> tuple[list[dict[str, Any]], Any]:
    """The tokens, and the link reference definitions (the env's only entry that parse() reads)."""
    env: dict[str, Any] = {}
    found = parser.parse(body, env)
    return [token.as_dict() for token in found], env.get("references")


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
