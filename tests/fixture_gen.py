"""Fixture plumbing: expected.txt parsing, base + overlay assembly, and generated (uncommitted) fixtures."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.diagnostics import Diagnostic

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = FIXTURES / "_base"
EXPECTED = "expected.txt"

Finding = tuple[str, int, int, str]  # path relative to the source folder, line, col, code


@dataclass(slots=True)
class Expected:
    """What a fixture's expected.txt says: the exact findings, the exit code and how to run it.

    Format, one finding per line: ``relative/path:line:col: CODE [text the message or hint contains]``.
    Directives: ``# exit 0`` (warnings only), ``# strict`` (run with --strict), ``# remove PATH``
    (delete a file of the base). Any other line starting with ``#`` is a comment.
    """

    findings: Counter[Finding] = field(default_factory=Counter)
    texts: list[tuple[Finding, str]] = field(default_factory=list)
    exit_code: int = 1
    strict: bool = False
    remove: list[str] = field(default_factory=list)


def parse_expected(text: str) -> Expected:
    out = Expected()
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            words = line[1:].split()
            if words[:1] == ["exit"]:
                out.exit_code = int(words[1])
            elif words == ["strict"]:
                out.strict = True
            elif words[:1] == ["remove"]:
                out.remove.append(words[1])
            continue
        location, _, rest = line.partition(": ")
        path, line_no, col = location.rsplit(":", 2)
        code, _, message = rest.partition(" ")
        finding = (path, int(line_no), int(col), code)
        out.findings[finding] += 1
        if message.strip():
            out.texts.append((finding, message.strip()))
    return out


def assemble(fixture: Path, dest: Path) -> Expected:
    """Copy the base handbook to ``dest``, overlay the fixture's files, apply its removals."""
    expected = parse_expected((fixture / EXPECTED).read_text(encoding="utf-8"))
    shutil.copytree(BASE, dest)
    for path in sorted(fixture.rglob("*")):
        if path.is_file() and path.name != EXPECTED:
            target = dest / path.relative_to(fixture)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for name in expected.remove:
        (dest / name).unlink()
    return expected


def relative(diagnostics: Iterable[Diagnostic], root: Path) -> list[tuple[Finding, Diagnostic]]:
    """Each diagnostic keyed by (path relative to ``root``, line, col, code); symlinks are not resolved."""
    return [((Path(os.path.relpath(d.path, root)).as_posix(), d.line, d.col, d.code), d) for d in diagnostics]


def committed() -> list[str]:
    """Names of the committed fixture folders (every folder with an expected.txt)."""
    return sorted(p.parent.name for p in FIXTURES.glob(f"*/{EXPECTED}"))


# --- generated fixtures: too big, binary or filesystem-specific to commit ---------------------------------------

Generator = Callable[[Path], str]  # writes a complete source folder, returns its expected.txt text


def _base(dest: Path) -> None:
    shutil.copytree(BASE, dest)


def _page(dest: Path, name: str, body: str, front: str = "") -> None:
    head = front or f"id: {name}\ntitle: {name.title()}\n"
    (dest / "pages" / f"{name}.md").write_text(f"---\n{head}---\n\n{body}", encoding="utf-8")


def binary_page(dest: Path) -> str:
    _base(dest)
    (dest / "pages" / "guide.md").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 8)
    return "pages/guide.md:1:1: FM005 binary file\n"


def huge_page(dest: Path) -> str:
    """A 5 MB page of ordinary sections; one unknown citation on its very last line."""
    _base(dest)
    section = (
        "## Section {n}\n\n"
        "Teams at Level 2 redesign their work around AI [@smith2024]. Some read @jones2023 first, "
        "then write a [link](#section-{n}) and a table.\n\n"
        "| Question | Level 1 | Level 2 | Level 3 |\n|---|---|---|---|\n| Q{n}? | a | b | c |\n\n"
    )
    parts, size, n = [], 0, 0
    while size < 5 * 1024 * 1024:
        n += 1
        parts.append(section.format(n=n))
        size += len(parts[-1])
    _page(dest, "guide", "".join(parts) + "Last words [@missing2099].\n", "id: guide\ntitle: Guide\nscale: levels\n")
    line = (dest / "pages" / "guide.md").read_text(encoding="utf-8").count("\n")
    return f"pages/guide.md:{line}:13: CIT001 missing2099\n"


_AFTER = "\n\n## After\n\nThe rest of the page is still checked [@nokey].\n"


def _deep(dest: Path, body: str, too_deep: str = "") -> str:
    """A page whose deep structure is followed by a section that must still be parsed and checked.

    ``too_deep``: the MD001 finding where block nesting passes the parser's limit (100 levels).
    """
    _base(dest)
    _page(dest, "guide", body + _AFTER)
    line = (dest / "pages" / "guide.md").read_text(encoding="utf-8").count("\n")
    return f"pages/guide.md:{line}:40: CIT001 nokey\n" + too_deep


def deep_blockquote(dest: Path) -> str:
    # the 101st `>` opens level 101: reported there; the quote's text is not read, the next section is
    return _deep(dest, ">" * 2000 + " deep quote", "pages/guide.md:6:101: MD001 line 6 not read\n")


def deep_list(dest: Path) -> str:
    # a list item is two levels (list + item): the 50th item's text (line 5 + 50, column 101) is the first
    # thing too deep; it and the 1,950 items below it are not read, the next section is
    items = "".join("  " * depth + "- item\n" for depth in range(2000))
    return _deep(dest, items, "pages/guide.md:55:101: MD001 lines 55–2005 not read\n")


def deep_brackets(dest: Path) -> str:
    """2,000 unclosed `[`, then 2,000 nested `*` emphasis markers, each in a paragraph."""
    return _deep(dest, "[" * 2000 + "x" + "]" * 2000 + "\n\n" + "*" * 2000 + "y" + "*" * 2000)


def deep_yaml_flow(dest: Path) -> str:
    """`keywords: [[[[…]]]]` 2,000 deep: refused where the 201st bracket opens."""
    _base(dest)
    _page(dest, "guide", "Text.\n", "id: guide\ntitle: Guide\nkeywords: " + "[" * 2000 + "]" * 2000 + "\n")
    return "pages/guide.md:4:211: FM008 nesting\n"


def deep_yaml_block(dest: Path) -> str:
    """2,000 nested block mappings: refused at the mapping 201 levels down (line 4 + 200, indent 200)."""
    _base(dest)
    nested = "".join(" " * depth + f"k{depth}:\n" for depth in range(2000))
    _page(dest, "guide", "Text.\n", "id: guide\ntitle: Guide\n" + nested)
    return "pages/guide.md:204:201: FM008 nesting\n"


def symlink_out(dest: Path) -> str:
    """A page that is a symlink to a file outside the source folder."""
    _base(dest)
    outside = dest.parent / "outside.md"
    outside.write_text("---\nid: secret\ntitle: Secret\n---\n\nSecret.\n", encoding="utf-8")
    (dest / "pages" / "secret.md").symlink_to(outside)
    # SCH005 too: the file sits unlisted in pages/ (its path is the source's, not the working directory's)
    return "pages/secret.md:1:1: LNK004 outside the source folder\npages/secret.md:1:1: SCH005 secret\n"


def symlink_asset_out(dest: Path) -> str:
    """An image whose asset path is a symlink leading outside the source folder."""
    _base(dest)
    outside = dest.parent / "logo.svg"
    outside.write_text("<svg/>", encoding="utf-8")
    (dest / "assets" / "logo.svg").symlink_to(outside)
    _page(dest, "guide", "![logo](../assets/logo.svg)\n")
    return "pages/guide.md:6:9: LNK004 logo.svg\n"


def bom_crlf_clean(dest: Path) -> str:
    """Every text file saved with a UTF-8 BOM and CRLF line endings: still clean."""
    _base(dest)
    for path in sorted(p for p in dest.rglob("*") if p.suffix in (".md", ".yaml")):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    return "# exit 0\n"


def bom_crlf_finding(dest: Path) -> str:
    """BOM + CRLF: a finding on line 1 is not shifted by the BOM, later lines keep their numbers."""
    _base(dest)
    page = "---\r\nid: guide\r\ntitle: Guide\r\nsumary: typo\r\n---\r\n\r\nSee [@nokey] here.\r\n"
    (dest / "pages" / "guide.md").write_bytes(b"\xef\xbb\xbf" + page.encode())
    manifest = (dest / "handbook.yaml").read_text(encoding="utf-8").replace("id: mini", "id: Mini")
    (dest / "handbook.yaml").write_bytes(b"\xef\xbb\xbf" + manifest.replace("\n", "\r\n").encode())
    return (
        "handbook.yaml:2:5: SCH001 'Mini'\n"
        "pages/guide.md:4:1: SCH002 did you mean `summary`\n"
        "pages/guide.md:7:6: CIT001 nokey\n"
    )


def lone_cr(dest: Path) -> str:
    """Old Mac line endings (CR only) are line breaks too."""
    _base(dest)
    page = "---\rid: guide\rtitle: Guide\r---\r\rSee [@nokey] here.\r"
    (dest / "pages" / "guide.md").write_bytes(page.encode())
    return "pages/guide.md:6:6: CIT001 nokey\n"


def alias_bomb_manifest(dest: Path) -> str:
    """Billion laughs in handbook.yaml itself, under an unknown key."""
    _base(dest)
    bomb = 'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for name, prev in zip("bcdefghij", "abcdefghi", strict=True):
        bomb += f"lol{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    text = (dest / "handbook.yaml").read_text(encoding="utf-8") + bomb
    (dest / "handbook.yaml").write_text(text, encoding="utf-8")
    return "handbook.yaml:25:7: FM007 alias bomb\n"  # at `&f [*e, …]`, the value that passes the limit


def many_pages(dest: Path) -> str:
    """60 pages, enough for `handbook check` to use worker processes: same findings as in-process."""
    _base(dest)
    ids = [f"p{n:02d}" for n in range(60)]
    for page_id in ids:
        _page(dest, page_id, f"## {page_id}\n\nSee [next](p00.md#nowhere) and [@smith2024].\n")
    manifest = (dest / "handbook.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace("  - guide\n", "  - guide\n" + "".join(f"  - {i}\n" for i in ids))
    (dest / "handbook.yaml").write_text(manifest, encoding="utf-8")
    return "".join(f"pages/{i}.md:8:12: LNK002 nowhere\n" for i in ids)


def raw_controls(dest: Path) -> str:
    """Raw ESC, DEL, a C1 CSI and U+FFFF in a page body, ESC in frontmatter and in handbook.yaml: each
    is FM009 where it is written, and YAML does not fail at 1:1 on them."""
    _base(dest)
    body = "## Details\n\nText \x1b[31mred\x1b[0m,\x7f and \x9b2J.\n\n| Q | A\uffff |\n|---|---|\n| x | y |\n"
    _page(dest, "guide", body, "id: guide\ntitle: Gui\x1bde\n")
    manifest = (dest / "handbook.yaml").read_text(encoding="utf-8")
    (dest / "handbook.yaml").write_text(manifest.replace("title: Mini", "title: \x07Mini"), encoding="utf-8")
    return (
        "handbook.yaml:3:8: FM009 U+0007\n"
        "pages/guide.md:3:11: FM009 U+001B (ESC)\n"
        "pages/guide.md:8:6: FM009 U+001B (ESC)\n"
        "pages/guide.md:8:14: FM009 U+001B (ESC)\n"
        "pages/guide.md:8:19: FM009 U+007F (DEL)\n"
        "pages/guide.md:8:25: FM009 U+009B\n"
        "pages/guide.md:10:8: FM009 U+FFFF\n"
    )


def long_citation_line(dest: Path) -> str:
    """20,000 citations of an unknown key on one 200 kB line: as many findings, checked in linear time."""
    _base(dest)
    _page(dest, "guide", "## Details\n\n" + " ".join(["[@nokey]"] * 20_000) + "\n")
    return "".join(f"pages/guide.md:8:{9 * n + 2}: CIT001\n" for n in range(20_000))


def page_is_a_folder(dest: Path) -> str:
    """A folder named like a page: reported, never opened as a file."""
    _base(dest)
    (dest / "pages" / "zz.md").mkdir()
    return "pages/zz.md:1:1: FM010 it is a folder\npages/zz.md:1:1: SCH005 zz\n"


def symlink_loop_page(dest: Path) -> str:
    _base(dest)
    (dest / "pages" / "zz.md").symlink_to("zz.md")
    return "pages/zz.md:1:1: FM010 symlink loop\npages/zz.md:1:1: SCH005 zz\n"


def fifo_page(dest: Path) -> str:
    """A named pipe as a page: opening it for reading would wait for a writer forever."""
    _base(dest)
    os.mkfifo(dest / "pages" / "zz.md")
    return "pages/zz.md:1:1: FM010 named pipe\npages/zz.md:1:1: SCH005 zz\n"


def fifo_manifest(dest: Path) -> str:
    _base(dest)
    (dest / "handbook.yaml").unlink()
    os.mkfifo(dest / "handbook.yaml")
    return "handbook.yaml:1:1: FM010 named pipe\n"


def dangling_asset(dest: Path) -> str:
    _base(dest)
    (dest / "assets" / "gone.png").symlink_to("deleted.png")
    return "assets/gone.png:1:1: LNK008 does not exist\n"


def symlink_loop_asset(dest: Path) -> str:
    """Two symlinks pointing at each other, one of them used by a page: each reported once, no crash."""
    _base(dest)
    (dest / "assets" / "a.png").symlink_to("b.png")
    (dest / "assets" / "b.png").symlink_to("a.png")
    _page(dest, "guide", "![a](../assets/a.png)\n")
    return (
        "assets/a.png:1:1: LNK008 symlink loop\nassets/b.png:1:1: LNK008 symlink loop\n"
        "pages/guide.md:6:6: LNK003 a.png\n"
    )


def fifo_asset(dest: Path) -> str:
    _base(dest)
    os.mkfifo(dest / "assets" / "pipe")
    return "assets/pipe:1:1: LNK008 named pipe\n"


GENERATED: dict[str, Generator] = {
    "gen-fm009-raw-controls": raw_controls,
    "gen-cit001-long-line-20k": long_citation_line,
    "gen-fm005-binary-page": binary_page,
    "gen-huge-page-5mb": huge_page,
    "gen-deep-blockquote-2000": deep_blockquote,
    "gen-deep-list-2000": deep_list,
    "gen-deep-brackets-2000": deep_brackets,
    "gen-fm008-deep-yaml-flow-2000": deep_yaml_flow,
    "gen-fm008-deep-yaml-block-2000": deep_yaml_block,
    "gen-lnk004-symlink-page": symlink_out,
    "gen-lnk004-symlink-asset": symlink_asset_out,
    "gen-bom-crlf-clean": bom_crlf_clean,
    "gen-bom-crlf-findings": bom_crlf_finding,
    "gen-cr-line-endings": lone_cr,
    "gen-fm007-alias-bomb-manifest": alias_bomb_manifest,
    "gen-many-pages-workers": many_pages,
    "gen-fm010-page-is-a-folder": page_is_a_folder,
    "gen-fm010-symlink-loop-page": symlink_loop_page,
    "gen-fm010-fifo-page": fifo_page,
    "gen-fm010-fifo-manifest": fifo_manifest,
    "gen-lnk008-dangling-asset": dangling_asset,
    "gen-lnk008-symlink-loop-asset": symlink_loop_asset,
    "gen-lnk008-fifo-asset": fifo_asset,
}
