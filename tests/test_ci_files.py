"""The files authors' CI reads: the pre-commit hook manifest and the composite Action, as their tools need them."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from tests.fixture_gen import FIXTURES, assemble

ROOT = Path(__file__).resolve().parent.parent
# pre-commit's hook manifest schema (pre_commit/clientlib.py): required keys, and every optional one
HOOK_REQUIRED = {"id", "name", "entry", "language"}
HOOK_OPTIONAL = {
    "alias",
    "files",
    "exclude",
    "types",
    "types_or",
    "exclude_types",
    "additional_dependencies",
    "args",
    "always_run",
    "fail_fast",
    "pass_filenames",
    "description",
    "language_version",
    "log_file",
    "require_serial",
    "stages",
    "verbose",
    "minimum_pre_commit_version",
}
ACTION_KEYS = {"name", "author", "description", "inputs", "outputs", "runs", "branding"}
STEP_KEYS = {"name", "id", "if", "run", "shell", "uses", "with", "env", "working-directory", "continue-on-error"}


def load(name: str) -> Any:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def command(path: str) -> click.Command:
    found: click.Command = main
    for word in path.split():
        assert isinstance(found, click.Group) and word in found.commands, f"no command `handbook {path}`"
        found = found.commands[word]
    return found


def options(cmd: click.Command) -> set[str]:
    return {name for param in cmd.params for name in param.opts if name.startswith("-")}


def test_pre_commit_hook_manifest() -> None:
    hooks = load(".pre-commit-hooks.yaml")
    assert isinstance(hooks, list) and [h["id"] for h in hooks] == ["handbook-check"]
    (hook,) = hooks
    assert HOOK_REQUIRED <= set(hook) <= HOOK_REQUIRED | HOOK_OPTIONAL, set(hook) - HOOK_REQUIRED - HOOK_OPTIONAL
    assert hook["language"] == "python" and hook.get("pass_filenames", True) is True
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    program, *args = shlex.split(hook["entry"])
    assert program in scripts and args == ["check"]
    files = re.compile(hook["files"])
    for name in ("src/handbook.yaml", "src/pages/intro.md", "src/references.yml", "src/refs.bib", "src/refs.json"):
        assert files.search(name), name
    for name in ("pipeline/cli.py", "assets/levels.svg", "notes.txt"):
        assert not files.search(name), name


def test_pre_commit_runs_the_entry_with_changed_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What pre-commit does: the entry, then the changed files that match ``files``, relative to the repo root."""
    (hook,) = load(".pre-commit-hooks.yaml")
    repo = tmp_path / "repo"
    assemble(FIXTURES / "cit001-unknown-key", repo / "handbook")
    (repo / "README.md").write_text("# the repo\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    _program, *args = shlex.split(hook["entry"])
    changed = [name for name in ("README.md", "handbook/pages/intro.md") if re.search(hook["files"], name)]
    assert CliRunner().invoke(main, [*args, *changed]).exit_code == 0  # intro.md is clean, README.md in no book
    failing = CliRunner().invoke(main, [*args, *changed, "handbook/pages/guide.md"])
    assert failing.exit_code == 1 and "handbook/pages/guide.md:8:17: CIT001" in failing.output


def test_action_is_a_composite_action() -> None:
    action = load("action.yml")
    assert set(action) <= ACTION_KEYS and {"name", "description", "runs"} <= set(action)
    assert {"source", "out", "formats", "strict"} <= set(action["inputs"])
    for name, spec in action["inputs"].items():
        assert spec["description"] and isinstance(spec.get("default", ""), str), name
    runs = action["runs"]
    assert runs["using"] == "composite" and runs["steps"]
    for step in runs["steps"]:
        assert set(step) <= STEP_KEYS, set(step) - STEP_KEYS
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash", step  # composite run steps must name their shell
            assert "${{ inputs." not in step["run"], "inputs reach scripts through env, never spliced into them"
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
    used = set(re.findall(r"\$\{\{[^}]*?inputs\.([\w-]+)", (ROOT / "action.yml").read_text(encoding="utf-8")))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    ids = {step["id"] for step in runs["steps"] if "id" in step}
    steps_used = set(re.findall(r"steps\.([\w-]+)\.outputs", (ROOT / "action.yml").read_text(encoding="utf-8")))
    assert steps_used <= ids


def test_action_uses_the_tools_it_promises() -> None:
    steps = load("action.yml")["runs"]["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert {"github/codeql-action/upload-sarif", "actions/upload-artifact"} <= set(uses)
    script = "\n".join(step["run"] for step in steps if "run" in step)
    assert '"$ACTION_PATH"' in script and "pip install" in script
    assert "--format github" in script and "--format sarif" in script
    for line in script.splitlines():
        words = line.strip().split()
        if words[:1] == ["handbook"] and len(words) > 1 and not words[1].startswith("-"):
            known = options(command(words[1]))
            assert {w for w in words[2:] if w.startswith("--")} <= known, line
    assert {"--source", "--out", "--format", "--strict"} <= options(command("build"))
    assert re.search(r'args=\(--source "\$SOURCE" --out "\$OUT"\)', script)
    assert 'args+=(--format "$format")' in script and "args+=(--strict)" in script


def test_ci_doc_is_linked_and_shows_both() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/ci.md)" in readme and "pipx install" in readme
    doc = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "id: handbook-check" in doc and "matrix:" in doc and "security-events: write" in doc
    for block in re.findall(r"```yaml\n(.*?)```", doc, flags=re.S):
        assert yaml.safe_load(block) is not None  # every YAML example parses
