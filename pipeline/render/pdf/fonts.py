"""The PDF's fonts: Source Serif/Sans Pro TTFs from their PyPI packages, as @font-face rules."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path

from pipeline.diagnostics import PipelineError

SERIF, SANS = "HB Serif", "HB Sans"
# (family, package, file, weight, style): only glyphs used end up in the PDF (WeasyPrint subsets)
FACES = (
    (SERIF, "font_source_serif_pro", "SourceSerifPro-Regular.ttf", 400, "normal"),
    (SERIF, "font_source_serif_pro", "SourceSerifPro-It.ttf", 400, "italic"),
    (SERIF, "font_source_serif_pro", "SourceSerifPro-Semibold.ttf", 600, "normal"),
    (SERIF, "font_source_serif_pro", "SourceSerifPro-Bold.ttf", 700, "normal"),
    (SERIF, "font_source_serif_pro", "SourceSerifPro-BoldIt.ttf", 700, "italic"),
    (SANS, "font_source_sans_pro", "SourceSansPro-Regular.ttf", 400, "normal"),
    (SANS, "font_source_sans_pro", "SourceSansPro-It.ttf", 400, "italic"),
    (SANS, "font_source_sans_pro", "SourceSansPro-Semibold.ttf", 600, "normal"),
    (SANS, "font_source_sans_pro", "SourceSansPro-Bold.ttf", 700, "normal"),
    (SANS, "font_source_sans_pro", "SourceSansPro-BoldIt.ttf", 700, "italic"),
)


def font_dir(package: str) -> Path:
    """The folder of a font package's files, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PipelineError(
            f"font package {package!r} is not installed (`make build` in a checkout, or a reinstall of the tool)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "files"


def font_files() -> list[Path]:
    files = [font_dir(package) / name for _family, package, name, _w, _s in FACES]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise PipelineError(f"font files missing: {', '.join(missing)}")
    return files


@functools.cache
def fonts_css() -> str:
    """@font-face rules pointing at the installed files (file: URLs the fetcher allows)."""
    rules = []
    for (family, _package, _name, weight, style), path in zip(FACES, font_files(), strict=True):
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


@functools.cache
def fonts_digest() -> str:
    """Hash of the font files' bytes: a different font version is a different PDF."""
    digest = hashlib.sha256()
    for path in font_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def font_roots() -> list[Path]:
    return sorted({font_dir(package) for _f, package, _n, _w, _s in FACES})
