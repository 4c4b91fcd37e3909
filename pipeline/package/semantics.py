"""The package checks the XSDs cannot make: identifiers, references, launches, listed files, paths, SCO type case."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pipeline.diagnostics import Severity
from pipeline.package.controls import XSI, Version

if TYPE_CHECKING:
    from lxml import etree

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_URL_SAFE = re.compile(r"^[A-Za-z0-9._/-]+$")
_NCNAME = re.compile(r"^[^\W\d][\w.-]*$")  # xs:ID is an NCName: a letter or '_', then letters, digits, . - _
_MAX_PER_KIND = 25  # a broken packager can leave thousands of files unlisted: show some, count the rest


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem at a line/column of imsmanifest.xml (1, 1 for the zip itself)."""

    line: int
    col: int
    code: str
    message: str
    severity: Severity | None = None  # None: the code's default
    attribute: str = ""  # the manifest attribute concerned, so a duplicate XSD error can be dropped
    needle: str = ""  # text to find in the source line for the column (lxml gives lines only)
    whole_zip: bool = False  # about the archive, not a manifest line


def unsafe_name(name: str) -> str:
    """Why a zip entry name is unsafe, or '' when it is a URL-safe relative path."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return "would be written outside the package folder (an absolute path or '..': zip-slip)"
    if "\\" in name or not _URL_SAFE.match(name.rstrip("/")):
        return "is not a URL-safe relative path"
    return ""


def zip_names(names: list[str]) -> list[Finding]:
    """Zip-slip and unsafe names: verify never extracts, but an LMS does."""
    return _capped(
        [
            Finding(1, 1, "PKG009", f"zip entry {name!r} {unsafe_name(name)}", whole_zip=True)
            for name in names
            if unsafe_name(name)
        ]
    )


def check(root: etree._Element, version: Version, files: set[str]) -> list[Finding]:
    ns = root.nsmap.get(None) or version.cp
    return [
        *_scorm_type(root, version),
        *_identifiers(root),
        *_references(root, ns),
        *_launches(root, ns, version),
        *_files(root, version, files),
        *_control_documents(root, files),
    ]


def _scorm_type(root: etree._Element, version: Version) -> Iterator[Finding]:
    for resource in root.iter(f"{{{version.cp}}}resource"):
        line = resource.sourceline or 1
        wrong = [
            a
            for a in resource.attrib
            if a.lower() == f"{{{version.adlcp}}}scormtype" and a != f"{{{version.adlcp}}}{version.sco_attribute}"
        ]
        for attribute in wrong:
            name = attribute.split("}")[1]
            yield Finding(
                line,
                1,
                "PKG007",
                f"adlcp:{name} has the wrong case for SCORM {version.key}: write adlcp:{version.sco_attribute}",
                attribute=name,
                needle=f":{name}=",
            )
        if not wrong and f"{{{version.adlcp}}}{version.sco_attribute}" not in resource.attrib:
            yield Finding(
                line,
                1,
                "PKG007",
                f"resource {resource.get('identifier')!r} has no adlcp:{version.sco_attribute} ('sco' or 'asset')",
            )


def _identifiers(root: etree._Element) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for element in root.iter():
        value = element.get("identifier") if isinstance(element.tag, str) else None
        if value is None:
            continue
        line = element.sourceline or 1
        if not _NCNAME.match(value):
            why = "starts with a digit" if value[:1].isdigit() else "is not a valid xs:ID"
            yield Finding(
                line, 1, "PKG008", f"identifier {value!r} {why}", attribute="identifier", needle=f'identifier="{value}"'
            )
        elif value in seen:
            yield Finding(
                line,
                1,
                "PKG011",
                f"identifier {value!r} is already used on line {seen[value]}",
                attribute="identifier",
                needle=f'identifier="{value}"',
            )
        seen.setdefault(value, line)


def _references(root: etree._Element, ns: str) -> Iterator[Finding]:
    resources = {r.get("identifier") for r in root.iter(f"{{{ns}}}resource")}
    organizations = {o.get("identifier") for o in root.iter(f"{{{ns}}}organization")}
    orgs = root.find(f"{{{ns}}}organizations")
    default = orgs.get("default") if orgs is not None else None
    if orgs is not None and default is not None and default not in organizations:
        yield Finding(
            orgs.sourceline or 1,
            1,
            "PKG004",
            f"organizations default={default!r} names no organization",
            needle="default=",
        )
    for tag in ("item", "dependency"):
        for element in root.iter(f"{{{ns}}}{tag}"):
            ref = element.get("identifierref")
            if ref is not None and ref not in resources:
                yield Finding(
                    element.sourceline or 1,
                    1,
                    "PKG004",
                    f"<{tag}> identifierref={ref!r} names no resource",
                    needle="identifierref=",
                )


def _launches(root: etree._Element, ns: str, version: Version) -> Iterator[Finding]:
    """What an LMS cannot launch: a leaf item with no resource or one without an href, a SCO without an
    href, and (a warning) a SCO that no item launches, such as a page left out of a multi-SCO package."""
    resources = {r.get("identifier"): r for r in root.iter(f"{{{ns}}}resource")}
    kind = f"{{{version.adlcp}}}{version.sco_attribute}"
    launched = set()
    for item in root.iter(f"{{{ns}}}item"):
        ref = item.get("identifierref")
        launched.add(ref)
        target = resources.get(ref) if ref is not None else None
        if ref is None and item.find(f"{{{ns}}}item") is None:
            yield Finding(
                item.sourceline or 1,
                1,
                "PKG012",
                f"item {item.get('identifier')!r} has no child item and no identifierref: it opens nothing",
            )
        elif target is not None and not target.get("href") and target.get(kind) != "sco":  # a SCO: reported below
            yield Finding(
                item.sourceline or 1,
                1,
                "PKG012",
                f"item {item.get('identifier')!r} launches resource {ref!r}, which has no href: it opens nothing",
                needle="identifierref=",
            )
    for identifier, resource in resources.items():
        if resource.get(kind) != "sco":
            continue
        if not resource.get("href"):
            yield Finding(
                resource.sourceline or 1,
                1,
                "PKG012",
                f"SCO resource {identifier!r} has no href: the LMS has nothing to launch",
            )
        if identifier not in launched and root.find(f"{{{ns}}}organizations/{{{ns}}}organization") is not None:
            yield Finding(
                resource.sourceline or 1,
                1,
                "PKG013",
                f"SCO resource {identifier!r} is launched by no <item>: learners can never open it",
                needle="identifier=",
            )


def _listed(root: etree._Element, ns: str, version: Version) -> Iterator[tuple[etree._Element, str]]:
    """(element, href) of every file the manifest names, xml:base applied."""
    resources = root.find(f"{{{ns}}}resources")
    outer = root.get(XML_BASE, "") + (resources.get(XML_BASE, "") if resources is not None else "")
    for resource in root.iter(f"{{{ns}}}resource"):
        base = outer + resource.get(XML_BASE, "")
        if resource.get("href"):
            yield resource, base + urlsplit(resource.get("href", "")).path  # a launch URL may carry ?parameters
        for file in resource.iter(f"{{{ns}}}file"):
            yield file, base + file.get("href", "")
    for location in root.iter(f"{{{version.adlcp}}}location"):  # external metadata files
        yield location, (location.text or "").strip()


def _files(root: etree._Element, version: Version, files: set[str]) -> list[Finding]:
    ns = root.nsmap.get(None) or version.cp
    findings, listed = [], set()
    for element, href in _listed(root, ns, version):
        line = element.sourceline or 1
        path = unquote(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or path.startswith("/") or ".." in path.split("/"):
            findings.append(
                Finding(line, 1, "PKG009", f"{href!r} is not a relative path inside the package", needle=href)
            )
            continue
        normal = posixpath.normpath(path) if path else path
        if not _URL_SAFE.match(path):
            findings.append(Finding(line, 1, "PKG009", f"{href!r} is not URL-safe", needle=href))
        listed.add(normal)
        if normal and normal not in files:
            findings.append(Finding(line, 1, "PKG005", f"{href!r} is listed but not in the zip", needle=href))
    controls = {name for name in files if "/" not in name and name.endswith((".xsd", ".dtd"))}
    unsafe = {name for name in files if unsafe_name(name)}  # already reported as PKG009
    unlisted = sorted(files - listed - controls - unsafe - {"imsmanifest.xml"})
    findings += _capped(
        [
            Finding(1, 1, "PKG005", f"{name!r} is in the zip but listed in no <file>", whole_zip=True)
            for name in unlisted
        ]
    )
    return findings


def _control_documents(root: etree._Element, files: set[str]) -> Iterator[Finding]:
    """Every XSD named by xsi:schemaLocation must sit at the zip root (ADL's package validator)."""
    words = (root.get(f"{{{XSI}}}schemaLocation") or "").split()
    for namespace, location in zip(words[::2], words[1::2], strict=False):
        if "/" in location or ":" in location:
            yield Finding(
                root.sourceline or 1,
                1,
                "PKG010",
                f"the schema of {namespace} is named as {location!r}: control documents must be files at the zip root",
            )
        elif location not in files:
            yield Finding(
                root.sourceline or 1, 1, "PKG010", f"{location} (schema of {namespace}) is not at the zip root"
            )


def _capped(findings: list[Finding]) -> list[Finding]:
    if len(findings) <= _MAX_PER_KIND:
        return findings
    rest = len(findings) - _MAX_PER_KIND
    last = findings[_MAX_PER_KIND]
    return [
        *findings[:_MAX_PER_KIND],
        Finding(last.line, last.col, last.code, f"… and {rest} more like this", whole_zip=last.whole_zip),
    ]
