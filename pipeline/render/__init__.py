"""The renderer registry: format → module with ``page_part(page, book, site)`` and ``render(book, parts, out, config)``.

``page_part`` runs where a page's tokens are, right after its checks (pipeline/pages.py), and returns what
the format needs of that page as plain data; ``site`` (markup.SiteHtml) is the page's HTML as the site
links it, rendered once for every part that asks. ``render`` writes the format's files from those parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Book, Page
    from pipeline.render.markup import SiteHtml


class Renderer(Protocol):
    def page_part(self, page: Page, book: Book, site: SiteHtml) -> Any: ...

    def render(self, book: Book, parts: Sequence[Any], out: Path, config: Config) -> list[Path]: ...


# Imported only when that format is built: WeasyPrint alone costs half a second to import.
MODULES: dict[str, str] = {
    "html": "pipeline.render.html",
    "json": "pipeline.render.json_export",
    "pdf": "pipeline.render.pdf",
}


def renderer(name: str) -> Renderer:
    return cast(Renderer, import_module(MODULES[name]))
