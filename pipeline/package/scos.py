"""The SCOs a package launches: each item's resource href plus its parameters, with the manifest line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pipeline.package.controls import SCORM12, SCORM2004
from pipeline.package.semantics import XML_BASE

if TYPE_CHECKING:
    from lxml import etree


@dataclass(frozen=True, slots=True)
class Sco:
    """One launch of a SCO as an LMS makes it."""

    version: str  # "1.2" or "2004": which API the LMS gives it
    title: str
    identifier: str  # the item's identifier (or the resource's, for a SCO no item launches)
    url: str  # relative to the package root: href (xml:base applied) + the item's parameters
    line: int  # of the <item> (or the <resource>) in imsmanifest.xml
    needle: str  # text on that line to point the column at

    @property
    def name(self) -> str:
        return f"SCO {self.title!r} ({self.url})" if self.title else f"SCO {self.identifier!r} ({self.url})"


def with_parameters(href: str, parameters: str) -> str:
    """The launch URL of ``href`` with an item's ``parameters`` (SCORM CAM: '?'/'&' joined, '#' appended)."""
    extra = parameters.strip()
    while extra[:1] in ("?", "&"):
        extra = extra[1:]
    if not extra:
        return href
    if extra.startswith("#"):
        return href if "#" in href else href + extra
    base, hashmark, fragment = href.partition("#")
    joined = base + ("&" if "?" in base else "?") + extra
    return joined + hashmark + fragment


def scos(root: etree._Element) -> list[Sco]:
    """Every SCO launch of the manifest: items in document order, then SCO resources no item launches."""
    from lxml import etree

    ns = etree.QName(root).namespace or ""
    is12 = ns == SCORM12.cp
    version = SCORM12 if is12 else SCORM2004
    kind = f"{{{version.adlcp}}}{version.sco_attribute}"
    resources_el = root.find(f"{{{ns}}}resources")
    outer = root.get(XML_BASE, "") + (resources_el.get(XML_BASE, "") if resources_el is not None else "")
    resources: dict[str, etree._Element] = {}
    for element in root.iter(f"{{{ns}}}resource"):
        # a wrongly cased "SCO" value is the static checks' finding; it is launched all the same
        if (element.get(kind) or "").lower() == "sco" and element.get("href"):
            resources[element.get("identifier", "")] = element
    found: list[Sco] = []
    seen: set[str] = set()
    for item in root.iter(f"{{{ns}}}item"):
        resource = resources.get(item.get("identifierref", ""))
        if resource is None:
            continue
        seen.add(resource.get("identifier", ""))
        heading = item.find(f"{{{ns}}}title")
        href = outer + resource.get(XML_BASE, "") + resource.get("href", "")
        url = with_parameters(href, item.get("parameters", ""))
        text = " ".join((heading.text or "").split()) if heading is not None else ""
        found.append(
            Sco(version.key, text, item.get("identifier", ""), url, item.sourceline or 1, item.get("identifier", ""))
        )
    for identifier, resource in resources.items():
        if identifier not in seen:
            href = outer + resource.get(XML_BASE, "") + resource.get("href", "")
            found.append(Sco(version.key, "", identifier, href, resource.sourceline or 1, identifier))
    return [sco for sco in found if not urlsplit(sco.url).scheme and not sco.url.startswith("/")]
