"""The SCORM 2004 4th edition package format: ``outputs/scorm/<handbook-id>-scorm2004.zip`` from the site."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Config
from pipeline.model import Book


def render(book: Book, out: Path, config: Config) -> list[Path]:
    from pipeline.package import packager

    return packager.render(book, out, config, "2004")
