"""The sample handbook is the seed page, faithfully, and checks clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it.token import Token

from pipeline.build import BuildResult, check
from pipeline.config import Config
from pipeline.diagnostics import Severity
from pipeline.model import Book
from pipeline.parse import inline_text
from pipeline.render.cite import render_citations
from tests.conftest import SOURCE, parsed_book
from tests.seed import missing_units, seed_units


def parsed_text(book: Book, cache: Path) -> str:
    """All text the parser saw, citations as the citation style renders them."""
    citations = render_citations(book, cache)
    parts = [book.manifest.title, book.manifest.subtitle]
    for page in book.pages:
        parts += [page.title, str(page.meta.get("subtitle", ""))]
        for token in page.tokens:
            if token.type != "inline":
                continue
            text = "".join(
                citations.text(child.content) if child.type == "citation" else inline_text_of(child)
                for child in token.children or ()
            )
            parts.append(text)
    return "\n".join(parts)


def inline_text_of(child: Token) -> str:
    if child.type in ("softbreak", "hardbreak"):
        return " "
    return child.content if child.type in ("text", "code_inline") else ""


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return check(Config(source=SOURCE, out=tmp_path_factory.mktemp("out")))


def test_sample_checks_without_errors(result: BuildResult) -> None:
    assert result.ok, [d for d in result.diagnostics if d.severity is Severity.ERROR]


def test_every_seed_sentence_and_cell_is_in_the_parsed_text(result: BuildResult, tmp_path: Path) -> None:
    units = seed_units()
    assert len(units) > 300  # the seed's sentences and cells, not an empty read
    assert missing_units(parsed_text(parsed_book(SOURCE), tmp_path)) == []


def test_the_faithfulness_comparison_notices_a_lost_sentence(result: BuildResult, tmp_path: Path) -> None:
    text = parsed_text(parsed_book(SOURCE), tmp_path).replace("Not the line of code.", "")
    assert missing_units(text) == ["Not the line of code."]


def test_seed_citations_render_in_the_seed_forms(result: BuildResult, tmp_path: Path) -> None:
    assert result.book is not None
    citations = render_citations(result.book, tmp_path)
    rendered = {citations.text(source) for source in citations.groups}
    assert "(Stack Overflow, 2025)" in rendered
    assert "(38%, per BCG, 2025)" in rendered
    assert "(GitHub/Accenture, 2024)" in rendered


def test_every_reference_is_cited_and_every_citation_resolves(result: BuildResult) -> None:
    codes = {d.code for d in result.diagnostics}
    assert not codes & {"CIT001", "CIT002", "CIT004"}
    assert result.book is not None
    cited = {c.key for page in result.book.pages for c in page.citations}
    assert cited == {ref.id for ref in result.book.references}


def test_the_warnings_on_the_sample_are_the_three_uncited_statistics(result: BuildResult) -> None:
    warnings = [(d.code, d.line) for d in result.diagnostics if d.severity is Severity.WARNING]
    page = (SOURCE / "pages" / "skill-progression-map.md").read_text(encoding="utf-8").splitlines()
    assert [code for code, _ in warnings] == ["CLM001"] * 3
    flagged = [page[line - 1] for _, line in warnings]
    assert any("4× gains" in text for text in flagged)
    assert any("2.4×" in text for text in flagged)
    assert any("3.7×" in text for text in flagged)


def test_rubrics_follow_the_declared_scale(result: BuildResult) -> None:
    from pipeline.tables import tables

    book = parsed_book(SOURCE)
    rubrics = [t for page in book.pages for t in tables(page, book) if t.scale is not None]
    assert len(rubrics) == 5
    for rubric in rubrics:
        assert rubric.header[1:] == book.manifest.scales["self-assessment"].labels
        assert len(rubric.rows) == 3


def test_inline_text_keeps_citation_source() -> None:
    from pipeline.parse import markdown

    tokens = markdown().parse("As shown [@a2025], and @b2024 says.")
    assert inline_text(tokens[1]) == "As shown [@a2025], and @b2024 says."
