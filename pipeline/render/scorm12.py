"""The SCORM 1.2 package format: ``outputs/scorm/<handbook-id>-scorm12.zip`` from the rendered site."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Config
from pipeline.model import Book


def render(book: Book, out: Path, config: Config) -> list[Path]:
    from pipeline.package import packager

    return packager.render(book, out, config, "1.2")
