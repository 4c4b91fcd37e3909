"""Shared test setup: the sample handbook, the seed text, and CI's rule that nothing may skip."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.build import listed_pages
from pipeline.load import load
from pipeline.manifest import manifest
from pipeline.model import Book
from pipeline.parse import parse
from pipeline.references import load_references

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
# in an output folder, what records the state of the files its build wrote (sizes, times, inodes): the
# build stamp (pipeline/stamp.py) and the JSON export's spans (pipeline/render/json_export.py)
STATE_FILES = (".cache/build-stamp.json", ".cache/json/last.pickle")
SEED = ROOT / "tests" / "data" / "skill-progression-map.txt"

# In CI (.ci/run sets HANDBOOK_NO_SKIP=1) a skipped test is a failure: browser and node tests must run.
_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("HANDBOOK_NO_SKIP") and _skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if os.environ.get("HANDBOOK_NO_SKIP") and _skipped:
        terminalreporter.section("skipped tests fail in CI (HANDBOOK_NO_SKIP)", red=True)
        for nodeid in _skipped:
            terminalreporter.line(f"SKIPPED counts as FAILED here: {nodeid}")


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test process, shared by the site's and the packages' browser tests."""
    from tests.chromium import browser

    with browser() as instance:
        yield instance


def parsed_book(source: Path) -> Book:
    """The book with every page's tokens, which check() does not keep: for tests of the page-level renderers."""
    sources, _found = load(source)
    assert sources.manifest is not None and sources.manifest_doc is not None
    man = manifest(sources.manifest, sources.manifest_doc)
    references, _found = load_references(source, man.bibliography)
    pages = tuple(parse(raw, page_id, meta) for raw, page_id, meta in listed_pages(sources, man))
    return Book(source, man, pages, tuple(references), sources.assets)
