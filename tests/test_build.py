"""The build frame: parallel and serial checks agree; failures leave outputs and source untouched."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate
from pipeline import pages
from pipeline.build import build, check
from pipeline.config import Config
from pipeline.pagecache import PageCache
from pipeline.pages import PAGES_PER_WORKER, PageWorkers
from pipeline.render import html as site_html
from tests.conftest import SOURCE


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _break(source: Path) -> None:
    """Inject one cross-page and one page-local error into a generated handbook."""
    page = source / "pages" / "skill-progression-map-0003.md"
    text = page.read_text(encoding="utf-8")
    text = text.replace("[@gitclear2025]", "[@gitclaer2025]", 1)  # CIT001, page-local
    text = text.replace("(index.md)", "(skill-progression-map-0002.md#enginering)", 1)  # LNK002, cross-page
    page.write_text(text, encoding="utf-8")


def _counting_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many pages each PageWorkers.check call was given."""
    calls: list[int] = []
    real = PageWorkers.check

    def counted(self: PageWorkers, run: Any, listed: Any, *meanwhile: Any) -> Any:
        calls.append(len(listed))
        return real(self, run, listed, *meanwhile)

    monkeypatch.setattr(PageWorkers, "check", counted)
    return calls


def test_parallel_check_finds_exactly_what_the_serial_check_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = generate(PAGES_PER_WORKER * 2 + 3, tmp_path / "src")
    _break(source)
    calls = _counting_workers(monkeypatch)
    serial = check(Config(source=source, jobs=1))
    assert calls == []
    parallel = check(Config(source=source, jobs=2))
    assert calls == [PAGES_PER_WORKER * 2 + 3]  # it did take the worker path
    assert serial.diagnostics == parallel.diagnostics
    codes = {d.code for d in serial.diagnostics}
    assert {"CIT001", "LNK002"} <= codes
    assert "CIT002" not in codes  # gitclear2025 is still cited on pages other workers checked
    assert "did you mean `#engineering`?" in next(d.hint for d in serial.diagnostics if d.code == "LNK002")


def test_a_failed_build_changes_nothing_in_outputs_or_source(tmp_path: Path) -> None:
    source = generate(2, tmp_path / "src")
    out = tmp_path / "out"
    (out / "html").mkdir(parents=True)
    (out / "html" / "index.html").write_text("previous build", encoding="utf-8")
    before_out = _tree_digest(out)
    page = source / "pages" / "skill-progression-map-0001.md"
    page.write_text(page.read_text(encoding="utf-8").replace("[@pwc2025]", "[@nobody2025]"), encoding="utf-8")
    before_src = _tree_digest(source)
    result = build(Config(source=source, out=out))
    assert not result.ok
    assert result.outputs == []
    assert _tree_digest(out) == before_out
    assert _tree_digest(source) == before_src


def test_check_reads_the_sample_without_writing_anywhere(tmp_path: Path) -> None:
    before = _tree_digest(SOURCE)
    result = check(Config(source=SOURCE, out=tmp_path / "out"))
    assert result.ok
    assert _tree_digest(SOURCE) == before
    assert not (tmp_path / "out").exists()


def test_a_build_in_page_workers_writes_exactly_what_a_serial_build_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = max(PAGES_PER_WORKER, site_html.SPLIT_PAGES) * 2 + 1  # enough for the workers and the site's split
    source = generate(count, tmp_path / "src")
    calls = _counting_workers(monkeypatch)
    templating = tmp_path / "templated-by"
    real = site_html._html

    def noted(name: str, context: dict[str, Any]) -> bytes:
        """Each page templated notes the process it was templated in (a forked process's list is its own)."""
        if name == "page.html":
            with templating.open("a", encoding="utf-8") as handle:
                handle.write(f"{os.getpid()}\n")
        return real(name, context)

    monkeypatch.setattr(site_html, "_html", noted)
    serial = build(Config(source=source, out=tmp_path / "serial", formats=("html", "json"), jobs=1))
    alone = templating.read_text(encoding="utf-8").split()
    templating.unlink()
    parallel = build(Config(source=source, out=tmp_path / "parallel", formats=("html", "json"), jobs=2))
    shared = templating.read_text(encoding="utf-8").split()
    assert calls == [count]
    assert len(alone) == len(shared) == count
    assert set(alone) == {str(os.getpid())}  # --jobs 1: every page here
    assert len(Counter(shared)) == 2  # shared with another process, each taking the next page as it goes
    assert serial.ok and parallel.ok
    assert parallel.book is not None and all(not page.tokens for page in parallel.book.pages)  # parts, no tokens
    for folder in ("html", "json"):
        assert _tree_digest(tmp_path / "serial" / folder) == _tree_digest(tmp_path / "parallel" / folder)


def test_the_page_cache_keeps_the_results_as_the_workers_sent_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = PAGES_PER_WORKER * 2 + 3
    source = generate(count, tmp_path / "src")
    made_here: list[str] = []
    real = pages.Kept.of

    def noted(result: pages.PageResult) -> pages.Kept:  # a worker's calls are its own: only this process's count
        made_here.append(result.page.id)
        return real(result)

    monkeypatch.setattr(pages.Kept, "of", noted)
    calls = _counting_workers(monkeypatch)
    out = tmp_path / "out"
    first = build(Config(source=source, out=out, formats=("html", "json"), jobs=2))
    assert first.ok and calls == [count]
    assert made_here == []  # saved as sent, not pickled again
    restored = check(Config(source=source, out=out, jobs=2), PageCache(out / ".cache"), ("html", "json"))
    serial = check(Config(source=source, out=tmp_path / "serial", jobs=1), PageCache(), ("html", "json"))
    assert calls == [count]  # every page from the cache
    assert restored.diagnostics == serial.diagnostics
    assert restored.book is not None and serial.book is not None and restored.book.pages == serial.book.pages
    assert restored.parts["html"][:] == serial.parts["html"][:] and restored.parts["json"][:] == serial.parts["json"][:]


def test_a_page_run_reads_its_tables_once_for_the_checks_and_the_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import tables

    read: list[str] = []
    real = tables._read

    def counted(page: Any, book: Any) -> Any:
        read.append(page.id)
        return real(page, book)

    monkeypatch.setattr(tables, "_read", counted)
    result = check(Config(source=SOURCE, jobs=1), parts=("html", "json"))
    assert result.ok and result.book is not None
    assert read == [page.id for page in result.book.pages]  # once each, though the checks and the site both ask
    assert '<table class="rubric"' in result.parts["html"][0].html  # the rubrics were recognised in the rendering
