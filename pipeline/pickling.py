"""Frozen records pickled as their constructor's arguments: half the time of unpickling a slotted dataclass's state.

The page cache loads every page's result on each build (findings, facts, headings, citations: about
fifty records a page), so how a record unpickles is a tenth of a rebuild after a one-page edit.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


def by_fields(cls: type[T]) -> type[T]:
    """Give a dataclass a ``__reduce__`` that rebuilds it by calling the class with its field values."""
    names = tuple(field.name for field in dataclasses.fields(cls))  # type: ignore[arg-type]

    def reduce(self: Any) -> tuple[type[T], tuple[Any, ...]]:
        return cls, tuple(getattr(self, name) for name in names)

    cls.__reduce__ = reduce  # type: ignore[method-assign]
    return cls
