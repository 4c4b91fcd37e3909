"""The package checks the XSDs cannot make: identifiers, references, launches, listed files, paths, SCO type case.

Severity policy (docs/scorm.md): an error only for what breaks an import or a launch in a real LMS, a
warning for a spec violation LMSs tolerate, nothing for what the spec allows (CAM makes ``<file>``
optional: an unlisted file is not a finding; an href is a URI reference: percent-encoded, with
``@ ( )`` and non-ASCII characters allowed).
"""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pipeline.diagnostics import Severity
from pipeline.package.controls import XSI, Version

if TYPE_CHECKING:
    from lxml import etree

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_NCNAME = re.compile(r"^[^\W\d][\w.-]*$")  # xs:ID is an NCName: a letter or '_', then letters, digits, . - _
# RFC 3987 IRI reference characters: RFC 3986 unreserved, sub-delims, gen-delims, '%' and non-ASCII (ucschar).
_NOT_IRI = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]%\u00a0-\U0010ffff]")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
W = Severity.WARNING


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
    value: str = ""  # the faulty value (a bad identifier), so the XSD errors quoting it are dropped


# --- the zip itself ---------------------------------------------------------------------------------


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as an LMS's unzip sees it: UTF-8 even when the tool forgot the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800 and not name.isascii():
        try:
            return name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return name
    return name


def unsafe_name(name: str) -> str:
    """Why a zip entry name would not extract to its own path inside the package folder, or ''."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return "would be written outside the package folder (an absolute path or '..': zip-slip)"
    if "\\" in name:
        return "uses '\\' as a folder separator: Linux LMS servers extract it as one file named with backslashes"
    return ""


def zip_entries(infos: list[zipfile.ZipInfo]) -> list[Finding]:
    """Entries an LMS's unzip writes wrongly: zip-slip, backslashes, symlinks, duplicates, case collisions."""
    findings = []
    seen: set[str] = set()
    folded: dict[str, str] = {}
    for info in infos:
        name = entry_name(info)
        why = unsafe_name(name)
        if why:
            findings.append(Finding(1, 1, "PKG009", f"zip entry {name!r} {why}", whole_zip=True))
        if stat.S_ISLNK(info.external_attr >> 16):
            findings.append(
                Finding(1, 1, "PKG015", f"zip entry {name!r} is a symbolic link, not a file", whole_zip=True)
            )
        if name in seen:
            findings.append(Finding(1, 1, "PKG016", f"zip entry {name!r} is in the zip twice", whole_zip=True))
            continue
        seen.add(name)
        if name.endswith("/"):
            continue
        other = folded.setdefault(name.casefold(), name)
        if other != name:
            findings.append(
                Finding(
                    1,
                    1,
                    "PKG017",
                    f"zip entries {other!r} and {name!r} differ only in case: one overwrites the other on a "
                    "Windows or macOS server",
                    whole_zip=True,
                )
            )
    return findings


# --- the manifest -------------------------------------------------------------------------------------


def check(root: etree._Element, version: Version, files: set[str]) -> list[Finding]:
    ns = root.nsmap.get(None) or version.cp
    return [
        *_scorm_type(root, version, ns),
        *_identifiers(root),
        *_references(root, ns),
        *_launches(root, ns, version),
        *_files(root, version, files),
        *_control_documents(root, files),
    ]


def _scorm_type(root: etree._Element, version: Version, ns: str) -> Iterator[Finding]:
    """Wrong case: LMSs reading the attribute by its exact name treat the SCO as an asset (no tracking)."""
    launched = {item.get("identifierref") for item in root.iter(f"{{{ns}}}item")}
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
            identifier = resource.get("identifier")
            yield Finding(
                line,
                1,
                "PKG007",
                f"resource {identifier!r} has no adlcp:{version.sco_attribute} ('sco' or 'asset')",
                None if identifier in launched else W,  # never launched: nothing is tracked either way
                attribute=version.sco_attribute,
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
                line,
                1,
                "PKG008",
                f"identifier {value!r} {why}",
                attribute="identifier",
                needle=f'identifier="{value}"',
                value=value,
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
            attribute="default",
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
                    attribute="identifierref",
                )


def _launches(root: etree._Element, ns: str, version: Version) -> Iterator[Finding]:
    """What an LMS cannot launch: a leaf item with no resource or one without an href, a SCO without an
    href, and (a warning) a SCO that no item launches, such as a page left out of a multi-SCO package
    (unless an item's identifierref names nothing: that PKG004 is the one fault, not two)."""
    resources = {r.get("identifier"): r for r in root.iter(f"{{{ns}}}resource")}
    kind = f"{{{version.adlcp}}}{version.sco_attribute}"
    launched: set[str | None] = set()
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
    dangling = {ref for ref in launched if ref is not None and ref not in resources}
    has_organization = root.find(f"{{{ns}}}organizations/{{{ns}}}organization") is not None
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
        if identifier not in launched and not dangling and has_organization:
            yield Finding(
                resource.sourceline or 1,
                1,
                "PKG013",
                f"SCO resource {identifier!r} is launched by no <item>: learners can never open it",
                needle="identifier=",
            )


@dataclass(frozen=True, slots=True)
class Href:
    """One file reference of the manifest: where it is, what it says, and what kind of reference it is."""

    element: etree._Element
    raw: str  # as written (xml:base applied)
    kind: str  # "launch" (a resource href), "file", "metadata" (adlcp:location)
    sco: bool  # the resource is a SCO


def listed(root: etree._Element, ns: str, version: Version) -> Iterator[Href]:
    """Every file reference of the manifest, xml:base applied."""
    resources = root.find(f"{{{ns}}}resources")
    outer = root.get(XML_BASE, "") + (resources.get(XML_BASE, "") if resources is not None else "")
    kind = f"{{{version.adlcp}}}{version.sco_attribute}"
    for resource in root.iter(f"{{{ns}}}resource"):
        base = outer + resource.get(XML_BASE, "")
        sco = resource.get(kind) == "sco"
        if resource.get("href"):
            yield Href(resource, base + resource.get("href", ""), "launch", sco)
        for file in resource.iter(f"{{{ns}}}file"):
            yield Href(file, base + file.get("href", ""), "file", sco)
    for location in root.iter(f"{{{version.adlcp}}}location"):  # external metadata files
        yield Href(location, (location.text or "").strip(), "metadata", False)


def uri_syntax(href: str) -> str:
    """Why a raw href is not an RFC 3986/3987 URI reference, or ''."""
    if " " in href:
        return "has a raw space: browsers encode it, but write %20"
    bad = sorted(set(_NOT_IRI.findall(href)))
    if bad:
        return "has characters a URI cannot hold (" + " ".join(repr(c) for c in bad) + "): percent-encode them"
    if _BAD_ESCAPE.search(href):
        return "has a '%' that is not a %XX escape: write %25"
    return ""


def resolve(href: str, folder: str = "") -> tuple[str, str]:
    """(zip path, '') of a relative URI reference from ``folder``, or ('', why) when it leaves the package."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return "", "is a remote URL, not a file of the package"
    path = unquote(parts.path)
    if path.startswith("/"):
        return "", "is an absolute path: it resolves to the LMS server's root"
    joined = posixpath.normpath(posixpath.join(folder, path)) if path else ""
    if joined == ".." or joined.startswith("../"):
        return "", "leaves the package folder ('..')"
    return ("" if joined == "." else joined), ""


def case_hint(path: str, folded: dict[str, str]) -> str:
    other = folded.get(path.casefold())
    return f" (the zip has {other!r}: found on Windows servers only)" if other else ""


def _files(root: etree._Element, version: Version, files: set[str]) -> list[Finding]:
    ns = root.nsmap.get(None) or version.cp
    findings = []
    folded = {name.casefold(): name for name in files}
    reported: set[str] = set()  # a missing file named by a resource's href and its <file>: one finding
    for ref in listed(root, ns, version):
        line = ref.element.sourceline or 1
        syntax = uri_syntax(ref.raw)
        if syntax:
            findings.append(Finding(line, 1, "PKG020", f"href {ref.raw!r} {syntax}", needle=ref.raw, value=ref.raw))
        path, why = resolve(ref.raw)
        if why:
            remote = why.startswith("is a remote")
            if remote and not (ref.sco and ref.kind == "launch"):
                continue  # an asset or a file may be a web address
            findings.append(Finding(line, 1, "PKG009", f"href {ref.raw!r} {why}", needle=ref.raw, value=ref.raw))
            continue
        if path and path not in files and path not in reported:
            reported.add(path)
            what = {"launch": "launch file", "file": "file", "metadata": "metadata file"}[ref.kind]
            findings.append(
                Finding(
                    line,
                    1,
                    "PKG005",
                    f"{what} {ref.raw!r} is not in the zip{case_hint(path, folded)}",
                    W if ref.kind == "metadata" else None,  # LMSs do not read external metadata
                    needle=ref.raw,
                )
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
