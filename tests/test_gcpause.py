"""The cycle collector pause around parsing and checking a page (pipeline/gcpause.py)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.gcpause import collector_paused
from pipeline.load import RawPage
from pipeline.model import SourceFile
from pipeline.parse import parse


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_the_collector_is_off_inside_and_back_after_nested_pauses() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still open
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_an_exception_ends_the_pause() -> None:
    gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_pauses_overlapping_in_threads_resume_when_the_last_ends() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # this thread's pause ended first: the other's is still open
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_parsing_a_page_runs_no_collection() -> None:
    """The token tree of a large page is built without the collector walking it again and again."""
    gc.enable()
    body = "## Section\n\nSome *text* with a [link](#section) and `code`.\n\n| a | b |\n|---|---|\n| c | d |\n\n" * 2000
    text = "---\nid: guide\n---\n" + body
    raw = RawPage(SourceFile.of(Path("guide.md"), "pages/guide.md", text), None, 4, "")
    assert raw.body == body
    runs: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        page = parse(raw, "guide", {})
    finally:
        gc.callbacks.remove(count)
    assert len(page.tokens) > 20_000  # enough allocations for many collections, were the collector on
    assert runs in ([], [0])  # at most the one young collection once it ends; unpaused: hundreds, some full
