"""Font subsetting for the PDF (pipeline/render/pdf/subset.py): deterministic, whatever the clock."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from pipeline.render.pdf.fonts import font_files
from pipeline.render.pdf.subset import install, installed, subset_font

KEEP = (0, 3, 36, 37, 68, 69, 70)  # glyph ids: .notdef, space and a few others


def test_a_subset_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """fontTools reads "now" from SOURCE_DATE_EPOCH when it is set: two "nows", one subset."""
    source = font_files()[0].read_bytes()
    subsets = []
    for now in ("1000000000", "2000000000"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", now)
        subsets.append(subset_font(source, 0, KEEP, hinting=True, notdef_outline=False))
    assert subsets[0] == subsets[1]
    assert TTFont(io.BytesIO(subsets[0]))["head"].modified == TTFont(io.BytesIO(source))["head"].modified


def test_fonttools_defaults_would_stamp_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cause of the different PDFs: saving a TTFont as WeasyPrint's fallback does writes "now"."""
    source = font_files()[0].read_bytes()
    saved = []
    for now in ("1000000000", "2000000000"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", now)
        out = io.BytesIO()
        TTFont(io.BytesIO(source)).save(out)
        saved.append(out.getvalue())
    assert saved[0] != saved[1]


def test_a_subset_keeps_the_glyphs_asked_for_at_their_ids_and_drops_layout_tables() -> None:
    source = font_files()[0].read_bytes()
    full = TTFont(io.BytesIO(source))
    cmap = full.getBestCmap()
    kept = sorted({0, *(full.getGlyphID(cmap[ord(c)]) for c in "Hag")})
    other = full.getGlyphID(cmap[ord("z")])
    font = TTFont(io.BytesIO(subset_font(source, 0, kept, hinting=False, notdef_outline=True)))
    for gid in kept:  # the same outline and advance at the same id
        name, original = font.getGlyphOrder()[gid], full.getGlyphOrder()[gid]
        assert font["glyf"][name].numberOfContours != 0
        assert font["hmtx"][name] == full["hmtx"][original]
    if other < len(font.getGlyphOrder()):  # an id not asked for is empty (or beyond the last one kept)
        assert font["glyf"][font.getGlyphOrder()[other]].numberOfContours == 0
    assert len(font.getGlyphOrder()) < len(full.getGlyphOrder())
    assert not {"GPOS", "GSUB", "BASE"} & set(font.keys())
    assert {"GPOS", "GSUB"} <= set(full.keys())


def test_install_replaces_weasyprints_subsetting() -> None:
    install()
    install()
    assert installed()
