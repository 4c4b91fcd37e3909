"""`handbook verify`: our packages pass; one hand-broken package per LMS.md pitfall fails with its PKG code."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.package.verify import verify
from tests.scorm_helpers import SOURCE, build_packages, need_xsds, rezip

ID = "skill-progression-map"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need_xsds()
    return build_packages(SOURCE, tmp_path_factory.mktemp("verify-sample"))


def codes(diagnostics: list[Diagnostic]) -> set[str]:
    return {d.code for d in diagnostics}


def errors(diagnostics: list[Diagnostic]) -> set[str]:
    return {d.code for d in diagnostics if d.severity is Severity.ERROR}


def broken(
    built: dict[str, Path], tmp_path: Path, version: str, edit: Callable[[str], str] | None = None, **changes: object
) -> list[Diagnostic]:
    path = rezip(built[version], tmp_path / f"broken-{version}.zip", edit, **changes)  # type: ignore[arg-type]
    return verify(path)


# One broken manifest per pitfall of LMS.md: (version, edit of imsmanifest.xml, expected code).
MANIFEST_BREAKS = {
    "id-starts-with-digit": ("2004", lambda m: m.replace(f'identifier="ITEM-{ID}"', 'identifier="1-intro"'), "PKG008"),
    "id-starts-with-digit-1.2": (
        "1.2",
        lambda m: m.replace(f'identifier="RES-{ID}"', 'identifier="9res"').replace(
            f'identifierref="RES-{ID}"', 'identifierref="9res"'
        ),
        "PKG008",
    ),
    "duplicate-identifier": (
        "2004",
        lambda m: m.replace(f'identifier="ORG-{ID}"', f'identifier="ITEM-{ID}"').replace(
            f'default="ORG-{ID}"', f'default="ITEM-{ID}"'
        ),
        "PKG011",
    ),
    "unresolved-identifierref": (
        "1.2",
        lambda m: m.replace(f'identifierref="RES-{ID}"', 'identifierref="RES-2"'),
        "PKG004",
    ),
    "unresolved-default-organization": (
        "2004",
        lambda m: m.replace(f'default="ORG-{ID}"', 'default="ORG-x"'),
        "PKG004",
    ),
    "scormtype-lowercase-in-2004": ("2004", lambda m: m.replace("adlcp:scormType=", "adlcp:scormtype="), "PKG007"),
    "scormType-camelcase-in-1.2": ("1.2", lambda m: m.replace("adlcp:scormtype=", "adlcp:scormType="), "PKG007"),
    "no-scormtype": ("2004", lambda m: m.replace(' adlcp:scormType="sco"', ""), "PKG007"),
    "schemaversion-wrong-case": ("2004", lambda m: m.replace("2004 4th Edition", "2004 4th edition"), "PKG006"),
    "schemaversion-of-another-version": (
        "1.2",
        lambda m: m.replace("<schemaversion>1.2<", "<schemaversion>1.3<"),
        "PKG006",
    ),
    "schema-not-adl-scorm": (
        "2004",
        lambda m: m.replace("<schema>ADL SCORM</schema>", "<schema>SCORM</schema>"),
        "PKG006",
    ),
    "dotdot-path": ("2004", lambda m: m.replace('<file href="index.html"/>', '<file href="../index.html"/>'), "PKG009"),
    "absolute-path": ("1.2", lambda m: m.replace('<file href="index.html"/>', '<file href="/index.html"/>'), "PKG009"),
    "remote-launch": (
        "2004",
        lambda m: m.replace('href="scorm_launch.html">', 'href="https://x.test/a.html">'),
        "PKG009",
    ),
    "listed-file-missing": (
        "1.2",
        lambda m: m.replace('<file href="index.html"/>', '<file href="index.html"/><file href="gone.html"/>'),
        "PKG005",
    ),
    "not-well-formed": ("2004", lambda m: m.replace("</organizations>", "</organisations>"), "PKG003"),
    "schema-violation": ("1.2", lambda m: m.replace(' type="webcontent"', "", 1), "PKG003"),
    "not-a-scorm-manifest": (
        "2004",
        lambda m: m.replace('xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"', 'xmlns="http://example.org/cp"'),
        "PKG003",
    ),
}


@pytest.mark.parametrize("case", sorted(MANIFEST_BREAKS))
def test_each_broken_manifest_fails_with_its_code(built: dict[str, Path], tmp_path: Path, case: str) -> None:
    version, edit, code = MANIFEST_BREAKS[case]
    found = broken(built, tmp_path, version, edit)
    assert code in errors(found), [f"{d.code} {d.message}" for d in found]
    assert all(d.path.endswith(f"broken-{version}.zip") and d.line >= 1 and d.col >= 1 for d in found)


def test_a_precise_finding_is_not_repeated_as_a_schema_error(built: dict[str, Path], tmp_path: Path) -> None:
    """The XSDs also reject a digit-first ID and 1.2's camel-case attribute; one clear finding is enough."""
    found = broken(built, tmp_path, "1.2", MANIFEST_BREAKS["scormType-camelcase-in-1.2"][1])
    assert codes(found) == {"PKG007"}
    found = broken(built, tmp_path, "2004", MANIFEST_BREAKS["id-starts-with-digit"][1])
    assert codes(found) == {"PKG008"}


def test_findings_point_at_the_manifest_line_and_column(built: dict[str, Path], tmp_path: Path) -> None:
    found = broken(built, tmp_path, "2004", MANIFEST_BREAKS["unresolved-default-organization"][1])
    [diag] = [d for d in found if d.code == "PKG004"]
    assert diag.source_line.strip().startswith("<organizations default=")
    assert diag.source_line[diag.col - 1 :].startswith('default="ORG-x"')
    found = broken(built, tmp_path, "2004", MANIFEST_BREAKS["not-well-formed"][1])
    [diag] = found
    assert "</organisations>" in diag.source_line and diag.col > 1


def test_manifest_inside_a_folder(built: dict[str, Path], tmp_path: Path) -> None:
    with zipfile.ZipFile(built["1.2"]) as zf:
        names = zf.namelist()
    found = broken(built, tmp_path, "1.2", rename={n: f"course/{n}" for n in names})
    assert codes(found) == {"PKG002"}
    assert "course/imsmanifest.xml" in found[0].message


def test_unlisted_file_in_the_zip(built: dict[str, Path], tmp_path: Path) -> None:
    found = broken(built, tmp_path, "2004", add={"extra/notes.html": b"<p>x</p>"})
    assert errors(found) == {"PKG005"} and "extra/notes.html" in found[0].message


def test_listed_file_removed_from_the_zip(built: dict[str, Path], tmp_path: Path) -> None:
    found = broken(built, tmp_path, "1.2", drop=("references.html",))
    assert errors(found) == {"PKG005"} and "references.html" in found[0].message


def test_missing_control_document_is_a_warning(built: dict[str, Path], tmp_path: Path) -> None:
    found = broken(
        built, tmp_path, "2004", lambda m: m.replace('<file href="adlseq_v1p3.xsd"/>', ""), drop=("adlseq_v1p3.xsd",)
    )
    assert codes(found) == {"PKG010"}
    assert {d.severity for d in found} == {Severity.WARNING}


def test_zip_slip_and_unsafe_names_are_reported_not_extracted(built: dict[str, Path], tmp_path: Path) -> None:
    found = broken(built, tmp_path, "2004", add={"../../evil.sh": b"x", "/etc/cron.d/x": b"x", "My File.html": b"x"})
    slips = [d for d in found if d.code == "PKG009"]
    assert len(slips) == 3
    assert sum("zip-slip" in d.message for d in slips) == 2
    assert not (tmp_path.parent / "evil.sh").exists()


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04truncated"])
def test_a_file_that_is_not_a_zip_is_one_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "course.zip"
    path.write_bytes(content)
    [diag] = verify(path)
    assert diag.code == "PKG001" and "not a readable zip" in diag.message


def test_a_truncated_package_is_one_clear_error(built: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "half.zip"
    path.write_bytes(built["2004"].read_bytes()[: built["2004"].stat().st_size // 2])
    assert codes(verify(path)) == {"PKG001"}


def test_entities_in_a_manifest_are_never_expanded(built: dict[str, Path], tmp_path: Path) -> None:
    def xxe(manifest: str) -> str:
        head = '<?xml version="1.0" encoding="UTF-8"?>\n'
        doctype = '<!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        return head + doctype + manifest[len(head) :].replace("<schema>ADL SCORM</schema>", "<schema>&x;</schema>")

    found = broken(built, tmp_path, "2004", xxe)
    assert codes(found) == {"PKG003", "PKG006"}
    assert not any("root:" in d.message for d in found)


def test_another_tools_minimal_package_with_a_third_edition_manifest(tmp_path: Path) -> None:
    need_xsds()
    manifest = """<?xml version="1.0"?>
<manifest identifier="com.example.course" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 3rd Edition</schemaversion></metadata>
  <organizations default="o1"><organization identifier="o1"><title>T</title>
    <item identifier="i1" identifierref="r1"><title>T</title></item></organization></organizations>
  <resources><resource identifier="r1" type="webcontent" adlcp:scormType="sco" href="a.html?x=1">
    <file href="a.html"/><file href="img/b%20c.png"/></resource></resources>
</manifest>"""
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("imsmanifest.xml", manifest)
        zf.writestr("a.html", "<p>a</p>")
        zf.writestr("img/b c.png", b"png")
    found = verify(path)
    assert [(d.code, d.message) for d in found] == [
        ("PKG009", "zip entry 'img/b c.png' is not a URL-safe relative path"),
        ("PKG009", "'img/b%20c.png' is not URL-safe"),
    ]


def test_cli_verify_exit_codes_and_output_formats(built: dict[str, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["verify", str(built["1.2"]), str(built["2004"])])
    assert ok.exit_code == 0, ok.output
    bad = rezip(built["2004"], tmp_path / "bad.zip", MANIFEST_BREAKS["scormtype-lowercase-in-2004"][1])
    text = runner.invoke(main, ["verify", str(bad)])
    assert text.exit_code == 1
    assert f"{bad}:" in text.output and "PKG007" in text.output and "scormtype-case" in text.output
    as_json = runner.invoke(main, ["verify", "--output-format", "json", str(bad)])
    assert as_json.exit_code == 1
    assert {d["code"] for d in json.loads(as_json.stdout)} == {"PKG007"}
    warn = rezip(
        built["2004"],
        tmp_path / "warn.zip",
        lambda m: m.replace('<file href="xml.xsd"/>', "").replace('<file href="adlcp_v1p3.xsd"/>', ""),
        drop=("adlcp_v1p3.xsd", "xml.xsd"),
    )
    assert runner.invoke(main, ["verify", str(warn)]).exit_code == 0
    assert runner.invoke(main, ["verify", "--strict", str(warn)]).exit_code == 1
    assert runner.invoke(main, ["verify", str(tmp_path / "missing.zip")]).exit_code == 2
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello", "utf-8")
    result = runner.invoke(main, ["verify", str(not_zip)])
    assert result.exit_code == 1 and "Traceback" not in result.output and "PKG001" in result.output
