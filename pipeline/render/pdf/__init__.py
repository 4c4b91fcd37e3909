"""The PDF format's entry points, ``page_part(page, book, site)`` and ``render(book, parts, out, config)``; the stage
itself is stage.py.

Kept small: the PDF worker processes import modules of this package, and so this file, and should not
pay for the build's own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Book, Page
    from pipeline.render.markup import SiteHtml
    from pipeline.render.pdf.document import ChapterPart


def page_part(page: Page, book: Book, site: SiteHtml) -> ChapterPart:
    """The page's chapter, made where its tokens are (pipeline/pages.py); rendered on its own, not from
    ``site``: the print document links pages and references inside itself."""
    from pipeline.render.pdf.document import page_part as chapter

    return chapter(page, book)


def render(book: Book, parts: Sequence[ChapterPart], out: Path, config: Config) -> list[Path]:
    """Write outputs/pdf/<handbook-id>.pdf (and one per page with ``config.pdf_split``), cached by input hash."""
    from pipeline.render.pdf.stage import render_books

    return render_books([(book, parts)], out, config)
