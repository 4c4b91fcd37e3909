"""The tool as users install it: a wheel in a fresh venv, run in a folder outside this checkout, builds everything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
# what a wheel build reads (git-tracked files only; node_modules is linked, as `npm ci` left it)
BUILD_INPUTS = ("pipeline", "schema", "setup.py", "pyproject.toml", "MANIFEST.in", "README.md", "package-lock.json")


def uv() -> str:
    """The uv that `.ci/setup` used: on PATH, else its private copy."""
    private = ROOT / ".cache" / "uv" / "bin" / "uv"
    found = shutil.which("uv") or (str(private) if private.is_file() else None)
    assert found, "uv is neither on PATH nor in .cache/uv/bin (run .ci/setup test)"
    return found


def run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))} → {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def copy_checkout(target: Path) -> Path:
    """The files a wheel is built from, in a folder of their own: the build leaves nothing in this checkout."""
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "bundled"))
        else:
            shutil.copy2(source, target / name)
    (target / "node_modules").symlink_to(ROOT / "node_modules")
    return target


def test_the_installed_wheel_builds_every_format_outside_the_checkout(tmp_path: Path) -> None:
    # offline: uv takes setuptools from its cache, filled when `uv sync` built this project
    checkout = copy_checkout(tmp_path / "checkout")
    run([uv(), "build", "--wheel", "--offline", "--python", sys.executable, "--out-dir", tmp_path / "dist"], checkout)
    (wheel,) = (tmp_path / "dist").glob("handbook_pipeline-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pipeline/bundled/scorm/scorm20044thedition/imscp_v1p1.xsd" in names
    assert "pipeline/bundled/scorm/scorm12edition/imscp_rootv1p1p2.xsd" in names
    assert "pipeline/bundled/schema/page.schema.json" in names
    assert "pipeline/templates/site/page.html" in names and "pipeline/package/runtime/sco.js" in names
    assert {f"pipeline/bundled/scorm-again/{n}" for n in ("scorm12.min.js", "scorm2004.min.js", "LICENSE")} <= names
    assert {"pipeline/package/host/lms.html", "pipeline/package/host/lms.js"} <= names

    # a fresh venv with only the wheel; its dependencies are the test venv's (offline, same locked versions)
    venv = tmp_path / "venv"
    run([uv(), "venv", "--offline", "--python", sys.executable, venv], tmp_path)
    python = venv / "bin" / "python"
    run([uv(), "pip", "install", "--offline", "--no-deps", "--python", python, wheel], tmp_path)
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_handbook_test_deps.pth").write_text("".join(f"{d}\n" for d in sorted(deps)), encoding="utf-8")

    work = tmp_path / "scratch"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = run([python, "-c", "import pipeline; print(pipeline.__file__)"], work, env)
    assert Path(where.strip()).is_relative_to(venv), where  # the wheel's copy, not this checkout's
    handbook = venv / "bin" / "handbook"
    assert run([handbook, "--version"], work, env).strip().startswith("handbook, version ")
    run([handbook, "new", "handbook", "Installed Tool", "--source", "src"], work, env)
    assert '"$id"' in run([handbook, "schema", "page"], work, env)
    built = run([handbook, "build", "--source", "src", "--out", "out"], work, env)
    out = work / "out"
    assert (out / "html" / "index.html").is_file() and (out / "html" / "introduction.html").is_file()
    assert (out / "json" / "installed-tool.json").is_file()
    assert (out / "pdf" / "installed-tool.pdf").read_bytes().startswith(b"%PDF")
    zips = sorted((out / "scorm").glob("*.zip"))
    assert [z.name for z in zips] == ["installed-tool-scorm12.zip", "installed-tool-scorm2004.zip"], built
    assert "imscp_v1p1.xsd" in zipfile.ZipFile(out / "scorm" / "installed-tool-scorm2004.zip").namelist()
    verified = run([handbook, "verify", *zips], work, env)  # exit 0: no errors
    assert "All checks passed." in verified, verified
    # --run from the wheel's own scorm-again and LMS frame (no node_modules here), the test venv's Playwright
    ran = run([handbook, "verify", "--run", "--run-seconds", "0.5", *zips], work, env)
    assert "All checks passed." in ran, ran
    assert run([handbook, "check", "src/pages/introduction.md"], work, env)
