"""The SCORM 1.2 package format: ``outputs/scorm/<handbook-id>-scorm12.zip`` from the rendered site."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.model import Book
from pipeline.render.html import page_part as page_part


def render(book: Book, parts: Sequence[Any], out: Path, config: Config) -> list[Path]:
    from pipeline.package import packager

    return packager.render(book, parts, out, config, "1.2")
