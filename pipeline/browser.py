"""Headless Chromium for `verify --run` and the browser tests: the system binary (never downloaded), Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.diagnostics import PipelineError

DEFAULT = Path("/usr/bin/chromium")  # Debian's package `chromium`
ENV = "CHROMIUM"
INSTALL_PLAYWRIGHT = "pip install 'handbook-pipeline[run]'"
# Without the background-networking flags Chromium keeps dialling out, which sandboxes refuse.
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_path(explicit: Path | None = None) -> Path:
    """The Chromium binary: ``explicit``, else $CHROMIUM, else /usr/bin/chromium; PipelineError when absent."""
    chosen = explicit or (Path(os.environ[ENV]) if os.environ.get(ENV) else None)
    if chosen is not None:
        found = chosen if chosen.is_file() else Path(shutil.which(str(chosen)) or chosen)
        if found.is_file() and os.access(found, os.X_OK):
            return found
        source = "--chromium" if explicit else f"${ENV}"
        raise PipelineError(f"{source} names {chosen}, which is not an executable Chromium")
    if DEFAULT.is_file():
        return DEFAULT
    raise PipelineError(
        f"no Chromium at {DEFAULT}: install it (Debian/Ubuntu: apt-get install chromium) "
        f"or name the binary with --chromium PATH or ${ENV}"
    )


def missing_playwright() -> str:
    """Why Playwright for Python cannot be used ('' when it can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"Playwright for Python is not installed: {INSTALL_PLAYWRIGHT} (it drives the system Chromium)"
    return ""


@contextmanager
def launch(executable: Path | None = None) -> Iterator[Any]:
    """A headless Playwright Chromium browser; Playwright's sync API runs once per thread."""
    why = missing_playwright()
    if why:
        raise PipelineError(why)
    path = chromium_path(executable)
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=str(path), args=list(ARGS))
        except Error as exc:
            raise PipelineError(f"Chromium at {path} does not start: {exc.message.splitlines()[0]}") from exc
        try:
            yield instance
        finally:
            instance.close()
