"""`handbook verify --run`: every SCO of a package launched in headless Chromium against scorm-again."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.package.runner import RunOptions, run
from tests.scorm_helpers import SOURCE, build_packages, generate, need_xsds
from tests.scorm_run_fixtures import Item, faulty, package, page, script

pytestmark = pytest.mark.browser
FAST = RunOptions(init_seconds=2.0, run_seconds=0.5)
RUN_CODES = re.compile(r"^PKG02[1-9]$")
Results = tuple[dict[str, tuple[Path, str]], dict[str, list[Diagnostic]]]


def by_package(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    grouped: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        grouped.setdefault(Path(d.path).name, []).append(d)
    return grouped


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Our packages: the sample handbook (1.2, 2004) and a three-page handbook with one SCO per page."""
    need_xsds()
    work = tmp_path_factory.mktemp("run-ours")
    single = build_packages(SOURCE, work / "single")
    source = generate(3, work / "source")
    manifest = source / "handbook.yaml"
    manifest.write_text(manifest.read_text("utf-8") + "scorm:\n  scos: per-page\n", "utf-8")
    multi = build_packages(source, work / "multi")
    named = {}
    for kind, zips in (("single", single), ("per-page", multi)):
        for version, path in zips.items():
            named[f"{kind} {version}"] = path.rename(path.with_name(f"{kind}-{path.name}"))
    return named


def test_our_packages_run_clean(ours: dict[str, Path]) -> None:
    found = run(list(ours.values()), FAST)
    assert found == [], [f"{Path(d.path).name}:{d.line} {d.code} {d.message}" for d in found]


@pytest.fixture(scope="module")
def faulty_results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    cases = faulty(tmp_path_factory.mktemp("run-faulty"))
    return cases, by_package(run([path for path, _code in cases.values()], FAST))


@pytest.mark.parametrize(
    "name",
    [
        "never-initializes",
        "after-terminate",
        "read-only-12",
        "read-only-2004",
        "bad-vocabulary",
        "suspend-data-5000",
        "no-save-on-leave",
        "never-saves",
        "script-error",
    ],
)
def test_each_faulty_sco_gives_exactly_its_code(faulty_results: Results, name: str) -> None:
    cases, found = faulty_results
    path, code = cases[name]
    diagnostics = found.get(path.name, [])
    assert [d.code for d in diagnostics] == [code], [d.message for d in diagnostics]
    (d,) = diagnostics
    assert d.line == 3 and d.source_line.lstrip().startswith('<item identifier="ITEM-1"')
    assert d.message.startswith(f"SCO {name!r} (index.html): ")


def test_severities_and_messages(
    faulty_results: Results,
) -> None:
    _cases, found = faulty_results
    (one,) = found["no-save-on-leave.zip"]
    (none,) = found["never-saves.zip"]
    assert one.severity is Severity.WARNING and "since its last commit" in one.message
    assert none.severity is Severity.ERROR and "never committed" in none.message
    assert found["script-error.zip"][0].severity is Severity.WARNING
    assert "error 405" in found["bad-vocabulary.zip"][0].message
    assert "read only" in found["read-only-12.zip"][0].message.lower()
    assert "5,000 characters; SCORM 1.2 allows 4,096" in found["suspend-data-5000.zip"][0].message


def test_every_sco_of_a_multi_sco_package_runs(tmp_path: Path) -> None:
    """Three SCOs, each writing a read-only element: one finding per SCO, at its own item."""
    body = script("1.2", 'api[N.set]("cmi.core.student_name", "x");')
    items = [Item(f"Lesson {n}", f"lesson{n}/index.html") for n in (1, 2, 3)]
    zip_path = package(tmp_path / "multi.zip", "1.2", items, {i.href: page(body, i.title) for i in items})
    found = run([zip_path], FAST)
    assert [(d.code, d.line) for d in found] == [("PKG023", 3), ("PKG023", 4), ("PKG023", 5)]
    assert [d.message.split(":", 1)[0] for d in found] == [
        f"SCO 'Lesson {n}' (lesson{n}/index.html)" for n in (1, 2, 3)
    ]


def test_a_foreign_2004_package_launched_in_a_sub_folder_with_parameters(tmp_path: Path) -> None:
    """Another tool's shape: the launch page in a sub-folder, a query in the href and item parameters too."""
    check = (
        "var q = window.location.search;"
        'if (q !== "?course=7&lesson=2&mode=x") { throw new Error("launched with " + q); }'
        'api[N.set]("cmi.location", "p2"); api[N.commit]("");'
    )
    pages = {"player/content/index.html": page(script("2004", check), "Foreign"), "player/app.js": b"// player\n"}
    item = Item("Foreign lesson", "player/content/index.html?course=7", "?lesson=2&mode=x", {"player/app.js": b""})
    zip_path = package(tmp_path / "foreign.zip", "2004", [item], pages)
    assert run([zip_path], FAST) == []


def test_cli_reports_run_findings_with_exit_1(tmp_path: Path) -> None:
    cases = faulty(tmp_path)
    path, _code = cases["read-only-12"]
    result = CliRunner().invoke(main, ["verify", "--run", "--run-seconds", "0.2", "--format", "json", str(path)])
    assert result.exit_code == 1, result.output
    assert '"PKG023"' in result.output


def test_cli_without_chromium_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _code = faulty(tmp_path)["read-only-12"]
    missing = tmp_path / "no-chromium"
    result = CliRunner().invoke(main, ["verify", "--run", "--chromium", str(missing), str(path)])
    assert result.exit_code == 2 and "not an executable Chromium" in result.output, result.output
    monkeypatch.setenv("CHROMIUM", str(missing))
    result = CliRunner().invoke(main, ["verify", "--run", str(path)])
    assert result.exit_code == 2 and "$CHROMIUM" in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_without_playwright_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _code = faulty(tmp_path)["read-only-12"]
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    result = CliRunner().invoke(main, ["verify", "--run", str(path)])
    assert result.exit_code == 2, result.output
    assert "pip install 'handbook-pipeline[run]'" in result.output and "Traceback" not in result.output


def test_run_codes_are_documented() -> None:
    from pipeline.codes import REGISTRY

    codes = sorted(c for c in REGISTRY if RUN_CODES.match(c))
    assert codes == [f"PKG02{n}" for n in range(1, 8)]
    docs = (Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md").read_text("utf-8")
    assert all(f"### {c} " in docs for c in codes)


@pytest.mark.parametrize(
    ("href", "parameters", "url"),
    [
        ("index.html", "", "index.html"),
        ("index.html", "?a=1", "index.html?a=1"),
        ("index.html", "a=1", "index.html?a=1"),
        ("index.html?x=0", "?a=1", "index.html?x=0&a=1"),
        ("index.html?x=0", "&a=1", "index.html?x=0&a=1"),
        ("index.html", "#part2", "index.html#part2"),
        ("index.html#top", "#part2", "index.html#top"),
        ("index.html#top", "a=1", "index.html?a=1#top"),
    ],
)
def test_launch_url_joins_item_parameters_as_scorm_cam_says(href: str, parameters: str, url: str) -> None:
    from pipeline.package.scos import with_parameters

    assert with_parameters(href, parameters) == url
