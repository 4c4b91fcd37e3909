"""The package stage: packagers after the renderers, reading the staged site; what a build publishes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import generate
from pipeline.build import build
from pipeline.config import Config
from pipeline.formats import FORMATS, plan
from pipeline.package import PACKAGERS, SITE, scorm, site, siteindex
from pipeline.render import MODULES, site_search
from pipeline.render import html as site_html
from tests.scorm_helpers import ROOT, SOURCE, need_xsds

ZIP12 = "skill-progression-map-scorm12.zip"


def test_formats_are_the_renderers_then_the_packagers_and_html_is_rendered_for_the_packages() -> None:
    assert FORMATS == ("html", "json", "pdf", "scorm12", "scorm2004")
    assert SITE == site_html.FOLDER
    assert plan(()).renderers == ("html", "json", "pdf") and plan(()).packagers == tuple(PACKAGERS)
    assert not plan(()).site_only
    alone = plan(("scorm2004", "pdf", "scorm12"))
    assert (alone.renderers, alone.packagers, alone.site_only) == (("html", "pdf"), ("scorm2004", "scorm12"), True)
    assert plan(("json",)) == plan(("json", "json"))
    assert not plan(("json",)).packagers and not plan(("json",)).site_only
    with pytest.raises(ValueError, match="unknown format scorm3"):
        plan(("scorm3",))
    assert set(MODULES).isdisjoint(PACKAGERS)


def test_importing_the_packagers_does_not_import_any_renderer() -> None:
    code = (
        "import sys\n"
        "import pipeline.package, pipeline.package.zipcache\n"
        "from pipeline.package import PACKAGERS, packager\n"
        "for name in PACKAGERS:\n"
        "    packager(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('pipeline.render')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_a_package_built_alone_equals_the_full_builds_and_outputs_keep_their_earlier_site(tmp_path: Path) -> None:
    need_xsds()
    full = build(Config(source=SOURCE, out=tmp_path / "full"))  # no --format: every format
    assert full.ok and list(full.by_format) == list(FORMATS)
    out = tmp_path / "alone"
    (out / "html").mkdir(parents=True)
    (out / "html" / "index.html").write_text("previous build", encoding="utf-8")
    alone = build(Config(source=SOURCE, out=out, formats=("scorm12",)))
    assert alone.ok and list(alone.by_format) == ["scorm12"]
    assert alone.outputs == [out / "scorm" / ZIP12]
    assert (out / "scorm" / ZIP12).read_bytes() == (tmp_path / "full" / "scorm" / ZIP12).read_bytes()
    # the site rendered for the package is not published: the earlier html/ is carried over unchanged
    assert sorted(p.name for p in out.iterdir()) == [".cache", "html", "scorm"]
    assert [p.name for p in (out / "html").iterdir()] == ["index.html"]
    assert (out / "html" / "index.html").read_text(encoding="utf-8") == "previous build"
    assert sorted(p.name for p in (out / "scorm").iterdir()) == [ZIP12]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging folder left


def test_a_build_without_packages_leaves_their_cache_alone(tmp_path: Path) -> None:
    need_xsds()
    assert build(Config(source=SOURCE, out=tmp_path, formats=("scorm2004",))).ok
    cache = tmp_path / ".cache" / scorm.FOLDER
    before = {p.name: p.stat().st_ino for p in cache.iterdir()}
    assert before
    assert build(Config(source=SOURCE, out=tmp_path, formats=("json",))).ok
    assert {p.name: p.stat().st_ino for p in cache.iterdir()} == before


def test_after_an_edit_the_packages_read_only_the_changed_pages_and_equal_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_xsds()
    monkeypatch.setattr(site_search, "SHARD_PAGES", 2)  # search shards of pages 1-2, 3-4 and 5-6
    source = generate(6, tmp_path / "src")
    formats = ("html", "scorm12", "scorm2004")
    out = tmp_path / "out"
    assert build(Config(source=source, out=out, formats=formats)).ok
    assert (out / ".cache" / siteindex.NAME).is_file()
    page = source / "pages" / "skill-progression-map-0004.md"
    page.write_text(page.read_text(encoding="utf-8").replace("day to day", "day to day (edited)", 1), encoding="utf-8")
    read: list[str] = []
    packaged = site.packaged

    def counting(raw: bytes, rel: str) -> bytes:
        read.append(rel)
        return packaged(raw, rel)

    monkeypatch.setattr(site, "packaged", counting)
    assert build(Config(source=source, out=out, formats=formats)).ok
    pages = sorted({rel for rel in read if rel.startswith("skill-progression-map-")})
    assert pages == ["skill-progression-map-0004.html"]  # the other pages are known by their store key
    assert "index.html" in read  # a generated file, not a store entry: read
    assert sorted(rel for rel in read if rel.startswith("_static/search-index/")) == ["_static/search-index/1.js"]
    monkeypatch.setattr(site, "packaged", packaged)
    cold = tmp_path / "cold"
    assert build(Config(source=source, out=cold, formats=formats)).ok
    for name in (ZIP12, ZIP12.replace("12", "2004")):
        assert (out / "scorm" / name).read_bytes() == (cold / "scorm" / name).read_bytes()
    # a packager run on its own (no cache folder) reads the whole site and writes the same bytes
    from pipeline.package.controls import VERSIONS
    from pipeline.package.scorm import build_package

    result = build(Config(source=source, out=tmp_path / "again", formats=formats))
    assert result.book is not None
    alone = build_package(result.book, cold / "html", VERSIONS["1.2"], tmp_path / "alone", tmp_path / "fresh-cache")
    assert alone.read_bytes() == (cold / "scorm" / ZIP12).read_bytes()


def test_a_rebuild_makes_the_later_packages_in_another_process_and_the_same_zips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_xsds()
    source = generate(4, tmp_path / "src")
    formats = ("html", "scorm12", "scorm2004")
    made_in = tmp_path / "made-in"
    made_in.mkdir()
    packaging = scorm.build_package

    def noting(*args: object, **kwargs: object) -> Path:
        made = packaging(*args, **kwargs)  # type: ignore[arg-type]
        (made_in / made.name).write_text(str(os.getpid()), encoding="utf-8")
        return made

    monkeypatch.setattr(scorm, "build_package", noting)
    zips = (ZIP12, ZIP12.replace("12", "2004"))
    first = build(Config(source=source, out=tmp_path / "out", formats=formats))
    assert first.ok
    assert {(made_in / name).read_text(encoding="utf-8") for name in zips} == {str(os.getpid())}  # a first build
    page = source / "pages" / "skill-progression-map-0002.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nAn edit.\n", encoding="utf-8")
    for jobs, out in ((0, tmp_path / "out"), (1, tmp_path / "one")):
        assert build(Config(source=source, out=out, formats=formats, jobs=jobs)).ok
        if jobs == 1:
            assert build(Config(source=source, out=out, formats=formats, jobs=jobs)).ok  # its rebuild
        pids = [(made_in / name).read_text(encoding="utf-8") for name in zips]
        assert (pids[0] == str(os.getpid()), pids[1] == str(os.getpid())) == (True, jobs == 1)
    cold = tmp_path / "cold"
    assert build(Config(source=source, out=cold, formats=formats)).ok
    for name in zips:
        assert (tmp_path / "out" / "scorm" / name).read_bytes() == (cold / "scorm" / name).read_bytes()
        assert (tmp_path / "one" / "scorm" / name).read_bytes() == (cold / "scorm" / name).read_bytes()
