"""SCORM packages: manifest per LMS.md, metadata, every file listed, control documents, determinism, cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from pipeline.build import build, check
from pipeline.config import Config
from pipeline.diagnostics import PipelineError
from pipeline.package import archive, scorm, zipindex
from pipeline.package.controls import SCORM12, SCORM2004, VERSIONS, XSI, control_documents
from pipeline.package.verify import verify
from tests.scorm_helpers import SOURCE, build_packages, generate, need_xsds
from tests.seed import missing_units

pytestmark = pytest.mark.usefixtures("xsds")
SEED_PAGE = "skill-progression-map"
CP = {"1.2": SCORM12.cp, "2004": SCORM2004.cp}


@pytest.fixture(scope="module")
def xsds() -> None:
    need_xsds()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need_xsds()
    return build_packages(SOURCE, tmp_path_factory.mktemp("scorm-sample"))


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A three-page handbook: several pages in one SCO."""
    need_xsds()
    work = tmp_path_factory.mktemp("scorm-three")
    return build_packages(generate(3, work / "source"), work / "out")


def manifest_of(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive_:
        return etree.fromstring(archive_.read("imsmanifest.xml"))


def text_of(element: etree._Element) -> str:
    """An element's text, which must be there."""
    assert element.text is not None, etree.tostring(element)
    return element.text


def ns(version: str) -> dict[str, str]:
    return {
        "cp": CP[version],
        "adlcp": VERSIONS[version].adlcp,
        "md": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1",
    }


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_every_package_we_build_passes_verify_with_no_finding_at_all(
    sample: dict[str, Path], three: dict[str, Path], version: str
) -> None:
    assert verify(sample[version]) == []
    assert verify(three[version]) == []


def test_package_names_follow_the_handbook_id(sample: dict[str, Path]) -> None:
    assert sample["1.2"].name == f"{SEED_PAGE}-scorm12.zip"
    assert sample["2004"].name == f"{SEED_PAGE}-scorm2004.zip"
    assert sample["1.2"].parent.name == "scorm"


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_manifest_is_at_the_root_with_the_exact_version_strings(sample: dict[str, Path], version: str) -> None:
    with zipfile.ZipFile(sample[version]) as zf:
        assert "imsmanifest.xml" in zf.namelist()
    root = manifest_of(sample[version])
    n = ns(version)
    assert root.tag == f"{{{CP[version]}}}manifest"
    assert root.findtext("cp:metadata/cp:schema", namespaces=n) == "ADL SCORM"
    assert root.findtext("cp:metadata/cp:schemaversion", namespaces=n) == (
        "1.2" if version == "1.2" else "2004 4th Edition"
    )
    sco = root.find("cp:resources/cp:resource", n)
    assert sco is not None
    attribute = "scormtype" if version == "1.2" else "scormType"
    assert sco.get(f"{{{n['adlcp']}}}{attribute}") == "sco"
    assert sco.get("type") == "webcontent" and sco.get("href") == "scorm_launch.html"
    item = root.find("cp:organizations/cp:organization/cp:item", n)
    assert item is not None
    assert etree.QName(item[0]).localname == "title"  # <title> first inside <item>


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_identifiers_come_from_the_handbook_id_and_never_start_with_a_digit(
    sample: dict[str, Path], version: str
) -> None:
    root = manifest_of(sample[version])
    ids = [i for el in root.iter() if isinstance(el.tag, str) and (i := el.get("identifier"))]
    assert ids[0] == f"MANIFEST-{SEED_PAGE}"
    assert f"ORG-{SEED_PAGE}" in ids and f"ITEM-{SEED_PAGE}" in ids and f"RES-{SEED_PAGE}" in ids
    assert len(ids) == len(set(ids))
    assert all(re.match(r"^[A-Za-z_][\w.-]*$", i) for i in ids)


def test_identifiers_are_the_same_for_every_edition_of_a_handbook(tmp_path: Path) -> None:
    """A new manifest identifier would orphan learners' progress: the version must not be part of it."""
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    manifest = source / "handbook.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "2.1"'), "utf-8")
    packages = build_packages(source, tmp_path / "out")
    root = manifest_of(packages["2004"])
    assert root.get("identifier") == f"MANIFEST-{SEED_PAGE}" and root.get("version") == "2.1"


def test_metadata_carries_title_description_language_version_keywords_and_learning_time(three: dict[str, Path]) -> None:
    book = check(Config(source=SOURCE)).book
    assert book is not None
    man = book.manifest
    page_keywords = list(book.pages[0].meta["keywords"])
    minutes = 3 * int(book.pages[0].meta["estimated_minutes"])  # three pages of the sample
    n12 = ns("1.2")
    md = manifest_of(three["1.2"]).find("cp:metadata/md:lom", n12)
    assert md is not None
    assert md.findtext("md:general/md:title/md:langstring", namespaces=n12) == man.title
    assert md.findtext("md:general/md:description/md:langstring", namespaces=n12) == man.description
    assert md.findtext("md:general/md:language", namespaces=n12) == "en"
    assert md.findtext("md:lifecycle/md:version/md:langstring", namespaces=n12) == man.version
    assert (
        md.findtext("md:educational/md:typicallearningtime/md:datetime", namespaces=n12)
        == f"{minutes // 60:02d}:{minutes % 60:02d}:00"
    )
    keywords = [text_of(k) for k in md.findall("md:general/md:keyword/md:langstring", n12)]
    assert keywords[: len(man.keywords)] == list(man.keywords)
    assert all(k in [w.casefold() for w in keywords] for k in (w.casefold() for w in page_keywords))


def test_2004_carries_no_lom_metadata_whose_schema_the_package_lacks(three: dict[str, Path]) -> None:
    """ADL's validator rejects inline IEEE LOM unless lom.xsd (with its folders) is in the package and
    mapped in xsi:schemaLocation; no registry package ships it, so the 2004 manifest has no LOM record."""
    root = manifest_of(three["2004"])
    metadata = root.find("cp:metadata", ns("2004"))
    assert metadata is not None
    assert [etree.QName(child).localname for child in metadata] == ["schema", "schemaversion"]
    assert not [el for el in root.iter() if isinstance(el.tag, str) and "ltsc.ieee.org" in el.tag]


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_every_namespace_is_mapped_to_a_control_document_at_the_root(three: dict[str, Path], version: str) -> None:
    """ADL: "namespace ... is not mapped to a controlling document" for any namespace used without its pair."""
    root = manifest_of(three[version])
    location = (root.get(f"{{{XSI}}}schemaLocation") or "").split()
    mapped = dict(zip(location[::2], location[1::2], strict=True))
    used = {etree.QName(el).namespace for el in root.iter() if isinstance(el.tag, str)}
    used |= {etree.QName(name).namespace for el in root.iter() if isinstance(el.tag, str) for name in el.attrib}
    used -= {None, XSI, "http://www.w3.org/XML/1998/namespace"}
    assert used <= set(mapped), used - set(mapped)
    with zipfile.ZipFile(three[version]) as zf:
        assert set(mapped.values()) <= set(zf.namelist())


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_no_resource_is_dangling(sample: dict[str, Path], three: dict[str, Path], version: str) -> None:
    """Every resource is launched by an item or named by a dependency: the control documents' asset too."""
    for package in (sample[version], three[version]):
        root = manifest_of(package)
        refs = {e.get("identifierref") for e in root.iter() if isinstance(e.tag, str) and e.get("identifierref")}
        resources = {r.get("identifier") for r in root.iter(f"{{{CP[version]}}}resource")}
        assert resources == refs
        sco = root.find("cp:resources/cp:resource", ns(version))
        assert sco is not None
        deps = [d.get("identifierref") for d in sco.iter(f"{{{CP[version]}}}dependency")]
        assert deps == [f"RES-{SEED_PAGE}-schemas"]


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_every_file_is_listed_and_every_listed_file_is_there(three: dict[str, Path], version: str) -> None:
    root = manifest_of(three[version])
    listed = {f.get("href") for f in root.iter(f"{{{CP[version]}}}file")}
    with zipfile.ZipFile(three[version]) as zf:
        names = set(zf.namelist())
    assert names == listed | {"imsmanifest.xml"}
    assert all(re.match(r"^[A-Za-z0-9._/-]+$", name) and ".." not in name.split("/") for name in names)
    for page in ("index", "references", f"{SEED_PAGE}-0001", f"{SEED_PAGE}-0003"):
        assert f"{page}.html" in names


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_control_documents_named_in_schema_location_ship_unmodified_at_the_root(
    sample: dict[str, Path], version: str
) -> None:
    root = manifest_of(sample[version])
    schema_location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    assert schema_location is not None
    words = schema_location.split()
    named = words[1::2]
    expected = [href for _, href in VERSIONS[version].locations]
    assert named == expected
    shipped = control_documents(VERSIONS[version])
    with zipfile.ZipFile(sample[version]) as zf:
        for name, path in shipped.items():
            assert zf.read(name) == path.read_bytes(), name
    assert set(named) <= set(shipped)


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_zip_is_deterministic_sorted_with_fixed_time_and_mode(
    sample: dict[str, Path], tmp_path: Path, version: str
) -> None:
    again = build_packages(SOURCE, tmp_path / "again")[version]  # another folder, another cache
    assert again.read_bytes() == sample[version].read_bytes()
    with zipfile.ZipFile(again) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {(2026, 11, 24, 0, 0, 0)}  # the manifest's date
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        assert zf.testzip() is None


def test_every_page_carries_the_run_time_and_keeps_its_content(
    three: dict[str, Path], sample: dict[str, Path], seed_text: str
) -> None:
    with zipfile.ZipFile(three["1.2"]) as zf:
        pages = [n for n in zf.namelist() if n.endswith(".html") and n != "scorm_launch.html"]
        assert len(pages) >= 5
        for name in pages:
            html = zf.read(name).decode()
            assert f'<script src="scorm_runtime/page.js" data-hb-doc="{name[:-5]}" defer></script>' in html
            assert "Content-Security-Policy" in html  # the site's own policy is kept
    with zipfile.ZipFile(sample["2004"]) as zf:  # every sentence, cell and citation of the seed survives
        body = " ".join(lxml_html.fromstring(zf.read(f"{SEED_PAGE}.html")).text_content().split())
    assert missing_units(body, seed_text) == []


def test_launch_page_has_no_inline_script_and_describes_the_sections(three: dict[str, Path]) -> None:
    with zipfile.ZipFile(three["2004"]) as zf:
        launch = zf.read("scorm_launch.html").decode()
        tree = lxml_html.fromstring(launch)
        executable = [s for s in tree.iter("script") if s.get("type") != "application/json"]
        assert executable and all(s.get("src") and not (s.text or "").strip() for s in executable)
        config_text = tree.get_element_by_id("hb-scorm-config").text
        assert config_text is not None
        config = json.loads(config_text)
        assert config["version"] == "2004" and config["completion"] == "sections" and config["start"] == "index"
        for page_id, count in config["pages"]:
            sections = re.findall(r'<section class="hb-section" data-section="', zf.read(f"{page_id}.html").decode())
            assert count == len(sections) > 0
        assert [p for p, _ in config["pages"]] == [f"{SEED_PAGE}-000{n}" for n in (1, 2, 3)]
        assert "index" in config["documents"] and "references" in config["documents"]
        assert re.fullmatch(r"[0-9a-f]{8}", config["hash"])


def test_unchanged_inputs_reuse_the_cached_zip_and_changed_inputs_rebuild_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    first = build_packages(source, tmp_path / "out")["1.2"].read_bytes()

    def no_zip_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("zip work on a no-change rebuild")

    before = cached_zips(tmp_path / "out")
    with monkeypatch.context() as patch:
        patch.setattr(archive, "write_zip", no_zip_work)
        patch.setattr(archive, "pack_all", no_zip_work)
        assert build_packages(source, tmp_path / "out")["1.2"].read_bytes() == first
    assert cached_zips(tmp_path / "out") == before  # the cached zips are linked into place, never rewritten
    page = source / "pages" / f"{SEED_PAGE}.md"
    page.write_text(page.read_text(encoding="utf-8").replace("day to day.", "every day.", 1), encoding="utf-8")
    rebuilt = build_packages(source, tmp_path / "out")["1.2"]
    assert rebuilt.read_bytes() != first
    with zipfile.ZipFile(rebuilt) as zf:
        assert "every day." in zf.read(f"{SEED_PAGE}.html").decode()
    assert len(list((tmp_path / "out" / ".cache" / "scorm").glob(f"{SEED_PAGE}-scorm12-*.zip"))) == 1


def cached_zips(out: Path) -> dict[str, int]:
    """The zip cache of a build's output folder: file name → inode."""
    return {path.name: path.stat().st_ino for path in (out / ".cache" / scorm.FOLDER).iterdir()}


def sound(*packages: Path) -> None:
    """Each zip reads back with Python's reader, and with Info-ZIP's where it is installed."""
    for package in packages:
        with zipfile.ZipFile(package) as zf:
            assert zf.testzip() is None
        if shutil.which("unzip"):
            subprocess.run(["unzip", "-tq", str(package)], check=True, capture_output=True)


def test_a_one_page_edit_deflates_only_the_files_it_changed_and_equals_a_cold_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = generate(3, tmp_path / "source")
    out = tmp_path / "out"
    first = {v: p.read_bytes() for v, p in build_packages(source, out).items()}
    before = cached_zips(out)
    with (source / "pages" / f"{SEED_PAGE}-0002.md").open("a", encoding="utf-8") as page:
        page.write("\nOne more sentence on the second page.\n")
    deflated: list[bytes] = []
    deflate = archive.deflate

    def counted(raw: archive.Data, window: archive.Data = b"", final: bool = True) -> bytes:
        deflated.append(bytes(raw))
        return deflate(raw, window, final)

    with monkeypatch.context() as patch:
        patch.setattr(archive, "deflate", counted)
        second = build_packages(source, out)
    cold = build_packages(source, tmp_path / "cold")
    assert {v: p.read_bytes() for v, p in second.items()} == {v: p.read_bytes() for v, p in cold.items()}
    assert {v: p.read_bytes() for v, p in second.items()} != first
    sound(*second.values())
    with zipfile.ZipFile(second["1.2"]) as zf:
        names = {zf.read(name): name for name in zf.namelist()}
    # once for both packages: the 2004 package takes them from the 1.2 package's new zip
    assert sorted(names[raw] for raw in deflated) == [
        "_static/search-index/0.js",
        f"{SEED_PAGE}-0002.html",
    ]  # the page and its search shard
    after = cached_zips(out)
    assert len(after) == 4 and not set(after) & set(before)  # a zip and its index per package, the older dropped
    assert all(second[v].stat().st_ino in after.values() for v in second)  # the outputs link the cached zips
    assert not [p for p in (out / ".cache").rglob("*") if p.name.endswith(".partial")]


def test_a_build_from_an_older_versions_cache_equals_a_cold_build(tmp_path: Path) -> None:
    """An earlier version's member cache and zips without an index: not read, deleted, the same packages."""
    source = generate(3, tmp_path / "source")
    out = tmp_path / "out"
    build_packages(source, out)
    cache = out / ".cache"
    for folder in ("zip-members", "zip-members.unused"):
        (cache / folder).mkdir()
        (cache / folder / ("0" * 64)).write_bytes(b"HBZ1 an earlier version's deflated member")
    for path in (cache / scorm.FOLDER).iterdir():  # as an earlier version left them: zips, no index
        if path.suffix == zipindex.SUFFIX:
            path.unlink()
        else:
            path.rename(path.with_name(path.name[:-37] + "-" + "1" * 32 + ".zip"))
    packages = build_packages(source, out)
    cold = build_packages(source, tmp_path / "cold")
    assert {v: p.read_bytes() for v, p in packages.items()} == {v: p.read_bytes() for v, p in cold.items()}
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith("zip-members")) == []
    assert sorted(p.suffix for p in (cache / scorm.FOLDER).iterdir()) == [".index", ".index", ".zip", ".zip"]
    assert not [p for p in (cache / scorm.FOLDER).iterdir() if "1" * 32 in p.name]


def test_a_damaged_cached_zip_is_not_trusted(tmp_path: Path) -> None:
    """A cached zip truncated in place (which the published package shares): the next build is still right."""
    source = generate(3, tmp_path / "source")
    out = tmp_path / "out"
    build_packages(source, out)
    for path in (out / ".cache" / scorm.FOLDER).glob("*.zip"):
        os.truncate(path, path.stat().st_size // 3)
    with (source / "pages" / f"{SEED_PAGE}-0003.md").open("a", encoding="utf-8") as page:
        page.write("\nOne more sentence on the third page.\n")
    packages = build_packages(source, out)
    cold = build_packages(source, tmp_path / "cold")
    assert {v: p.read_bytes() for v, p in packages.items()} == {v: p.read_bytes() for v, p in cold.items()}
    sound(*packages.values())
    assert all(verify(path) == [] for path in packages.values())


def small_site(folder: Path, page_id: str) -> Path:
    """A hand-made site: the shape the packager relies on, nothing else."""
    (folder / "sub").mkdir(parents=True)
    page = (
        "<!DOCTYPE html><html><head><title>p</title></head><body>"
        '<section class="hb-section" data-section="a&amp;b">A</section>'
        '<section class="note hb-section wide" data-section="two">B</section></body></html>'
    )
    (folder / "index.html").write_text("<!DOCTYPE html><html><head></head><body>home</body></html>", "utf-8")
    (folder / f"{page_id}.html").write_text(page, "utf-8")
    (folder / "sub" / "deep.html").write_text("<html><body>no head</body></html>", "utf-8")
    (folder / ".hidden").write_text("not shipped", "utf-8")
    return folder


def test_packager_reads_any_site_folder_nested_pages_and_odd_markup(tmp_path: Path) -> None:
    book = check(Config(source=SOURCE)).book
    assert book is not None
    site = small_site(tmp_path / "site", SEED_PAGE)
    zip_path = scorm.build_package(book, site, SCORM12, tmp_path / "out", tmp_path / "cache")
    assert verify(zip_path) == []
    with zipfile.ZipFile(zip_path) as zf:
        assert ".hidden" not in zf.namelist()
        deep = zf.read("sub/deep.html").decode()
        assert '<script src="../scorm_runtime/page.js" data-hb-doc="sub/deep" defer></script>' in deep
        config_text = lxml_html.fromstring(zf.read("scorm_launch.html")).get_element_by_id("hb-scorm-config").text
        assert config_text is not None
        config = json.loads(config_text)
    assert config["pages"] == [[SEED_PAGE, 2]]
    assert config["documents"] == ["index", "sub/deep"]


def test_a_site_file_that_clashes_with_the_package_files_is_an_error(tmp_path: Path) -> None:
    book = check(Config(source=SOURCE)).book
    assert book is not None
    site = small_site(tmp_path / "site", SEED_PAGE)
    (site / "scorm_launch.html").write_text("x", "utf-8")
    with pytest.raises(PipelineError, match=r"scorm_launch\.html"):
        scorm.build_package(book, site, SCORM2004, tmp_path / "out", tmp_path / "cache")


def test_last_page_completion_rule_is_written_to_the_launch_page(sample: dict[str, Path], tmp_path: Path) -> None:
    """`scorm: {completion: last-page}` in handbook.yaml reaches the packages' run-time configuration."""
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    manifest = source / "handbook.yaml"
    manifest.write_text(manifest.read_text("utf-8") + "scorm:\n  completion: last-page\n", "utf-8")
    out = tmp_path / "out"
    result = build(Config(source=source, out=out, formats=("scorm2004",)))
    assert result.ok, [d.message for d in result.diagnostics]
    (zip_path,) = result.by_format["scorm2004"]
    with zipfile.ZipFile(zip_path) as zf:
        assert '"completion":"last-page"' in zf.read("scorm_launch.html").decode()
    with zipfile.ZipFile(sample["2004"]) as zf:
        assert '"completion":"sections"' in zf.read("scorm_launch.html").decode()
    book = check(Config(source=SOURCE)).book
    assert book is not None
    with pytest.raises(ValueError, match="completion"):
        scorm.build_package(book, small_site(tmp_path / "site", SEED_PAGE), SCORM2004, out, out, completion="x")


def test_packages_built_without_the_html_format_are_the_same(sample: dict[str, Path], tmp_path: Path) -> None:
    """--format scorm12 alone renders the site for itself, and publishes only the package."""
    from pipeline.build import build

    result = build(Config(source=SOURCE, out=tmp_path, formats=("scorm2004", "scorm12")))
    assert result.ok
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["scorm"]
    for version, path in sample.items():
        assert (tmp_path / "scorm" / path.name).read_bytes() == path.read_bytes(), version


def test_long_titles_versions_and_markup_characters_still_verify(tmp_path: Path) -> None:
    """1.2's schema caps titles at 200 characters and the version at 20; text is escaped, never markup."""
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    manifest = source / "handbook.yaml"
    title = 'Skills & <levels> "quoted" ' + "x" * 250
    text = manifest.read_text(encoding="utf-8").replace("title: Skill Progression Map", f"title: '{title}'", 1)
    manifest.write_text(text.replace('version: "1.0"', 'version: "1.0.0-rc.1.build.20261124"'), "utf-8")
    packages = build_packages(source, tmp_path / "out")
    for version, path in packages.items():
        assert verify(path) == [], version
        root = manifest_of(path)
        n = ns(version)
        org_title = root.findtext("cp:organizations/cp:organization/cp:title", namespaces=n)
        assert org_title is not None
        assert org_title.startswith("Skills & <levels>") and len(org_title) == 200
        version_text = root.get("version")
        assert version_text is not None
        assert len(version_text) == 20
    md = manifest_of(packages["1.2"]).find("cp:metadata/md:lom", ns("1.2"))
    assert md is not None
    assert md.findtext("md:general/md:title/md:langstring", namespaces=ns("1.2")) == title  # the full title


@pytest.mark.parametrize("text", ["plain", "a & b < c > d", 'say "hi"', "it's", "both \" and '", "tab\tcr\rnl\n", ""])
def test_manifest_text_is_quoted_as_the_standard_library_quotes_it(text: str) -> None:
    from xml.sax.saxutils import escape, quoteattr

    from pipeline.package import manifest

    assert manifest.escape(text) == escape(text)
    assert manifest.quoteattr(text) == quoteattr(text)
    # and an XML parser reads the attribute back as the text
    assert etree.fromstring(f"<a v={manifest.quoteattr(text)}/>").get("v") == text
