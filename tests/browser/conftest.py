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


@pytest.fixture(scope="session")
def sharded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five generated pages ("in team 1." … "in team 5.") in search shards of two pages: shards 0, 1 and 2."""
    from bench.generate import generate
    from pipeline.build import build
    from pipeline.config import Config
    from pipeline.render import site_search

    need_browser()
    work = tmp_path_factory.mktemp("sharded-site")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site_search, "SHARD_PAGES", 2)
        result = build(Config(source=generate(5, work / "source"), out=work / "out", formats=("html",)))
    assert result.ok, result.diagnostics
    return work / "out" / "html"


@pytest.fixture(scope="session")
def sharded_url(sharded_site: Path) -> Iterator[str]:
    with serve_folder(sharded_site) as base:
        yield base
