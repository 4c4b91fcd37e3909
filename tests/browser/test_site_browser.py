"""The site in headless Chromium: self-assessment, search, links, outside requests, accessibility, file://."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urldefrag

import pytest

from tests.browser.browser_helpers import AXE, ROOT, guard_requests, serious_violations

pytestmark = pytest.mark.browser

PAGE = "skill-progression-map"
PHRASE = "AI-assisted development without skill progression caused refactoring to drop"
STORAGE = "handbook:skill-progression-map:assessment:"
expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect


@pytest.fixture
def context(chromium: Any) -> Iterator[Any]:
    instance = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield instance
    finally:
        instance.close()


def watch_errors(page: Any) -> list[str]:
    """Console errors (CSP violations among them) and uncaught exceptions."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def record_events(page: Any) -> None:
    page.evaluate("""() => {
        window.recorded = [];
        document.addEventListener("handbook:assessment", (event) => window.recorded.push(event.detail));
    }""")


def choice(table: Any, question: str, level: str) -> Any:
    return table.locator(f"tr[data-question='{question}'] td[data-level='{level}'] button")


def test_self_assessment_level_event_persistence_and_reset(context: Any, site_url: str) -> None:
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(site_url + f"{PAGE}.html")
    record_events(page)
    table = page.locator("table.rubric").first
    rubric = table.get_attribute("data-rubric")
    status = page.locator(".assessment-status").first

    choice(table, "q1", "2").click()
    assert choice(table, "q1", "2").get_attribute("aria-pressed") == "true"
    assert "1 of 3 answered" in status.inner_text()
    choice(table, "q2", "2").focus()  # keyboard: arrow to the next level, Space to choose it
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    assert choice(table, "q2", "2.5").get_attribute("aria-pressed") == "true"
    assert choice(table, "q2", "2").get_attribute("aria-pressed") == "false"
    choice(table, "q3", "1").click()
    # positions 2, 3 and 0 on the five-step scale: the median is position 2, Level 2
    assert "Your level: Level 2 (AI-Integrated)" in status.inner_text()
    assert table.get_attribute("data-result") == "2"

    events = page.evaluate("window.recorded")
    assert [e["question"] for e in events] == ["q1", "q2", "q3"]
    assert events[0] == {
        "rubric": rubric,
        "question": "q1",
        "questionText": "How do you start a new feature?",
        "level": "2",
        "levelLabel": "Level 2",
        "answered": 1,
        "total": 3,
        "result": None,
    }
    assert events[2]["result"] == {"level": "2", "label": "Level 2"}
    assert events[2]["questionText"] == "What do you share with teammates?"
    saved = page.evaluate(f"localStorage.getItem({json.dumps(STORAGE + rubric)})")
    assert json.loads(saved) == {"q1": "2", "q2": "2.5", "q3": "1"}

    page.reload()
    record_events(page)
    table = page.locator("table.rubric").first
    assert choice(table, "q2", "2.5").get_attribute("aria-pressed") == "true"
    assert "Your level: Level 2" in page.locator(".assessment-status").first.inner_text()
    assert page.locator("table.rubric").nth(1).get_attribute("data-answered") == "0"

    choice(table, "q3", "1").click()  # pressing the chosen cell again takes the answer back
    assert choice(table, "q3", "1").get_attribute("aria-pressed") == "false"
    page.locator(".assessment-reset").first.click()
    events = page.evaluate("window.recorded")
    assert [(e["question"], e["level"], e["answered"]) for e in events] == [
        ("q3", None, 2),
        ("q1", None, 0),
        ("q2", None, 0),
    ]
    assert all(e["result"] is None for e in events)
    assert page.evaluate(f"localStorage.getItem({json.dumps(STORAGE + rubric)})") is None
    assert table.locator("button[aria-pressed='true']").count() == 0
    assert errors == []


def test_an_even_number_of_answers_rounds_the_midpoint_down(chromium: Any, tmp_path: Path) -> None:
    from pipeline.build import build
    from pipeline.config import Config

    source = tmp_path / "source"
    shutil.copytree(ROOT / "source", source)
    page_file = source / "pages" / f"{PAGE}.md"
    page_file.write_text(
        page_file.read_text(encoding="utf-8") + "\n## Two questions\n\n"
        "| Question | Level 1 | Level 1.5 | Level 2 | Level 2.5 | Level 3 |\n|---|---|---|---|---|---|\n"
        "| First? | a | b | c | d | e |\n| Second? | f | g | h | i | j |\n",
        encoding="utf-8",
    )
    assert build(Config(source=source, out=tmp_path / "out", formats=("html",))).ok
    page = chromium.new_page()
    page.goto((tmp_path / "out" / "html" / f"{PAGE}.html").as_uri())
    table = page.locator("table.rubric").last
    choice(table, "q1", "1").click()
    choice(table, "q2", "2.5").click()  # positions 0 and 3: midpoint 1.5, rounded down to position 1
    assert table.get_attribute("data-result") == "1.5"
    page.close()


def search_results(page: Any) -> list[str]:
    page.wait_for_selector(".search-form[data-ready='true']")
    hrefs: list[str] = page.locator(".search-hit__link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return hrefs


def test_search_finds_a_phrase_over_http_and_from_the_header_form(context: Any, site_url: str) -> None:
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(site_url + "search.html?q=" + quote(f'"{PHRASE}"'))
    assert search_results(page)[0] == f"{PAGE}.html#engineering"
    assert page.locator(".search-hit mark").first.inner_text().lower() == PHRASE.lower()
    page.goto(site_url + "index.html")
    page.fill("#site-search-q", "specification engineering")
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/search.html?q=*")
    assert f"{PAGE}.html#cross-cutting-the-skills-that-matter-at-every-level" in search_results(page)
    page.fill("#search-q", '"no such phrase anywhere"')
    expect(page.locator("#search-status")).to_have_text(re.compile("^No section contains"))
    assert errors == []


def test_search_assessment_and_theme_work_from_file_urls(context: Any, built_site: Path) -> None:
    page = context.new_page()
    errors = watch_errors(page)
    page.goto((built_site / "search.html").as_uri() + "?q=" + quote(PHRASE))
    assert f"{PAGE}.html#engineering" in search_results(page)
    page.goto((built_site / f"{PAGE}.html").as_uri())
    table = page.locator("table.rubric").first
    choice(table, "q1", "3").click()
    assert table.get_attribute("data-answered") == "1"
    toggle = page.locator(".theme-toggle")
    before = toggle.get_attribute("aria-pressed")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") != before
    page.reload()
    assert page.locator(".theme-toggle").get_attribute("aria-pressed") != before  # the choice persists
    assert errors == []


def test_crawl_finds_no_broken_link_and_no_outside_request(context: Any, site_url: str) -> None:
    outside = guard_requests(context, (site_url,))
    page = context.new_page()
    errors = watch_errors(page)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    queue, seen = [site_url + "index.html", site_url + "search.html?q=level"], set()
    anchors: dict[str, set[str]] = {}  # page URL → fragments linked to it
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        assert response is not None and response.ok, url
        for href in page.locator("a[href]").evaluate_all("links => links.map(a => a.href)"):
            target, fragment = urldefrag(href)
            if target.startswith(site_url):
                queue.append(target)
                if fragment:
                    anchors.setdefault(target, set()).add(fragment)
    broken = []
    for target, wanted in sorted(anchors.items()):
        page.goto(target)
        broken += [
            f"{target}#{f}"
            for f in sorted(wanted)
            if not page.evaluate("id => document.getElementById(decodeURIComponent(id)) !== null", f)
        ]
    assert {"index.html", f"{PAGE}.html", "references.html", "search.html"} <= {
        u.rsplit("/", 1)[1].split("?")[0] for u in seen
    }
    assert broken == [] and failed == [] and outside == [] and errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_violation(chromium: Any, site_url: str, scheme: str, width: int) -> None:
    if not AXE.is_file():
        pytest.skip("node_modules/axe-core is missing (npm install)")
    # axe is injected as an inline script, which the site's own CSP rightly refuses
    context = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    found = []
    for path in ("index.html", f"{PAGE}.html", "references.html", "search.html?q=level"):
        page.goto(site_url + path)
        if path == f"{PAGE}.html":
            choice(page.locator("table.rubric").first, "q1", "2").click()  # the chosen state is checked too
        if path.startswith("search"):
            search_results(page)
        found += [f"{path}: {v}" for v in serious_violations(page)]
    context.close()
    assert found == []


def test_keyboard_skip_link_and_visible_focus(context: Any, site_url: str) -> None:
    page = context.new_page()
    page.goto(site_url + f"{PAGE}.html")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0  # moved into view when focused
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search-q"


def test_without_javascript_rubrics_read_as_plain_tables(chromium: Any, site_url: str) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + f"{PAGE}.html")
    table = page.locator("table.rubric").first
    assert table.locator("button").count() == 0
    assert table.locator("tr[data-question='q1'] td[data-level='2']").inner_text() == (
        "Describe the feature to AI, review the output, iterate"
    )
    assert page.locator(".assessment-bar").count() == 0 and page.locator(".theme-toggle").is_hidden()
    page.goto(site_url + "search.html?q=level")
    assert "Search needs JavaScript" in page.locator("#search-status").inner_text()
    context.close()


# What decides the colours: the system setting, the reader's stored choice (theme.js), screen or print.
THEMES = {
    "light": ("light", None, "screen"),
    "dark by the system": ("dark", None, "screen"),
    "dark by the toggle": ("light", "dark", "screen"),
    "light by the toggle on a dark system": ("dark", "light", "screen"),
    "print": ("light", None, "print"),
    "print, dark by the system": ("dark", None, "print"),
    "print, dark by the toggle": ("light", "dark", "print"),
}
PALETTE = re.findall(r"--dark-([\w-]+):", (ROOT / "pipeline/templates/site/static/site.css").read_text("utf-8"))
COLOURS = """names => {
  const root = getComputedStyle(document.documentElement), body = getComputedStyle(document.body);
  return [...names.map(name => root.getPropertyValue("--" + name).trim()), body.color, body.backgroundColor,
          root.colorScheme];
}"""


def colours(chromium: Any, site_url: str, scheme: str, stored: str | None, media: str) -> list[str]:
    """Every palette value as the page resolves it, then the body's text and background colour, color-scheme."""
    context = chromium.new_context(color_scheme=scheme)
    if stored is not None:
        context.add_init_script(f"window.localStorage.setItem('handbook:theme', '{stored}')")
    page = context.new_page()
    page.emulate_media(media=media, color_scheme=scheme)
    page.goto(site_url + f"{PAGE}.html")
    found: list[str] = page.evaluate(COLOURS, PALETTE)
    context.close()
    return found


def test_the_dark_palette_is_the_same_by_the_toggle_and_by_the_system_setting(chromium: Any, site_url: str) -> None:
    assert len(PALETTE) > 10 and "bg" in PALETTE and "shadow" in PALETTE
    seen = {name: colours(chromium, site_url, *how) for name, how in THEMES.items()}
    assert seen["dark by the system"] == seen["dark by the toggle"]
    assert seen["light by the toggle on a dark system"] == seen["light"]
    bg = PALETTE.index("bg")
    assert seen["light"][bg] == "#ffffff" and seen["light"][-3:] == ["rgb(26, 31, 38)", "rgb(255, 255, 255)", "light"]
    assert seen["dark by the toggle"][bg] == "#0f1318"
    assert seen["dark by the toggle"][-3:] == ["rgb(228, 233, 239)", "rgb(15, 19, 24)", "dark"]
    dark = dict(zip(PALETTE, seen["dark by the toggle"], strict=False))
    assert all(dark[name] != value for name, value in zip(PALETTE, seen["light"], strict=False))  # all switch
    assert seen["print"][-3:-1] == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]  # black on white paper
    assert seen["print, dark by the system"][-3:-1] == seen["print, dark by the toggle"][-3:-1] == seen["print"][-3:-1]


SHARDED = "skill-progression-map-{:04d}.html"


@pytest.mark.parametrize("where", ["file", "http"])
def test_search_loads_every_shard_and_finds_words_in_the_first_and_the_last(
    context: Any, sharded_site: Path, sharded_url: str, where: str
) -> None:
    """Five pages in three shards: a phrase of page 1 (shard 0) and of page 5 (shard 2) are found, and a
    phrase on every page lists them in book order, whichever shard ran first."""
    base = sharded_site.as_uri() + "/" if where == "file" else sharded_url
    page = context.new_page()
    errors = watch_errors(page)
    for number in (1, 5):
        page.goto(base + "search.html?q=" + quote(f'"in team {number}."'))
        hits = search_results(page)
        assert hits and {urldefrag(hit).url for hit in hits} == {SHARDED.format(number)}
        assert page.locator(".search-hit mark").first.inner_text() == f"in team {number}."
    page.goto(base + "search.html?q=" + quote('"day to day, in team"'))
    assert [urldefrag(hit).url for hit in search_results(page)] == [SHARDED.format(n) for n in range(1, 6)]
    loaded = page.evaluate("window.HANDBOOK_SEARCH_SHARDS.map(shard => shard.shard)")
    assert sorted(loaded) == [0, 1, 2]
    assert errors == []


def test_search_orders_pages_by_book_whatever_order_the_shards_arrive_in(context: Any, sharded_url: str) -> None:
    """Shard 0 held back until the other two have run: the results still come in book order."""
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if route.request.url.endswith("/0.js"):
            held.append(route)
        else:
            route.continue_()

    page = context.new_page()
    page.route("**/_static/search-index/*.js", hold_the_first)
    page.goto(sharded_url + "search.html?q=" + quote('"day to day, in team"'), wait_until="domcontentloaded")
    page.wait_for_function("() => (window.HANDBOOK_SEARCH_SHARDS || []).length === 2")
    assert page.get_attribute(".search-form", "data-ready") is None  # no search before every shard ran
    [first] = held
    first.continue_()
    assert [urldefrag(hit).url for hit in search_results(page)] == [SHARDED.format(n) for n in range(1, 6)]
    assert page.evaluate("window.HANDBOOK_SEARCH_SHARDS.map(shard => shard.shard)")[-1] == 0


def test_a_shard_that_does_not_load_says_the_index_could_not_be_loaded(context: Any, sharded_url: str) -> None:
    page = context.new_page()
    page.route("**/_static/search-index/1.js", lambda route: route.abort())
    page.goto(sharded_url + "search.html?q=" + quote('"in team 1."'))
    expect(page.locator("#search-status")).to_have_text("The search index could not be loaded.")
    assert page.get_attribute(".search-form", "data-ready") is None and page.locator(".search-hit").count() == 0
