"""Page numbers chosen after pagination: a chunk is laid out once, then numbered from the page it starts on.

WeasyPrint lays a document out in two steps (``weasyprint.layout.layout_document``): it paginates the
content, then makes each page's margin boxes (running header, page number) from that page's counter
state. The page counter shows only in the margin boxes (print.css: ``@bottom-center``), so a chunk's
content and page count do not depend on the number its first page gets. ``install()`` wraps the
margin-box step: while ``numbered(ask)`` is active, the first margin box of a document calls
``ask(Paginated(...))`` — the chunk is paginated by then — and every page's ``page`` counter is shifted so
that the first page shows the number ``ask`` returned. The bytes are the same as a layout with
``@page :first { counter-reset: page N }`` (``tests/test_pdf.py`` compares them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Paginated:
    """What pagination tells before any page is numbered: the page count, and the page index of every id."""

    pages: int
    anchors: dict[str, int]


FirstPage = Callable[[Paginated], int]  # a paginated chunk → the number of its first page

_ask: ContextVar[FirstPage | None] = ContextVar("first_page", default=None)
_SHIFT = "_handbook_page_shift"  # set on WeasyPrint's LayoutContext once asked


@contextlib.contextmanager
def numbered(ask: FirstPage) -> Iterator[None]:
    """Documents laid out inside are numbered from what ``ask`` answers (called once per document)."""
    token = _ask.set(ask)
    try:
        yield
    finally:
        _ask.reset(token)


def install() -> None:
    """Wrap WeasyPrint's margin-box step in this process (idempotent; a no-op outside ``numbered``)."""
    from weasyprint import layout

    if getattr(layout.make_margin_boxes, "__wrapped__", None) is None:
        layout.make_margin_boxes = _wrap(layout.make_margin_boxes)


def _wrap(make_margin_boxes: Callable[[Any, Any, Any], Any]) -> Callable[[Any, Any, Any], Any]:
    def margin_boxes(context: Any, page: Any, state: Any) -> Any:
        ask = _ask.get()
        if ask is None:
            return make_margin_boxes(context, page, state)
        shift = getattr(context, _SHIFT, None)
        if shift is None:
            shift = ask(_paginated(context)) - 1
            setattr(context, _SHIFT, shift)
        if shift and "page" in state[1]:
            quote_depth, counters, scopes, groups = state
            counters = {**counters, "page": [value + shift for value in counters["page"]]}
            state = (quote_depth, counters, scopes, groups)
        return make_margin_boxes(context, page, state)

    margin_boxes.__wrapped__ = make_margin_boxes  # type: ignore[attr-defined]
    return margin_boxes


def _paginated(context: Any) -> Paginated:
    """Pagination is done: ``page_maker`` holds one entry per page plus the one after the last, each with the
    ids that first appear on that page (WeasyPrint tracks them for target-counter())."""
    entries = context.page_maker[:-1]
    anchors: dict[str, int] = {}
    for index, entry in enumerate(entries):
        for name in entry[-1]["anchors"]:
            anchors.setdefault(name, index)
    return Paginated(len(entries), anchors)
