"""The `handbook` command line: help texts, output formats, exit codes, explain, schema and `new page`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner, Result

from pipeline.build import check
from pipeline.cli import main
from pipeline.codes import REGISTRY, render_markdown
from pipeline.config import Config
from tests.fixture_gen import FIXTURES, GENERATED, assemble, committed, parse_expected

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.timeout(300)


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under ``group``, the group itself included."""
    out = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            out += commands(command, (*path, name))
        else:
            out.append((*path, name))
    return out


@pytest.fixture()
def broken(tmp_path: Path) -> Path:
    """A source with errors (unknown citations) and a warning (an uncited statistic)."""
    src = tmp_path / "src"
    assemble(FIXTURES / "cit001-unknown-key", src)
    with (src / "pages" / "guide.md").open("a", encoding="utf-8") as page:
        page.write("\nSellers are 3.7× more likely to meet quota.\n")
    return src


@pytest.fixture()
def clean(tmp_path: Path) -> Path:
    src = tmp_path / "clean"
    assemble(FIXTURES / "bib-bibtex-ok", src)  # any clean fixture: the base with nothing broken
    return src


# --- help ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", commands(main), ids=lambda p: " ".join(p) or "handbook")
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output, f"`handbook {' '.join(path)} --help` shows no example"


def test_python_m_pipeline_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and "check" in done.stdout


# --- output formats --------------------------------------------------------------------------------------------


def test_json_output(broken: Path) -> None:
    result = invoke("check", "--source", str(broken), "--output-format", "json")
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    expected = check(Config(source=broken)).diagnostics
    assert [(i["path"], i["line"], i["column"], i["code"], i["severity"]) for i in items] == [
        (d.path, d.line, d.col, d.code, d.severity.value) for d in expected
    ]
    assert {"error", "warning"} == {i["severity"] for i in items}
    for item in items:
        assert item["name"] == REGISTRY[item["code"]].name and item["message"]


def test_check_takes_format_as_the_short_name_of_output_format(broken: Path) -> None:
    long = invoke("check", "--source", str(broken), "--output-format", "sarif")
    short = invoke("check", "--source", str(broken), "--format", "sarif")
    assert short.exit_code == long.exit_code == 1
    assert json.loads(short.stdout) == json.loads(long.stdout)


def test_sarif_output(broken: Path) -> None:
    result = invoke("check", "--source", str(broken), "--output-format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0"
    assert "sarif" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "handbook"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    results = run["results"]
    assert len(results) == len(check(Config(source=broken)).diagnostics) >= 4
    for item in results:
        assert item["ruleId"] in REGISTRY
        assert rule_ids[item["ruleIndex"]] == item["ruleId"]
        assert item["level"] in ("error", "warning", "note")
        assert item["message"]["text"]
        (location,) = item["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith((".md", ".yaml"))
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    assert {r["level"] for r in results} == {"error", "warning"}


def test_github_output(broken: Path) -> None:
    result = invoke("check", "--source", str(broken), "--output-format", "github")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(check(Config(source=broken)).diagnostics)
    pattern = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=[1-9]\d*,col=[1-9]\d*,title=[^:]+::.+$")
    for line in lines:
        assert pattern.match(line), line
    assert any(line.startswith("::warning file=") for line in lines)
    assert any(line.startswith("::error file=") for line in lines)


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_clean_source_exits_0(clean: Path, output_format: str) -> None:
    result = invoke("check", "--source", str(clean), "--output-format", output_format)
    assert result.exit_code == 0, result.output
    if output_format == "json":
        assert json.loads(result.stdout) == []
    elif output_format == "sarif":
        assert json.loads(result.stdout)["runs"][0]["results"] == []
    elif output_format == "github":
        assert result.stdout.strip() == ""
    else:
        assert "All checks passed." in result.output


# --- exit codes ------------------------------------------------------------------------------------------------


def test_errors_exit_1(broken: Path) -> None:
    assert invoke("check", "--source", str(broken)).exit_code == 1


def test_warnings_exit_0_unless_strict(tmp_path: Path) -> None:
    src = tmp_path / "src"
    assemble(FIXTURES / "clm001-uncited-statistic", src)
    assert invoke("check", "--source", str(src)).exit_code == 0
    assert invoke("check", "--source", str(src), "--strict").exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--bogus"),
        ("check", "--output-format", "xml"),
        ("build", "--format", "nope", "--out", "{tmp}/out"),
        ("explain", "XYZ999"),
        ("schema",),
        ("schema", "nope"),
        ("nonsense",),
    ],
    ids=lambda a: " ".join(a),
)
def test_usage_errors_exit_2(args: tuple[str, ...], clean: Path, tmp_path: Path) -> None:
    result = invoke(*(a.format(tmp=tmp_path) for a in args), *(["--source", str(clean)] if args[0] == "build" else []))
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "out").exists()  # a bad --format builds nothing


# --- check PATH…: source folders, or files of a handbook (a pre-commit hook) ----------------------------------


@pytest.fixture()
def two_files(tmp_path: Path) -> Path:
    """A source whose guide.md has errors (unknown citations) and whose intro.md has only a warning."""
    src = tmp_path / "src"
    assemble(FIXTURES / "cit001-unknown-key", src)
    with (src / "pages" / "intro.md").open("a", encoding="utf-8") as page:
        page.write("\nSellers are 3.7× more likely to meet quota.\n")
    return src


def paths_of(result: Result) -> set[str]:
    return {Path(item["path"]).name for item in json.loads(result.stdout)}


def test_check_a_folder_path_is_check_source(two_files: Path) -> None:
    by_path = invoke("check", str(two_files), "--format", "json")
    by_option = invoke("check", "--source", str(two_files), "--format", "json")
    assert by_path.exit_code == by_option.exit_code == 1
    assert json.loads(by_path.stdout) == json.loads(by_option.stdout)
    assert paths_of(by_path) == {"guide.md", "intro.md"}


def test_check_files_reports_only_their_findings_and_exits_by_them(two_files: Path) -> None:
    intro = two_files / "pages" / "intro.md"
    result = invoke("check", str(intro), "--format", "json")
    assert result.exit_code == 0, result.output  # guide.md's errors are not reported, intro.md has a warning
    items = json.loads(result.stdout)
    assert [(Path(i["path"]).name, i["code"], i["severity"]) for i in items] == [("intro.md", "CLM001", "warning")]
    assert invoke("check", str(intro), "--strict").exit_code == 1
    guide = invoke("check", str(two_files / "pages" / "guide.md"), "--format", "json")
    assert guide.exit_code == 1 and paths_of(guide) == {"guide.md"}
    assert [i["code"] for i in json.loads(guide.stdout)] == ["CIT001"] * 3
    both = invoke("check", str(intro), str(two_files / "pages" / "guide.md"), "--format", "json")
    assert both.exit_code == 1 and paths_of(both) == {"guide.md", "intro.md"}


def test_check_files_checks_the_whole_book(tmp_path: Path) -> None:
    """A file's findings that need the other files (an unused reference) are found: the whole book is read."""
    src = tmp_path / "src"
    assemble(FIXTURES / "cit002-unused-reference", src)
    expected = parse_expected((FIXTURES / "cit002-unused-reference" / "expected.txt").read_text(encoding="utf-8"))
    (path, _line, _col, code), *_ = expected.findings
    result = invoke("check", str(src / path), "--format", "json")
    assert {(Path(i["path"]).name, i["code"]) for i in json.loads(result.stdout)} == {(Path(path).name, code)}
    clean_page = invoke("check", str(src / "pages" / "intro.md"), "--format", "json")
    assert clean_page.exit_code == 0 and json.loads(clean_page.stdout) == []


def test_check_files_finds_the_book_upward(two_files: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(two_files / "pages")  # relative names, as pre-commit passes them, from below the book
    result = invoke("check", "guide.md", "--format", "github")
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 3
    assert all(line.startswith("::error file=guide.md,") for line in lines), lines


def test_check_files_outside_any_handbook_are_skipped(two_files: Path, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# not a page\n", encoding="utf-8")
    alone = invoke("check", str(readme))
    assert alone.exit_code == 0
    assert "is in no handbook" in alone.stderr and "Nothing to check" in alone.stderr
    mixed = invoke("check", str(readme), str(two_files / "pages" / "guide.md"), "--format", "json")
    assert mixed.exit_code == 1 and paths_of(mixed) == {"guide.md"}


def test_check_path_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = invoke("check", str(tmp_path / "nope.md"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    monkeypatch.chdir(tmp_path)  # no ./source here, and no PATH given
    result = invoke("check")
    assert result.exit_code == 2 and "--source" in result.stderr


def test_version_is_the_installed_distribution_version() -> None:
    from importlib.metadata import version

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"handbook, version {version('handbook-pipeline')}"


# --- explain, schema -------------------------------------------------------------------------------------------


def test_explain_prints_the_code_doc() -> None:
    result = invoke("explain", "TBL003")
    assert result.exit_code == 0
    code = REGISTRY["TBL003"]
    for part in ("TBL003", code.name, code.what, code.why, code.fix):
        assert part in result.output
    assert invoke("explain", "tbl003").output == result.output


def test_explain_all_is_the_registry_doc() -> None:
    assert invoke("explain", "--all").output == render_markdown() + "\n"


def test_schema_page_is_json() -> None:
    result = invoke("schema", "page")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["type"] == "object" and {"id", "title"} <= set(schema["required"])


def test_schema_out_writes_every_schema(tmp_path: Path) -> None:
    assert invoke("schema", "--out", str(tmp_path / "schemas")).exit_code == 0
    for name in ("handbook", "page", "references", "export"):
        json.loads((tmp_path / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


# --- new page --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["block", "flow"])
def test_new_page_checks_clean_and_is_listed(style: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    assemble(FIXTURES / "bib-bibtex-ok", src)
    manifest = src / "handbook.yaml"
    if style == "flow":
        text = manifest.read_text(encoding="utf-8").replace("pages:\n  - intro\n  - guide\n", "pages: [intro, guide]\n")
        manifest.write_text(text, encoding="utf-8")
        assert "pages: [intro, guide]\n" in text
    result = invoke("new", "page", "Some Title: A Test", "--source", str(src))
    assert result.exit_code == 0, result.output
    page = src / "pages" / "some-title-a-test.md"
    assert page.is_file()
    assert yaml.safe_load(manifest.read_text(encoding="utf-8"))["pages"] == ["intro", "guide", "some-title-a-test"]
    front = yaml.safe_load(page.read_text(encoding="utf-8").split("---\n")[1])
    assert front["id"] == "some-title-a-test" and front["title"] == "Some Title: A Test"
    found = check(Config(source=src)).diagnostics
    assert found == [], [f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}" for d in found]
    again = invoke("new", "page", "Some Title: A Test", "--source", str(src))
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_new_page_with_an_explicit_id_keeps_the_manifest_text(tmp_path: Path) -> None:
    src = tmp_path / "src"
    assemble(FIXTURES / "bib-bibtex-ok", src)
    before = (src / "handbook.yaml").read_text(encoding="utf-8")
    assert invoke("new", "page", "Roles", "--id", "roles", "--source", str(src)).exit_code == 0
    after = (src / "handbook.yaml").read_text(encoding="utf-8")
    assert after == before.replace("  - guide\n", "  - guide\n  - roles\n")  # comments and layout kept
    assert invoke("new", "page", "Bad", "--id", "Not An Id", "--source", str(src)).exit_code == 2


@pytest.mark.parametrize("title", ["", "   ", "\n"])
def test_new_page_without_a_title_is_a_usage_error_and_writes_nothing(title: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    assemble(FIXTURES / "bib-bibtex-ok", src)
    before = sorted((p.relative_to(src), p.read_bytes()) for p in src.rglob("*") if p.is_file())
    result = invoke("new", "page", title, "--source", str(src))
    assert result.exit_code == 2 and "needs a title" in result.output
    assert sorted((p.relative_to(src), p.read_bytes()) for p in src.rglob("*") if p.is_file()) == before


@pytest.mark.parametrize("title", ['Say "Hi": Level 2 — AI-Integrated', "Two\nlines", "#1 [draft] @home: 50% off"])
def test_new_page_title_survives_yaml_quoting(title: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    assemble(FIXTURES / "bib-bibtex-ok", src)
    result = invoke("new", "page", title, "--id", "odd", "--source", str(src))
    assert result.exit_code == 0, result.output
    front = yaml.safe_load((src / "pages" / "odd.md").read_text(encoding="utf-8").split("---\n")[1])
    assert front["title"] == " ".join(title.split())
    found = check(Config(source=src)).diagnostics
    assert found == [], [f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}" for d in found]


@pytest.mark.parametrize(
    ("title", "handbook_id"),
    [
        ("Onboarding: The First 90 Days", "onboarding-the-first-90-days"),
        ("90 Tage", "handbook-90-tage"),
        ("日本語", "handbook"),
    ],
)
def test_new_handbook_checks_clean_and_builds(title: str, handbook_id: str, tmp_path: Path) -> None:
    src = tmp_path / "my-handbook" / "source"
    result = invoke("new", "handbook", title, "--source", str(src))
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load((src / "handbook.yaml").read_text(encoding="utf-8"))
    assert manifest["id"] == handbook_id and manifest["title"] == title and manifest["pages"] == ["introduction"]
    found = check(Config(source=src)).diagnostics
    assert found == [], [f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}" for d in found]
    built = invoke("build", "--source", str(src), "--out", str(tmp_path / "out"), "--format", "html")
    assert built.exit_code == 0, built.output
    page = (tmp_path / "out" / "html" / "introduction.html").read_text(encoding="utf-8")
    assert 'class="rubric"' in page and "Example Organisation" in page


def test_new_handbook_never_overwrites(tmp_path: Path) -> None:
    src = tmp_path / "source"
    (src / "pages").mkdir(parents=True)
    (src / "pages" / "introduction.md").write_text("mine", encoding="utf-8")
    result = invoke("new", "handbook", "Mine", "--source", str(src))
    assert result.exit_code == 2 and "already exists" in result.output
    assert sorted(p.name for p in src.rglob("*")) == ["introduction.md", "pages"]
    assert (src / "pages" / "introduction.md").read_text(encoding="utf-8") == "mine"
    assert invoke("new", "handbook", "", "--source", str(tmp_path / "other")).exit_code == 2


# --- the code registry and its documentation -------------------------------------------------------------------


def test_every_code_has_a_fixture(tmp_path: Path) -> None:
    """Committed fixtures, or generated ones (``gen-<code>-…``) for files git cannot hold (symlinks, FIFOs)."""
    covered = set()
    for name in committed():
        expected = parse_expected((FIXTURES / name / "expected.txt").read_text(encoding="utf-8"))
        covered |= {code for _path, _line, _col, code in expected.findings}
    for name, generate in GENERATED.items():
        if name.startswith(("gen-fm", "gen-lnk")):  # only the cheap file-system cases
            covered |= {code for *_where, code in parse_expected(generate(tmp_path / name)).findings}
    names = [*committed(), *(name.removeprefix("gen-") for name in GENERATED)]
    missing = sorted(code for code in REGISTRY if not code.startswith("PKG") and code not in covered)
    assert missing == []
    for code in REGISTRY:
        if not code.startswith("PKG"):
            assert any(name.startswith(code.lower() + "-") for name in names), f"no fixture named {code}-…"


def test_diagnostics_doc_is_generated_from_the_registry() -> None:
    doc = ROOT / "docs" / "diagnostics.md"
    assert doc.read_text(encoding="utf-8") == render_markdown() + "\n", "regenerate: handbook explain --all"


def _build(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pipeline", "build", "--source", str(source), "--out", str(out), "-f", "html"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def _tree(out: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(out)): (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*") if p.is_file()}


def test_a_build_with_nothing_changed_does_nothing_and_says_so(tmp_path: Path) -> None:
    """The build stamp: same inputs, outputs as left → the same warnings, no file touched; any change → a build."""
    from bench.generate import generate

    source = generate(3, tmp_path / "src")
    out = tmp_path / "out"
    first = _build(source, out)
    assert first.returncode == 0, first.stderr
    assert "Built 1 format" in first.stderr
    before = _tree(out)
    again = _build(source, out)
    assert again.returncode == 0
    assert "Nothing changed since the last build" in again.stderr
    assert again.stderr.count("CLM001") == first.stderr.count("CLM001") > 0  # the warnings are reported again
    assert _tree(out) == before  # not one file rewritten, not even the cache
    (out / "html" / "index.html").unlink()  # an output removed by hand: built again
    assert "Built 1 format" in _build(source, out).stderr
    assert (out / "html" / "index.html").is_file()
    assets = source / "assets"
    assets.mkdir(exist_ok=True)
    (assets / "new.txt").write_text("a file added anywhere in the source\n", encoding="utf-8")
    rebuilt = _build(source, out)
    assert "Built 1 format" in rebuilt.stderr
    assert (out / "html" / "assets" / "new.txt").is_file()
    other = _build(source, out)
    assert "Nothing changed" in other.stderr
    command = [sys.executable, "-m", "pipeline", "build", "--source", str(source), "--out", str(out), "-f", "json"]
    assert "Built 1 format" in subprocess.run(command, capture_output=True, text=True, timeout=300).stderr
