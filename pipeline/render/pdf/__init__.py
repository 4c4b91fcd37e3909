"""The PDF format's entry point, ``render(book, out, config)``; the stage itself is stage.py.

Kept small: the PDF worker processes import modules of this package, and so this file, and should not
pay for the build's own modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Book


def render(book: Book, out: Path, config: Config) -> list[Path]:
    """Write outputs/pdf/<handbook-id>.pdf (and one per page with ``config.pdf_split``), cached by input hash."""
    from pipeline.render.pdf.stage import render_books

    return render_books([book], out, config)
