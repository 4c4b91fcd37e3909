"""Diagnostic formatters: human text (rustc/ruff style), JSON, SARIF 2.1.0, GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Callable

from pipeline import __version__
from pipeline.codes import REGISTRY
from pipeline.diagnostics import Diagnostic, Severity, count

Style = Callable[..., str]

WIDTH = 100  # longest source excerpt shown under a diagnostic
_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def text(diagnostics: list[Diagnostic], style: Style) -> str:
    """``path:line:col: CODE message``, the source line with a caret, ``= help:``, then a summary."""
    blocks = []
    for d in diagnostics:
        name = REGISTRY[d.code].name if d.code in REGISTRY else ""
        head = (
            style(f"{d.path}:{d.line}:{d.col}:", bold=True)
            + " "
            + style(f"{d.code}", fg=_COLOURS.get(d.severity), bold=True)
            + style(f" [{d.severity.value}]", fg=_COLOURS.get(d.severity))
            + f" {d.message}"
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
            lines.append(style("  = help: ", fg="blue", bold=True) + d.hint)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def excerpt(source_line: str, col: int, width: int = WIDTH) -> tuple[str, int]:
    """The part of a source line shown around 1-based ``col``, tabs expanded, and the caret's offset in it.

    Only about ``2 * width`` characters around the column are prepared, whatever the line's length:
    a minified file is one line of megabytes, and a finding must not cost the whole line."""
    at = max(col - 1, 0)
    start = max(0, at - 2 * width)
    part = source_line[start : at + 2 * width]
    before = part[: at - start].expandtabs(4)
    shown, caret = window(part.expandtabs(4), len(before), width)
    if start:  # the cut-off start shows as an ellipsis, as window() does
        shown, caret = (
            ("…" + shown if not shown.startswith("…") else shown),
            caret + (0 if shown.startswith("…") else 1),
        )
    if start + len(part) < len(source_line) and not shown.endswith("…"):
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
    return json.dumps(
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
        ],
        indent=2,
        ensure_ascii=False,
        sort_keys=True,
    )


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
                        "version": __version__,
                        "informationUri": "docs/diagnostics.md",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False, sort_keys=True)


def _sarif_level(severity: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(severity, "note")


def github(diagnostics: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""

    def esc(value: str, prop: bool = False) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if prop else value

    kind = {Severity.ERROR: "error", Severity.WARNING: "warning"}
    return "\n".join(
        f"::{kind.get(d.severity, 'notice')} file={esc(d.path, True)},line={d.line},col={d.col},"
        f"title={esc(d.code + ' ' + (REGISTRY[d.code].name if d.code in REGISTRY else ''), True)}::"
        + esc(d.message + (f" — {d.hint}" if d.hint else ""))
        for d in diagnostics
    )
