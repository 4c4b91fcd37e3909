"""The source model: frozen records for files, the manifest, scales, pages, citations and the book."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markdown_it.token import Token

from pipeline.diagnostics import PipelineError, Severity
from pipeline.hashing import digest
from pipeline.pickling import by_fields
from pipeline.yamlsrc import YamlDoc


@by_fields
@dataclass(frozen=True, slots=True)
class SourceFile:
    """A decoded source file: UTF-8, BOM stripped, line endings normalised to ``\\n``.

    A file whose bytes earlier builds decoded is not decoded (``encoded``), or not even read (``unread``),
    until its text or lines are asked for: a build looks at every page, most of them only to find them
    unchanged.
    """

    path: Path
    display: str
    key: str  # a digest of the displayed path and the content: what the caches key a file's results by
    _encoded: bytes | None = field(default=None, repr=False, compare=False)
    _text: str | None = field(default=None, repr=False, compare=False)
    _lines: tuple[str, ...] | None = field(default=None, repr=False, compare=False)
    _content: str = field(default="", repr=False, compare=False)  # the sha256 of the file's bytes

    @classmethod
    def of(cls, path: Path, display: str, text: str) -> SourceFile:
        content = hashlib.sha256(text.encode()).hexdigest()
        return cls(path, display, digest(display, content), None, text, None, content)

    @classmethod
    def decoded(cls, path: Path, display: str, content: str, text: str) -> SourceFile:
        """Read and decoded: ``content`` is the sha256 of the bytes ``text`` was decoded from."""
        return cls(path, display, digest(display, content), None, text, None, content)

    @classmethod
    def encoded(cls, path: Path, display: str, content: str, data: bytes) -> SourceFile:
        """Read, and known to decode: decoded when first used."""
        return cls(path, display, digest(display, content), data, None, None, content)

    @classmethod
    def unread(cls, path: Path, display: str, content: str) -> SourceFile:
        """Known by its content digest: read (and checked against it) when first used."""
        return cls(path, display, digest(display, content), None, None, None, content)

    @property
    def text(self) -> str:
        text = self._text
        if text is not None:
            return text
        encoded = self._encoded
        if encoded is None:
            text = self._text
            if text is not None:  # decoded meanwhile, on another thread: the text is set before the bytes go
                return text
            encoded = self._read()
        text = encoded.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_encoded", None)
        return text

    @property
    def lines(self) -> tuple[str, ...]:
        if self._lines is None:
            object.__setattr__(self, "_lines", tuple(self.text.split("\n")))
        assert self._lines is not None
        return self._lines

    def _read(self) -> bytes:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise PipelineError(f"cannot read {self.display} again: {exc.strerror}; build again") from exc
        if hashlib.sha256(data).hexdigest() != self._content:
            raise PipelineError(f"{self.display} changed while the build ran; build again")
        return data

    def line(self, number: int) -> str:
        """The 1-based source line, or '' when out of range."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""


@dataclass(frozen=True, slots=True)
class Level:
    """One step of a scale, e.g. id '2', label 'Level 2', name 'AI-Integrated'."""

    id: str
    label: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Scale:
    """A named, ordered list of levels; rubric tables use its labels as columns."""

    id: str
    name: str
    levels: tuple[Level, ...]
    description: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(level.label for level in self.levels)


@dataclass(frozen=True, slots=True)
class FrameworkPage:
    """A page of the wider framework that the handbook links to but does not contain."""

    id: str
    title: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    role: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Manifest:
    """``handbook.yaml`` as typed values, plus its YAML positions for diagnostics."""

    source: SourceFile
    doc: YamlDoc
    id: str
    title: str
    subtitle: str
    version: str
    language: str
    date: str
    licence: str
    authors: tuple[Author, ...]
    pages: tuple[str, ...]
    scales: dict[str, Scale]
    framework_pages: dict[str, FrameworkPage]
    bibliography: str
    citation_style: str
    paper: str
    completion: str  # when a SCORM package reports completed: "sections" (every one read) or "last-page"
    scos: str  # SCORM package structure: "single" (one SCO, the default) or "per-page" (one SCO per page)
    description: str
    keywords: tuple[str, ...]
    severity: dict[str, Severity]


@dataclass(frozen=True, slots=True)
class Reference:
    """One bibliography entry as CSL JSON, with where it was written."""

    id: str
    csl: dict[str, Any]
    display: str
    line: int
    col: int
    source_line: str = ""


@by_fields
@dataclass(frozen=True, slots=True)
class Citation:
    """One cited key inside a citation group; ``group`` numbers the group within its page."""

    key: str
    line: int
    col: int
    narrative: bool
    prefix: str
    suffix: str
    group: int


@by_fields
@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    anchor: str
    line: int


@by_fields
@dataclass(frozen=True, slots=True)
class Page:
    """A parsed page: frontmatter, tokens (parsed once) and what checks and renderers reuse."""

    id: str
    source: SourceFile
    meta: dict[str, Any]
    doc: YamlDoc
    body_line: int  # file line number of the first body line
    tokens: list[Token]
    headings: tuple[Heading, ...]
    citations: tuple[Citation, ...]
    suppressions: tuple[tuple[tuple[str, ...], int, int], ...]  # codes (sorted), first line, last line
    cite_sources: tuple[str, ...] = ()  # each distinct citation group's Markdown, in reading order

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.id))


@dataclass(frozen=True, slots=True)
class Book:
    """Everything a check or renderer needs; nothing reads global state.

    After a build's check, ``pages`` hold no tokens: what a renderer needs of a page's tokens was
    made while they existed (pipeline/pages.py, the renderers' ``page_part``).
    """

    root: Path
    manifest: Manifest
    pages: tuple[Page, ...]
    references: tuple[Reference, ...]
    assets: frozenset[str] = field(default_factory=frozenset)  # source-relative POSIX paths
