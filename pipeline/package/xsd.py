"""XSD validation of imsmanifest.xml against the published SCORM schema sets, through a driver schema.

The XSD files are used exactly as the npm package ships them. Two SCORM 1.2 files do not load in
libxml2 as published: ``ims_xml.xsd`` declares the XML namespace as its default namespace (libxml2
refuses), and the IMS metadata 1.2 schema ``imsmd_rootv1p2p1.xsd`` has non-deterministic content
models (a ``##any`` wildcard after optional elements of its own namespace: a Unique Particle
Attribution violation). So each set is loaded through a small driver schema that imports each
namespace, with a resolver that maps imports of ``ims_xml.xsd`` / ``xml.xsd`` to the W3C ``xml.xsd``
shipped in the same npm folder, and the 1.2 driver itself stands in for the metadata namespace with
a permissive ``lom`` element: inline 1.2 LOM metadata is accepted but its content is not validated.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import TYPE_CHECKING, Any

from pipeline.package.controls import IMSMD12, SCORM12, SCORM2004, definitions

if TYPE_CHECKING:
    from lxml import etree

W3C_XML_XSD = (SCORM2004.folder, "xml.xsd")
_XML_SCHEMA_NAMES = ("ims_xml.xsd", "xml.xsd")
_EMPTY = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>'

_DRIVER_12 = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{IMSMD12}"
    elementFormDefault="qualified">
  <xs:import namespace="{SCORM12.cp}" schemaLocation="imscp_rootv1p1p2.xsd"/>
  <xs:import namespace="{SCORM12.adlcp}" schemaLocation="adlcp_rootv1p2.xsd"/>
  <xs:element name="lom">
    <xs:complexType>
      <xs:sequence><xs:any namespace="##any" processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:anyAttribute processContents="skip"/>
    </xs:complexType>
  </xs:element>
</xs:schema>"""


def _driver_2004() -> str:
    imports = "".join(f'  <xs:import namespace="{ns}" schemaLocation="{href}"/>\n' for ns, href in SCORM2004.locations)
    return f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n{imports}</xs:schema>'


def _resolver() -> Any:
    from lxml import etree

    class Resolver(etree.Resolver):
        """W3C xml.xsd for the XML namespace; nothing from the network, ever."""

        def resolve(self, url: str | None, pubid: str | None, context: Any) -> Any:
            name = (url or "").rsplit("/", 1)[-1]
            if name in _XML_SCHEMA_NAMES:
                return self.resolve_filename(str(definitions().joinpath(*W3C_XML_XSD)), context)
            if (url or "").startswith(("http:", "https:", "ftp:")):
                return self.resolve_string(_EMPTY, context)
            return None

    return Resolver()


@cache
def schema(folder: str) -> etree.XMLSchema:
    """The compiled schema for one XSD set (sub-folder of the npm package's definition files)."""
    from lxml import etree

    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_resolver())
    base = definitions() / folder
    text = _DRIVER_12 if folder == SCORM12.folder else _driver_2004()
    driver = etree.fromstring(text.encode(), parser, base_url=str(base / "handbook-driver.xsd"))
    return etree.XMLSchema(driver)


BATCH = 500  # siblings validated together: libxml2's cost grows with the square of a run's error count


def validate(document: etree._ElementTree, folder: str) -> list[tuple[int, int, str]]:
    """Every schema error as (line, column, message), in document order.

    The longest list of siblings (a manifest's thousands of resources, items or files) is validated in
    slices of ``BATCH``, each in a copy of the document that holds only that slice; copies keep their
    source lines, content models are per element, and identifiers' uniqueness is semantics.py's, so the
    errors are the same while the cost stays linear in their number."""
    checker = schema(folder)
    parent = max(document.getroot().iter(), key=len)
    if len(parent) <= BATCH:
        return _errors(checker, document)
    children = list(parent)
    shell = copy.deepcopy(document)
    holder = shell.xpath(document.getpath(parent))[0]
    for child in list(holder):
        holder.remove(child)
    errors: set[tuple[int, int, str]] = set()
    for start in range(0, len(children), BATCH):
        holder.extend(copy.deepcopy(child) for child in children[start : start + BATCH])
        errors.update(_errors(checker, shell))
        for child in list(holder):
            holder.remove(child)
    return sorted(errors)


def _errors(checker: etree.XMLSchema, document: etree._ElementTree) -> list[tuple[int, int, str]]:
    if checker.validate(document):
        return []
    return [(error.line, error.column, _tidy(error.message)) for error in checker.error_log]


def _tidy(message: str) -> str:
    """libxml2 names elements as {namespace}name: shorten the long SCORM namespace URIs."""
    for prefix in ("http://www.imsproject.org/xsd/", "http://www.imsglobal.org/xsd/", "http://www.adlnet.org/xsd/"):
        message = message.replace("{" + prefix, "{")
    return message
