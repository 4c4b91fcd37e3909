"""Hostile or careless input (issue 11): terminal-safe reports, capped output, linear cost, refused builds."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from pipeline import report
from pipeline.build import build, check
from pipeline.cli import main
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.htmlpolicy import removals, sanitise
from tests.fixture_gen import GENERATED, _base, _page


def plain(*args: object, **_kwargs: object) -> str:
    return str(args[0])


def diag(message: str = "m", source: str = "", col: int = 1, code: str = "CIT001", line: int = 3) -> Diagnostic:
    return Diagnostic("pages/a.md", line, col, code, Severity.ERROR, message, "hint \x1b]0;title\x07", source)


def test_text_report_escapes_controls_and_keeps_the_caret_on_its_character() -> None:
    source = "ok \x1b[2J then \x9b31m and \u202eevil\tend"
    col = source.index("\x9b") + 1
    out = report.text([diag("key `\x1b[31m@x`", source, col)], plain)
    assert not any(ch in out for ch in "\x1b\x9b\x07\u202e")
    assert "\\x1b[2J then \\x9b31m and \\u202eevil" in out
    assert "key `\\x1b[31m@x`" in out and "hint \\x1b]0;title\\x07" in out
    shown, caret = out.split("\n")[2], out.split("\n")[3]
    assert shown[caret.index("^")] == "\\" and shown[caret.index("^") :].startswith("\\x9b31m")


def test_text_report_styled_output_holds_only_its_own_escapes() -> None:
    out = report.text([diag("\x1b[5m", "\x1b[2J", 1)], click.style)
    assert "\x1b[2J" not in out and "\x1b[5m" not in out  # click's own colours are the only escapes
    assert "\\x1b[2J" in out and "\\x1b[5m" in out


def test_json_and_sarif_escape_del_and_c1_controls() -> None:
    d = diag("a\x9bb\x7fc\x1bd")
    for text in (report.as_json([d]), report.sarif([d])):
        assert not any(ch in text for ch in "\x9b\x7f\x1b")
        assert "\\u009b" in text and "\\u007f" in text and "\\u001b" in text
        json.loads(text)  # still JSON
    assert json.loads(report.as_json([d]))[0]["message"] == "a\x9bb\x7fc\x1bd"


def test_text_report_caps_each_code_per_file() -> None:
    many = [diag(col=n) for n in range(1, 31)] + [diag(code="CLM001", col=n) for n in range(1, 4)]
    many += [Diagnostic("pages/b.md", 1, n, "CIT001", Severity.ERROR, "m") for n in range(1, 23)]
    out = report.text(many, plain)
    assert out.count("pages/a.md:3:") == 23 and out.count("pages/b.md:1:") == 20
    assert "… and 10 more CIT001 in pages/a.md" in out and "… and 2 more CIT001 in pages/b.md" in out
    assert out.index("… and 10 more CIT001 in pages/a.md") < out.index("pages/b.md:1:1:")
    assert report.summary(many).startswith("Found 55 errors")
    assert len(json.loads(report.as_json(many))) == 55  # machine formats keep every finding


def test_excerpt_of_a_megabyte_line_is_bounded() -> None:
    line = "\t[@k] " * 200_000
    shown, caret = report.excerpt(line, 600_002)  # the `[` after a tab
    assert len(shown) <= report.WIDTH + 2 and shown.startswith("…") and shown.endswith("…")
    assert shown[caret] == "["


def test_twenty_thousand_citations_on_one_line_give_bounded_output(tmp_path: Path) -> None:
    """Was super-linear: each finding expanded the whole line for its excerpt and located its
    position by scanning the line again (102 s, 646 MB and 40 MB of output for a 1 MB line)."""
    src = tmp_path / "src"
    GENERATED["gen-cit001-long-line-20k"](src)
    result = CliRunner().invoke(main, ["check", "--source", str(src)])
    assert result.exit_code == 1
    assert "Found 20000 errors" in result.output
    assert "… and 19980 more CIT001 in" in result.output
    assert len(result.output) < 20_000


def test_escaped_control_in_title_stops_the_build_before_any_package(tmp_path: Path) -> None:
    """`title: "\\e"` is valid YAML, but imsmanifest.xml then was not well-formed and failed `handbook verify`."""
    src = tmp_path / "src"
    _base(src)
    manifest = (src / "handbook.yaml").read_text(encoding="utf-8")
    (src / "handbook.yaml").write_text(manifest.replace("title: Mini Handbook", 'title: "Mini \\e"'), encoding="utf-8")
    result = build(Config(source=src, out=tmp_path / "out", formats=("scorm12", "scorm2004")))
    found = [(Path(d.path).name, d.line, d.col, d.code) for d in result.diagnostics]
    assert found == [("handbook.yaml", 3, 8, "FM009")]
    assert not result.outputs and not list((tmp_path / "out").rglob("*.zip"))


def test_unterminated_html_blocks_of_every_kind(tmp_path: Path) -> None:
    cases = {
        "<script>\nlet a = 1;": "`<script` is never closed with `</script>`",
        "<STYLE>\np {}": "`<STYLE` is never closed with `</style>`",
        "<textarea>\nx": "`<textarea` is never closed with `</textarea>`",
        "<?php echo 1;": "`<?` is never closed with `?>`",
        "<!DOCTYPE html": "`<!` is never closed with `>`",
    }
    for body, message in cases.items():
        src = tmp_path / str(len(list(tmp_path.iterdir())))
        _base(src)
        _page(src, "guide", f"## Details\n\nRead the [overview](intro.md#overview).\n\n{body}\n\n## Later\n\nGone.\n")
        found = [d for d in check(Config(source=src)).diagnostics if d.code == "MD002"]
        assert [(d.line, d.col) for d in found] == [(10, 1)], body
        assert message in found[0].message, (found[0].message, body)
    closed = tmp_path / "closed"
    _base(closed)
    _page(closed, "guide", "<!-- one -->\n\n<!-->\n\n<pre>\nx\n</pre>\n\n<?x ?>\n\n<![CDATA[ y ]]>\n")
    assert [d for d in check(Config(source=closed)).diagnostics if d.code == "MD002"] == []


def test_removals_name_what_the_sanitizer_drops() -> None:
    kept = '<div class="note" title="t"><p><a href="https://x.org/">a</a> <img src="a.png" alt="b"></p></div>'
    assert removals(kept) == []
    assert sanitise(kept).count("<") == kept.count("<")
    dropped = '<div onclick="x()"><video src="a.mp4"></video><a href="javascript:x()">a</a><iframe></iframe></div>'
    assert [r.what for r in removals(dropped)] == [
        "attribute `onclick` of `<div>`",
        "`<video>`",
        "`javascript:` URL in `href` of `<a>`",
        "`<iframe>`",
    ]
    cleaned = sanitise(dropped)
    assert not any(word in cleaned for word in ("onclick", "video", "javascript", "iframe"))


def test_a_file_of_control_characters_gives_bounded_findings() -> None:
    from pipeline.characters import MAX_REPORTED, diagnostics

    found = diagnostics("pages/a.md", "\x1b" * 50_000)
    assert len(found) == MAX_REPORTED and "49000 more" in found[-1].message
