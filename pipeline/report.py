"""Diagnostic formatters: human text (rustc/ruff style), JSON, SARIF 2.1.0, GitHub annotations."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable

from pipeline import version
from pipeline.characters import printable
from pipeline.codes import REGISTRY
from pipeline.diagnostics import Diagnostic, Severity, count

Style = Callable[..., str]

WIDTH = 100  # longest source excerpt shown under a diagnostic
CAP = 20  # findings of one code in one file shown by `check`; a note counts the rest
# JSON escapes C0 controls by itself; DEL and C1 controls (U+009B is a terminal's CSI) are escaped too
_JSON_CONTROLS = re.compile("[\x7f-\x9f]")
_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def capped(diagnostics: list[Diagnostic], cap: int = CAP) -> tuple[list[Diagnostic], dict[str, list[str]]]:
    """The first ``cap`` diagnostics of each code in each file, and per file the notes for the rest:
    ``… and 12 more CIT001 in pages/a.md``."""
    seen: Counter[tuple[str, str]] = Counter()
    kept = []
    for d in diagnostics:
        seen[d.path, d.code] += 1
        if seen[d.path, d.code] <= cap:
            kept.append(d)
    notes: dict[str, list[str]] = {}
    for (path, code), n in sorted(seen.items()):
        if n > cap:
            notes.setdefault(path, []).append(f"… and {n - cap} more {code} in {printable(path)}")
    return kept, notes


def text(diagnostics: list[Diagnostic], style: Style, cap: int = CAP) -> str:
    """``path:line:col: CODE message``, the source line with a caret, ``= help:``, then a summary.

    At most ``cap`` findings of one code in one file are shown; a note after the file's last one
    counts the rest. Control characters are shown escaped (``\\x1b``), never sent to the terminal.
    """
    kept, notes = capped(diagnostics, cap)
    blocks = []
    for index, d in enumerate(kept):
        name = REGISTRY[d.code].name if d.code in REGISTRY else ""
        head = (
            style(f"{printable(d.path)}:{d.line}:{d.col}:", bold=True)
            + " "
            + style(f"{d.code}", fg=_COLOURS.get(d.severity), bold=True)
            + style(f" [{d.severity.value}]", fg=_COLOURS.get(d.severity))
            + f" {printable(d.message)}"
            + style(f" ({name})", dim=True)
        )
        lines = [head]
        if d.source_line:
            gutter = str(d.line)
            pad = " " * len(gutter)
            shown, caret_at = excerpt(d.source_line, d.col)
            lines += [
                style(f"{pad} |", fg="blue"),
                style(f"{gutter} |", fg="blue") + f" {shown}",
                style(f"{pad} |", fg="blue")
                + " " * (caret_at + 1)
                + style("^", fg=_COLOURS.get(d.severity), bold=True),
            ]
        if d.hint:
            lines.append(style("  = help: ", fg="blue", bold=True) + printable(d.hint))
        blocks.append("\n".join(lines))
        if index + 1 == len(kept) or kept[index + 1].path != d.path:
            blocks += [style(note, dim=True) for note in notes.pop(d.path, [])]
    blocks += [style(note, dim=True) for path in sorted(notes) for note in notes[path]]
    return "\n\n".join(blocks)


def excerpt(source_line: str, col: int, width: int = WIDTH) -> tuple[str, int]:
    """The part of a source line shown under a finding (tabs expanded, controls escaped), and where
    the caret goes in it. Only a stretch around the column is expanded: a finding on a 1 MB line
    costs as much as one on a short line."""
    at = max(col - 1, 0)
    start = max(0, at - width)  # each raw character shows as at least one: enough on both sides
    end = min(len(source_line), at + width)
    before, after = printable(source_line[start:at].expandtabs(4)), printable(source_line[at:end].expandtabs(4))
    shown, caret = window(before + after, len(before), width)
    if start and not shown.startswith("…"):
        shown, caret = "…" + shown, caret + 1
    if end < len(source_line) and not shown.endswith("…"):
        shown += "…"
    return shown, caret


def window(line: str, caret: int, width: int = WIDTH) -> tuple[str, int]:
    """A long source line cut to ``width`` characters around the caret, with ellipses."""
    if len(line) <= width:
        return line, caret
    start = max(0, min(caret - width // 2, len(line) - width))
    end = start + width
    shown = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
    return shown, caret - start + (1 if start else 0)


def summary(diagnostics: list[Diagnostic]) -> str:
    errors, warnings = count(diagnostics, Severity.ERROR), count(diagnostics, Severity.WARNING)
    if not errors and not warnings:
        return "All checks passed."
    files = len({d.path for d in diagnostics})
    return (
        f"Found {errors} error{'s' if errors != 1 else ''} and {warnings} warning{'s' if warnings != 1 else ''}"
        f" in {files} file{'s' if files != 1 else ''}."
    )


def as_json(diagnostics: list[Diagnostic]) -> str:
    return _json_safe(
        [
            {
                "path": d.path,
                "line": d.line,
                "column": d.col,
                "code": d.code,
                "name": REGISTRY[d.code].name if d.code in REGISTRY else "",
                "severity": d.severity.value,
                "message": d.message,
                "hint": d.hint,
            }
            for d in diagnostics
        ]
    )


def _json_safe(data: object) -> str:
    """JSON with DEL and C1 controls written as ``\\u009b``: still the same JSON, safe to ``cat``."""
    out = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    return _JSON_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", out)


def sarif(diagnostics: list[Diagnostic]) -> str:
    """SARIF 2.1.0, for code-scanning dashboards."""
    used = sorted({d.code for d in diagnostics})
    rules = [
        {
            "id": code,
            "name": REGISTRY[code].name,
            "shortDescription": {"text": REGISTRY[code].what},
            "fullDescription": {"text": REGISTRY[code].why},
            "help": {"text": REGISTRY[code].fix},
            "defaultConfiguration": {"level": _sarif_level(REGISTRY[code].severity)},
            "helpUri": f"docs/diagnostics.md#{code.lower()}-{REGISTRY[code].name}",
        }
        for code in used
        if code in REGISTRY
    ]
    index = {code: i for i, code in enumerate(used)}
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": _sarif_level(d.severity),
            "message": {"text": d.message + (f" ({d.hint})" if d.hint else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.path.replace("\\", "/")},
                        "region": {"startLine": d.line, "startColumn": d.col},
                    }
                }
            ],
        }
        for d in diagnostics
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "handbook",
                        "version": version(),
                        "informationUri": "docs/diagnostics.md",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return _json_safe(log)


def _sarif_level(severity: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(severity, "note")


def github(diagnostics: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""

    def esc(value: str, prop: bool = False) -> str:
        value = printable(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if prop else value

    kind = {Severity.ERROR: "error", Severity.WARNING: "warning"}
    kept, notes = capped(diagnostics)  # GitHub shows only the first few annotations of a step anyway
    lines = [
        f"::{kind.get(d.severity, 'notice')} file={esc(d.path, True)},line={d.line},col={d.col},"
        f"title={esc(d.code + ' ' + (REGISTRY[d.code].name if d.code in REGISTRY else ''), True)}::"
        + esc(d.message + (f" — {d.hint}" if d.hint else ""))
        for d in kept
    ]
    return "\n".join(lines + [f"::notice::{esc(note)}" for path in sorted(notes) for note in notes[path]])
