"""SCORM packages with one SCO per page (`scorm: {scos: per-page}`): manifest, files, launch files, verify."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from pipeline.build import check
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, PipelineError, Severity
from pipeline.package import archive, scorm
from pipeline.package.controls import SCORM12, SCORM2004, VERSIONS
from pipeline.package.verify import verify
from tests.scorm_helpers import SOURCE, build_packages, generate, need_xsds, rezip

pytestmark = pytest.mark.usefixtures("xsds")
HB = "skill-progression-map"
PAGES = [f"{HB}-000{n}" for n in (1, 2, 3)]
CP = {"1.2": SCORM12.cp, "2004": SCORM2004.cp}
LOM = {"1.2": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"}
IMSSS = "http://www.imsglobal.org/xsd/imsss"


@pytest.fixture(scope="module")
def xsds() -> None:
    need_xsds()


def per_page_source(dest: Path, extra: str = "") -> Path:
    """The three-page handbook with one SCO per page (and any other `scorm:` key)."""
    source = generate(3, dest)
    manifest = source / "handbook.yaml"
    manifest.write_text(manifest.read_text("utf-8") + "scorm:\n  scos: per-page\n" + extra, "utf-8")
    return source


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need_xsds()
    work = tmp_path_factory.mktemp("scorm-multi")
    return build_packages(per_page_source(work / "source"), work / "out")


def manifest_of(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("imsmanifest.xml"))


def names_of(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as zf:
        return set(zf.namelist())


def launch_config(path: Path, name: str) -> dict[str, object]:
    with zipfile.ZipFile(path) as zf:
        text = lxml_html.fromstring(zf.read(name)).get_element_by_id("hb-scorm-config").text
    assert text is not None
    return dict(json.loads(text))


def resources_of(root: etree._Element, version: str) -> dict[str, etree._Element]:
    return {str(r.get("identifier")): r for r in root.iter(f"{{{CP[version]}}}resource")}


def kind(resource: etree._Element, version: str) -> str | None:
    return resource.get(f"{{{VERSIONS[version].adlcp}}}{VERSIONS[version].sco_attribute}")


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_per_page_packages_pass_verify_with_no_finding(multi: dict[str, Path], version: str) -> None:
    assert verify(multi[version]) == []


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_one_item_per_page_in_reading_order_each_launching_its_own_sco(multi: dict[str, Path], version: str) -> None:
    root = manifest_of(multi[version])
    cp = CP[version]
    (organization,) = root.iter(f"{{{cp}}}organization")
    items = organization.findall(f"{{{cp}}}item")
    assert [i.get("identifier") for i in items] == [f"ITEM-{HB}-{page}" for page in PAGES]
    assert [i.findtext(f"{{{cp}}}title") for i in items] == [f"Skill Progression Map {n}" for n in (1, 2, 3)]
    assert all(etree.QName(i[0]).localname == "title" for i in items)  # <title> first inside <item>
    resources = resources_of(root, version)
    shared = f"RES-{HB}-site"
    for item, page in zip(items, PAGES, strict=True):
        sco = resources[str(item.get("identifierref"))]
        assert sco.get("identifier") == f"SCO-{HB}-{page}" and kind(sco, version) == "sco"
        assert sco.get("href") == f"scorm_launch_{page}.html"
        assert [f.get("href") for f in sco.iter(f"{{{cp}}}file")] == [sco.get("href")]
        assert [d.get("identifierref") for d in sco.iter(f"{{{cp}}}dependency")] == [shared, f"RES-{HB}-schemas"]
    assert kind(resources[shared], version) == "asset" and resources[shared].get("href") is None
    assert kind(resources[f"RES-{HB}-schemas"], version) == "asset"
    assert len(resources) == len(PAGES) + 2
    refs = [e.get("identifierref") for e in root.iter() if isinstance(e.tag, str) and e.get("identifierref")]
    assert refs and all(ref in resources for ref in refs)  # every item and dependency resolves
    ids = [i for e in root.iter() if isinstance(e.tag, str) and (i := e.get("identifier"))]
    assert len(ids) == len(set(ids)) and all(re.match(r"^[A-Za-z_][\w.-]*$", i) for i in ids)


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_every_file_is_listed_exactly_once_and_every_listed_file_is_there(multi: dict[str, Path], version: str) -> None:
    root = manifest_of(multi[version])
    listed = [str(f.get("href")) for f in root.iter(f"{{{CP[version]}}}file")]
    assert [name for name, n in Counter(listed).items() if n > 1] == []
    names = names_of(multi[version])
    assert names == set(listed) | {"imsmanifest.xml"}
    assert "scorm_launch.html" not in names  # the single SCO's launch file is not part of this shape
    assert {f"scorm_launch_{page}.html" for page in PAGES} <= names
    site = resources_of(root, version)[f"RES-{HB}-site"]
    site_files = {f.get("href") for f in site.iter(f"{{{CP[version]}}}file")}
    assert {"index.html", f"{PAGES[1]}.html", "scorm_runtime/sco.js", "scorm_runtime/page.js"} <= site_files


def test_the_site_is_the_same_as_in_the_single_sco_package(multi: dict[str, Path], tmp_path: Path) -> None:
    """Only the launch files and the manifest differ: the pages, run-time and control documents do not."""
    single = build_packages(generate(3, tmp_path / "source"), tmp_path / "out")["2004"]
    with zipfile.ZipFile(single) as one, zipfile.ZipFile(multi["2004"]) as many:
        shared = set(one.namelist()) & set(many.namelist())
        assert set(one.namelist()) - shared == {"scorm_launch.html"}
        assert set(many.namelist()) - shared == {f"scorm_launch_{page}.html" for page in PAGES}
        assert [n for n in sorted(shared - {"imsmanifest.xml"}) if one.read(n) != many.read(n)] == []


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_each_launch_file_tracks_its_own_page_only(multi: dict[str, Path], version: str) -> None:
    hashes = set()
    for page in PAGES:
        config = launch_config(multi[version], f"scorm_launch_{page}.html")
        with zipfile.ZipFile(multi[version]) as zf:
            sections = re.findall(r'<section class="hb-section" data-section="', zf.read(f"{page}.html").decode())
        assert config["pages"] == [[page, len(sections)]] and len(sections) > 1
        assert config["start"] == page and config["documents"] == []
        assert config["version"] == version and config["completion"] == "sections"
        hashes.add(str(config["hash"]))
    assert len(hashes) == len(PAGES)  # one SCO's saved state never applies to another page's layout
    with zipfile.ZipFile(multi[version]) as zf:
        launch = lxml_html.fromstring(zf.read(f"scorm_launch_{PAGES[1]}.html"))
    assert launch.findtext(".//title") == "Skill Progression Map 2"
    scripts = [s for s in launch.iter("script") if s.get("type") != "application/json"]
    assert [s.get("src") for s in scripts] == ["scorm_runtime/codec.js", "scorm_runtime/sco.js"]


def test_each_item_carries_its_pages_title_and_typical_learning_time(multi: dict[str, Path]) -> None:
    """1.2 only: 2004 manifests carry no LOM (its schema is not in the package, see test_scorm_package)."""
    book = check(Config(source=SOURCE)).book  # the generated pages are variants of the sample's one page
    assert book is not None
    minutes = int(book.pages[0].meta["estimated_minutes"])
    cp, md = CP["1.2"], LOM["1.2"]
    items = list(manifest_of(multi["1.2"]).iter(f"{{{cp}}}item"))
    lom = [i.find(f"{{{cp}}}metadata/{{{md}}}lom") for i in items]
    assert all(record is not None for record in lom)
    path = "/".join(f"{{{md}}}{step}" for step in ["educational", "typicallearningtime", "datetime"])
    expected = f"{minutes // 60:02d}:{minutes % 60:02d}:00"
    assert [record.findtext(path) for record in lom if record is not None] == [expected] * len(PAGES)
    path = "/".join(f"{{{md}}}{step}" for step in ["general", "title", "langstring"])
    titles = [record.findtext(path) for record in lom if record is not None]
    assert titles == [f"Skill Progression Map {n}" for n in (1, 2, 3)]
    items_2004 = list(manifest_of(multi["2004"]).iter(f"{{{CP['2004']}}}item"))
    assert items_2004 and all(i.find(f"{{{CP['2004']}}}metadata") is None for i in items_2004)


def test_2004_lets_the_learner_move_between_the_scos(multi: dict[str, Path]) -> None:
    root = manifest_of(multi["2004"])
    cp = CP["2004"]
    (organization,) = root.iter(f"{{{cp}}}organization")
    control = organization.find(f"{{{IMSSS}}}sequencing/{{{IMSSS}}}controlMode")
    assert control is not None and control.get("choice") == "true" and control.get("flow") == "true"
    for item in organization.findall(f"{{{cp}}}item"):
        delivery = item.find(f"{{{IMSSS}}}sequencing/{{{IMSSS}}}deliveryControls")
        assert delivery is not None
        assert delivery.get("completionSetByContent") == "true" and delivery.get("objectiveSetByContent") == "true"
        assert etree.QName(item[-1]).localname == "sequencing"  # after the item's metadata, as the XSD wants


def test_rebuilds_are_byte_identical_and_reuse_the_cache(
    multi: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = per_page_source(tmp_path / "source")
    again = build_packages(source, tmp_path / "out")
    for version, path in again.items():
        assert path.read_bytes() == multi[version].read_bytes(), version

    def no_zip_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("zip work on a no-change rebuild")

    with monkeypatch.context() as patch:
        patch.setattr(archive, "write_zip", no_zip_work)
        patch.setattr(archive, "pack_all", no_zip_work)
        cached = build_packages(source, tmp_path / "out")
    assert all(cached[v].read_bytes() == multi[v].read_bytes() for v in cached)


def test_last_page_rule_becomes_the_last_section_of_each_page(tmp_path: Path) -> None:
    source = per_page_source(tmp_path / "source", "  completion: last-page\n")
    packages = build_packages(source, tmp_path / "out")
    for page in PAGES:
        assert launch_config(packages["1.2"], f"scorm_launch_{page}.html")["completion"] == "last-section"


def test_an_unknown_sco_shape_or_a_site_without_the_pages_is_refused(tmp_path: Path) -> None:
    book = check(Config(source=generate(1, tmp_path / "source"))).book
    assert book is not None
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>home</p>", "utf-8")
    with pytest.raises(ValueError, match="scos"):
        scorm.build_package(book, site, SCORM12, tmp_path / "out", tmp_path / "cache", scos="x")
    with pytest.raises(PipelineError, match="one SCO per page"):  # no page of the book in the site: no SCO
        scorm.build_package(book, site, SCORM12, tmp_path / "out", tmp_path / "cache", scos="per-page")
    zip_path = scorm.build_package(book, site, SCORM12, tmp_path / "out", tmp_path / "cache")
    assert verify(zip_path) == []  # the single SCO still packages such a site, as before


# Multi-SCO manifest mistakes: (edit of the 2004 or 1.2 manifest, expected code, severity).
SCO2 = f"SCO-{HB}-{PAGES[1]}"
BREAKS = {
    "dependency-names-no-resource": (
        lambda m: m.replace(f'<dependency identifierref="RES-{HB}-site"/>', '<dependency identifierref="RES-x"/>', 1),
        "PKG004",
        Severity.ERROR,
    ),
    "sco-without-href": (
        lambda m: m.replace(f' href="scorm_launch_{PAGES[1]}.html"', "", 1),
        "PKG012",
        Severity.ERROR,
    ),
    "leaf-item-without-resource": (
        lambda m: m.replace(f' identifierref="{SCO2}"', "", 1),
        "PKG012",
        Severity.ERROR,
    ),
    "item-launching-the-shared-asset": (
        lambda m: m.replace(f'identifierref="{SCO2}"', f'identifierref="RES-{HB}-site"', 1),
        "PKG012",
        Severity.ERROR,
    ),
    "page-left-out-of-the-organization": (
        lambda m: re.sub(rf'\s*<item identifier="ITEM-{HB}-{PAGES[1]}".*?</item>', "", m, count=1, flags=re.S),
        "PKG013",
        Severity.WARNING,
    ),
}


def found(diagnostics: list[Diagnostic]) -> list[tuple[str, Severity]]:
    return sorted({(d.code, d.severity) for d in diagnostics})


@pytest.mark.parametrize("version", ["1.2", "2004"])
@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_multi_sco_mistake_is_reported_with_its_code(
    multi: dict[str, Path], tmp_path: Path, version: str, case: str
) -> None:
    edit, code, severity = BREAKS[case]
    broken = rezip(multi[version], tmp_path / f"broken-{version}.zip", edit)
    assert etree.tostring(manifest_of(broken)) != etree.tostring(manifest_of(multi[version]))  # the edit applied
    diagnostics = verify(broken)
    assert (code, severity) in found(diagnostics), [f"{d.code} {d.message}" for d in diagnostics]
    assert not [d for d in diagnostics if d.code == "PKG003"], "the XSDs accept it: only the semantic check finds it"
    if severity is Severity.WARNING:
        assert {d.severity for d in diagnostics} == {Severity.WARNING}
    hit = next(d for d in diagnostics if d.code == code)
    assert hit.line > 1 and hit.source_line.strip().startswith(("<item", "<resource", "<dependency"))
