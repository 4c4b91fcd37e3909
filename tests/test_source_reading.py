"""Reading pages again in a new build: bytes read before are not decoded until used; anything else is read in full.

A build knows what earlier builds read from the page cache (``Known.entries``, saved between processes).
"""

from __future__ import annotations

from pathlib import Path

from bench.generate import generate
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
    lazy = SourceFile.encoded(Path("p.md"), "source/pages/p.md", text.encode())
    eager = SourceFile.of(Path("p.md"), "source/pages/p.md", text)
    assert lazy.key == eager.key  # the caches' keys do not depend on how a file was read
    assert lazy == eager and lazy.text == text and lazy.lines == eager.lines and lazy.line(2) == eager.line(2)
    assert SourceFile.encoded(Path("p.md"), "source/pages/q.md", text.encode()).key != eager.key


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
    crlf.write_bytes(b"\xef\xbb\xbf" + crlf.read_bytes().replace(b"\n", b"\r\n"))
    again, diags = load(source, _next_build(known))
    found = [d for d in diags if d.code == "FM005"]
    assert [(d.path, d.line, d.col) for d in found] == [(found[0].path, data[:cut].count(b"\n") + 1, 3)]
    assert found[0].path.endswith(broken.name)
    read = _pages(again)
    assert broken.name not in read  # not a page: its fault is reported instead
    assert "\r" not in read[crlf.name].text and not read[crlf.name].text.startswith("\ufeff")
    assert read[crlf.name].key == SourceFile.of(crlf, read[crlf.name].display, read[crlf.name].text).key
