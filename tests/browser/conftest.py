"""Fixtures of the site's browser tests: the sample built once, served on loopback, one Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.browser_helpers import ROOT, need_browser, serve_folder


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.build import build
    from pipeline.config import Config

    need_browser()
    out = tmp_path_factory.mktemp("site-browser")
    result = build(Config(source=ROOT / "source", out=out, formats=("html",)))
    assert result.ok, result.diagnostics
    return out / "html"


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    with serve_folder(built_site) as base:
        yield base
