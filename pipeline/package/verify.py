"""`handbook verify`: any SCORM package zip (ours or another tool's) checked, findings as PKG diagnostics.

Severity policy: an error only for what breaks an import or a launch in a real LMS, a warning for a
spec violation LMSs tolerate, nothing for what the spec allows (docs/scorm.md, pipeline/codes.py).
Linear in the package: each entry read at most once and with a hard cap, each manifest line decoded once.
"""

from __future__ import annotations

import copy
import re
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
MAX_MANIFEST = 64 * 1024 * 1024  # real manifests are kB to a few MB; PHP LMSs cannot parse more
MAX_LAUNCH_PAGE = 8 * 1024 * 1024  # a launch page larger than this is not read for the files it loads
_CHUNK = 1024 * 1024
_INDENT = re.compile(r"\s*")
_QUOTED = re.compile(r"'([^']*)'")
# <schemaversion> as Moodle reads it (exact text): which run-time API the LMS then gives the content.
_VALUES_2004 = ("2004 4th Edition", "2004 3rd Edition", "CAM 1.3", "1.3")
_VALUES_12 = ("1.2",)


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
        return [_diag(display, Finding(1, 1, "PKG001", f"not a readable zip archive: {reason}"), "", {})]


def read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> tuple[bytes | None, str]:
    """(the entry's bytes, '') or (None, why): read in chunks, never more than ``cap`` + one chunk of memory,
    and never more than the size its header declares (a zip bomb's header understates it)."""
    declared = info.file_size
    if declared > cap:
        return None, f"declares {declared:,} bytes, more than the {cap // 2**20} MiB verify reads"
    lenient = copy.copy(info)
    lenient.file_size = cap + 1  # let the stream run past the declared size, so that a lie is seen
    chunks, total = [], 0
    try:
        with archive.open(lenient) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > declared:
                    return None, f"inflates to more than the {declared:,} bytes its zip header declares"
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError) as exc:
        return None, f"cannot be extracted: {exc}"
    if total != declared:
        return None, f"holds {total:,} bytes, not the {declared:,} its zip header declares"
    return b"".join(chunks), ""


def _verify(display: str, archive: zipfile.ZipFile) -> list[Diagnostic]:
    infos = archive.infolist()
    findings = semantics.zip_entries(infos)
    by_name = {semantics.entry_name(info): info for info in infos}
    if MANIFEST not in by_name:
        nested = sorted(n for n in by_name if n.rsplit("/", 1)[-1].lower() == MANIFEST)
        where = f"; found {nested[0]}: zip the folder's contents, not the folder" if nested else ""
        findings.append(Finding(1, 1, "PKG002", f"no {MANIFEST} at the root of the zip{where}"))
        return diagnostics(display, findings, [])
    text, why = read_entry(archive, by_name[MANIFEST], MAX_MANIFEST)
    if text is None:
        findings.append(Finding(1, 1, "PKG018", f"{MANIFEST} {why}"))
        return diagnostics(display, findings, [])
    files = {n for n in by_name if not n.endswith("/")}
    root, manifest_findings = _manifest(text, files)
    findings += manifest_findings
    if root is not None:
        findings += _launch_loads(archive, root, by_name, files)
    return diagnostics(display, findings, text.split(b"\n"))


def diagnostics(display: str, findings: list[Finding], lines: list[bytes]) -> list[Diagnostic]:
    """Every finding as a diagnostic with its column and source line. Linear however long a line is: each
    line is decoded once and shared by its findings (the report windows it), and the text a finding points
    at is searched for from where the previous finding on that line was found (findings come in document
    order)."""
    decoded: dict[int, str] = {}
    cursor: dict[int, int] = {}
    out = []
    for f in findings:
        line = ""
        if not f.whole_zip and 0 < f.line <= len(lines):
            if f.line not in decoded:
                decoded[f.line] = lines[f.line - 1].decode("utf-8", "replace").rstrip("\r")
            line = decoded[f.line]
        out.append(_diag(display, f, line, cursor))
    return out


def parse_manifest(text: bytes) -> etree._Element | None:
    """The manifest's root element, parsed as verify does (no entities, no network), or None if not XML."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(text, parser)
    except etree.XMLSyntaxError:
        return None


def _manifest(text: bytes, files: set[str]) -> tuple[etree._Element | None, list[Finding]]:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(text, parser)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (1, 1)
        return None, [Finding(max(line, 1), max(col, 1), "PKG003", f"{MANIFEST} is not well-formed XML: {exc.msg}")]
    version, findings = _version(root)
    if version is None:
        return None, findings
    findings += semantics.check(root, version, files)
    entities = [node for node in root.iter() if isinstance(node, etree._Entity)]
    if entities:  # never expanded (no XXE); libxml2's validator cannot read them either
        return root, [
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
    return root, findings + _schema_errors(etree.ElementTree(root), version, findings)


def _version(root: etree._Element) -> tuple[Version | None, list[Finding]]:
    """The SCORM version from the namespace, and the <schema>/<schemaversion> check (PKG006).

    Moodle picks the run-time API from the exact text of <schemaversion> ('1.2', '1.3', 'CAM 1.3',
    '2004 3rd Edition', '2004 4th Edition'; anything else: 1.2). A 2004 manifest whose value Moodle
    does not know gets the 1.2 API and its content finds no API_1484_11 (error); a 1.2 manifest with
    a 2004 value gets the 2004 API (error); any other odd value in a 1.2 manifest still gets 1.2 (warning).
    """
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
    raw = found.text or "" if found is not None else None
    is12 = namespace == SCORM12.cp
    version = SCORM12 if is12 else SCORM2004 if raw == "2004 4th Edition" else SCORM2004_3RD  # 2nd ed.: 3rd's XSDs
    accepted, other = (_VALUES_12, _VALUES_2004) if is12 else (_VALUES_2004, _VALUES_12)
    findings = []
    at = found if found is not None else metadata if metadata is not None else root
    if raw is None:
        api = "the 1.2 API, which is right" if is12 else "the 1.2 API: the content finds no SCORM 2004 API"
        findings.append(
            Finding(
                at.sourceline or 1,
                1,
                "PKG006",
                f"no <schemaversion> in the manifest's <metadata>: LMSs such as Moodle then give {api}; "
                f"write {accepted[0]!r}",
                Severity.WARNING if is12 else Severity.ERROR,
            )
        )
    elif raw not in accepted:
        near = raw.strip() in accepted or raw.strip().casefold() in {a.casefold() for a in accepted}
        wrong_api = raw.strip() in other or not is12
        severity = Severity.ERROR if wrong_api else Severity.WARNING
        api = "the SCORM 2004 API" if is12 else "the SCORM 1.2 API"
        consequence = f"Moodle reads the text as written and gives {api}" if wrong_api else "LMSs fall back to 1.2"
        findings.append(
            Finding(
                at.sourceline or 1,
                1,
                "PKG006",
                f"<schemaversion> is {raw!r}"
                + (" (case or spaces)" if near else "")
                + f": {consequence}; write "
                + " or ".join(repr(a) for a in accepted[:2]),
                severity,
            )
        )
    if schema is not None and (schema.text or "").strip() != "ADL SCORM":
        findings.append(
            Finding(
                schema.sourceline or 1,
                1,
                "PKG006",
                f"<schema> is {(schema.text or '').strip()!r}, not 'ADL SCORM' (LMSs do not read it)",
                Severity.WARNING,
            )
        )
    return version, findings


def _schema_errors(tree: etree._ElementTree, version: Version, found: list[Finding]) -> list[Finding]:
    """XSD errors (PKG014, warnings: LMSs do not validate), less those a precise finding already explains:
    an attribute on the same line (an ID's syntax, an attribute's case) or a bad identifier's value."""
    from pipeline.package import xsd

    explained: dict[int, set[str]] = {}
    for f in found:
        if f.attribute:
            explained.setdefault(f.line, set()).add(f.attribute)
    values = {f.value for f in found if f.value}
    errors = []
    for line, col, message in xsd.validate(tree, version.folder):
        quoted = _QUOTED.findall(message)
        if any(q.rsplit("}", 1)[-1] in explained.get(line, ()) for q in quoted) or values.intersection(quoted):
            continue
        errors.append(Finding(line, max(col, 1), "PKG014", f"schema: {message}"))
    return errors


def _launch_loads(
    archive: zipfile.ZipFile, root: etree._Element, by_name: dict[str, zipfile.ZipInfo], files: set[str]
) -> list[Finding]:
    """PKG019: each local file a launch page loads (script, stylesheet, image, media, frame) must be in the zip."""
    from lxml import etree

    from pipeline.package.loads import local_targets

    namespace = etree.QName(root).namespace or ""
    version = SCORM12 if namespace == SCORM12.cp else SCORM2004
    folded = {name.casefold(): name for name in files}
    findings: list[Finding] = []
    read: set[str] = set()
    for ref in semantics.listed(root, namespace, version):
        if ref.kind != "launch":
            continue
        launch, why = semantics.resolve(ref.raw)
        if why or launch in read or launch not in files or not launch.lower().endswith((".html", ".htm", ".xhtml")):
            continue
        read.add(launch)
        data, problem = read_entry(archive, by_name[launch], MAX_LAUNCH_PAGE)
        line = ref.element.sourceline or 1
        if data is None:
            if "MiB verify reads" not in problem:  # merely large: not read, not a fault
                findings.append(Finding(line, 1, "PKG018", f"launch file {launch!r} {problem}", needle=ref.raw))
            continue
        for tag, url, path, at in local_targets(launch, data.decode("utf-8", "replace")):
            if path not in files:
                findings.append(
                    Finding(
                        line,
                        1,
                        "PKG019",
                        f"launch file {launch!r} loads {url!r} (<{tag}>, its line {at}), which is not in the zip"
                        + semantics.case_hint(path, folded),
                        needle=ref.raw,
                    )
                )
    return findings


def _diag(display: str, finding: Finding, raw: str, cursor: dict[int, int]) -> Diagnostic:
    from pipeline.codes import REGISTRY

    code = REGISTRY[finding.code]
    col, source_line = finding.col, ""
    indent = _INDENT.match(raw).end() if raw else 0  # type: ignore[union-attr]
    if indent < len(raw):
        if col == 1:  # lxml knows lines only: point at the text concerned
            found = -1
            if finding.needle:
                found = raw.find(finding.needle, cursor.get(finding.line, 0))
                if found < 0:
                    found = raw.find(finding.needle)
            if found >= 0:
                cursor[finding.line] = found
            col = found + 1 if found >= 0 else indent + 1
        source_line = raw
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
