"""The PDF handbook: content, outline, contents numbers, links, metadata, fonts, reproducibility, chunks, language."""

from __future__ import annotations

import http.server
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from pypdf import PdfReader
from pypdf.generic import ArrayObject, Destination, DictionaryObject, PdfObject, StreamObject

from bench.generate import generate
from pipeline.build import build, check
from pipeline.config import Config
from pipeline.model import Book
from pipeline.render import pdf as pdf_mod
from pipeline.render.pdf import chunks, stage
from pipeline.render.pdf.chunks import plan
from pipeline.render.pdf.compose import compose
from pipeline.render.pdf.document import PrintBook, Section, print_book
from pipeline.render.pdf.fonts import font_files, font_roots, fonts_css
from pipeline.render.pdf.merge import Arrival, Merger
from pipeline.render.pdf.numbering import Paginated
from pipeline.render.pdf.subset import installed
from pipeline.render.pdf.weasy import Chunk, Task, refusal, render_chunk, write
from tests.conftest import ROOT, SOURCE
from tests.pdf_child import harfbuzz_subset_loaded
from tests.seed import missing_units
from tests.test_labels import localized_copy

MM = 72 / 25.4
Outline = list[tuple[str, "Outline"]]


# ---- helpers ----------------------------------------------------------------------------------------------


def one_based(index: int | None) -> int:
    """The 1-based page number of a 0-based page index that pypdf found (it gives None for a missing page)."""
    assert index is not None
    return index + 1


def dictionary(obj: PdfObject | None) -> DictionaryObject:
    """A PDF dictionary value (pypdf types every value read from a dictionary as the loose PdfObject)."""
    assert isinstance(obj, DictionaryObject), obj
    return obj


def pdf_string(obj: PdfObject) -> str:
    """A PDF string value (a TextStringObject, which is a str)."""
    assert isinstance(obj, str), obj
    return obj


def body_text(page: Any) -> str:
    """A page's text without the running header and page number (they sit in the page margins)."""
    top = float(page.mediabox.height) - 20 * MM
    parts: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, _size: Any) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if not text.strip() or 18 * MM < y < top:
            parts.append(text)

    page.extract_text(visitor_text=visit)
    return "".join(parts)


def document_text(reader: PdfReader) -> str:
    """Body text of every page; list bullets dropped, a line broken after a hyphen or slash joined."""
    text = "\n".join(body_text(page) for page in reader.pages).replace("•", " ")
    return re.sub(r"([-/])[ \t]*\n\s*", r"\1", text)


def embedded_fonts(reader: PdfReader) -> dict[str, bytes]:
    """The embedded font program of every font the pages use, by /BaseFont."""
    found = {}
    for page in reader.pages:
        for font in (dictionary(page["/Resources"]).get("/Font") or {}).values():
            font = dictionary(font.get_object())
            descendants = font["/DescendantFonts"].get_object()
            assert isinstance(descendants, ArrayObject)
            descriptor = dictionary(dictionary(descendants[0].get_object())["/FontDescriptor"].get_object())
            program = (descriptor.get("/FontFile2") or descriptor["/FontFile3"]).get_object()
            assert isinstance(program, StreamObject)
            found[str(font["/BaseFont"])] = program.get_data()
    return found


def outline_of(reader: PdfReader, items: list[Any] | None = None) -> Outline:
    """The bookmark tree as (title, children)."""
    out: Outline = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out[-1] = (out[-1][0], outline_of(reader, item))
        else:
            out.append((str(item.title), []))
    return out


def outline_pages(reader: PdfReader, items: list[Any] | None = None) -> dict[str, int]:
    """1-based page of each bookmark, by title (first occurrence)."""
    found: dict[str, int] = {}
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found = {**outline_pages(reader, item), **found}
        else:
            found.setdefault(str(item.title), one_based(reader.get_destination_page_number(item)))
    return found


def heading_tree(book: Book) -> Outline:
    """What the outline must be, from the source headings: Contents, chapters with h2/h3, References."""
    chapters: Outline = []
    for page in book.pages:
        sections: Outline = []
        for heading in page.headings:
            if heading.level == 2:
                sections.append((heading.text, []))
            elif heading.level == 3:
                sections[-1][1].append((heading.text, []))
        chapters.append((page.title, sections))
    return [("Contents", []), *chapters, ("References", [])]


def contents_entries(reader: PdfReader) -> list[tuple[str, int]]:
    """(title, printed page number) of each line of the table of contents."""
    pages = [p for p in reader.pages[:6] if "Contents" in (p.extract_text() or "")[:40]]
    entries = []
    for page in pages:
        for line in page.extract_text().splitlines():
            match = re.fullmatch(r"(.+?)[ .]*?\s(\d+)", line.strip())
            if match and " . ." in line:
                entries.append((match[1].strip(), int(match[2])))
    return entries


def link_targets(reader: PdfReader, page_index: int) -> list[int]:
    """1-based target page of each internal link on a page."""
    targets = []
    for ref in reader.pages[page_index].get("/Annots") or []:
        annot = ref.get_object()
        dest = annot.get("/Dest")
        if dest is None:
            continue
        if isinstance(dest, str):
            targets.append(one_based(reader.get_destination_page_number(reader.named_destinations[dest])))
        else:
            targets.append(one_based(reader.get_page_number(dest[0].get_object())))
    return targets


def outline_flat(reader: PdfReader, items: list[Any] | None = None, depth: int = 0) -> list[tuple[str, int, int]]:
    """(title, depth, 1-based page) of every bookmark in reading order."""
    out: list[tuple[str, int, int]] = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out += outline_flat(reader, item, depth + 1)
        else:
            out.append((str(item.title), depth, one_based(reader.get_destination_page_number(item))))
    return out


def assert_contents_right(reader: PdfReader) -> None:
    """The contents lists chapters and their sections with the page each starts on, each line a link there."""
    entries = contents_entries(reader)
    expected = [(title, page) for title, depth, page in outline_flat(reader) if depth <= 1 and title != "Contents"]
    assert entries == expected
    for title, number in entries:
        assert title in reader.pages[number - 1].extract_text()
    contents_page = next(i for i, p in enumerate(reader.pages) if "Contents" in (p.extract_text() or "")[:40])
    # every line is clickable (WeasyPrint may give a line several link boxes: title, leader, number)
    assert set(link_targets(reader, contents_page)) == {n for _t, n in entries}


# ---- the sample handbook ----------------------------------------------------------------------------------


def pdf_parts(config: Config) -> tuple[Book, Sequence[Any]]:
    """The checked book and its pages' PDF parts, as a build hands them to the PDF renderer."""
    result = check(config, parts=("pdf",))
    assert result.book is not None
    return result.book, result.parts["pdf"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Book, Path]:
    out = tmp_path_factory.mktemp("pdf")
    result = build(Config(source=SOURCE, out=out, formats=("pdf",)))
    assert result.ok and result.book is not None
    return result.book, out / "pdf" / f"{result.book.manifest.id}.pdf"


def test_every_sentence_citation_and_cell_of_the_seed_is_in_the_pdf(sample: tuple[Book, Path]) -> None:
    text = document_text(PdfReader(sample[1]))
    assert missing_units(text) == []
    assert "(Stack Overflow, 2025)" in " ".join(text.split())


def test_references_close_the_book_with_every_cited_entry(sample: tuple[Book, Path]) -> None:
    book, path = sample
    reader = PdfReader(path)
    last = " ".join(reader.pages[-1].extract_text().split())
    assert last.startswith("References")
    cited = {c.key for page in book.pages for c in page.citations}
    for key in cited:
        assert f"ref-{key}" in reader.named_destinations
    assert "Stack Overflow. (2025)." in last


def test_outline_is_the_heading_tree(sample: tuple[Book, Path]) -> None:
    book, path = sample
    assert outline_of(PdfReader(path)) == heading_tree(book)


def test_contents_page_numbers_are_where_sections_start_and_are_links(sample: tuple[Book, Path]) -> None:
    assert_contents_right(PdfReader(sample[1]))


def test_citations_link_to_their_reference(sample: tuple[Book, Path]) -> None:
    reader = PdfReader(sample[1])
    refs = one_based(reader.get_destination_page_number(reader.named_destinations["ref-stackoverflow2025"]))
    page = next(i for i, p in enumerate(reader.pages) if "(Stack Overflow, 2025)" in " ".join(p.extract_text().split()))
    assert refs in link_targets(reader, page)


def test_chapters_and_role_families_start_on_a_new_page(sample: tuple[Book, Path]) -> None:
    reader = PdfReader(sample[1])
    starts = outline_pages(reader)
    for title in ("Engineering", "Marketing", "Customer Service", "Sales", "Design"):
        first_line = body_text(reader.pages[starts[title] - 1]).strip().splitlines()[0]
        assert first_line == title


def test_running_header_and_page_numbers(sample: tuple[Book, Path]) -> None:
    reader = PdfReader(sample[1])
    engineering = outline_pages(reader)["Engineering"]
    text = reader.pages[engineering].extract_text()  # the page after Engineering starts
    assert "SKILL PROGRESSION MAP Engineering" in text
    assert text.strip().endswith(str(engineering + 1))


def test_metadata_language_and_paper(sample: tuple[Book, Path]) -> None:
    book, path = sample
    reader = PdfReader(path)
    meta = reader.metadata
    assert meta is not None
    assert meta.title == book.manifest.title
    assert meta.author == "AI Maturity Framework team"
    assert meta.subject == book.manifest.description
    assert pdf_string(meta["/Keywords"]) == ", ".join(book.manifest.keywords)
    assert pdf_string(meta["/CreationDate"]) == "D:20261124000000Z"
    assert pdf_string(reader.root_object["/Lang"]) == "en"
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (210, 297)  # A4 from the manifest


def test_fonts_are_embedded_subsets_of_the_packaged_fonts(sample: tuple[Book, Path]) -> None:
    reader = PdfReader(sample[1])
    fonts = {}
    for page in reader.pages:
        for font in (dictionary(page["/Resources"]).get("/Font") or {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts
    for name, font in fonts.items():
        assert re.fullmatch(r"/[A-Z]{6}\+HB-(Serif|Sans).*", name), name  # subset tag + our @font-face family
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


def test_tagged_by_default(sample: tuple[Book, Path]) -> None:
    root = PdfReader(sample[1]).root_object
    assert bool(dictionary(root["/MarkInfo"])["/Marked"])
    assert "/StructTreeRoot" in root


@pytest.fixture(scope="module")
def fonttools_builds(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[bytes, bool]]:
    """The sample's PDF built twice at once in fresh processes with different PYTHONHASHSEEDs, the second from
    copies of the source and the fonts in other folders (as on another machine), each as on a machine without
    libharfbuzz-subset: (PDF bytes, whether WeasyPrint loaded libharfbuzz-subset)."""
    elsewhere = tmp_path_factory.mktemp("another-checkout")
    shutil.copytree(SOURCE, elsewhere / "deeper" / "source")
    children = []
    for seed, moved in (
        ("1", []),
        ("2", ["--source", f"{elsewhere}/deeper/source", "--fonts-in", f"{elsewhere}/venv"]),
    ):
        out = tmp_path_factory.mktemp(f"pdf-seed{seed}")
        command = [sys.executable, "-m", "tests.pdf_child", str(out), "--hide-harfbuzz-subset", *moved]
        env = {**os.environ, "PYTHONHASHSEED": seed}
        children.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True))
    builds = []
    for child in children:
        output, _ = child.communicate(timeout=600)
        assert child.returncode == 0, output
        report = json.loads(output.splitlines()[-1])
        builds.append((Path(report["pdf"]).read_bytes(), bool(report["harfbuzz_subset"])))
    return builds


def test_two_builds_are_byte_identical(fonttools_builds: list[tuple[bytes, bool]]) -> None:
    """Other processes, hash seeds, source folders and seconds on the clock: the same bytes, without HarfBuzz."""
    (first, first_hb), (second, second_hb) = fonttools_builds
    assert not first_hb and not second_hb  # WeasyPrint alone would have subset with fontTools
    assert first.startswith(b"%PDF-")
    assert first == second


def test_the_pdf_is_the_same_with_or_without_harfbuzz_subset(
    sample: tuple[Book, Path], fonttools_builds: list[tuple[bytes, bool]]
) -> None:
    """WeasyPrint alone subsets with HarfBuzz when libharfbuzz-subset is installed: not ours, so no difference."""
    assert harfbuzz_subset_loaded(), "libharfbuzz-subset is not installed: apt-get install libharfbuzz-subset0"
    assert sample[1].read_bytes() == fonttools_builds[0][0]


def test_a_relative_source_folder_gives_the_same_pdf(
    sample: tuple[Book, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`handbook build --source src` from the handbook's own repository: the same bytes as an absolute path."""
    shutil.copytree(SOURCE, tmp_path / "src")
    monkeypatch.chdir(tmp_path)
    result = build(Config(source=Path("src"), out=Path("out"), formats=("pdf",)))
    assert result.ok and result.book is not None
    assert (tmp_path / "out" / "pdf" / f"{result.book.manifest.id}.pdf").read_bytes() == sample[1].read_bytes()


def test_fonts_are_subset_by_fonttools_keeping_their_own_timestamp(sample: tuple[Book, Path]) -> None:
    """Our subsetter ran, and the clock is not in the font: 'head' is the source's, layout tables are gone."""
    assert installed()  # the sample was rendered in this process, by WeasyPrint with our Font.subset
    originals = {TTFont(path)["head"].modified for path in font_files()}
    streams = embedded_fonts(PdfReader(sample[1]))
    assert len(streams) >= 4  # serif, sans, bold, italic at least
    for name, data in streams.items():
        font = TTFont(io.BytesIO(data))
        assert font["head"].modified in originals, name
        assert not {"GPOS", "GSUB", "BASE"} & set(font.keys()), name


def test_unchanged_inputs_reuse_the_cached_pdf_without_weasyprint(
    sample: tuple[Book, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, path = sample
    config = Config(source=SOURCE, out=path.parent.parent, formats=("pdf",))

    def no_weasyprint(*_args: Any) -> bytes:
        raise AssertionError("WeasyPrint ran although nothing changed")

    monkeypatch.setattr(stage, "_run", no_weasyprint)
    written = pdf_mod.render(book, pdf_parts(config)[1], tmp_path, config)
    assert written == [tmp_path / "pdf" / path.name]
    assert written[0].read_bytes() == path.read_bytes()
    # a changed input is a different key: SOURCE_DATE_EPOCH moves the PDF dates
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with pytest.raises(AssertionError, match="WeasyPrint ran"):
        pdf_mod.render(book, pdf_parts(config)[1], tmp_path, config)


def test_build_format_pdf_alone_from_the_command_line(sample: tuple[Book, Path]) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    out = sample[1].parent.parent  # the sample's output folder: its PDF cache is warm
    (out / ".cache" / "build-stamp.json").unlink()  # a real build, not "nothing changed"
    before = sample[1].read_bytes()
    result = CliRunner().invoke(main, ["build", "--source", str(SOURCE), "--out", str(out), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    summary = [line.split() for line in result.output.splitlines() if line.startswith("  pdf ")]
    assert summary and summary[0][-3:] == ["1", "file", str(sample[1])], result.output
    assert sorted(p.name for p in (out / "pdf").iterdir()) == [sample[1].name]
    assert sample[1].read_bytes() == before


def test_unknown_variant_is_refused(sample: tuple[Book, Path], tmp_path: Path) -> None:
    from pipeline.diagnostics import PipelineError

    with pytest.raises(PipelineError, match="unknown PDF variant"):
        config = Config(source=SOURCE, out=tmp_path, pdf_variant="pdf/x-9")
        pdf_mod.render(sample[0], pdf_parts(config)[1], tmp_path, config)


# ---- Letter, PDF/UA-1 and a split per page ----------------------------------------------------------------


def test_letter_pdf_ua_and_split(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(SOURCE, source)
    manifest = source / "handbook.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("paper: A4", "paper: Letter"), encoding="utf-8")
    (source / "assets").mkdir()
    (source / "assets" / "dot.png").write_bytes(_png())
    page = source / "pages" / "skill-progression-map.md"
    text = page.read_text(encoding="utf-8").replace(
        "## Engineering\n", "## Engineering\n\n![A blue dot](../assets/dot.png)\n", 1
    )
    page.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = build(Config(source=source, out=out, formats=("pdf",), pdf_split=True, pdf_variant="pdf/ua-1"))
    assert result.ok and result.book is not None
    whole = PdfReader(out / "pdf" / "skill-progression-map.pdf")
    box = whole.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    root = whole.root_object
    assert "/StructTreeRoot" in root and bool(dictionary(root["/MarkInfo"])["/Marked"])
    assert bool(dictionary(root["/ViewerPreferences"])["/DisplayDocTitle"])
    xmp = whole.xmp_metadata
    assert xmp is not None and b'pdfuaid:part="1"' in xmp.stream.get_data()
    images = {
        name
        for p in whole.pages
        for name, obj in (dictionary(p["/Resources"]).get("/XObject") or {}).items()
        if obj.get_object().get("/Subtype") == "/Image"
    }
    assert len(images) == 1  # the local image was read through the fetcher
    assert "/Alt (A blue dot)" in _structure(whole)
    split = PdfReader(out / "pdf" / "skill-progression-map" / "skill-progression-map.pdf")
    assert missing_units(document_text(split)) == []
    assert outline_of(split) == heading_tree(result.book)


# ---- no network ------------------------------------------------------------------------------------------


def test_refusal_allows_only_the_builds_own_files(tmp_path: Path) -> None:
    roots = (str(tmp_path),)
    (tmp_path / "a.png").write_bytes(b"")
    assert refusal((tmp_path / "a.png").as_uri(), roots) is None
    assert refusal("data:image/png;base64,AAAA", roots) is None
    assert refusal("https://example.org/a.png", roots)
    assert refusal("http://127.0.0.1/a.png", roots)
    assert refusal("file:///etc/hostname", roots)
    assert refusal((tmp_path / ".." / "x.png").as_uri(), roots)
    assert refusal("file://otherhost/x.png", roots)


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_weasyprint_fetches_nothing_remote(loopback: tuple[str, list[str]], tmp_path: Path) -> None:
    url, hits = loopback
    html = (
        f'<html><head><link rel="stylesheet" href="{url}/style.css"></head><body>'
        f'<p>text</p><img src="{url}/remote.png" alt="remote"><img src="file:///etc/hostname" alt="outside">'
        f"<style>@font-face {{ font-family: X; src: url({url}/font.ttf); }} p {{ font-family: X }}</style>"
        "</body></html>"
    )
    pdf = write(Task(html, str(tmp_path), (str(tmp_path),)))
    assert pdf.startswith(b"%PDF")
    assert hits == []


# ---- chunked rendering -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_chunked_pdf_matches_a_single_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = generate(3, tmp_path / "src")
    config = Config(source=source, out=tmp_path / "out", jobs=2)
    book, parts = pdf_parts(config)
    chunked_out, single_out = tmp_path / "chunked", tmp_path / "single"
    planned = plan(print_book(book, parts, _citations(book, config)), 20)
    assert len(planned) >= 3 and planned[-1].back  # front, ≥2 chapter chunks, the last with the references
    trace: list[str] = []

    def composed(document: PrintBook, **options: Any) -> str:
        trace.append("composed")
        return compose(document, **options)

    monkeypatch.setattr(chunks, "compose", composed)
    [chunked] = stage.render_books(
        [(book, parts)], chunked_out, config, chunk_threshold=10, chunk_pages=20, trace=trace
    )
    # each call's HTML is composed as the call is handed to a worker, once: none waits in the queue composed
    assert trace[1::2] == ["composed"] * (len(trace) // 2)
    del trace[1::2]
    [single] = stage.render_books([(book, parts)], single_out, Config(source=source, out=tmp_path / "out2"))
    one, many = PdfReader(single), PdfReader(chunked)
    assert len(many.pages) == len(one.pages)
    assert [p.extract_text() for p in many.pages] == [p.extract_text() for p in one.pages]  # page numbers too
    assert outline_of(many) == outline_of(one) == heading_tree(book)
    assert outline_pages(many) == outline_pages(one)
    assert_contents_right(many)
    for index in range(len(one.pages)):
        assert link_targets(many, index) == link_targets(one, index), f"links on page {index + 1}"
    assert many.metadata is not None and many.metadata.title == book.manifest.title
    assert pdf_string(many.root_object["/Lang"]) == "en"
    # each chunk is laid out once (no measuring pass); the contents is measured, then rendered with its numbers
    assert sorted(trace) == sorted(_calls(range(1, len(planned)), measured=True))
    # without the finished PDF, the cached chunks rebuild it byte for byte, rendering no chunk again
    cache = config.cache / "pdf"
    for finished in cache.glob("*.pdf"):
        finished.unlink()
    chunk_files = sorted((cache / "chunks").iterdir())
    trace.clear()
    [again] = stage.render_books(
        [(book, parts)], tmp_path / "again", config, chunk_threshold=10, chunk_pages=20, trace=trace
    )
    assert again.read_bytes() == chunked.read_bytes()
    assert sorted((cache / "chunks").iterdir()) == chunk_files
    assert trace == []


def test_a_chunk_numbered_after_its_layout_is_the_chunk_laid_out_from_its_first_page(tmp_path: Path) -> None:
    """numbering.py sets the page counter after pagination: the same bytes as `counter-reset` in the CSS."""
    config = Config(source=SOURCE, out=tmp_path)
    book, parts = pdf_parts(config)
    document = print_book(book, parts, _citations(book, config))
    html = compose(document, front=False, back=False, bookmarks=False, goto=True)
    task = Task(html, str(SOURCE), (str(SOURCE), *(str(root) for root in font_roots())), tags=False)
    asked: list[Paginated] = []

    def first_page(paginated: Paginated) -> int:
        asked.append(paginated)
        return 41

    chunk = render_chunk(task, first_page)
    reset = html.replace("</style>", "@page :first { counter-reset: page 41; }\n</style>", 1)
    assert chunk.pdf == write(replace(task, html=reset))
    assert [p.pages for p in asked] == [chunk.layout.pages] and chunk.layout.pages > 1
    assert asked[0].anchors == chunk.layout.page_of()  # what pagination tells is what the layout says
    numbers = [PdfReader(io.BytesIO(chunk.pdf)).pages[i].extract_text().split()[-1] for i in (0, 1, 2)]
    assert numbers == ["41", "42", "43"]  # the footers count on from the first page


def _tiny_chunk(title: str, lang: str, body: str) -> Chunk:
    """A small document rendered as a chunk (untagged, no /ID), with the packaged fonts."""
    html = (
        f'<html lang="{lang}"><head><title>{title}</title><style>{fonts_css()}'
        " body { font-family: 'HB Serif'; } .page { break-before: page; }</style></head>"
        f"<body>{body}</body></html>"
    )
    task = Task(html, str(SOURCE), (str(SOURCE), *(str(root) for root in font_roots())), tags=False)
    return render_chunk(task, lambda _paginated: 1)


def test_the_merge_writes_chunks_as_they_come_with_links_bookmarks_and_names_across_them(tmp_path: Path) -> None:
    """merge.py on three small chunks that link to each other (and to an id nowhere), given out of order."""
    front = _tiny_chunk(
        "Front title",
        "en",
        '<h1 id="contents">Contents</h1><a href="hb-goto:two-b">to Two B</a><p class="page">front page two</p>',
    )
    one = _tiny_chunk(
        "Chunk title",
        "fr",
        '<h1 id="one">One</h1><p><a href="hb-goto:contents">home</a> <a href="hb-goto:two-b">forward</a>'
        ' <a href="hb-goto:nowhere">gone</a> <a href="https://example.org/">out</a></p>'
        '<h2 id="one-a" class="page" style="margin-top: 300px">One A</h2>',
    )
    two = _tiny_chunk(
        "Chunk title",
        "fr",
        '<h1 id="two">Two</h1><p class="page">Two B page</p>'
        '<h2 id="two-b" style="margin-top: 200px">Two B</h2><a href="hb-goto:one-a">back</a>',
    )
    chunks = [front, one, two]
    assert [chunk.layout.pages for chunk in chunks] == [2, 2, 2]
    dests = {  # every id's page in the merged PDF: the front matter first
        name: (2 * part + page, left, top)
        for part, chunk in enumerate(chunks)
        for name, (page, left, top) in chunk.layout.anchors.items()
    }
    outlines = [
        (Section(1, "Contents", "contents"),),
        (Section(1, "One", "one", (Section(2, "One A", "one-a"),)),),
        (Section(1, "Two", "two", (Section(2, "Two B", "two-b"), Section(2, "Not laid out", "missing"))),),
    ]
    arrival = Arrival(front.pdf, front.layout.anchors, outlines[0])

    def merged(order: list[int], path: Path) -> bytes:
        merger = Merger(path)
        for part in order:
            merger.add(part, chunks[part].pdf, chunks[part].layout.anchors, outlines[part])
            if part == 1:  # chunk 1 is written as it arrives, before the merge is finished
                for _ in range(100):
                    if path.is_file() and path.stat().st_size > 1000:
                        break
                    threading.Event().wait(0.05)
                assert path.stat().st_size > 1000
        assert merger.finish(arrival, 3, dests, "0123456789abcdef") == path
        return path.read_bytes()

    pdf = merged([1, 2], tmp_path / "in-order.pdf")
    assert merged([2, 1], tmp_path / "reversed.pdf") == pdf  # the bytes do not depend on the order of arrival
    reader = PdfReader(io.BytesIO(pdf))

    def at(name: str) -> tuple[int, float, float]:
        page, left, top = dests[name]
        return page, round(left, 3), round(top, 3)

    def where(dest: Any) -> tuple[int | None, float, float]:
        if isinstance(dest, str):
            dest = reader.named_destinations[dest]
        if isinstance(dest, Destination):
            return (
                reader.get_destination_page_number(dest),
                round(float(dest.left or 0), 3),
                round(float(dest.top or 0), 3),
            )
        return reader.get_page_number(dest[0].get_object()), round(float(dest[2]), 3), round(float(dest[3]), 3)

    texts = [page.extract_text() for page in reader.pages]
    assert [text.split()[0] for text in texts] == ["Contents", "front", "One", "One", "Two", "Two"]
    links = [
        (index, where(annot["/Dest"]) if "/Dest" in annot else str(annot["/A"]["/URI"]))
        for index, page in enumerate(reader.pages)
        for annot in (ref.get_object() for ref in page.get("/Annots") or [])
    ]
    expected = [(0, at("two-b")), (2, at("contents")), (2, at("two-b")), (2, "https://example.org/"), (5, at("one-a"))]
    assert links == expected  # the link to an id nowhere is dropped; the external one kept
    assert outline_flat(reader) == [("Contents", 0, 1), ("One", 0, 3), ("One A", 1, 4), ("Two", 0, 5), ("Two B", 1, 6)]

    def positions(items: list[Any]) -> list[Any]:
        return [positions(item) if isinstance(item, list) else where(item) for item in items]

    assert positions(reader.outline) == [at("contents"), at("one"), [at("one-a")], at("two"), [at("two-b")]]
    assert {name: where(name) for name in reader.named_destinations} == {name: at(name) for name in dests}
    assert reader.metadata is not None and reader.metadata.title == "Front title"  # the front matter's /Info
    assert pdf_string(reader.root_object["/Lang"]) == "en"
    pinned = reader.trailer["/ID"]
    assert isinstance(pinned, ArrayObject) and [str(half) for half in pinned] == ["0123456789abcdef"] * 2
    # poppler reads it without a complaint: the pages in order, the named destinations
    if shutil.which("pdfinfo") and shutil.which("pdftotext"):
        info = subprocess.run(["pdfinfo", tmp_path / "in-order.pdf"], capture_output=True, text=True)
        assert info.returncode == 0 and info.stderr == "" and re.search(r"^Pages: +6$", info.stdout, re.M)
        named = subprocess.run(["pdfinfo", "-dests", tmp_path / "in-order.pdf"], capture_output=True, text=True)
        assert named.returncode == 0 and named.stderr == ""
        assert sorted(re.findall(r'"(.+)"', named.stdout)) == sorted(dests)
        text = subprocess.run(["pdftotext", tmp_path / "in-order.pdf", "-"], capture_output=True, text=True)
        assert text.returncode == 0 and text.stderr == ""
        assert [page.split()[0] for page in text.stdout.split("\f")[:-1]] == [t.split()[0] for t in texts]
    # a merge stopped before its end deletes its file
    stopped = Merger(tmp_path / "stopped.pdf")
    stopped.add(1, one.pdf, one.layout.anchors, outlines[1])
    stopped.close()
    stopped._thread.join()
    assert not (tmp_path / "stopped.pdf").exists()


@pytest.mark.slow
def test_editing_one_page_renders_only_the_chunks_whose_content_or_first_page_changed(tmp_path: Path) -> None:
    """A chunked handbook rebuilt after one-page edits: the calls made, and the bytes of a clean build."""
    source = generate(4, tmp_path / "src")
    config = Config(source=source, out=tmp_path / "out", jobs=2)
    first, calls = _chunked(config)
    before = first.read_bytes()
    book, parts = pdf_parts(config)
    chunks = len(plan(print_book(book, parts, _citations(book, config)), 20)) - 1
    assert chunks == 4  # one per chapter, the references with the last
    assert sorted(calls) == sorted(_calls(range(1, chunks + 1), measured=True))
    pages = [source / "pages" / f"skill-progression-map-{n:04d}.md" for n in range(1, 5)]
    filler = "\n\n" + "\n\n".join(f"Paragraph {n}: " + "words that fill a page of text. " * 40 for n in range(12))

    # a word in the last chapter: only its chunk (its length and the contents do not change)
    _edit(pages[3], "day to day, in team 4.", "day to day, in team four.")
    edited, calls = _chunked(config)
    assert calls == _calls([4])
    assert edited.read_bytes() == _clean(source, tmp_path / "clean-1") != before
    length = len(PdfReader(edited).pages)

    # the last chapter grows: its chunk and the contents (the references, in that chunk, start later)
    _edit(pages[3], "\n## Engineering", filler + "\n\n## Engineering")
    grown, calls = _chunked(config)
    assert sorted(calls) == sorted(_calls([4], contents=True))
    assert grown.read_bytes() == _clean(source, tmp_path / "clean-2")
    assert len(PdfReader(grown).pages) > length

    # the first chapter grows: every chunk after it starts later, so all are rendered again, and the contents
    _edit(pages[0], "\n## Engineering", filler + "\n\n## Engineering")
    moved, calls = _chunked(config)
    assert sorted(calls) == sorted(_calls(range(1, chunks + 1), contents=True))
    assert moved.read_bytes() == _clean(source, tmp_path / "clean-3")
    reader, book = PdfReader(moved), pdf_parts(config)[0]
    assert book is not None and outline_of(reader) == heading_tree(book)
    assert_contents_right(reader)
    # page numbers printed in the footers are the PDF's own page numbers
    for number in (10, len(reader.pages) // 2, len(reader.pages) - 1):
        assert reader.pages[number - 1].extract_text().split()[-1] == str(number)


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGKILL"])
def test_stopping_a_chunked_pdf_build_stops_its_worker_processes(tmp_path: Path, signal_name: str) -> None:
    """Ctrl+C (SIGINT to the whole process group) or SIGKILL of the build mid-render: no worker is left."""
    import signal
    import time

    source = generate(8, tmp_path / "src")  # above CHUNK_THRESHOLD: chunks on two worker processes
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "build", "--source", str(source), "--out", str(out), "-f", "pdf"]
    build_process = subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 300
        while len(_pdf_workers(build_process.pid)) < 2:
            assert build_process.poll() is None, build_process.communicate()[0]
            assert time.monotonic() < deadline, "no PDF worker process started"
            time.sleep(0.05)
        workers = _pdf_workers(build_process.pid)
        if signal_name == "SIGINT":
            os.killpg(build_process.pid, signal.SIGINT)  # what a terminal sends on Ctrl+C
            output, _ = build_process.communicate(timeout=120)
            assert build_process.returncode == 130, output
            assert output.strip().startswith("interrupted;") and output.strip().endswith("unchanged"), output
        else:
            build_process.kill()
            build_process.wait(timeout=120)
        deadline = time.monotonic() + 60
        while any(Path(f"/proc/{pid}").exists() and _state(pid) != "Z" for pid in workers):
            assert time.monotonic() < deadline, f"PDF workers left after {signal_name}: {workers}"
            time.sleep(0.05)
        assert not (out / "pdf").exists()
    finally:
        if build_process.poll() is None:
            os.killpg(build_process.pid, signal.SIGKILL)
            build_process.wait()


def _pdf_workers(parent: int) -> list[int]:
    """The PDF worker processes of the build ``parent`` (their command line names the pool and the parent)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(b"pipeline.render.pdf.pool" in arg for arg in argv) and str(parent).encode() in argv:
                found.append(int(entry.name))
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def _chunked(config: Config) -> tuple[Path, list[str]]:
    """Build the PDF in chunks (20 estimated pages) into config.out, reusing its cache: the PDF, the calls made."""
    book, parts = pdf_parts(config)
    trace: list[str] = []
    [path] = stage.render_books([(book, parts)], config.out, config, chunk_threshold=10, chunk_pages=20, trace=trace)
    return path, trace


def _clean(source: Path, out: Path) -> bytes:
    """The PDF of a from-scratch chunked build in one process (jobs=1), with a cache of its own."""
    path, _calls = _chunked(Config(source=source, out=out, jobs=1))
    return path.read_bytes()


def _calls(chunks: Any, measured: bool = False, contents: bool | None = None) -> list[str]:
    target = "pdf/skill-progression-map.pdf"
    calls = [f"{target}: chunk {n}" for n in chunks]
    if measured:
        calls.append(f"{target}: contents (measure)")
    if measured or contents:
        calls.append(f"{target}: contents")
    return calls


def _edit(page: Path, old: str, new: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")


def _citations(book: Book, config: Config) -> Any:
    from pipeline.render.cite import render_citations

    return render_citations(book, config.cache)


def _png() -> bytes:
    """A 2×2 blue PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + b"\x1f\x4e\x79" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _structure(reader: PdfReader) -> str:
    """The structure tree, flattened to text (types and /Alt), for membership checks."""
    out: list[str] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            out.append(f"{node['/S']}" + (f" /Alt ({node['/Alt']})" if "/Alt" in node else ""))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                walk(kid)

    walk(reader.root_object["/StructTreeRoot"])
    return "\n".join(out)


# ---- the interface in the handbook's language ------------------------------------------------------------


def test_a_german_handbook_prints_german_interface_words(tmp_path: Path) -> None:
    source = localized_copy(tmp_path, "de")
    result = build(Config(source=source, out=tmp_path / "out", formats=("pdf",)))
    assert result.ok and result.book is not None
    reader = PdfReader(tmp_path / "out" / "pdf" / "skill-progression-map.pdf")
    cover = " ".join(reader.pages[0].extract_text().split())
    for word in ("HANDBUCH", "AUTOR", "VERSION", "DATUM", "LIZENZ", "24. November 2026"):  # dt are upper case
        assert word in cover, word
    assert " ".join(reader.pages[1].extract_text().split()).startswith("Inhalt Skill Progression Map")
    last = " ".join(reader.pages[-1].extract_text().split())
    assert last.startswith("Literatur")
    assert "Roe, R. (Hrsg.). (2019). An Edited Volume (2. Aufl.)." in last  # citeproc's German locale
    text = "\n".join(page.extract_text() for page in reader.pages)
    for english in ("HANDBOOK", "AUTHOR", "LICENCE", "Contents", "References", "(Ed.)"):
        assert english not in text, english
    outline = [title for title, _children in outline_of(reader)]
    assert (outline[0], outline[-1]) == ("Inhalt", "Literatur")
    assert pdf_string(reader.root_object["/Lang"]) == "de"


# ---- rubric tables across pages ---------------------------------------------------------------------------


def test_a_long_rubric_repeats_its_header_keeps_rows_whole_and_stays_inside_the_margins(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(SOURCE, source)
    labels = ["Level 1", "Level 1.5", "Level 2", "Level 2.5", "Level 3"]
    rows = [
        "| "
        + " | ".join(
            [f"Row{r:02d}c0 how do you work on task {r}?"]
            + [
                f"Row{r:02d}c{c} describes in some detail what a person at this step does, day to day"
                for c in range(1, 6)
            ]
        )
        + " |"
        for r in range(40)
    ]
    table = "\n".join(["| Question | " + " | ".join(labels) + " |", "|---" * 6 + "|", *rows])
    page = "---\nid: long-rubric\ntitle: Long Rubric\nscale: self-assessment\n---\n\n## Self-check\n\n" + table + "\n"
    (source / "pages" / "long-rubric.md").write_text(page, encoding="utf-8")
    manifest = source / "handbook.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace("  - skill-progression-map\n", "  - skill-progression-map\n  - long-rubric\n"), "utf-8"
    )
    out = tmp_path / "out"
    result = build(Config(source=source, out=out, formats=("pdf",)))
    assert result.ok, [d.message for d in result.diagnostics if d.severity.value == "error"]
    reader = PdfReader(out / "pdf" / "skill-progression-map.pdf")

    cells: dict[str, set[int]] = {}  # "RowNNcK" → pages it is printed on
    headers: dict[int, int] = {}  # page → how many "Question" header cells
    for number, pdf_page in enumerate(reader.pages):
        width = float(pdf_page.mediabox.width)

        def visit(
            text: str,
            cm: list[float],
            tm: list[float],
            _font: Any,
            _size: Any,
            number: int = number,
            width: float = width,
        ) -> None:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            for cell in re.findall(r"Row\d\dc\d", text):
                cells.setdefault(cell, set()).add(number)
                assert 10 * MM < x < width - 15 * MM, (cell, x, width)  # never cut off at the margin
            if text.strip() == "Question":
                headers[number] = headers.get(number, 0) + 1

        pdf_page.extract_text(visitor_text=visit)
    assert len(cells) == 40 * 6  # every cell printed
    for row in range(40):
        spots = {p for cell, found in cells.items() if cell.startswith(f"Row{row:02d}") for p in found}
        assert len(spots) == 1, (row, spots)  # a row is never split across pages
    table_pages = sorted(set().union(*cells.values()))
    assert len(table_pages) >= 2  # the table does break across pages
    assert all(headers.get(p, 0) >= 1 for p in table_pages), (table_pages, headers)  # header on each of them
