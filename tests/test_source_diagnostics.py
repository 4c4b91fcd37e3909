"""Reading the source (load, characters, yamlsrc, validate, references): every code has its registry severity."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import codes
from pipeline.build import check
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.load import load
from pipeline.references import load_references
from pipeline.validate import validate
from pipeline.yamlsrc import MAX_DEPTH, parse_yaml
from tests.conftest import ROOT, SOURCE

MANIFEST = "id: h\ntitle: H\n"


def source(tmp_path: Path, pages: dict[str, bytes | str] | None = None) -> Path:
    """A source folder with a manifest and the given pages (name → content)."""
    root = tmp_path / "source"
    (root / "pages").mkdir(parents=True)
    (root / "handbook.yaml").write_text(MANIFEST, encoding="utf-8")
    for name, content in (pages or {}).items():
        path = root / "pages" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def loaded(tmp_path: Path, pages: dict[str, bytes | str]) -> list[Diagnostic]:
    return load(source(tmp_path, pages))[1]


def page_folder(tmp_path: Path) -> list[Diagnostic]:
    root = source(tmp_path)
    (root / "pages" / "folder.md").mkdir()
    return load(root)[1]


def page_outside(tmp_path: Path) -> list[Diagnostic]:
    root = source(tmp_path)
    (tmp_path / "elsewhere.md").write_text("---\nid: e\n---\n", encoding="utf-8")
    (root / "pages" / "elsewhere.md").symlink_to(tmp_path / "elsewhere.md")
    return load(root)[1]


def dangling_asset(tmp_path: Path) -> list[Diagnostic]:
    root = source(tmp_path)
    (root / "assets").mkdir()
    (root / "assets" / "figure.png").symlink_to("missing.png")
    return load(root)[1]


def no_manifest(tmp_path: Path) -> list[Diagnostic]:
    tmp_path.joinpath("empty").mkdir()
    return load(tmp_path / "empty")[1]


def bibliography(tmp_path: Path, name: str, text: str | None) -> list[Diagnostic]:
    root = source(tmp_path)
    if text is not None:
        (root / name).write_text(text, encoding="utf-8")
    return load_references(root, name)[1]


def yaml(text: str) -> list[Diagnostic]:
    return parse_yaml(text, "p.md")[1]


def page_schema(text: str) -> list[Diagnostic]:
    doc, found = parse_yaml(text, "p.md")
    assert doc is not None and found == []
    return validate(doc.data, doc, "page", "p.md", text.split("\n"))


ITEM = "- id: {id}\n  type: book\n  author: [{{literal: A}}]\n  issued: {{date-parts: [[2020]]}}\n"
BOMB = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcde", "bcdef", strict=True)
)

# (module, code) → a bad input that module reports with that code
CASES: dict[tuple[str, str], Callable[[Path], list[Diagnostic]]] = {
    ("load", "FM001"): lambda tmp: loaded(tmp, {"a.md": "no frontmatter\n"}),
    ("load", "FM002"): lambda tmp: loaded(tmp, {"a.md": "---\nid: a\n"}),
    ("load", "FM005"): lambda tmp: loaded(tmp, {"a.md": b"---\nid: a\n---\n\xff\n", "b.md": b"\0binary"}),
    ("load", "FM010"): page_folder,
    ("load", "LNK004"): page_outside,
    ("load", "LNK008"): dangling_asset,
    ("load", "SCH006"): no_manifest,
    ("characters", "FM009"): lambda tmp: loaded(tmp, {"a.md": "---\nid: a\n---\nA \x1b[31m escape\n"}),
    ("yamlsrc", "FM003"): lambda tmp: yaml("a: [1, 2\n"),
    ("yamlsrc", "FM004"): lambda tmp: yaml("a: 1\na: 2\n"),
    ("yamlsrc", "FM006"): lambda tmp: yaml("a: !custom x\n"),
    ("yamlsrc", "FM007"): lambda tmp: yaml(BOMB),
    ("yamlsrc", "FM008"): lambda tmp: yaml("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"),
    ("yamlsrc", "FM009"): lambda tmp: yaml('a: "\\e"\n'),
    ("validate", "SCH001"): lambda tmp: page_schema("id: a\n"),
    ("validate", "SCH002"): lambda tmp: page_schema("id: a\ntitle: A\ntitel: A\n"),
    ("references", "SCH001"): lambda tmp: bibliography(tmp, "refs.yaml", "a: 1\n"),
    ("references", "SCH006"): lambda tmp: bibliography(tmp, "refs.yaml", None),
    ("references", "CIT003"): lambda tmp: bibliography(tmp, "refs.yaml", ITEM.format(id="x") * 2),
    ("references", "CIT004"): lambda tmp: bibliography(tmp, "refs.yaml", "- id: x\n  title: T\n"),
    ("references", "CIT006"): lambda tmp: bibliography(tmp, "refs.txt", "x"),
}


def test_every_code_those_modules_write_has_a_bad_input_here() -> None:
    written = {
        (module, code)
        for module in ("load", "characters", "yamlsrc", "validate", "references")
        for code in re.findall(r'"([A-Z]{2,4}\d{3})"', (ROOT / "pipeline" / f"{module}.py").read_text("utf-8"))
    }
    assert written == set(CASES)


@pytest.mark.parametrize(("module", "code"), sorted(CASES))
def test_each_code_gets_the_registry_severity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, code: str
) -> None:
    # the registry says info for this code: a severity written at the call site would show
    monkeypatch.setitem(codes.REGISTRY, code, dataclasses.replace(codes.REGISTRY[code], severity=Severity.INFO))
    found = CASES[module, code](tmp_path)
    assert [d for d in found if d.code == code], found
    assert {d.severity for d in found if d.code == code} == {codes.default_severity(code)} == {Severity.INFO}


def test_the_manifest_severity_still_overrides_a_source_code(tmp_path: Path) -> None:
    root = tmp_path / "source"
    shutil.copytree(SOURCE, root)
    with (root / "references.yaml").open("a", encoding="utf-8") as refs:
        refs.write("  - id: undated2025\n    type: document\n    author: [{literal: Nobody}]\n")  # no issued: CIT004
    reported = [d for d in check(Config(source=root)).diagnostics if d.code == "CIT004"]
    assert [d.severity for d in reported] == [Severity.ERROR]
    manifest = root / "handbook.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "severity:\n  CIT004: warning\n", encoding="utf-8")
    result = check(Config(source=root))
    assert [d.severity for d in result.diagnostics if d.code == "CIT004"] == [Severity.WARNING]
    assert result.ok


def test_an_unquoted_off_turns_a_code_off_as_the_quoted_one_does(tmp_path: Path) -> None:
    # YAML 1.1 reads `off` (and `no`) unquoted as false; an author writing `CLM001: off` means off
    root = tmp_path / "source"
    shutil.copytree(SOURCE, root)
    assert [d for d in check(Config(source=root)).diagnostics if d.code == "CLM001"]
    manifest = root / "handbook.yaml"
    written = manifest.read_text(encoding="utf-8")
    for value in ("off", '"off"', "no"):
        manifest.write_text(f"{written}severity:\n  CLM001: {value}\n", encoding="utf-8")
        found = check(Config(source=root)).diagnostics
        assert not [d for d in found if d.code in ("CLM001", "SCH001")], (value, found)


@pytest.mark.parametrize(("line", "word", "value"), [("title: no", "no", "false"), ("title: On", "On", "true")])
def test_a_yaml_boolean_where_text_belongs_says_to_quote_what_was_written(
    tmp_path: Path, line: str, word: str, value: str
) -> None:
    root = source(tmp_path, {"p.md": f"---\nid: p\n{line}\n---\n\nText.\n"})
    (root / "handbook.yaml").write_text("id: h\ntitle: H\nversion: '1'\nlanguage: en\npages: [p]\n", encoding="utf-8")
    found = [d for d in check(Config(source=root)).diagnostics if d.code == "SCH001"]
    assert [(d.line, d.col) for d in found] == [(3, 8)]
    assert found[0].hint == f'YAML reads an unquoted `{word}` as {value}: write "{word}", in quotes'


def test_a_severity_of_yes_is_refused_with_the_quoting_hint(tmp_path: Path) -> None:
    root = tmp_path / "source"
    shutil.copytree(SOURCE, root)
    manifest = root / "handbook.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "severity:\n  CLM001: yes\n", encoding="utf-8")
    found = [d for d in check(Config(source=root)).diagnostics if d.code == "SCH001"]
    assert len(found) == 1 and found[0].hint == 'YAML reads an unquoted `yes` as true: write "yes", in quotes'


def test_a_yaml_boolean_where_a_number_belongs_is_not_told_to_quote_it(tmp_path: Path) -> None:
    root = source(tmp_path, {"p.md": "---\nid: p\ntitle: P\nestimated_minutes: yes\n---\n\nText.\n"})
    (root / "handbook.yaml").write_text("id: h\ntitle: H\nversion: '1'\nlanguage: en\npages: [p]\n", encoding="utf-8")
    found = [d for d in check(Config(source=root)).diagnostics if d.code == "SCH001"]
    assert [(d.line, "in quotes" in d.hint) for d in found] == [(4, False)]
