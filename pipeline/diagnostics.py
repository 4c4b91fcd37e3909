"""Diagnostics as values: severity, the Diagnostic record, and the environment-fault exception."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from pipeline.pickling import by_fields


class Severity(enum.Enum):
    """How serious a finding is; ``OFF`` means the code is disabled."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OFF = "off"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2, "off": 3}[self.value]


@by_fields
@dataclass(frozen=True, slots=True, order=False)
class Diagnostic:
    """One finding about the source, at a 1-based line and column of a file."""

    path: str
    line: int
    col: int
    code: str
    severity: Severity
    message: str
    hint: str = ""
    source_line: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.col, self.code, self.message)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)


class PipelineError(Exception):
    """An environment fault (missing tool, unreadable schema): never bad content."""


def sorted_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sort by file, line, column, code; drop exact duplicates."""
    unique = {(d.sort_key(), d.severity): d for d in diagnostics}
    return sorted(unique.values(), key=Diagnostic.sort_key)


def count(diagnostics: list[Diagnostic], severity: Severity) -> int:
    return sum(1 for d in diagnostics if d.severity is severity)


@dataclass(frozen=True, slots=True)
class Policy:
    """How a build weighs findings: the manifest's ``severity:`` overrides, and ``--strict``."""

    overrides: dict[str, Severity]
    strict: bool = False

    def severity(self, diag: Diagnostic) -> Severity:
        severity = self.overrides.get(diag.code, diag.severity)
        return Severity.ERROR if self.strict and severity is Severity.WARNING else severity

    def apply(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """Each finding at its weighed severity, those turned off dropped, sorted."""
        out = []
        for diag in diagnostics:
            severity = self.severity(diag)
            if severity is not Severity.OFF:
                out.append(diag.with_severity(severity) if severity is not diag.severity else diag)
        return sorted_diagnostics(out)

    def fails(self, diagnostics: list[Diagnostic]) -> bool:
        return any(self.severity(diag) is Severity.ERROR for diag in diagnostics)
