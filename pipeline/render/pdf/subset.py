"""Font subsetting for the PDF: always fontTools, never the clock, so the bytes do not depend on the machine.

WeasyPrint subsets each embedded font with HarfBuzz when the optional system library libharfbuzz-subset
is present and falls back to fontTools otherwise, so the same build gave different font streams on
different machines. Its fontTools fallback also saves the subset with ``recalcTimestamp`` on, which stamps
the clock into the ``head`` table (``modified``, hence ``checkSumAdjustment``): no two builds were equal.

``install()`` replaces WeasyPrint's ``Font.subset`` with ``subset_font()``: fontTools (pinned in uv.lock)
with the source font's own timestamp kept. The PDF is then the same whether or not libharfbuzz-subset
is installed, and whatever the clock or PYTHONHASHSEED.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, TTLibError  # type: ignore[import-untyped]

log = logging.getLogger("pipeline.render.pdf")

# Tables a PDF viewer never reads: layout (the PDF has positioned glyphs), baselines, bitmaps, justification
DROP_TABLES = ("BASE", "GPOS", "GSUB", "JSTF", "SVG ", "DSIG", "EBDT", "EBLC", "EBSC", "LTSH", "PCLT")


def subset_font(content: bytes, index: int, glyph_ids: Iterable[int], *, hinting: bool, notdef_outline: bool) -> bytes:
    """The font ``content`` (``index`` in a collection) keeping only ``glyph_ids``, at their original ids.

    Deterministic: the same bytes for the same input, whatever the clock (the ``head`` table keeps the
    source font's ``modified``) and whatever the hash seed.
    """
    options = subset.Options(
        retain_gids=True,
        passthrough_tables=True,
        ignore_missing_glyphs=True,
        hinting=hinting,
        desubroutinize=True,
        notdef_outline=notdef_outline,
    )
    options.drop_tables = sorted({*options.drop_tables, *DROP_TABLES})
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyph_ids))
    font = TTFont(io.BytesIO(content), fontNumber=index, recalcTimestamp=False)
    for tag in options.drop_tables:
        if tag in font.reader:  # dropped before the subsetter parses them (GPOS alone is most of its time)
            del font[tag]
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _subset(self: Any, to_unicode: dict[int, str], hinting: bool) -> None:
    """``weasyprint.pdf.fonts.Font.subset``, done by ``subset_font()``: a failure keeps the whole font."""
    if not to_unicode:
        return
    try:
        self.file_content = subset_font(
            self.file_content, self.index, to_unicode, hinting=hinting, notdef_outline=bool(self.missing)
        )
    except TTLibError as exc:  # what WeasyPrint's own fallback tolerates too
        log.warning("PDF: could not subset font %r, embedding it whole: %s", self.family, exc)


def install() -> None:
    """Make WeasyPrint subset every font with ``subset_font()``, in this process (idempotent)."""
    from weasyprint.pdf.fonts import Font

    Font.subset = _subset


def installed() -> bool:
    from weasyprint.pdf.fonts import Font

    return Font.subset is _subset
