"""A German handbook in headless Chromium: the scripts show their words in German (self-assessment, search)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.browser_helpers import AXE, need_browser, serious_violations, serve_folder
from tests.test_labels import localized_copy

pytestmark = pytest.mark.browser

PAGE = "skill-progression-map"
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect


@pytest.fixture(scope="module")
def german_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from pipeline.build import build
    from pipeline.config import Config

    need_browser()
    tmp = tmp_path_factory.mktemp("site-german")
    source = localized_copy(tmp, "de")
    with (source / "pages" / f"{PAGE}.md").open("a", encoding="utf-8") as page:  # wider than a phone
        page.write(f"\n| Kennung |\n|---|\n| {'x' * 300} |\n")
    result = build(Config(source=source, out=tmp / "out", formats=("html",)))
    assert result.ok, result.diagnostics
    with serve_folder(tmp / "out" / "html") as base:
        yield base


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    instance = context.new_page()
    instance.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    instance.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield instance
        assert errors == []
    finally:
        context.close()


def choice(table: Any, question: str, level: str) -> Any:
    return table.locator(f"tr[data-question='{question}'] td[data-level='{level}'] button")


def test_the_german_self_assessment_speaks_german(page: Any, german_url: str) -> None:
    page.goto(german_url + f"{PAGE}.html")
    table = page.locator("table.rubric").first
    status = page.locator(".assessment-status").first
    assert page.locator(".assessment-hint").first.inner_text().startswith("Wählen Sie in jeder Zeile die Zelle")
    assert page.locator(".assessment-reset").first.inner_text() == "Antworten zurücksetzen"
    expect(status).to_have_text("0 von 3 beantwortet. Beantworten Sie jede Zeile, um Ihre Stufe zu sehen.")
    choice(table, "q1", "2").click()
    expect(status).to_have_text("1 von 3 beantwortet. Beantworten Sie jede Zeile, um Ihre Stufe zu sehen.")
    choice(table, "q2", "2.5").click()
    choice(table, "q3", "1").click()
    expect(status).to_have_text("Ihre Stufe: Level 2 (AI-Integrated), der Median aus Ihren 3 Antworten.")
    assert table.get_attribute("data-result") == "2"  # the result itself does not depend on the language
    for english in ("Your level", "answered", "Reset answers", "In each row"):
        assert english not in page.locator("main").inner_text(), english


def test_the_german_search_speaks_german(page: Any, german_url: str) -> None:
    page.goto(german_url + "search.html")
    page.wait_for_selector(".search-form[data-ready='true']")
    status = page.locator("#search-status")
    expect(status).to_have_text(
        re.compile(
            r'^Geben Sie Wörter oder eine "Wortfolge in Anführungszeichen" ein, um \d+ Abschnitte zu durchsuchen\.$'
        )
    )
    page.fill("#search-q", "Engineering")
    expect(status).to_have_text(re.compile(r"^\d+ passende Abschnitte?\.$"))
    page.fill("#search-q", '"kein solcher Satz" nirgends')
    expect(status).to_have_text("Kein Abschnitt enthält „kein solcher satz“ und „nirgends“.")  # terms as folded


def test_without_javascript_the_german_search_page_says_so_in_german(chromium: Any, german_url: str) -> None:
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(german_url + "search.html")
        assert page.locator("#search-status").inner_text() == (
            "Die Suche benötigt JavaScript. Ohne JavaScript nutzen Sie das Inhaltsverzeichnis."
        )
        assert page.locator("#search-status a").get_attribute("href") == "index.html#contents"
    finally:
        context.close()


def test_a_wide_table_is_announced_in_german(chromium: Any, german_url: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(german_url + f"{PAGE}.html")
        region = page.locator(".table-wrap[role='region']")
        expect(region).to_have_count(1)
        assert region.get_attribute("aria-label") == "Tabelle (seitlich scrollbar)"
    finally:
        context.close()


def test_axe_finds_no_serious_violation_on_the_german_site(chromium: Any, german_url: str) -> None:
    if not AXE.is_file():
        pytest.skip("node_modules/axe-core is missing (npm install)")
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # axe is injected inline
    try:
        page = context.new_page()
        found = []
        for path in ("index.html", f"{PAGE}.html", "references.html", "search.html?q=Engineering"):
            page.goto(german_url + path)
            assert page.locator("html").get_attribute("lang") == "de"
            if path.startswith("search"):
                page.wait_for_selector("#search-results li")
            found += [f"{path}: {v}" for v in serious_violations(page)]
        assert found == []
    finally:
        context.close()
