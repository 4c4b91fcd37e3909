"""Build the sample's PDF in a fresh process, optionally as on a machine without libharfbuzz-subset.

``python -m tests.pdf_child OUT [--hide-harfbuzz-subset]`` builds into OUT (its own, empty cache) and
prints one JSON line: the PDF's path and whether WeasyPrint loaded libharfbuzz-subset. Hiding makes
WeasyPrint's ``dlopen`` of the library fail, exactly as where the Debian package is not installed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

HIDDEN = "harfbuzz-subset"


def hide_harfbuzz_subset() -> None:
    """Every later ``dlopen`` of libharfbuzz-subset fails (call before WeasyPrint is imported)."""
    import cffi  # type: ignore[import-untyped]

    real = cffi.FFI.dlopen

    def dlopen(self: Any, name: Any, flags: int = 0) -> Any:
        if HIDDEN in str(name):
            raise OSError(f"{name}: hidden by tests.pdf_child")
        return real(self, name, flags)

    cffi.FFI.dlopen = dlopen


def harfbuzz_subset_loaded() -> bool:
    """Whether WeasyPrint (in this process) found libharfbuzz-subset, so would subset with HarfBuzz."""
    from weasyprint.text import ffi

    return ffi.harfbuzz_subset is not None


def move_fonts(folder: Path) -> None:
    """Use copies of the font packages' files in ``folder``: the fonts of another virtual environment."""
    import shutil

    from pipeline.render.pdf import fonts as pdf_fonts

    original = pdf_fonts.font_dir
    for package in {package for _f, package, _n, _w, _s in pdf_fonts.FACES}:
        shutil.copytree(original(package), folder / package / "files")
    pdf_fonts.font_dir = lambda package: folder / package / "files"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--hide-harfbuzz-subset", action="store_true")
    parser.add_argument("--source", type=Path, help="the handbook to build (default: the sample)")
    parser.add_argument("--fonts-in", type=Path, help="a copy of the font packages here, as another venv has")
    args = parser.parse_args()
    if args.hide_harfbuzz_subset:
        hide_harfbuzz_subset()
    if args.fonts_in:
        move_fonts(args.fonts_in)

    from pipeline.build import build
    from pipeline.config import Config
    from tests.conftest import SOURCE

    result = build(Config(source=args.source or SOURCE, out=args.out, formats=("pdf",), jobs=1))
    assert result.ok and result.book is not None
    pdf = args.out / "pdf" / f"{result.book.manifest.id}.pdf"
    print(json.dumps({"pdf": str(pdf), "harfbuzz_subset": harfbuzz_subset_loaded()}))


if __name__ == "__main__":
    main()
