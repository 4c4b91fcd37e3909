"""Fuzz the whole CLI: random source trees (manifests, pages, assets, odd file types) through check and build.

Whatever the tree holds, `handbook check` and `handbook build` end with exit 0, 1 or 2, never a traceback or a
hang; every finding names a file with line and column; a build that fails leaves the previous outputs byte for
byte as they were, and one that succeeds leaves no staging or old folders behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixture_gen import BASE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

EXAMPLES = int(os.environ.get("HANDBOOK_FUZZ_EXAMPLES", "12"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parent.parent
# path:line:col: CODE — the head of every finding in the text report
FINDING = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d{3}) \[")

# What a file in a source tree can be: text that is almost right, bytes, or something that is not a file.
KINDS = ("base", "text", "bytes", "empty", "dir", "fifo", "dangling", "loop", "outside")
yaml_text = st.sampled_from(
    [
        "id: x\ntitle: T\n",
        "title: [unclosed\n",
        "a: &a [*a]\n",
        "title: !!python/object:os.system ls\n",
        'title: "\\e\\0"\n',
        "pages: [intro, intro, missing]\n",
        "- just\n- a list\n",
        "citation_style: ../../etc/passwd.csl\n",
        "\ufeffid: bom\r\ntitle: crlf\r\n",
    ]
)
markdown_text = st.sampled_from(
    [
        "---\nid: intro\ntitle: Intro\n---\n\n<!-- never closed\n\nText [@nokey].\n",
        "---\nid: intro\ntitle: Intro\n---\n\n<video src='a.mp4'></video> <iframe src='x'></iframe>\n",
        "---\nid: intro\ntitle: Intro\n---\n\n| a | b |\n|---|\n| 1 | 2 | 3 |\n",
        "---\nid: intro\n---\n" + "> " * 300 + "deep\n",
        "---\nid: intro\ntitle: Intro\n---\n\n\x1b]0;pwned\x07 [link](../../../etc/passwd)\n",
        "no frontmatter at all \x00\n",
        "---\nid: [\n",
    ]
)
svg_text = st.sampled_from(
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
        "<html><body><script>alert(1)</script></body></html>",
        "not an svg",
    ]
)


@st.composite
def entries(draw: st.DrawFn) -> list[tuple[str, str, str | bytes]]:
    """(relative path, kind, content) for the files that replace or join the base handbook's."""
    paths = ["handbook.yaml", "references.yaml", "pages/intro.md", "pages/guide.md", "pages/extra.md"]
    paths += ["assets/levels.svg", "assets/page.html", "assets/clip.mp4", "assets/sub/x.png"]
    chosen = draw(st.lists(st.sampled_from(paths), unique=True, max_size=5))
    out: list[tuple[str, str, str | bytes]] = []
    for path in chosen:
        kind = draw(st.sampled_from(KINDS))
        content: str | bytes = ""
        if kind == "text":
            texts = svg_text if path.startswith("assets/") else yaml_text if path.endswith(".yaml") else markdown_text
            content = draw(texts)
        elif kind == "bytes":
            content = draw(st.binary(max_size=64))
        out.append((path, kind, content))
    return out


def _make(root: Path, spec: list[tuple[str, str, str | bytes]]) -> Path:
    source = root / "src"
    shutil.copytree(BASE, source)
    for rel, kind, content in spec:
        target = source / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        if kind == "base" and (BASE / rel).is_file():
            shutil.copyfile(BASE / rel, target)
        elif kind in ("text", "empty"):
            target.write_bytes(content.encode() if isinstance(content, str) else content)
        elif kind == "bytes":
            target.write_bytes(content if isinstance(content, bytes) else content.encode())
        elif kind == "dir":
            (target / "inner").mkdir(parents=True)
        elif kind == "fifo":
            os.mkfifo(target)
        elif kind == "dangling":
            target.symlink_to(root / "nowhere")
        elif kind == "loop":
            target.symlink_to(target.name)
        elif kind == "outside":
            (root / "secret.txt").write_text("outside the source\n")
            target.symlink_to(root / "secret.txt")
    return source


def _hashes(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _assert_clean_report(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode in (0, 1, 2), output
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    assert "\x1b" not in output, "a control character from the source reached the terminal"
    for line in output.splitlines():
        found = FINDING.match(line)
        if found:
            assert int(found["line"]) >= 1 and int(found["col"]) >= 1, line


@SETTINGS
@given(spec=entries(), formats=st.sampled_from([("html",), ("json", "scorm12"), ("html", "json", "scorm2004")]))
def test_any_source_tree_ends_in_diagnostics_and_leaves_outputs_whole(
    spec: list[tuple[str, str, str | bytes]], formats: tuple[str, ...]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = _make(root, spec)
        out = root / "out"
        (out / "html").mkdir(parents=True)
        (out / "html" / "index.html").write_text("the previous build\n")
        before = _hashes(out)

        checked = _run("check", "--source", str(source), cwd=root)
        _assert_clean_report(checked)

        flags = [arg for name in formats for arg in ("--format", name)]
        built = _run("build", "--source", str(source), "--out", str(out), *flags, cwd=root)
        _assert_clean_report(built)
        if built.returncode != 0:
            assert _hashes(out) == before, "a failed build changed the previous outputs"
        else:
            assert checked.returncode in (0, 1)  # a usage error in check cannot become a good build
        leftovers = [p.name for p in root.iterdir() if p.name.startswith(".") and p.name != "."]
        leftovers += [p.name for p in out.iterdir() if p.name.startswith((".staging", ".old"))] if out.exists() else []
        assert leftovers == [], leftovers
