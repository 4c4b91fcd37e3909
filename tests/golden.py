"""Golden outputs of the sample handbook (HTML and JSON): refreshed only by `make golden`.

`python -m tests.golden refresh` rebuilds them; tests/test_golden.py fails when a build differs,
so every change to what readers get shows up as a diff to review. The site's shipped files
(`_static/` CSS, scripts, icon), copied as they are from pipeline/templates/site/static, are not
stored again: a build must carry them byte for byte.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from pipeline.build import build
from pipeline.config import Config
from pipeline.render.html import static_files

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
FORMATS = ("html", "json")


def build_sample(out: Path) -> Path:
    result = build(Config(source=ROOT / "source", out=out, formats=FORMATS))
    if not result.ok:
        raise SystemExit("the sample handbook does not build: run `handbook check`")
    return out


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def shipped() -> dict[str, bytes]:
    """The site's files that every build copies unchanged from the pipeline, by output path."""
    return {f"html/{name}": data for name, data in static_files().items()}


def differences(out: Path) -> list[str]:
    """Paths that differ between a build in ``out`` and the golden folder (plus the shipped files)."""
    built = {f"{fmt}/{k}": v for fmt in FORMATS for k, v in files(out / fmt).items()}
    golden = {f"{fmt}/{k}": v for fmt in FORMATS for k, v in files(GOLDEN / fmt).items()} | shipped()
    return sorted(path for path in built.keys() | golden.keys() if built.get(path) != golden.get(path))


def refresh() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = build_sample(Path(tmp))
        for fmt in FORMATS:
            shutil.rmtree(GOLDEN / fmt, ignore_errors=True)
            shutil.copytree(out / fmt, GOLDEN / fmt)
        for path in shipped():
            (GOLDEN / path).unlink()
    print(f"refreshed {GOLDEN}; review `git diff {GOLDEN.relative_to(ROOT)}` before committing")


if __name__ == "__main__":
    if sys.argv[1:] != ["refresh"]:
        raise SystemExit("usage: python -m tests.golden refresh")
    refresh()
