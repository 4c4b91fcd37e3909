"""The renderer registry: format name → module whose ``render(book, out, config)`` writes files."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Book


class Renderer(Protocol):
    def render(self, book: Book, out: Path, config: Config) -> list[Path]: ...


# Imported only when that format is built: WeasyPrint alone costs half a second to import.
MODULES: dict[str, str] = {
    "html": "pipeline.render.html",
    "json": "pipeline.render.json_export",
    "pdf": "pipeline.render.pdf",
}


def renderer(name: str) -> Renderer:
    return cast(Renderer, import_module(MODULES[name]))
