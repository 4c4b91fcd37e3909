"""The JSON export, built from the real sample handbook through pipeline.build."""

from __future__ import annotations

import datetime
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from pipeline.build import build, check
from pipeline.config import Config
from pipeline.render import json_export
from pipeline.render.cite import render_citations
from pipeline.render.markup import render_page, site_links
from tests.conftest import parsed_book
from tests.seed import missing_units, seed_units

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
SEED = ROOT / "tests" / "data" / "skill-progression-map.txt"
SCHEMA = ROOT / "schema" / "export.schema.json"
PAGE = "pages/skill-progression-map.md"


def export_of(source: Path, out: Path) -> tuple[Path, dict[str, Any]]:
    result = build(Config(source=source, out=out, formats=("json",)))
    assert result.ok, [str(d) for d in result.diagnostics]
    path = out / "json" / "skill-progression-map.json"
    assert result.outputs == [path]
    return path, json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return export_of(SOURCE, tmp_path_factory.mktemp("json-export"))


@pytest.fixture(scope="module")
def doc(built: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return built[1]


def blocks(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for page in document["pages"]:
        for section in page["sections"]:
            yield from section["blocks"]


def rubrics(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [block["rubric"] for block in blocks(document) if block["type"] == "rubric"]


def text_fields(value: Any) -> Iterator[str]:
    """Every string under a `text`, `title` or `subtitle` member, anywhere in the document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("text", "title", "subtitle") and isinstance(inner, str):
                yield inner
            else:
                yield from text_fields(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from text_fields(inner)


def seed_tables() -> list[list[list[str]]]:
    """The seed's tables: runs of `| a | b |` lines, separator rows dropped, cells stripped."""
    tables: list[list[list[str]]] = []
    previous = False
    for line in SEED.read_text(encoding="utf-8").splitlines():
        is_row = line.startswith("|")
        if is_row and not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line):
            if not previous:
                tables.append([])
            tables[-1].append([cell.strip() for cell in line.strip().strip("|").split("|")])
        previous = is_row
    return tables


def test_export_validates_against_the_published_schema(doc: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
    assert errors == []
    assert doc["$schema"] == schema["$id"]
    assert doc["schema_version"].split(".")[0] == "1"


def test_schema_rejects_a_broken_export(doc: dict[str, Any]) -> None:
    """The schema has teeth: a rubric without descriptors or a block of unknown shape fails."""
    validator = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    broken = json.loads(json.dumps(doc))
    rubric_block = next(b for b in blocks(broken) if b["type"] == "rubric")
    del rubric_block["rubric"]["questions"][0]["descriptors"]
    paragraph = next(b for b in blocks(broken) if b["type"] == "paragraph")
    paragraph["id"] = "no-slashes"
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("descriptors" in m for m in messages)
    assert any("no-slashes" in m for m in messages)


def test_handbook_metadata_and_scales_come_from_the_manifest(doc: dict[str, Any]) -> None:
    handbook = doc["handbook"]
    assert handbook["id"] == "skill-progression-map"
    assert handbook["title"] == "Skill Progression Map"
    assert handbook["date"] == "2026-11-24"
    assert handbook["language"] == "en"
    assert handbook["authors"][0]["name"] == "AI Maturity Framework team"
    assert [s["id"] for s in doc["scales"]] == ["self-assessment", "tiers"]
    levels = doc["scales"][0]["levels"]
    assert [(lv["id"], lv["label"], lv["name"]) for lv in levels][2] == ("2", "Level 2", "AI-Integrated")
    page = doc["pages"][0]
    assert page["meta"]["scale"] == "self-assessment"
    assert page["meta"]["estimated_minutes"] == 20
    assert [s["id"] for s in page["sections"]][:2] == ["how-to-use-this-page", "engineering"]


def test_two_builds_are_byte_identical(built: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    again, _ = export_of(SOURCE, tmp_path)  # its own cache: citations rendered afresh
    first = built[0].read_bytes()
    assert again.read_bytes() == first
    assert first.endswith(b"}\n")


def test_every_seed_sentence_and_table_cell_is_in_a_text_field(doc: dict[str, Any]) -> None:
    assert len(seed_units()) > 300  # the seed's sentences and cells, not an empty read
    # fields joined by NUL, so no sentence can be found straddling two of them
    assert missing_units("\0".join(text_fields(doc))) == []


def test_text_has_rendered_citations_not_their_source(doc: dict[str, Any]) -> None:
    texts = list(text_fields(doc))
    assert not [t for t in texts if "[@" in t or re.search(r"(?<![\w.])@[a-z]", t)]
    data = next(b for b in blocks(doc) if b["text"].startswith("The data: 84% of developers"))
    assert "than they save (Stack Overflow, 2025). This is the Level 1 experience" in data["text"]
    assert 'data-cites="stackoverflow2025"' in data["html"]


def test_five_rubrics_three_questions_five_levels_with_the_seed_cells(doc: dict[str, Any]) -> None:
    expected = seed_tables()
    found = rubrics(doc)
    assert len(expected) == len(found) == 5
    scale = next(s for s in doc["scales"] if s["id"] == "self-assessment")
    level_ids = [lv["id"] for lv in scale["levels"]]
    for table, rubric in zip(expected, found, strict=True):
        header, rows = table[0], table[1:]
        assert rubric["scale"] == "self-assessment"
        assert rubric["question_header"] == header[0]
        assert len(rubric["questions"]) == len(rows) == 3
        for number, (row, question) in enumerate(zip(rows, rubric["questions"], strict=True), start=1):
            assert question["id"] == f"q{number}"
            assert question["text"] == row[0]
            assert list(question["descriptors"]) == level_ids
            cells = [(d["label"], d["text"]) for d in question["descriptors"].values()]
            assert cells == list(zip(header[1:], row[1:], strict=True))
    assert [r["id"] for r in found] == [f"skill-progression-map-rubric-{n}" for n in range(1, 6)]


def test_citations_point_at_their_source_line(doc: dict[str, Any]) -> None:
    lines = (SOURCE / PAGE).read_text(encoding="utf-8").split("\n")
    # the one a reader would check by hand: [@stackoverflow2025] in the Engineering section
    written = next(n for n, line in enumerate(lines, start=1) if "[@stackoverflow2025]" in line)
    first = doc["citations"][0]
    assert (first["key"], first["source"]["line"], first["section"]) == ("stackoverflow2025", written, "engineering")
    assert first["text"] == "(Stack Overflow, 2025)"
    assert first["narrative"] is False
    for citation in doc["citations"]:
        source = citation["source"]
        assert source["path"] == PAGE
        at = lines[source["line"] - 1][source["column"] - 1 :]
        assert at.startswith("@" + citation["key"]), citation
    every = [(m.group(1), n) for n, line in enumerate(lines, start=1) for m in re.finditer(r"@([a-z0-9]+)", line)]
    assert [(c["key"], c["source"]["line"]) for c in doc["citations"]] == every
    bcg = next(c for c in doc["citations"] if c["key"] == "bcg2025")
    assert (bcg["prefix"], bcg["text"]) == ("38%, per", "(38%, per BCG, 2025)")
    by_id = {b["id"]: b for b in blocks(doc)}
    assert all(c["text"] in by_id[c["block"]]["text"] for c in doc["citations"])


def test_references_are_csl_with_rendered_entries(doc: dict[str, Any]) -> None:
    references = {r["id"]: r for r in doc["references"]}
    assert set(references) == {c["key"] for c in doc["citations"]}
    stack = references["stackoverflow2025"]
    assert stack["csl"]["author"] == [{"literal": "Stack Overflow"}]
    assert stack["csl"]["issued"] == {"date-parts": [[2025]]}
    assert stack["text"] == "Stack Overflow. (2025)."
    lines = (SOURCE / "references.yaml").read_text(encoding="utf-8").split("\n")
    assert "stackoverflow2025" in lines[stack["source"]["line"] - 1]


def test_streamed_file_is_the_canonical_dump_of_the_document(built: tuple[Path, dict[str, Any]]) -> None:
    """render() writes page by page; the bytes must be those of dumping the whole document at once."""
    result = check(Config(source=SOURCE), parts=("json",))
    assert result.book is not None
    whole = json_export.dumps(json_export.export(result.book, result.parts["json"], render_citations(result.book)))
    assert built[0].read_text(encoding="utf-8") == whole
    assert whole == json.dumps(json.loads(whole), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def test_block_html_is_the_site_rendering(doc: dict[str, Any]) -> None:
    book = parsed_book(SOURCE)
    page = render_page(book.pages[0], book, render_citations(book), site_links())
    without_sections = re.sub(r'<section class="hb-section"[^>]*>\n|</section>\n', "", page)
    assert "".join(b["html"] for b in blocks(doc)) == without_sections


def test_every_block_html_is_on_the_built_site_page(tmp_path: Path) -> None:
    result = build(Config(source=SOURCE, out=tmp_path, formats=("html", "json")))
    assert result.ok
    document = json.loads((tmp_path / "json" / "skill-progression-map.json").read_text(encoding="utf-8"))
    site_page = (tmp_path / "html" / "skill-progression-map.html").read_text(encoding="utf-8")
    assert [b["id"] for b in blocks(document) if b["html"] not in site_page] == []
    assert 'href="references.html#ref-stackoverflow2025"' in document["citations"][0]["html"]
    assert (tmp_path / "html" / "references.html").is_file()


def test_ids_survive_unrelated_edits(doc: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    page = source / PAGE
    text = page.read_text(encoding="utf-8")
    edited = text.replace("You stop writing content and", "You stop writing copy and", 1)
    design = "**Dominant pattern:** Elevation — from pixel production to system direction.\n"
    edited = edited.replace(design, design + "\nA paragraph added to Design.\n", 1)
    edited = edited.replace("---\n\n## How", "---\n\n\n\n## How", 1)  # every line moves down 2
    assert edited.count("A paragraph added") == 1 and "writing copy" in edited
    page.write_text(edited, encoding="utf-8")
    _, after = export_of(source, tmp_path / "out")

    def outside_design(document: dict[str, Any]) -> dict[str, str]:
        return {b["id"]: b["text"] for b in blocks(document) if "/design/" not in b["id"]}

    old, new = outside_design(doc), outside_design(after)
    changed = [i for i in old if old[i] != new.get(i)]
    assert len(changed) == 1 and "writing copy" in new[changed[0]]
    assert old.keys() == new.keys()
    old_design = [b for b in blocks(doc) if "/design/" in b["id"]]
    new_design = [b for b in blocks(after) if "/design/" in b["id"]]
    assert [b["id"] for b in new_design[:2]] == [b["id"] for b in old_design[:2]]
    assert new_design[2]["text"] == "A paragraph added to Design."
    assert [b["text"] for b in new_design[3:]] == [b["text"] for b in old_design[2:]]
    assert [r["id"] for r in rubrics(after)] == [r["id"] for r in rubrics(doc)]
    assert [c["block"] for c in after["citations"]][:5] == [c["block"] for c in doc["citations"]][:5]
    first_line = doc["pages"][0]["sections"][0]["source"]["line"]
    assert after["pages"][0]["sections"][0]["source"]["line"] == first_line + 2


EXTRAS = """
## Extras

A paragraph with a note.[^n1]

> A quoted line with a citation [@pwc2025].
>
> A second quoted paragraph.

```python
print("kept verbatim")
```

1. First step
2. Second step
   - a nested point

| Name | Value |
|---|---|
| alpha | *beta* |

<!-- a comment renders to nothing -->

[^n1]: The footnote text.
"""


def test_other_markdown_constructs_export_with_their_structure(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(SOURCE, source)
    text = (source / PAGE).read_text(encoding="utf-8")
    text = text.replace("---\n\n## How", "---\n\n<!-- a note to editors -->\n\n## How", 1)
    (source / PAGE).write_text(text + "\n" + EXTRAS, encoding="utf-8")
    _, document = export_of(source, tmp_path / "out")
    validator = Draft202012Validator(
        json.loads(SCHEMA.read_text(encoding="utf-8")), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert [e.message for e in validator.iter_errors(document)] == []
    sections = document["pages"][0]["sections"]
    assert sections[0]["id"] == "how-to-use-this-page"  # a leading comment makes no empty introduction
    extras = sections[-1]
    assert extras["id"] == "extras"
    kinds = [b["type"] for b in extras["blocks"]]
    assert kinds == ["heading", "paragraph", "blockquote", "code", "list", "table", "footnotes"]
    paragraph, quote, code, steps, table, notes = extras["blocks"][1:]
    assert paragraph["text"] == "A paragraph with a note.[1]"
    assert quote["text"] == "A quoted line with a citation (PwC, 2025).\nA second quoted paragraph."
    assert (code["language"], code["text"]) == ("python", 'print("kept verbatim")')
    assert steps["ordered"] is True and steps["start"] == 1
    assert [i["text"] for i in steps["items"]] == ["First step", "Second step\na nested point"]
    assert steps["items"][1]["id"] == steps["id"] + ".2"
    assert table["table"]["rows"] == [[{"text": "alpha", "html": "alpha"}, {"text": "beta", "html": "<em>beta</em>"}]]
    assert [(n["label"], n["text"]) for n in notes["items"]] == [("n1", "The footnote text.")]
    assert document["citations"][-1]["section"] == "extras"
    assert document["citations"][-1]["block"] == quote["id"]


def test_handbook_schema_export_prints_the_published_schema() -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    result = CliRunner().invoke(main, ["schema", "export"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_an_edit_build_copies_what_did_not_change_from_the_last_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export is kept in the cache with where each page's pieces lie; the next build copies unchanged
    pages (and their citation records) from it, fills in only the changed ones, and writes what a build
    without the cache writes: after a body edit, a page losing every citation, a reordering (the manifest
    is in every key: all filled in again), a changed reference, and an export touched in place (then
    nothing is taken from it)."""
    from bench.generate import generate
    from tests.conftest import SOURCE

    source = generate(8, tmp_path / "source", SOURCE)
    out = tmp_path / "out"
    filled: list[bytes] = []
    real = json_export._filled

    def counted(text: bytes, *args: Any) -> bytes:
        if b'"sections":' in text:  # a page filled in (its citation records are filled in beside it)
            filled.append(text)
        return real(text, *args)

    monkeypatch.setattr(json_export, "_filled", counted)

    def both(step: str) -> bytes:
        filled.clear()
        warm = build(Config(source=source, out=out, formats=("json",)))
        assert warm.ok, step
        made = len(filled)
        cold = build(Config(source=source, out=tmp_path / f"cold-{step}", formats=("json",)))
        assert cold.ok, step
        written = (out / "json" / "skill-progression-map.json").read_bytes()
        assert written == (tmp_path / f"cold-{step}" / "json" / "skill-progression-map.json").read_bytes(), step
        filled[:] = filled[:made]
        return written

    def edit(name: str, old: str, new: str, count: int = 1) -> None:
        path = source / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    both("first")
    assert len(filled) == 8
    edit("pages/skill-progression-map-0003.md", "## Engineering", "A new paragraph.\n\n## Engineering")
    assert b"A new paragraph." in both("body") and len(filled) == 1
    page = source / "pages" / "skill-progression-map-0005.md"
    page.write_text(re.sub(r" ?\[[^\[\]]*@[^\[\]]*\]", "", page.read_text(encoding="utf-8")), encoding="utf-8")
    doc = json.loads(both("uncited"))
    assert len(filled) == 1 and not [c for c in doc["citations"] if c["page"] == "skill-progression-map-0005"]
    edit(
        "handbook.yaml",
        "  - skill-progression-map-0002\n  - skill-progression-map-0003\n",
        "  - skill-progression-map-0003\n  - skill-progression-map-0002\n",
    )
    doc = json.loads(both("reordered"))
    assert [p["id"] for p in doc["pages"]][1:3] == [
        "skill-progression-map-0003",
        "skill-progression-map-0002",
    ]
    edit("references.yaml", "author: [{literal: GitClear}]", "author: [{literal: GitClear Research}]")
    assert b"GitClear Research" in both("reference")
    assert 0 < len(filled) < 8  # the pages citing it
    export = out / "json" / "skill-progression-map.json"
    with export.open("r+b") as handle:  # touched in place: the kept export is the same file
        handle.write(b"{ ")
    edit("pages/skill-progression-map-0001.md", "## Engineering", "Another paragraph.\n\n## Engineering")
    both("touched")
    assert len(filled) == 8  # nothing copied from a file that is not as it was written
    assert len(list((out / ".cache" / "json").iterdir())) == 2  # the export and where its pieces lie


# What the export's blocks and citation records are made of: text of any kind (NUL marks, control and
# private-use characters, astral planes), integers, booleans, None, lists and string-keyed dicts.
plain_data = st.recursive(
    st.one_of(st.text(), st.integers(-(2**63), 2**63 - 1), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
# Frontmatter besides: floats (1e16, inf), dates, numbers as keys; the standard library writes it
frontmatter = st.dictionaries(
    st.text(max_size=6),
    st.one_of(st.floats(), st.dates(), st.dictionaries(st.integers(0, 20), st.text(max_size=3), max_size=3)),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(plain_data, frontmatter, st.text(max_size=6))
def test_plain_data_is_serialised_as_the_standard_library_serialises_it(
    data: Any, meta: dict[str, Any], title: str
) -> None:
    assert json_export._plain_compact(data) == json_export._compact(data).encode()
    document = {"id": "p", "meta": meta, "sections": data, "source": {"line": 1}, "title": title}
    assert json_export._compact_with(document, "sections") == json_export._compact(document).encode()


def test_the_export_of_a_page_is_the_standard_librarys_serialisation_of_it() -> None:
    stamp = {"date": datetime.date(2025, 1, 2), "ratio": 1e16, "weights": {2: "b", 10: "a"}}
    document = {"id": "p", "meta": stamp, "sections": [{"text": "\x00 7 \x00", "n": 2**62}], "title": "T"}
    written = json_export._compact_with(document, "sections")
    assert written == json_export._compact(document).encode()
    assert b'"ratio":1e+16' in written and b'"weights":{"2":"b","10":"a"}' in written  # orjson: 1e16, "10" first


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=4), st.text())
def test_marks_in_utf8_json_are_filled_as_in_json_text(rendered: list[str], around: str) -> None:
    """The export fills citation marks in its UTF-8 pieces as cite.fill_json does in text."""
    from pipeline.render.cite import CitationMarks, Citations, fill_json

    marks = CitationMarks()
    sources = [f"[@key{number}]" for number in range(len(rendered))]
    values = [
        marks.html(source, "#ref-") if number % 2 else marks.text(source) for number, source in enumerate(sources)
    ]
    values += [marks.text(sources[0]), marks.html(sources[0], "#ref-")]  # one group as text and as HTML
    citations = Citations(
        {source: f'<a href="#ref-x">{text}</a>' for source, text in zip(sources, rendered, strict=True)}, {}
    )
    serialised = json.dumps({"t": around.join(values), "u": around}, ensure_ascii=False)
    uses = tuple(marks.uses)
    expected = fill_json(serialised, uses, citations, reference="references.html#ref-").encode()
    made: dict[tuple[str, str | None], bytes] = {}
    for _time in range(2):  # the second time, every citation's JSON text comes from ``made``
        assert json_export._filled(serialised.encode(), uses, citations, "references.html#ref-", made) == expected
