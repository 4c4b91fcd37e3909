"""The HTML site: faithful to the seed, byte-identical, self-contained, sanitised, valid HTML, cached."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html

from pipeline.build import build, check
from pipeline.config import Config
from pipeline.incremental import CheckCache
from pipeline.model import Page
from pipeline.render import html as site_html
from pipeline.render import markup
from pipeline.render.site_pages import CSP, Names

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
SEED_PAGE = "skill-progression-map"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def build_html(source: Path, out: Path) -> Path:
    result = build(Config(source=source, out=out, formats=("html",)))
    assert result.ok, [f"{d.path}:{d.line}:{d.col} {d.code} {d.message}" for d in result.diagnostics]
    return out / "html"


def text_of(path: Path) -> str:
    return " ".join(lxml_html.fromstring(path.read_bytes()).text_content().split())


def copy_source(tmp: Path) -> Path:
    dest = tmp / "source"
    shutil.copytree(SOURCE, dest)
    return dest


def add_to_page(source: Path, markdown: str) -> None:
    page = source / "pages" / f"{SEED_PAGE}.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n" + markdown + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_html(SOURCE, tmp_path_factory.mktemp("site"))


def test_site_has_index_page_references_search_and_static_files(site: Path) -> None:
    for name in (
        "index.html",
        f"{SEED_PAGE}.html",
        "references.html",
        "search.html",
        "_static/site.css",
        "_static/search-index.js",
        "_static/assessment.js",
        "_static/book.js",
    ):
        assert (site / name).is_file(), name


def test_every_seed_sentence_cell_and_citation_is_in_the_page_text(site: Path, seed_text: str) -> None:
    text = text_of(site / f"{SEED_PAGE}.html")
    missing = []
    for line in seed_text.splitlines():
        line = line.strip()
        if not line or re.fullmatch(r"\|[-|\s:]+\|", line):
            continue
        pieces = [cell.strip() for cell in line.strip("|").split(" | ")] if line.startswith("|") else [line]
        for piece in pieces:
            piece = " ".join(piece.removeprefix("- ").split())
            if piece not in text:
                missing.append(piece)
    assert not missing, missing[:5]


def test_index_shows_the_book_and_its_contents(site: Path) -> None:
    doc = lxml_html.fromstring((site / "index.html").read_bytes())
    text = " ".join(doc.text_content().split())
    for expected in (
        "Skill Progression Map",
        "What Level 1, 2, and 3 look like for your role — concretely.",
        "Version 1.0",
        "24 November 2026",
        "AI Maturity Framework team",
        "What the three maturity levels mean in practice for five role families",
    ):
        assert expected in text, expected
    sections = doc.xpath("//ol[contains(@class, 'contents__sections')]//a/@href")
    assert f"{SEED_PAGE}.html#engineering" in sections and f"{SEED_PAGE}.html#design" in sections


def test_page_has_toc_breadcrumb_pager_and_frontmatter(site: Path) -> None:
    doc = lxml_html.fromstring((site / f"{SEED_PAGE}.html").read_bytes())
    assert doc.xpath("//nav[@aria-label='Breadcrumb']//a/@href") == ["index.html"]
    toc = doc.xpath("//nav[contains(@class, 'toc')]//a/@href")
    assert "#engineering" in toc and "#engineering-self-assessment" in toc
    assert doc.xpath("//a[@rel='prev']/@href") == ["index.html"]
    assert doc.xpath("//a[@rel='next']/@href") == ["references.html"]
    header = " ".join(doc.xpath("string(//header[@class='page-header'])").split())
    assert "Name the skill that unlocks the next level." in header and "About 20 minutes" in header
    assert len(doc.xpath("//table[@class='rubric']")) == 5


def test_citations_link_to_reference_entries(site: Path) -> None:
    page = lxml_html.fromstring((site / f"{SEED_PAGE}.html").read_bytes())
    refs = lxml_html.fromstring((site / "references.html").read_bytes())
    ids = set(refs.xpath("//li[@class='reference']/@id"))
    links = page.xpath("//span[@class='citation']//a/@href")
    assert links and ids
    for href in links:
        assert href.startswith("references.html#ref-") and href.split("#", 1)[1] in ids
    assert "ref-stackoverflow2025" in ids
    assert "(Stack Overflow, 2025)" in text_of(site / f"{SEED_PAGE}.html")


def test_two_builds_are_byte_identical(tmp_path: Path, site: Path) -> None:
    again = build_html(SOURCE, tmp_path)
    first = {p.relative_to(site): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in sorted(again.rglob("*")) if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_every_page_has_the_csp_and_no_inline_script_or_style(site: Path) -> None:
    for path in site.glob("*.html"):
        doc = lxml_html.fromstring(path.read_bytes())
        assert doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content") == [CSP], path.name
        assert all(script.get("src") for script in doc.iter("script")), path.name
        assert not list(doc.iter("style")), path.name
        assert not doc.xpath("//@*[starts-with(name(), 'on')]"), path.name


def test_internal_links_resolve_and_nothing_comes_from_another_host(site: Path) -> None:
    ids: dict[Path, set[str]] = {
        p: set(lxml_html.fromstring(p.read_bytes()).xpath("//@id")) for p in site.glob("*.html")
    }
    broken = []
    for page in ids:
        doc = lxml_html.fromstring(page.read_bytes())
        for element, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
            for value in doc.xpath(f"//{element}/@{attribute}"):
                assert not urlsplit(value).netloc and not value.startswith("//"), (page.name, value)
        for href in doc.xpath("//a/@href"):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file() or (parts.fragment and unquote(parts.fragment) not in ids.get(target, set())):
                broken.append(f"{page.name} → {href}")
    assert not broken, broken


def test_search_index_is_a_global_holding_every_section(site: Path) -> None:
    script = (site / "_static" / "search-index.js").read_text(encoding="utf-8")
    prefix = "window.HANDBOOK_SEARCH_INDEX = "
    assert script.startswith(prefix) and script.rstrip().endswith(";")
    data = json.loads(script[len(prefix) :].rstrip().rstrip(";"))
    [(href, title, sections)] = data["pages"]
    assert (href, title) == (f"{SEED_PAGE}.html", "Skill Progression Map")
    by_anchor = {anchor: text for anchor, _heading, text in sections}
    assert "Analysis of 211 million lines of code" in by_anchor["engineering"]
    assert "(Stack Overflow, 2025)" in by_anchor["engineering"]
    assert "Specification engineering, taste at scale" in by_anchor["design"]


def test_script_and_javascript_urls_in_the_source_do_not_survive(tmp_path: Path) -> None:
    source = copy_source(tmp_path)
    add_to_page(
        source,
        '<script>alert("raw")</script>\n\n'
        '<a href="javascript:alert(1)">bad</a> [md](javascript:alert(2)) <img src="x.png" onerror="alert(3)">\n\n'
        '<div onclick="alert(4)"><p>kept text</p></div>\n\n<iframe src="https://example.com"></iframe>',
    )
    site = build_html(source, tmp_path / "out")
    page = (site / f"{SEED_PAGE}.html").read_text(encoding="utf-8")
    assert "kept text" in page
    assert 'alert("raw")' not in page and "<iframe" not in page and "example.com" not in page
    doc = lxml_html.fromstring(page)
    assert all(s.get("src", "").startswith("_static/") for s in doc.iter("script"))
    assert not doc.xpath("//@*[starts-with(name(), 'on')]")
    assert not [v for v in doc.xpath("//@href | //@src") if "javascript" in v.lower()]
    # markdown-it refuses the javascript: link, so its source stays visible as harmless text
    assert "[md](javascript:alert(2))" in doc.text_content()


def test_assets_are_copied_and_linked(tmp_path: Path) -> None:
    source = copy_source(tmp_path)
    (source / "assets").mkdir()
    (source / "assets" / "levels.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    add_to_page(source, "![The three levels](../assets/levels.svg)")
    site = build_html(source, tmp_path / "out")
    assert (site / "assets" / "levels.svg").read_bytes() == (source / "assets" / "levels.svg").read_bytes()
    assert '<img src="assets/levels.svg" alt="The three levels"' in (site / f"{SEED_PAGE}.html").read_text("utf-8")
    assert not (site / "handbook.yaml").exists()


def test_site_pages_move_aside_for_a_handbook_page_of_the_same_name() -> None:
    result = check(Config(source=SOURCE))
    assert result.book is not None
    assert Names.of(result.book) == Names("references.html", "search.html")
    renamed = result.book.pages[0].__class__(
        **{**{s: getattr(result.book.pages[0], s) for s in result.book.pages[0].__slots__}, "id": "references"}
    )
    book = result.book.__class__(result.book.root, result.book.manifest, (renamed,), result.book.references)
    assert Names.of(book).references == "_references.html"


def many_pages(tmp: Path, count: int) -> Path:
    """The sample with its page repeated ``count`` times (ids and titles numbered)."""
    source = copy_source(tmp)
    text = (source / "pages" / f"{SEED_PAGE}.md").read_text(encoding="utf-8")
    (source / "pages" / f"{SEED_PAGE}.md").unlink()
    ids = [f"page-{n:03d}" for n in range(1, count + 1)]
    for n, page_id in enumerate(ids, 1):
        variant = text.replace(f"id: {SEED_PAGE}", f"id: {page_id}", 1)
        variant = variant.replace("title: Skill Progression Map", f"title: Page {n}", 1)
        (source / "pages" / f"{page_id}.md").write_text(variant, encoding="utf-8")
    manifest = (source / "handbook.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace(f"pages:\n  - {SEED_PAGE}\n", "pages:\n" + "".join(f"  - {i}\n" for i in ids))
    (source / "handbook.yaml").write_text(manifest, encoding="utf-8")
    return source


def test_cache_renders_only_the_edited_page_and_progress_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = many_pages(tmp_path, 100)
    config = Config(source=source, out=tmp_path / "out")
    calls: list[str] = []
    real = markup.render_page  # the function pipeline.render.html calls as render_page

    def counted(page: Page, *rest: Any) -> str:
        calls.append(page.id)
        return real(page, *rest)

    monkeypatch.setattr(site_html, "render_page", counted)
    parsed = CheckCache()
    cache = site_html.SiteCache()
    progress: list[str] = []
    first = check(config, parsed)
    assert first.ok and first.book is not None
    before = site_html.build_site(first.book, config, cache, progress.append)
    assert len(calls) == 100 and progress[-1] == "html: 100/100 pages"
    edited = source / "pages" / "page-050.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("day to day.", "day to day, edited."), "utf-8")
    calls.clear()
    second = check(config, parsed)
    assert second.book is not None
    after = site_html.build_site(second.book, config, cache)
    assert calls == ["page-050"]
    changed = sorted(k for k in after.files if after.files[k] != before.files.get(k))
    assert changed == ["_static/search-index.js", "page-050.html"]
    assert after.files == site_html.build_site(second.book, config).files  # the cache never changes the output


def test_every_page_is_valid_html(site: Path) -> None:
    if shutil.which("java") is None or not VNU.is_file():
        pytest.skip("needs java and node_modules/vnu-jar (npm install)")
    pages = sorted(str(p) for p in site.glob("*.html"))
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", *pages], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr or done.stdout
