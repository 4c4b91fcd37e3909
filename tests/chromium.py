"""Headless Chromium for every browser test: pipeline.browser's launch (Debian's binary, Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from pipeline.browser import ARGS, chromium_path, launch, missing_playwright
from pipeline.browser import DEFAULT as CHROMIUM
from pipeline.diagnostics import PipelineError

__all__ = ["ARGS", "CHROMIUM", "browser", "need_browser"]


def need_browser() -> None:
    """Skip the calling test when Chromium or Playwright is missing (CI makes that skip a failure)."""
    try:
        chromium_path()
    except PipelineError as exc:
        pytest.skip(str(exc))
    why = missing_playwright()
    if why:
        pytest.skip(why)


@contextmanager
def browser() -> Iterator[Any]:
    """A Playwright Chromium browser; Playwright's sync API runs once per thread, so tests share one."""
    need_browser()
    with launch() as instance:
        yield instance
