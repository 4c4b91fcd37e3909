"""Bad-input fixtures: every tests/fixtures/<name>/ (and generated case) gives exactly its expected diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import build as build_module
from pipeline.build import check
from pipeline.cli import main
from pipeline.codes import REGISTRY
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.pages import PageWorkers
from pipeline.render import MODULES
from pipeline.report import CAP
from tests.fixture_gen import FIXTURES, GENERATED, Expected, Finding, assemble, committed, parse_expected, relative

# A hang is a bug: the 5 MB page takes about 25 s here, so this is far above any honest run.
pytestmark = pytest.mark.timeout(600)

# markdown-it-py itself needs seconds of CPU for the 5 MB page (linear in its size: nothing of ours to fix)
SLOW = {"gen-huge-page-5mb"}
CASES = [
    pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in [*committed(), *sorted(GENERATED)]
]


def source(name: str, tmp_path: Path) -> tuple[Path, Expected]:
    """A complete source folder for the case, and what it must produce."""
    src = tmp_path / "src"
    if name in GENERATED:
        return src, parse_expected(GENERATED[name](src))
    return src, assemble(FIXTURES / name, src)


def shown(finding: Finding) -> str:
    path, line, col, code = finding
    return f"{path}:{line}:{col}: {code}"


def assert_findings(found: list[tuple[Finding, Diagnostic]], expected: Expected) -> None:
    assert sorted(shown(f) for f, _ in found) == sorted(shown(f) for f in expected.findings.elements())
    for finding, text in expected.texts:
        said = [f"{d.message} {d.hint}" for f, d in found if f == finding]
        assert any(text in s for s in said), f"{shown(finding)}: {text!r} not in {said}"


@pytest.fixture(params=["LocalPages", "PageWorkers"])
def page_runner(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each case runs its pages in this process, and again in two worker processes (even for one page)."""
    if request.param == "PageWorkers":
        monkeypatch.setattr(build_module, "runner", lambda _pages, _jobs: PageWorkers(2))
    return str(request.param)


@pytest.mark.parametrize("name", CASES)
def test_diagnostics(name: str, tmp_path: Path, page_runner: str) -> None:
    """Every page part is made too, as a build makes them: a part that cannot be made is a crash, not a finding."""
    src, expected = source(name, tmp_path)
    result = check(Config(source=src, strict=expected.strict), parts=tuple(MODULES))
    for d in result.diagnostics:
        assert d.line >= 1 and d.col >= 1 and d.code in REGISTRY and d.severity is not Severity.OFF, d
    assert_findings(relative(result.diagnostics, src), expected)
    assert result.ok is (expected.exit_code == 0)


@pytest.mark.parametrize("name", CASES)
def test_cli_exit_code(name: str, tmp_path: Path) -> None:
    """`handbook check` exits 1 on errors (0 for warnings only), never shows a traceback, and prints
    what check() finds (it takes the worker-process path when a handbook is large), the first 20 of
    a code in a file and a count of the rest."""
    src, expected = source(name, tmp_path)
    args = ["check", "--source", str(src), *(["--strict"] if expected.strict else [])]
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == expected.exit_code, result.output[-3000:]
    # what check() finds is exactly the expected findings (test_diagnostics): not checked a second time here;
    # the text report shows the first CAP of a code in a file and counts the rest
    by_code: dict[tuple[str, str], list[Finding]] = {}
    for finding in sorted(expected.findings.elements(), key=lambda f: (f[1], f[2])):
        by_code.setdefault((finding[0], finding[3]), []).append(finding)
    lines = result.output.splitlines()
    for (path, code), findings in by_code.items():
        for finding in findings[:CAP]:
            assert shown(finding) in result.output
        if len(findings) > CAP:
            note = f"… and {len(findings) - CAP} more {code} in "
            assert any(line.strip().startswith(note) and line.endswith(path) for line in lines), note


def test_every_fixture_is_listed_and_parsed() -> None:
    """Guard the harness itself: each folder has an expected.txt whose lines all parse, and names differ."""
    folders = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name != "_base")
    assert folders == committed()
    assert not set(folders) & set(GENERATED)
    for name in folders:
        text = (FIXTURES / name / "expected.txt").read_text(encoding="utf-8")
        findings = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        assert sum(parse_expected(text).findings.values()) == len(findings), name
        assert parse_expected(text).exit_code in (0, 1), name


def test_base_is_clean(tmp_path: Path) -> None:
    result = check(Config(source=FIXTURES / "_base"))
    assert result.diagnostics == []
    assert result.book is not None and [p.id for p in result.book.pages] == ["intro", "guide"]


def test_workers_find_what_one_process_finds(tmp_path: Path) -> None:
    """60 pages: above PAGES_PER_WORKER twice, so two workers take them; the findings must not change."""
    src = tmp_path / "src"
    GENERATED["gen-many-pages-workers"](src)
    alone = check(Config(source=src, jobs=1)).diagnostics
    pooled = check(Config(source=src, jobs=2)).diagnostics
    assert len(alone) == 60
    assert pooled == alone
