"""`handbook verify`: our packages pass; one hand-broken package per LMS.md pitfall fails with its PKG code."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline import report
from pipeline.cli import main
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.package.verify import MAX_LAUNCH_PAGE, verify
from pipeline.report import CAP as MAX_PER_CODE
from tests import scorm_fixtures as fx
from tests.scorm_helpers import ROOT, SOURCE, build_packages, need_xsds, rezip

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


# One broken manifest per pitfall of LMS.md: (version, edit of imsmanifest.xml, expected code); each an
# error but those in WARNINGS (spec violations LMSs tolerate).
WARNINGS = {"id-starts-with-digit", "id-starts-with-digit-1.2", "schema-violation", "schema-not-adl-scorm"}
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
    "schema-violation": ("1.2", lambda m: m.replace(' type="webcontent"', "", 1), "PKG014"),
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
    severity = Severity.WARNING if case in WARNINGS else Severity.ERROR
    assert (code, severity) in {(d.code, d.severity) for d in found}, [f"{d.code} {d.message}" for d in found]
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


def test_an_unlisted_file_is_no_finding(built: dict[str, Path], tmp_path: Path) -> None:
    """CAM makes <file> optional and LMSs unpack the whole zip."""
    assert broken(built, tmp_path, "2004", add={"extra/notes.html": b"<p>x</p>"}) == []


def test_listed_file_removed_from_the_zip(built: dict[str, Path], tmp_path: Path) -> None:
    found = broken(built, tmp_path, "1.2", drop=("references.html",))
    assert [(d.code, d.severity) for d in found] == [("PKG005", Severity.ERROR)] and "references.html" in found[
        0
    ].message


def test_missing_control_document_is_a_warning(built: dict[str, Path], tmp_path: Path) -> None:
    found = broken(
        built, tmp_path, "2004", lambda m: m.replace('<file href="adlseq_v1p3.xsd"/>', ""), drop=("adlseq_v1p3.xsd",)
    )
    assert codes(found) == {"PKG010"}
    assert {d.severity for d in found} == {Severity.WARNING}


def test_zip_slip_names_are_reported_not_extracted(built: dict[str, Path], tmp_path: Path) -> None:
    found = broken(built, tmp_path, "2004", add={"../../evil.sh": b"x", "/etc/cron.d/x": b"x", "My File.html": b"x"})
    assert [(d.code, d.severity) for d in found] == [("PKG009", Severity.ERROR)] * 2
    assert all("zip-slip" in d.message for d in found)
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
    assert {(d.code, d.severity) for d in found} == {("PKG003", Severity.ERROR), ("PKG006", Severity.WARNING)}
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
    assert verify(path) == []  # a percent-encoded href finds its file; a space in a zip name is allowed


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


# --- other tools' packages: the patterns met in the field verify clean ---------------------------------------


@pytest.mark.parametrize("shape", sorted(fx.SHAPES))
def test_other_tools_shapes_verify_clean(tmp_path: Path, shape: str) -> None:
    """Captivate '@2x' and '(2)' names, Rise's percent-encoded hrefs, iSpring's res/, Adapt/Xerte listing only the
    launch file, IRIs, LOM XSDs in sub-folders, 'CAM 1.3', multi-SCO with shared assets: no finding at all."""
    need_xsds()
    path = fx.SHAPES[shape](tmp_path / f"{shape}.zip")
    assert [f"{d.code} {d.message}" for d in verify(path)] == []
    assert CliRunner().invoke(main, ["verify", str(path)]).exit_code == 0


# Real faults: (keyword arguments of fx.simple, the exact (code, severity) findings).
E, W = Severity.ERROR, Severity.WARNING
FAULTS: dict[str, tuple[dict[str, Any], list[tuple[str, Severity]]]] = {
    "launch-file-missing": ({"drop": ("index.html",)}, [("PKG005", E)]),
    "media-the-launch-page-plays-missing": ({"launch_loads": ("media/intro.mp4",)}, [("PKG019", E)]),
    "script-of-the-launch-page-missing": (
        {"launch_loads": ("scormdriver/scormdriver.js", "ok.css"), "extra": [("ok.css", b"")]},
        [("PKG019", E)],
    ),
    "file-renamed-away-by-case": (
        {"listed": ["media/Intro.mp4"], "extra": [("media/intro.mp4", b"x")]},
        [("PKG005", E)],
    ),
    "zip-slip": ({"extra": [("../../evil.sh", b"x"), ("C:/x.txt", b"x")]}, [("PKG009", E), ("PKG009", E)]),
    "backslash-names": ({"extra": [("images\\a.png", b"x")]}, [("PKG009", E)]),
    "symlink-entry": ({"extra": [fx.symlink("assets", "/etc")]}, [("PKG015", E)]),
    "duplicate-entry-names": ({"extra": [("index.html", b"<p>other</p>")]}, [("PKG016", E)]),
    "names-colliding-by-case": ({"extra": [("media/Intro.mp4", b"a"), ("media/intro.mp4", b"b")]}, [("PKG017", E)]),
    "bad-identifierref": ({"items": [("ITEM-1", "RES-2")]}, [("PKG004", E)]),
    "schemaversion-wrong-case-in-2004": ({"schemaversion": "2004 4th edition"}, [("PKG006", E)]),
    "schemaversion-padded-in-2004": ({"schemaversion": " 2004 4th Edition"}, [("PKG006", E)]),
    "schemaversion-1.2-in-2004": ({"schemaversion": "1.2"}, [("PKG006", E)]),
    "schemaversion-2004-in-1.2": ({"version": "1.2", "schemaversion": "CAM 1.3"}, [("PKG006", E)]),
    "schemaversion-odd-in-1.2": ({"version": "1.2", "schemaversion": "1.2.0"}, [("PKG006", W)]),
    "remote-sco-launch": ({"href": "https://x.test/a.html"}, [("PKG009", E)]),
    "raw-space-in-href": ({"listed": ["My File.html"], "extra": [("My File.html", b"x")]}, [("PKG020", W)]),
    "stray-percent-in-href": ({"listed": ["100%.html"], "extra": [("100%.html", b"x")]}, [("PKG020", W)]),
}


@pytest.mark.parametrize("case", sorted(FAULTS))
def test_each_real_fault_has_its_exact_verdict(tmp_path: Path, case: str) -> None:
    need_xsds()
    changes, expected = FAULTS[case]
    path = fx.simple(tmp_path / f"{case}.zip", **changes)
    found = verify(path)
    assert sorted((d.code, d.severity.value) for d in found) == sorted((c, s.value) for c, s in expected), [
        f"{d.code} {d.message}" for d in found
    ]
    exit_code = CliRunner().invoke(main, ["verify", str(path)]).exit_code
    assert exit_code == (1 if Severity.ERROR in {s for _, s in expected} else 0)


def test_fault_messages_name_the_file_and_the_lms_consequence(tmp_path: Path) -> None:
    need_xsds()
    [renamed] = verify(fx.simple(tmp_path / "a.zip", listed=["media/Intro.mp4"], extra=[("media/intro.mp4", b"x")]))
    assert "'media/intro.mp4'" in renamed.message and "Windows" in renamed.message
    [media] = verify(fx.simple(tmp_path / "b.zip", launch_loads=("media/intro.mp4",)))
    assert "'media/intro.mp4'" in media.message and "<source>" in media.message
    [version] = verify(fx.simple(tmp_path / "c.zip", schemaversion="2004 4th edition"))
    assert "1.2 API" in version.message


def test_one_bad_identifier_is_one_finding(tmp_path: Path) -> None:
    """An organization id that is no xs:ID also breaks the IDREF of <organizations default>: one PKG008 only."""
    need_xsds()
    path = fx.write(
        tmp_path / "id.zip",
        [
            (
                "imsmanifest.xml",
                fx.manifest(fx.resource("RES-1", "index.html", ["index.html"])).replace("ORG-1", "1org").encode(),
            ),
            ("index.html", fx.html()),
        ],
    )
    assert [(d.code, d.severity) for d in verify(path)] == [("PKG008", W)]


def test_every_finding_is_kept_and_the_report_caps_each_code_alike(tmp_path: Path) -> None:
    need_xsds()
    found = verify(fx.many_findings(tmp_path / "many.zip", 100))
    for code in ("PKG005", "PKG008"):
        mine = [d for d in found if d.code == code]
        assert len(mine) == 100
        assert all(d.source_line and d.col > 1 for d in mine)
    assert {d.code for d in found} == {"PKG005", "PKG008"}
    shown = report.text(found, lambda text, **_style: text)
    for code in ("PKG005", "PKG008"):
        assert shown.count(f" {code} [") == MAX_PER_CODE and f"… and {100 - MAX_PER_CODE} more {code} in" in shown


@pytest.mark.parametrize("one_line", [False, True])
def test_20k_findings_give_bounded_output_in_linear_time(tmp_path: Path, one_line: bool) -> None:
    """Issue 11: 20,000 missing files and 20,000 bad identifiers, the manifest also as one minified line."""
    need_xsds()
    path = fx.many_findings(tmp_path / "many.zip", 20_000)
    if one_line:
        path = rezip(path, tmp_path / "one-line.zip", lambda m: m.replace("\n", " "))
    result = CliRunner().invoke(main, ["verify", str(path)])
    assert result.exit_code == 1
    assert result.output.count(" PKG005 [") == MAX_PER_CODE and "… and 19980 more PKG005 in" in result.output
    assert result.output.splitlines()[-1] == "Found 20000 errors and 20000 warnings in 1 file."
    assert len(result.output) < 40_000
    assert max(len(line) for line in result.output.splitlines()) < 400


def test_an_inflating_manifest_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A 1 MB zip whose manifest header declares 100 bytes and inflates to 1 GiB: verify under a 512 MB limit."""
    path = fx.inflating_manifest(tmp_path / "bomb.zip")
    assert path.stat().st_size < 2 * 2**20
    script = (
        "import resource, sys, json\n"
        "resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))\n"
        "from pathlib import Path\n"
        "from pipeline.package.verify import verify\n"
        "print(json.dumps([(d.code, d.message) for d in verify(Path(sys.argv[1]))]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    [(code, message)] = json.loads(run.stdout)
    assert code == "PKG018" and "100 bytes" in message


def test_a_launch_page_is_read_with_a_cap(tmp_path: Path) -> None:
    need_xsds()
    page = fx.html("a.js").replace(b"</body>", b" " * (MAX_LAUNCH_PAGE + 10) + b"</body>")
    path = fx.write(
        tmp_path / "big.zip",
        [
            ("imsmanifest.xml", fx.manifest(fx.resource("RES-1", "index.html", ["index.html"])).encode()),
            ("index.html", page),
        ],
    )
    assert verify(path) == []  # too large to read is not a fault: its loads are not checked


def test_a_finding_deep_in_a_long_line_shows_a_short_excerpt_with_the_caret_on_it() -> None:
    from pipeline import report

    line = "\t" + "x" * 500_000 + "TARGET" + "y" * 500_000
    col = line.index("TARGET") + 1
    shown, caret = report.excerpt(line, col)
    assert len(shown) <= report.WIDTH + 2 and shown.startswith("…") and shown.endswith("…")
    assert shown[caret:].startswith("TARGET")
    assert report.excerpt("\tab", 3) == ("    ab", 5)


def test_schema_errors_are_the_same_when_validated_in_slices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11: long sibling lists are validated in slices (linear cost); the errors must not change."""
    from lxml import etree

    from pipeline.package import xsd
    from pipeline.package.controls import SCORM2004

    need_xsds()
    with zipfile.ZipFile(fx.many_findings(tmp_path / "many.zip", 40)) as archive:
        document = etree.ElementTree(etree.fromstring(archive.read("imsmanifest.xml")))
    whole = xsd.validate(document, SCORM2004.folder)
    monkeypatch.setattr(xsd, "BATCH", 3)
    assert xsd.validate(document, SCORM2004.folder) == whole
    assert len(whole) == 40 and all("xs:ID" in message for _line, _col, message in whole)
