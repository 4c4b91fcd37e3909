"""`handbook verify`: any SCORM package zip (ours or another tool's) checked, findings as PKG diagnostics."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.diagnostics import Diagnostic, Severity, sorted_diagnostics
from pipeline.package import semantics
from pipeline.package.controls import SCORM12, SCORM2004, SCORM2004_3RD, Version
from pipeline.package.semantics import Finding

if TYPE_CHECKING:
    from lxml import etree

MANIFEST = "imsmanifest.xml"
_MAX_MANIFEST = 16 * 1024 * 1024  # a manifest is a few kB; more is a zip bomb, not a course
_MAX_SCHEMA_ERRORS = 50


def verify(path: Path) -> list[Diagnostic]:
    """Every problem of the package at ``path``; never raises for a bad package."""
    display = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            return sorted_diagnostics(_verify(display, archive))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as exc:
        reason = str(exc) or type(exc).__name__
        return [_diag(display, Finding(1, 1, "PKG001", f"not a readable zip archive: {reason}"), "")]


def _verify(display: str, archive: zipfile.ZipFile) -> list[Diagnostic]:
    names = [info.filename for info in archive.infolist()]
    findings = semantics.zip_names(names)
    if MANIFEST not in names:
        nested = sorted(n for n in names if n.rsplit("/", 1)[-1].lower() == MANIFEST)
        where = f"; found {nested[0]}: zip the folder's contents, not the folder" if nested else ""
        findings.append(Finding(1, 1, "PKG002", f"no {MANIFEST} at the root of the zip{where}"))
        return [_diag(display, f, "") for f in findings]
    if archive.getinfo(MANIFEST).file_size > _MAX_MANIFEST:
        findings.append(Finding(1, 1, "PKG003", f"{MANIFEST} is larger than {_MAX_MANIFEST // 2**20} MiB"))
        return [_diag(display, f, "") for f in findings]
    text = archive.read(MANIFEST)
    lines = text.decode("utf-8", "replace").split("\n")
    findings += _manifest(text, {n for n in names if not n.endswith("/")})
    return [
        _diag(display, f, lines[f.line - 1] if 0 < f.line <= len(lines) and not f.whole_zip else "") for f in findings
    ]


def _manifest(text: bytes, files: set[str]) -> list[Finding]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(text, parser)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (1, 1)
        return [Finding(max(line, 1), max(col, 1), "PKG003", f"{MANIFEST} is not well-formed XML: {exc.msg}")]
    version, findings = _version(root)
    if version is None:
        return findings
    findings += semantics.check(root, version, files)
    entities = [node for node in root.iter() if isinstance(node, etree._Entity)]
    if entities:  # never expanded (no XXE); libxml2's validator cannot read them either
        return [
            *findings,
            *(
                Finding(
                    node.sourceline or 1,
                    1,
                    "PKG003",
                    f"entity reference {node.text} in the manifest: write the text itself",
                )
                for node in entities
            ),
        ]
    return findings + _schema_errors(etree.ElementTree(root), version, findings)


def _version(root: etree._Element) -> tuple[Version | None, list[Finding]]:
    """The SCORM version from the namespace, and the exact <schema>/<schemaversion> check (PKG006)."""
    from lxml import etree

    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "manifest" or namespace not in (SCORM12.cp, SCORM2004.cp):
        return None, [
            Finding(
                root.sourceline or 1,
                1,
                "PKG003",
                f"the root element is {{{namespace}}}{etree.QName(root).localname}, not a SCORM 1.2 "
                f"({SCORM12.cp}) or 2004 ({SCORM2004.cp}) <manifest>",
            )
        ]
    metadata = root.find(f"{{{namespace}}}metadata")
    schema = metadata.find(f"{{{namespace}}}schema") if metadata is not None else None
    found = metadata.find(f"{{{namespace}}}schemaversion") if metadata is not None else None
    value = (found.text or "").strip() if found is not None else None
    version = SCORM12 if namespace == SCORM12.cp else SCORM2004_3RD if value == "2004 3rd Edition" else SCORM2004
    accepted = ("1.2",) if version is SCORM12 else ("2004 4th Edition", "2004 3rd Edition")
    findings = []
    at = found if found is not None else metadata if metadata is not None else root
    if value is None:
        findings.append(
            Finding(
                at.sourceline or 1,
                1,
                "PKG006",
                f"no <schemaversion> in the manifest's <metadata>: write {accepted[0]!r}",
                Severity.WARNING if version is SCORM12 else Severity.ERROR,
            )
        )
    elif value not in accepted:
        findings.append(
            Finding(
                at.sourceline or 1,
                1,
                "PKG006",
                f"<schemaversion> is {value!r}; this namespace needs exactly " + " or ".join(repr(a) for a in accepted),
            )
        )
    if schema is not None and (schema.text or "").strip() != "ADL SCORM":
        findings.append(
            Finding(
                schema.sourceline or 1, 1, "PKG006", f"<schema> is {(schema.text or '').strip()!r}, not 'ADL SCORM'"
            )
        )
    return version, findings


def _schema_errors(tree: etree._ElementTree, version: Version, found: list[Finding]) -> list[Finding]:
    """XSD errors, less those a more precise finding already explains (an ID's syntax, an attribute's case)."""
    from pipeline.package import xsd

    explained = {(f.line, f.attribute) for f in found if f.attribute}
    errors = []
    for line, col, message in xsd.validate(tree, version.folder):
        if any(line == at and (f"'{attr}'" in message or f"}}{attr}'" in message) for at, attr in explained):
            continue
        errors.append(Finding(line, max(col, 1), "PKG003", f"schema: {message}"))
    if len(errors) > _MAX_SCHEMA_ERRORS:
        rest = len(errors) - _MAX_SCHEMA_ERRORS
        errors = [
            *errors[:_MAX_SCHEMA_ERRORS],
            Finding(errors[_MAX_SCHEMA_ERRORS].line, 1, "PKG003", f"… and {rest} more schema errors"),
        ]
    return errors


def _diag(display: str, finding: Finding, source_line: str) -> Diagnostic:
    from pipeline.codes import REGISTRY

    code = REGISTRY[finding.code]
    col = finding.col
    if col == 1 and source_line.strip():  # lxml knows lines only: point at the text concerned
        found = source_line.find(finding.needle) if finding.needle else -1
        col = found + 1 if found >= 0 else len(source_line) - len(source_line.lstrip()) + 1
    return Diagnostic(
        display,
        finding.line,
        col,
        finding.code,
        finding.severity or code.severity,
        finding.message,
        code.fix,
        source_line,
    )
