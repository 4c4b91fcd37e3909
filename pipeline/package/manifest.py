"""imsmanifest.xml for SCORM 1.2 and SCORM 2004 4th edition, written as deterministic text.

Metadata: SCORM 1.2 manifests carry inline IMS MD 1.2.1 records (its control document,
imsmd_rootv1p2p1.xsd, ships with the other 1.2 XSDs). SCORM 2004 manifests carry none: an inline
IEEE LOM record needs the LOM schema (lom.xsd and its folders) in the package, which no registry
package provides, and without it ADL's validator rejects the package (docs/scorm.md, "Metadata").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.package.controls import IMSMD12, SCORM12, XSI, Version
from pipeline.package.info import PackageInfo, lom12_time


def escape(text: str) -> str:
    """``text`` as XML character data (xml.sax.saxutils's rule; that module imports urllib's HTTP client)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """``text`` as a quoted XML attribute value, as xml.sax.saxutils.quoteattr writes it."""
    data = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))


_NAMESPACES = {
    "1.2": (("adlcp", SCORM12.adlcp), ("imsmd", IMSMD12)),
    "2004": (
        ("adlcp", "http://www.adlnet.org/xsd/adlcp_v1p3"),
        ("adlseq", "http://www.adlnet.org/xsd/adlseq_v1p3"),
        ("adlnav", "http://www.adlnet.org/xsd/adlnav_v1p3"),
        ("imsss", "http://www.imsglobal.org/xsd/imsss"),
    ),
}


@dataclass(frozen=True, slots=True)
class Resource:
    """A <resource>: a SCO with its launch file, or an asset; ``files`` are zip paths, ``dependencies``
    the identifiers of the resources whose files it also needs."""

    identifier: str
    files: tuple[str, ...]
    href: str = ""
    sco: bool = True
    dependencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """An <item> launching a resource; ``minutes`` > 0 adds its typical learning time as metadata."""

    identifier: str
    title: str
    resource: str
    minutes: int = 0


def write(info: PackageInfo, version: Version, items: Sequence[Item], resources: Sequence[Resource]) -> str:
    """The manifest text; identical inputs give identical text."""
    xmlns = "".join(f"\n          xmlns:{prefix}={quoteattr(uri)}" for prefix, uri in _NAMESPACES[version.key])
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<manifest identifier={quoteattr(info.manifest_id)} version={quoteattr(clip(info.version, 20))}",
        f"          xmlns={quoteattr(version.cp)}{xmlns}",
        f"          xmlns:xsi={quoteattr(XSI)}",
        f"          xsi:schemaLocation={quoteattr(version.schema_location)}>",
        "  <metadata>",
        "    <schema>ADL SCORM</schema>",
        f"    <schemaversion>{version.schemaversion}</schemaversion>",
        *(_lom12(info) if version.key == "1.2" else ()),
        "  </metadata>",
        f"  <organizations default={quoteattr(info.organization_id)}>",
        f"    <organization identifier={quoteattr(info.organization_id)}>",
        f"      <title>{escape(clip(info.title, 200))}</title>",
        *(line for item in items for line in _item(item, version, info.language)),
        *(_ORG_SEQUENCING if version.key == "2004" else ()),
        "    </organization>",
        "  </organizations>",
        "  <resources>",
        *(line for resource in resources for line in _resource(resource, version)),
        "  </resources>",
        "</manifest>",
        "",
    ]
    return "\n".join(out)


# Free navigation between the items, as a book reads; Moodle ignores sequencing, others honour it.
_ORG_SEQUENCING = (
    "      <imsss:sequencing>",
    '        <imsss:controlMode choice="true" flow="true"/>',
    "      </imsss:sequencing>",
)


def clip(text: str, limit: int) -> str:
    """SCORM 1.2's CP schema caps titles at 200 characters and the manifest version at 20 (the LOM has
    the full text); 2004 keeps the same limits as its best practice."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _item(item: Item, version: Version, language: str) -> list[str]:
    lines = [
        f"      <item identifier={quoteattr(item.identifier)} identifierref={quoteattr(item.resource)}"
        ' isvisible="true">',
        f"        <title>{escape(clip(item.title, 200))}</title>",
    ]
    if item.minutes and version.key == "1.2":  # after <title>, before anything else: the CP schema's order
        lines += _item_lom12(item, language)
    if version.key == "2004":  # the content reports completion itself: the LMS must not assume it on exit
        lines += [
            "        <imsss:sequencing>",
            '          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>',
            "        </imsss:sequencing>",
        ]
    return [*lines, "      </item>"]


def _resource(resource: Resource, version: Version) -> list[str]:
    kind = "sco" if resource.sco else "asset"
    href = f" href={quoteattr(resource.href)}" if resource.href else ""
    return [
        f'    <resource identifier={quoteattr(resource.identifier)} type="webcontent"'
        f' adlcp:{version.sco_attribute}="{kind}"{href}>',
        *(f"      <file href={quoteattr(path)}/>" for path in resource.files),
        *(f"      <dependency identifierref={quoteattr(ref)}/>" for ref in resource.dependencies),
        "    </resource>",
    ]


def _item_lom12(item: Item, language: str) -> list[str]:
    """An item's inline IMS MD 1.2.1 record: its title and typical learning time."""
    return [
        "        <metadata>",
        "          <imsmd:lom>",
        "            <imsmd:general>",
        f"              <imsmd:title><imsmd:langstring xml:lang={quoteattr(language)}>{escape(item.title)}"
        "</imsmd:langstring></imsmd:title>",
        "            </imsmd:general>",
        "            <imsmd:educational>",
        "              <imsmd:typicallearningtime>"
        f"<imsmd:datetime>{lom12_time(item.minutes)}</imsmd:datetime></imsmd:typicallearningtime>",
        "            </imsmd:educational>",
        "          </imsmd:lom>",
        "        </metadata>",
    ]


def _lom12(info: PackageInfo) -> list[str]:
    lang = quoteattr(info.language)

    def text(tag: str, value: str, indent: str) -> str:
        return (
            f"{indent}<imsmd:{tag}><imsmd:langstring xml:lang={lang}>{escape(value)}</imsmd:langstring></imsmd:{tag}>"
        )

    general = [
        text("title", info.title, "        "),
        f"        <imsmd:language>{escape(info.language)}</imsmd:language>",
    ]
    general += [text("description", info.description, "        ")] if info.description else []
    general += [text("keyword", word, "        ") for word in info.keywords]
    lines = [
        "    <imsmd:lom>",
        "      <imsmd:general>",
        *general,
        "      </imsmd:general>",
        "      <imsmd:lifecycle>",
        text("version", info.version, "        "),
        "      </imsmd:lifecycle>",
    ]
    if info.minutes:
        lines += [
            "      <imsmd:educational>",
            f"        <imsmd:typicallearningtime><imsmd:datetime>{lom12_time(info.minutes)}</imsmd:datetime>"
            "</imsmd:typicallearningtime>",
            "      </imsmd:educational>",
        ]
    return [*lines, "    </imsmd:lom>"]
