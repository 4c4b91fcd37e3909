"""Reading pages again in a new build: bytes read before are not decoded until used; anything else is read in full.

A build knows what earlier builds read from the page cache (``Known.entries``, saved between processes).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate
from pipeline import stamp
from pipeline.config import Config
from pipeline.diagnostics import PipelineError
from pipeline.hashing import digest
from pipeline.load import Known, Sources, load
from pipeline.model import SourceFile
from tests.conftest import SOURCE


def _next_build(known: Known) -> Known:
    """What a new process knows of the last build's reading: the page cache's entries."""
    return Known(entries=dict(known.entries))


def _pages(sources: Sources) -> dict[str, SourceFile]:
    return {raw.source.path.name: raw.source for raw in sources.pages}


def test_a_file_made_from_its_bytes_has_the_key_and_text_of_one_made_from_its_text() -> None:
    text = "---\ntitle: Ünïcode — “quotes”\n---\n\nBody ✓\n"
    content = hashlib.sha256(text.encode()).hexdigest()
    lazy = SourceFile.encoded(Path("p.md"), "source/pages/p.md", content, text.encode())
    eager = SourceFile.of(Path("p.md"), "source/pages/p.md", text)
    assert lazy.key == eager.key  # the caches' keys do not depend on how a file was read
    assert lazy == eager and lazy.text == text and lazy.lines == eager.lines and lazy.line(2) == eager.line(2)
    assert SourceFile.encoded(Path("p.md"), "source/pages/q.md", content, text.encode()).key != eager.key


def test_a_page_read_before_is_decoded_only_when_its_text_is_asked_for(tmp_path: Path) -> None:
    source = generate(3, tmp_path / "source", SOURCE)
    known = Known()
    first, diags = load(source, known)
    again, diags_again = load(source, _next_build(known))
    assert diags_again == diags
    before, after = _pages(first), _pages(again)
    assert len(after) == 3 and after.keys() == before.keys()
    for name, page in after.items():
        assert page._text is None and page._encoded is not None  # not decoded, not split
        assert page.key == before[name].key and page.text == before[name].text and page.lines == before[name].lines
        assert page._encoded is None  # decoded once, the bytes then let go


def test_bytes_not_read_before_are_decoded_and_checked(tmp_path: Path) -> None:
    source = generate(3, tmp_path / "source", SOURCE)
    known = Known()
    load(source, known)
    pages = sorted((source / "pages").glob("*.md"))
    broken, crlf = pages[0], pages[-1]
    data = broken.read_bytes()
    cut = data.index(b"\n", data.index(b"\n---") + 4) + 1  # the first body line
    broken.write_bytes(data[:cut] + b"ab\xff\n" + data[cut:])
    text = crlf.read_text(encoding="utf-8")
    crlf.write_bytes(b"\xef\xbb\xbf" + crlf.read_bytes().replace(b"\n", b"\r\n"))
    again, diags = load(source, _next_build(known))
    found = [d for d in diags if d.code == "FM005"]
    assert [(d.path, d.line, d.col) for d in found] == [(found[0].path, data[:cut].count(b"\n") + 1, 3)]
    assert found[0].path.endswith(broken.name)
    read = _pages(again)
    assert broken.name not in read  # not a page: its fault is reported instead
    assert read[crlf.name].text == text  # no BOM, no carriage returns
    assert read[crlf.name].key == digest(read[crlf.name].display, hashlib.sha256(crlf.read_bytes()).hexdigest())


def test_a_page_whose_digest_the_build_has_is_read_only_when_its_text_is_asked_for(tmp_path: Path) -> None:
    source = generate(3, tmp_path / "source", SOURCE)
    config = Config(source=source, out=tmp_path / "out")
    known = Known()
    first, _ = load(source, known)
    read = stamp.inputs(config)
    assert read is not None
    again, _ = load(source, _next_build(known), read.content)
    before, after = _pages(first), _pages(again)
    assert len(after) == 3
    for name, page in after.items():
        assert page._text is None and page._encoded is None  # not even read
        assert page.key == before[name].key
    name, page = sorted(after.items())[0]
    assert page.text == before[name].text  # read now, and the bytes are the ones digested
    edited = sorted(after.items())[1][1]
    edited.path.write_text(before[edited.path.name].text + "\nAn edit made while the build ran.\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="changed while the build ran"):
        _ = edited.lines


def _memo(config: Config, read: stamp.Inputs, taken: int, wrong: str) -> dict[str, object]:
    """A last stamp that saw ``wrong`` as page 1's digest, its files looked at ``taken``."""
    files = {rel: list(entry) for rel, entry in read.files.items()}
    files["pages/skill-progression-map-0001.md"][4] = wrong
    return {"files": files, "taken": taken}


def test_the_build_reads_a_file_again_unless_its_last_look_was_well_after_it_changed(tmp_path: Path) -> None:
    source = generate(3, tmp_path / "source", SOURCE)
    config = Config(source=source, out=tmp_path / "out")
    page = source / "pages" / "skill-progression-map-0001.md"
    info = page.stat()
    old = info.st_mtime_ns - 60_000_000_000  # changed a minute before
    os.utime(page, ns=(old, old))
    read = stamp.inputs(config)
    assert read is not None
    real = read.content(str(page))
    assert real == hashlib.sha256(page.read_bytes()).hexdigest()
    assert read.content(os.path.relpath(page)) == read.content(f"{source}/./pages/{page.name}") == real  # any spelling
    wrong = "0" * 64
    # unchanged since a look well after its last change: its recorded digest is trusted, the file not read
    ctime = page.stat().st_ctime_ns
    trusted = stamp.inputs(config, _memo(config, read, ctime + 10_000_000_000, wrong))
    assert trusted is not None and trusted.content(str(page)) == wrong
    # looked at within a coarse clock's tick of its last change: read again
    racy = stamp.inputs(config, _memo(config, read, ctime + 1_000_000_000, wrong))
    assert racy is not None and racy.content(str(page)) == real
    # the same size and modification time, other bytes: its change time tells
    page.write_bytes(page.read_bytes().replace(b"day to day", b"day-to-day", 1))
    os.utime(page, ns=(old, old))
    later = page.stat()
    assert (later.st_size, later.st_mtime_ns) == (info.st_size, old)
    edited = stamp.inputs(config, _memo(config, read, ctime + 10_000_000_000, real))
    assert edited is not None and edited.content(str(page)) == hashlib.sha256(page.read_bytes()).hexdigest() != real
    assert edited.digest != read.digest


def test_page_results_are_kept_in_packs_and_an_edit_rewrites_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results are saved a few pages to a file in the handbook's order (here 4): after a one-page edit the
    edited page alone runs again and its pack alone is written; the others are the files already there."""
    from pipeline import pagecache
    from pipeline.build import build
    from pipeline.pages import PageRun

    monkeypatch.setattr(pagecache, "PACK_PAGES", 4)
    source = generate(10, tmp_path / "source", SOURCE)
    out = tmp_path / "out"
    ran: list[str] = []
    real = PageRun.page

    def counted(run: PageRun, raw: Any, page_id: str, meta: Any, ctx: Any) -> Any:
        ran.append(page_id)
        return real(run, raw, page_id, meta, ctx)

    monkeypatch.setattr(PageRun, "page", counted)

    def packs() -> dict[str, int]:
        folder = out / ".cache" / pagecache.FOLDER
        return {p.name: p.stat().st_ino for p in folder.iterdir() if p.name != pagecache.FRONT}

    config = Config(source=source, out=out, formats=("html",), jobs=1)
    first = build(config)
    assert first.ok and len(ran) == 10 and len(packs()) == 3
    before = packs()
    page = source / "pages" / "skill-progression-map-0006.md"
    page.write_text(page.read_text(encoding="utf-8").replace("## Engineering", "New.\n\n## Engineering", 1), "utf-8")
    ran.clear()
    second = build(config)
    assert second.ok and ran == ["skill-progression-map-0006"]
    after = packs()
    assert len(after) == 3 and len(set(after) - set(before)) == 1  # pages 5 to 8
    assert [name for name in after if after[name] == before.get(name)] == [n for n in after if n in before]
    cold = build(Config(source=source, out=tmp_path / "cold", formats=("html",), jobs=1))
    assert second.diagnostics == cold.diagnostics

    lost, damaged = sorted(name for name in after if name in before)  # the packs of pages 1-4 and 9-10
    (out / ".cache" / pagecache.FOLDER / lost).unlink()
    (out / ".cache" / pagecache.FOLDER / damaged).write_bytes(b"not a pickle")
    ran.clear()
    page.write_text(page.read_text(encoding="utf-8").replace("New.", "Newer.", 1), "utf-8")
    third = build(config)
    assert third.ok and len(ran) == 4 + 2 + 1  # their pages run again, and the edited one
    ran.clear()
    page.write_text(page.read_text(encoding="utf-8").replace("Newer.", "Newest.", 1), "utf-8")
    assert build(config).ok and ran == ["skill-progression-map-0006"]  # both written again, whole


def test_pages_split_in_two_processes_are_split_as_in_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import load as load_mod

    source = generate(load_mod.SPLIT_PAGES + 4, tmp_path / "src")
    pages = source / "pages"
    (pages / "no-frontmatter.md").write_text("Just text.\n", encoding="utf-8")
    (pages / "unclosed.md").write_text("---\ntitle: Open\nNo fence.\n", encoding="utf-8")
    (pages / "bad-yaml.md").write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
    (pages / "zz-escape.md").write_text('---\ntitle: "bell \\a"\n---\nA bell\x07 in the body.\n', encoding="utf-8")
    splitters = tmp_path / "split-by"
    real = load_mod._split

    def noted(page: SourceFile) -> Any:
        with splitters.open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(page)

    monkeypatch.setattr(load_mod, "_split", noted)

    def read(jobs: int) -> tuple[list[Any], list[Any], list[str]]:
        sources, found = load(source, Known(), jobs=jobs)
        by = splitters.read_text(encoding="utf-8").split()
        splitters.unlink()
        kept = [
            (p.source.key, p.source.text, p.body_line, p.front, p.doc and (p.doc.data, p.doc.values, p.doc.keys))
            for p in sources.pages
        ]
        return kept, found, by

    alone, alone_found, alone_by = read(1)
    shared, shared_found, shared_by = read(2)
    assert set(alone_by) == {str(os.getpid())} and len(set(shared_by)) == 2  # shared with another process
    assert shared == alone and shared_found == alone_found
    assert {d.code for d in alone_found} >= {"FM001", "FM002", "FM003", "FM009"}  # the broken pages are reported
