"""The search index entry of a page, held to the standard library's JSON serialisation."""

from __future__ import annotations

import html
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model import Heading, Page, SourceFile
from pipeline.render import site_search
from pipeline.yamlsrc import YamlDoc

# Any text a page can hold: every code point but the surrogates, which no decoded file or YAML value that
# passes FM009 contains; quotes, backslashes, controls, U+2028 and astral characters included.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def page_of(title: str, subtitle: str, headings: list[tuple[str, str]]) -> Page:
    meta = {"id": "p", "title": title, "subtitle": subtitle, "objectives": [subtitle, title]}
    found = tuple(Heading(2, text, anchor, 1) for anchor, text in headings)
    return Page("p", SourceFile.of(Path("p.md"), "p.md", ""), meta, YamlDoc(meta), 1, [], found, (), ())


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT, st.lists(st.tuples(TEXT, TEXT, TEXT), max_size=4))
def test_entry_is_what_the_standard_library_writes(
    title: str, subtitle: str, sections: list[tuple[str, str, str]]
) -> None:
    body = "".join(
        f'<section class="hb-section" data-section="{html.escape(anchor)}"><h2>{html.escape(heading)}</h2>'
        f"<p>{html.escape(text)}</p></section>"
        for anchor, heading, text in sections
    )
    page = page_of(title, subtitle, [(anchor, heading) for anchor, heading, _text in sections])
    entry = site_search.page_entry(page, body)
    decoded = json.loads(entry)
    assert json.dumps(decoded, ensure_ascii=False, separators=(",", ":")) == entry
    assert decoded[:2] == ["p.html", title]
    assert decoded[2][0] == ["", title, " ".join(" ".join([subtitle, "", subtitle, title]).split())]
