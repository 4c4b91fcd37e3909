"""The HTML site: faithful to the seed, byte-identical, self-contained, sanitised, valid HTML, cached, localized."""

from __future__ import annotations

import dataclasses
import json
import pickle
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
from pipeline.model import Page
from pipeline.pagecache import PageCache
from pipeline.render import cite, markup, site_pages, site_search
from pipeline.render import html as site_html
from pipeline.render.cite import render_citations
from pipeline.render.labels import ENGLISH, SCRIPT_KEYS, TABLES, labels
from pipeline.render.site_pages import CSP, Names
from pipeline.store import Store
from tests.test_labels import localized_copy

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
        "_static/search-index/0.js",
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


def search_index(site: Path) -> list[tuple[str, list[Any]]]:
    """(shard path, its pages) of each shard the site's search index lists, in its order."""
    script = (site / "_static" / "search-index.js").read_text(encoding="utf-8")
    prefix = "window.HANDBOOK_SEARCH_INDEX = "
    assert script.startswith(prefix) and script.endswith(";\n")
    index = json.loads(script[len(prefix) : -2])
    assert index["version"] == 2
    shards = []
    for number, path in enumerate(index["shards"]):
        assert path == f"search-index/{number}.js"
        shard = (site / "_static" / path).read_text(encoding="utf-8")
        head = "(window.HANDBOOK_SEARCH_SHARDS = window.HANDBOOK_SEARCH_SHARDS || []).push("
        assert shard.startswith(head) and shard.endswith(");\n")
        data = json.loads(shard[len(head) : -3])
        assert data["shard"] == number
        shards.append((f"_static/{path}", data["pages"]))
    return shards


def test_search_index_is_a_global_holding_every_section(site: Path) -> None:
    [(_path, [(href, title, sections)])] = search_index(site)
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


def test_the_caches_render_only_the_edited_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """serve's path: the page cache re-runs the edited page only, the site cache templates it only."""
    source = many_pages(tmp_path, 100)
    config = Config(source=source, out=tmp_path / "out", jobs=1)  # pages run here, where the calls are counted
    calls: list[str] = []
    real = markup.render  # what renders a page's HTML for the site (markup.SiteHtml)

    def counted(page: Page, *rest: Any) -> markup.Rendered:
        calls.append(page.id)
        return real(page, *rest)

    monkeypatch.setattr(markup, "render", counted)
    pages = PageCache()
    cache = site_html.SiteCache()
    first = check(config, pages, ("html",))
    assert first.ok and first.book is not None
    before = contents(site_html.build_site(first.book, first.parts["html"], config, cache), cache)
    assert len(calls) == 100
    edited = source / "pages" / "page-050.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("day to day.", "day to day, edited."), "utf-8")
    calls.clear()
    second = check(config, pages, ("html",))
    assert second.book is not None
    assert calls == ["page-050"]
    templated = templates_counted(monkeypatch)
    site = site_html.build_site(second.book, second.parts["html"], config, cache)
    assert templated == ["page.html"]  # the edited page only: its title and headings, which others list, are the same
    cache.pages.retain_used()  # as serve does after each rebuild
    templated.clear()
    site_html.build_site(second.book, second.parts["html"], config, cache)
    cache.pages.retain_used()
    site_html.build_site(second.book, second.parts["html"], config, cache)
    assert templated == []  # what a build used stays for the next
    after = contents(site, cache)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == ["_static/search-index/0.js", "page-050.html"]  # pages 1 to 64 are shard 0
    # the caches never change the output
    fresh = site_html.SiteCache()
    assert after == contents(site_html.build_site(second.book, second.parts["html"], config, fresh), fresh)
    assert len(pages.results) == 100  # the edited page's old result is gone


def templates_counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates rendered from now on, in order."""
    templated: list[str] = []
    real_html = site_html._html

    def counted_html(name: str, context: dict[str, Any]) -> bytes:
        templated.append(name)
        return real_html(name, context)

    monkeypatch.setattr(site_html, "_html", counted_html)
    return templated


def shard_files(site: Path) -> dict[str, tuple[bytes, int]]:
    """Each search shard of a built site: its bytes and its inode."""
    return {
        path.name: (path.read_bytes(), path.stat().st_ino)
        for path in sorted((site / "_static" / "search-index").iterdir())
    }


def test_an_edit_changes_one_search_shard_and_links_the_others_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shards of four pages here: ten pages make shards 0 (pages 1-4), 1 (5-8) and 2 (9-10). An edit to page 6
    writes shard 1 anew from its pages' entries; shards 0 and 2 keep their bytes, and stay hard links to the
    same store entries (linked again, never read nor written)."""
    monkeypatch.setattr(site_search, "SHARD_PAGES", 4)
    source = many_pages(tmp_path, 10)
    out = tmp_path / "out"
    site = build_html(source, out)
    before = shard_files(site)
    assert list(before) == ["0.js", "1.js", "2.js"]
    assert [len(pages) for _path, pages in search_index(site)] == [4, 4, 2]
    store_dir = out / ".cache" / "html"
    old_shard_1 = next(entry.name for entry in store_dir.iterdir() if entry.stat().st_ino == before["1.js"][1])
    edited = source / "pages" / "page-006.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("day to day.", "day to day, edited."), "utf-8")
    read: list[str] = []
    real_get = Store.get

    def counted_get(store: Store, key: str) -> bytes | None:
        read.append(key)
        return real_get(store, key)

    monkeypatch.setattr(Store, "get", counted_get)
    templated = templates_counted(monkeypatch)
    site = build_html(source, out)
    after = shard_files(site)
    assert [name for name in after if after[name][0] != before[name][0]] == ["1.js"]
    assert b"day to day, edited." in after["1.js"][0]
    store = {entry.stat().st_ino for entry in (out / ".cache" / "html").iterdir()}
    assert {inode for _data, inode in after.values()} <= store  # every shard is a store entry, linked
    assert [name for name in after if after[name][1] == before[name][1]] == ["0.js", "2.js"]  # the same entries
    assert [key for key in read if key.endswith(".entries")] == [f"{old_shard_1}.entries"]  # its pages' entries
    assert templated == ["page.html"]  # page 6 alone: its shard's other entries come from the last build's


def test_an_edit_with_its_shards_entries_lost_templates_that_shards_pages_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shard's search entries kept for the next edit are a cache: lost or damaged, the edited page's shard
    is made from its pages templated again, with the bytes a cold build makes."""
    monkeypatch.setattr(site_search, "SHARD_PAGES", 4)
    source = many_pages(tmp_path, 10)
    out = tmp_path / "out"
    build_html(source, out)
    kept = sorted((out / ".cache" / "html").glob("*.entries"))
    assert len(kept) == 3
    kept[0].unlink()
    for damaged in kept[1:]:
        damaged.unlink()
        damaged.write_bytes(b"not a pickle")
    edited = source / "pages" / "page-002.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("day to day.", "day to day, edited."), "utf-8")
    templated = templates_counted(monkeypatch)
    warm = build_html(source, out)
    assert templated == ["page.html"] * 4  # page 2 for its edit, then pages 1, 3 and 4 for their entries
    cold = build_html(source, tmp_path / "cold")
    for path in sorted(cold.rglob("*")):
        if path.is_file():
            assert (warm / path.relative_to(cold)).read_bytes() == path.read_bytes(), path


def test_an_edit_build_makes_what_a_cold_build_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Edits across shards (a title at a shard's edge, which its neighbour lists; a linked file in another
    shard) then a build with the cache: the same site, byte for byte, as a build without it."""
    monkeypatch.setattr(site_search, "SHARD_PAGES", 4)
    source = many_pages(tmp_path, 10)
    (source / "files").mkdir()
    (source / "files" / "guide.txt").write_text("a guide\n", encoding="utf-8")
    linking = source / "pages" / "page-010.md"
    linking.write_text(linking.read_text(encoding="utf-8") + "\nSee [the guide](../files/guide.txt).\n", "utf-8")
    build_html(source, tmp_path / "out")
    edited = source / "pages" / "page-004.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("title: Page 4", "title: Page Four", 1), "utf-8")
    warm = build_html(source, tmp_path / "out")
    cold = build_html(source, tmp_path / "cold")
    built = {path.relative_to(warm).as_posix(): path.read_bytes() for path in sorted(warm.rglob("*")) if path.is_file()}
    fresh = {path.relative_to(cold).as_posix(): path.read_bytes() for path in sorted(cold.rglob("*")) if path.is_file()}
    assert built == fresh
    assert built["files/guide.txt"] == b"a guide\n"  # linked from shard 2, which the edit left in the store
    assert "Page Four" in json.dumps(search_index(warm)[0][1]) and b"Page Four" in built["page-005.html"]


def test_an_edit_to_what_the_contents_and_references_list_renders_them_again(tmp_path: Path) -> None:
    """The contents and the references are keyed page by page: a new title, a new section or a citation
    dropped on one page changes them, exactly as a build without caches makes them."""
    source = many_pages(tmp_path, 30)
    config = Config(source=source, out=tmp_path / "out", jobs=1)
    pages, cache = PageCache(), site_html.SiteCache()
    first = check(config, pages, ("html",))
    assert first.book is not None
    before = contents(site_html.build_site(first.book, first.parts["html"], config, cache), cache)
    cache.pages.retain_used()
    edited = source / "pages" / "page-007.md"
    text = edited.read_text(encoding="utf-8").replace("title: Page 7", "title: Page Seven", 1)
    text = text.replace("## Engineering", "## Engineering Practice", 1).replace(" [@gitclear2025]", "")
    edited.write_text(text, encoding="utf-8")
    second = check(config, pages, ("html",))
    assert second.book is not None
    after = contents(site_html.build_site(second.book, second.parts["html"], config, cache), cache)
    fresh = site_html.SiteCache()
    assert after == contents(site_html.build_site(second.book, second.parts["html"], config, fresh), fresh)
    changed = {path for path in after if after[path] != before.get(path)}
    assert {"index.html", "references.html", "page-006.html", "page-007.html", "page-008.html"} <= changed
    index = (after["index.html"] or b"").decode()
    assert "Page Seven" in index and "Engineering Practice" in index
    references = (after["references.html"] or b"").decode()
    gitclear = references[references.index('id="ref-gitclear2025"') :].split("</li>", 1)[0]
    assert "page-007.html" not in gitclear and "page-008.html" in gitclear


def test_the_next_build_digests_only_what_the_edited_page_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the contents and the references list of each page, digested, is kept in the cache folder: the
    next build (a new process, a new SiteCache) digests the edited page's listings only, and makes what a
    cold build makes; digests made by other code are not used."""
    source = many_pages(tmp_path, 12)
    out = tmp_path / "out"
    build_html(source, out)
    listed: list[str] = []
    real = site_pages.index_entry

    def counted(page: Page) -> dict[str, Any]:
        listed.append(page.id)
        return real(page)

    monkeypatch.setattr(site_pages, "index_entry", counted)
    edited = source / "pages" / "page-005.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("day to day.", "day to day, edited."), "utf-8")
    warm = build_html(source, out)
    assert listed == ["page-005"]
    cold = build_html(source, tmp_path / "cold")
    files = sorted(path.relative_to(warm).as_posix() for path in warm.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(cold).as_posix() for path in cold.rglob("*") if path.is_file())
    assert all((warm / name).read_bytes() == (cold / name).read_bytes() for name in files)

    kept = out / ".cache" / site_html.FOLDER / site_html.DIGESTS
    _made_by, *digests = pickle.loads(kept.read_bytes())
    kept.unlink()  # the store's entries are hard links: replaced, never written over
    kept.write_bytes(pickle.dumps(("other code", *digests)))
    edited.write_text(edited.read_text(encoding="utf-8").replace("day to day, edited.", "day to day."), "utf-8")
    listed.clear()
    build_html(source, out)
    assert len(listed) == 12


def contents(site: site_html.Site, cache: site_html.SiteCache) -> dict[str, bytes | None]:
    """Every generated file of the site, whether templated now or taken from the cache."""
    return {path: site.get(path, cache) for path in site.generated()}


def test_every_page_is_valid_html(site: Path) -> None:
    if shutil.which("java") is None or not VNU.is_file():
        pytest.skip("needs java and node_modules/vnu-jar (npm install)")
    pages = sorted(str(p) for p in site.glob("*.html"))
    done = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", *pages], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr or done.stdout


# ---- the interface in the handbook's language ------------------------------------------------------------

SITE_PAGES = ("index.html", f"{SEED_PAGE}.html", "search.html", "references.html")
GERMAN = TABLES["de"].strings
GERMAN_EXPECTED = {
    "index.html": [
        "Zum Hauptinhalt springen",
        "Inhalt",
        "Lesen beginnen",
        "Lesezeit",
        "1 Seite, etwa 20 Minuten",
        "Veröffentlicht",
        "24. November 2026",
        "Die Quellen, die das Handbuch zitiert.",
    ],
    f"{SEED_PAGE}.html": [
        "Handbuchseite",
        "Etwa 20 Minuten",
        "5 Selbsteinschätzungen",
        "Das nehmen Sie mit",
        "Auf dieser Seite",
        "Zurück",
        "Weiter",
        "Navigationspfad",
        "Vorherige und nächste Seite",
    ],
    "search.html": [
        "Suche",
        'Wörter oder eine "Wortfolge in Anführungszeichen"',
        "Suchen",
        "Die Suche benötigt JavaScript. Ohne JavaScript nutzen Sie das Inhaltsverzeichnis",
    ],
    "references.html": ["Literatur", "Die in Skill Progression Map zitierten Quellen.", "Zitiert in"],
}


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(source, site) of the sample with ``language: de``."""
    tmp = tmp_path_factory.mktemp("german")
    source = localized_copy(tmp, "de")
    return source, build_html(source, tmp / "out")


def visible_text(path: Path) -> str:
    """The page's visible text and the texts assistive technology reads (aria-label, placeholder, title)."""
    doc = lxml_html.fromstring(path.read_bytes())
    return _texts(doc)


def interface_text(path: Path, content: list[str]) -> str:
    """What a page shows besides the handbook's content: ``visible_text`` without the body, entries, content."""
    doc = lxml_html.fromstring(path.read_bytes())
    for element in doc.xpath("//article[contains(@class, 'prose')] | //div[@class='reference__entry']"):
        element.drop_tree()
    text = _texts(doc)
    for piece in sorted(content, key=len, reverse=True):
        text = text.replace(piece, " ")
    return text


def _texts(doc: Any) -> str:
    parts = [*doc.itertext(), *doc.xpath("//@aria-label | //@placeholder | //@title")]
    return " ".join(" ".join(parts).split())


def content_strings(source: Path) -> list[str]:
    """Every string of the handbook's own that the site's frame shows: titles, summaries, headings, people."""
    book = check(Config(source=source)).book
    assert book is not None
    man = book.manifest
    found = [man.title, man.subtitle, man.description, man.licence, *(a.name for a in man.authors)]
    for page in book.pages:
        meta = page.meta
        found += [page.title, str(meta.get("subtitle") or ""), str(meta.get("summary") or "")]
        found += [str(item) for item in meta.get("objectives") or []]
        found += [heading.text for heading in page.headings]
    return [" ".join(item.split()) for item in found if item.strip()]


def english_interface_labels() -> list[str]:
    """The English template labels German words differently, as phrases (placeholders cut out)."""
    phrases = set()
    for key, english in ENGLISH.items():
        if key in SCRIPT_KEYS or english == GERMAN[key]:
            continue
        for fragment in re.split(r"\{\w+\}", english):
            phrase = fragment.strip(" .,:;·()")
            if re.search(r"[A-Za-z]{2}", phrase):
                phrases.add(phrase)
    return sorted(phrases)


@pytest.mark.parametrize("name", SITE_PAGES)
def test_a_german_handbook_has_a_german_interface_and_no_english_one(german: tuple[Path, Path], name: str) -> None:
    source, site = german
    doc = lxml_html.fromstring((site / name).read_bytes())
    assert doc.get("lang") == "de"
    visible = visible_text(site / name)
    assert [text for text in GERMAN_EXPECTED[name] if text not in visible] == []
    shown = interface_text(site / name, content_strings(source))
    english = [phrase for phrase in english_interface_labels() if re.search(rf"\b{re.escape(phrase)}\b", shown)]
    assert english == [], shown


def test_the_words_markup_writes_into_page_bodies_are_german(german: tuple[Path, Path]) -> None:
    """Heading anchors' aria-label and framework links' title, inside the prose, follow the language too."""
    doc = lxml_html.fromstring((german[1] / f"{SEED_PAGE}.html").read_bytes())
    anchors = {a.get("aria-label") for a in doc.xpath("//article//a[@class='anchor']")}
    assert anchors == {GERMAN["section_link"]}
    titles = [a.get("title") for a in doc.xpath("//article//a[contains(@class, 'framework-link')]")]
    assert titles and all("Framework" in title and "wider framework" not in title for title in titles), titles


def test_the_english_interface_check_would_see_english_labels(site: Path) -> None:
    """The check above is not vacuous: on the English site it finds the English labels."""
    shown = interface_text(site / f"{SEED_PAGE}.html", content_strings(SOURCE))
    found = {phrase for phrase in english_interface_labels() if re.search(rf"\b{re.escape(phrase)}\b", shown)}
    assert {"On this page", "Previous", "Next", "Skip to main content", "What you will take away"} <= found


def test_the_scripts_get_the_german_labels(german: tuple[Path, Path]) -> None:
    script = (german[1] / "_static" / "site.js").read_text(encoding="utf-8")
    prefix = "window.HANDBOOK_LABELS = "
    assert script.startswith(prefix)
    data = json.loads(script[len(prefix) : script.index(";\n")])
    assert data == {"language": "de", "zeroIsOne": False, "strings": {key: GERMAN[key] for key in SCRIPT_KEYS}}


def test_german_references_follow_the_german_citation_locale(german: tuple[Path, Path]) -> None:
    entry = text_of(german[1] / "references.html")
    assert "Roe, R. (Hrsg.). (2019). An Edited Volume (2. Aufl.)." in entry
    assert "(Ed.)" not in entry and "2nd ed." not in entry


def test_more_citing_pages_than_shown_are_counted_in_german(tmp_path: Path) -> None:
    source = many_pages(tmp_path, 2)
    manifest = source / "handbook.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("\nlanguage: en\n", "\nlanguage: de\n"), "utf-8")
    book = check(Config(source=source)).book
    assert book is not None
    context = site_pages.references_context(book, render_citations(book), Names.of(book), shown=1)
    page = lxml_html.fromstring(site_pages.template("references.html").render(context))
    cited = {" ".join(p.text_content().split()) for p in page.xpath("//p[@class='reference__cited']")}
    assert cited == {"Zitiert in Page 1 und 1 weiteren Seite"}


@pytest.mark.parametrize(
    ("language", "contents", "date"), [("de-AT", "Inhalt", "24. November 2026"), ("xx", "Contents", "2026-11-24")]
)
def test_a_regional_tag_picks_its_language_and_an_unknown_one_english(
    tmp_path: Path, language: str, contents: str, date: str
) -> None:
    site = build_html(localized_copy(tmp_path, language), tmp_path / "out")
    doc = lxml_html.fromstring((site / "index.html").read_bytes())
    assert doc.get("lang") == language
    assert doc.xpath("string(//h2[@id='contents'])") == contents
    assert doc.xpath("string(//dl[@class='hero__facts']//time)") == date
    script = (site / "_static" / "site.js").read_text(encoding="utf-8")
    assert f'"table_scrolls": "{labels(language)["table_scrolls"]}"' in script


def test_citations_are_rendered_and_cached_per_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = check(Config(source=localized_copy(tmp_path, "de"))).book
    assert book is not None
    english = dataclasses.replace(book, manifest=dataclasses.replace(book.manifest, language="en"))
    cache = tmp_path / "cache"
    de, en = render_citations(book, cache), render_citations(english, cache)
    assert "(Hrsg.)" in de.entries["roe2019"] and "(Ed.)" in en.entries["roe2019"]
    assert len(list(cache.glob("citations-*.json"))) == 2  # the language is part of the key
    monkeypatch.setattr(cite, "_pandoc", lambda *_args: pytest.fail("pandoc ran although the cache holds it"))
    assert render_citations(book, cache) == de


def test_the_site_cache_renders_citations_again_when_the_language_changes(tmp_path: Path) -> None:
    config = Config(source=localized_copy(tmp_path, "de"), out=tmp_path / "out")
    result = check(config, parts=("html",))
    book = result.book
    assert book is not None
    english = dataclasses.replace(book, manifest=dataclasses.replace(book.manifest, language="en"))
    cache = site_html.SiteCache()
    site_html.build_site(english, result.parts["html"], config, cache)
    german_site = site_html.build_site(book, result.parts["html"], config, cache)
    assert b"(Hrsg.)" in german_site.files["references.html"]
