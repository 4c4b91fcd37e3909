"""Synthetic SCORM packages in the shapes other authoring tools produce, and the real faults, built in Python.

Nothing here is copied from a real tool: each builder reproduces one pattern that `handbook verify`
met in the field (file names, manifest shapes, launch pages), with stand-in content.
"""

from __future__ import annotations

import stat
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
CP2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"

Entry = tuple[str | zipfile.ZipInfo, bytes]


def html(*loads: str, body: str = "") -> bytes:
    """A launch page loading each URL (a script for .js, a stylesheet for .css, else an image)."""
    tags = []
    for url in loads:
        if url.endswith(".js"):
            tags.append(f'<script src="{url}"></script>')
        elif url.endswith(".css"):
            tags.append(f'<link rel="stylesheet" href="{url}">')
        elif url.endswith((".mp4", ".webm")):
            tags.append(f'<video controls><source src="{url}" type="video/mp4"></video>')
        else:
            tags.append(f'<img src="{url}" alt="">')
    head = "\n".join(tags)
    page = f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>t</title>\n{head}\n</head>"
    return f"{page}<body>{body}</body></html>\n".encode()


def resource(
    identifier: str,
    href: str | None,
    files: Iterable[str],
    sco: bool = True,
    deps: Iterable[str] = (),
    version: str = "2004",
) -> str:
    attribute = "adlcp:scormType" if version == "2004" else "adlcp:scormtype"
    launch = f' href="{href}"' if href is not None else ""
    inner = "".join(f'<file href="{f}"/>' for f in files) + "".join(f'<dependency identifierref="{d}"/>' for d in deps)
    kind = "sco" if sco else "asset"
    return (
        f'    <resource identifier="{identifier}" type="webcontent" {attribute}="{kind}"{launch}>{inner}</resource>\n'
    )


def manifest(
    resources: str,
    items: Iterable[tuple[str, str]] = (("ITEM-1", "RES-1"),),
    version: str = "2004",
    schemaversion: str | None = None,
    schema_location: str = "",
    metadata_extra: str = "",
) -> str:
    """A manifest of either version; ``items`` are (item identifier, identifierref)."""
    cp, adlcp = (CP2004, ADLCP2004) if version == "2004" else (CP12, ADLCP12)
    value = schemaversion if schemaversion is not None else ("2004 4th Edition" if version == "2004" else "1.2")
    location = (
        f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="{schema_location}"'
        if schema_location
        else ""
    )
    rows = "".join(f'        <item identifier="{i}" identifierref="{r}"><title>{i}</title></item>\n' for i, r in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="MANIFEST-1" version="1" xmlns="{cp}" xmlns:adlcp="{adlcp}"{location}>
  <metadata><schema>ADL SCORM</schema><schemaversion>{value}</schemaversion>{metadata_extra}</metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1"><title>Course</title>
{rows}    </organization>
  </organizations>
  <resources>
{resources}  </resources>
</manifest>
"""


def write(path: Path, entries: Iterable[Entry]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": on purpose in one fixture
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return path


def symlink(name: str, target: str) -> Entry:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


# --- the shapes of other tools -----------------------------------------------------------------------------


def captivate(path: Path) -> Path:
    """Captivate HTML5: '@2x' retina images, '(2)' copies, every file listed, 2004 3rd edition."""
    files = {
        "index_scorm.html": html("assets/js/CPXHRLoader.js", "assets/css/CPLibraryAll.css"),
        "assets/js/CPXHRLoader.js": b"//",
        "assets/css/CPLibraryAll.css": b"/**/",
        "dr/VR_menu_close_default@2x.png": b"png",
        "ar/Module2_Video(2).mp4": b"mp4",
        "scormdriver.js": b"//",
    }
    m = manifest(resource("RES-1", "index_scorm.html", sorted(files)), schemaversion="2004 3rd Edition")
    return write(path, [("imsmanifest.xml", m.encode()), *files.items()])


def rise(path: Path) -> Path:
    """Rise-style 1.2: index.html and the scormdriver folder at the root, the course in scormcontent/."""
    files = {
        "index.html": html("scormdriver/scormdriver.js", "lib/main.bundle.css"),
        "scormdriver/scormdriver.js": b"//",
        "scormdriver/indexAPI.html": html("scormdriver.js"),
        "lib/main.bundle.css": b"/**/",
        "scormcontent/index.html": html("lib/player.js"),
        "scormcontent/lib/player.js": b"//",
        "scormcontent/assets/Example of 3 stage.pdf": b"%PDF",
    }
    listed = [*sorted(n for n in files if " " not in n), "scormcontent/assets/Example%20of%203%20stage.pdf"]
    m = manifest(resource("RES-1", "index.html", listed, version="1.2"), version="1.2")
    return write(path, [("imsmanifest.xml", m.encode()), *files.items()])


def ispring(path: Path) -> Path:
    """iSpring-style 2004 4th: the launch page in res/, loading res/data/ files relative to itself."""
    files = {
        "res/index.html": html("data/player.js", "data/skin.css", "data/img/bg@2x.jpg"),
        "res/data/player.js": b"//",
        "res/data/skin.css": b"/**/",
        "res/data/img/bg@2x.jpg": b"jpg",
    }
    m = manifest(resource("RES-1", "res/index.html", sorted(files)))
    return write(path, [("imsmanifest.xml", m.encode()), *files.items()])


def launch_only(path: Path, launch: str = "index.html") -> Path:
    """Adapt/Xerte style: only the launch file listed in <file>, the rest of the course unlisted."""
    files = {
        launch: html("adapt/js/scriptLoader.js", "adapt/css/adapt.css"),
        "adapt/js/scriptLoader.js": b"//",
        "adapt/css/adapt.css": b"/**/",
        **{f"course/en/components/c-{n}.json": b"{}" for n in range(40)},
    }
    m = manifest(resource("RES-1", launch, [launch], version="1.2"), version="1.2")
    return write(path, [("imsmanifest.xml", m.encode()), *files.items()])


def non_ascii(path: Path) -> Path:
    """IRIs: non-ASCII names written raw and percent-encoded as UTF-8."""
    files = {
        "index.html": html("média/présentation.png", "m%C3%A9dia/%C3%BCbung.css"),
        "média/présentation.png": b"png",
        "média/übung.css": b"/**/",
    }
    listed = ["index.html", "média/présentation.png", "m%C3%A9dia/%C3%BCbung.css"]
    m = manifest(resource("RES-1", "index.html", listed))
    return write(path, [("imsmanifest.xml", m.encode()), *files.items()])


LOM = "http://ltsc.ieee.org/xsd/LOM"


def lom_subfolders(path: Path) -> Path:
    """Control documents in sub-folders: a root lom.xsd including common/, vocab/, extend/, unique/ (stand-ins)."""

    def xsd(*includes: str) -> bytes:
        body = "".join(f'<xs:include schemaLocation="{i}"/>' for i in includes)
        schema = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{LOM}">'
        return f"{schema}{body}</xs:schema>".encode()

    files = {
        "index.html": html(),
        "lom.xsd": xsd("common/anyElement.xsd", "vocab/strict.xsd", "extend/custom.xsd", "unique/loose.xsd"),
        "common/anyElement.xsd": xsd("dataTypes.xsd"),
        "common/dataTypes.xsd": xsd(),
        "vocab/strict.xsd": xsd("../common/vocabTypes.xsd"),
        "common/vocabTypes.xsd": xsd(),
        "extend/custom.xsd": xsd(),
        "unique/loose.xsd": xsd(),
        "imscp_v1p1.xsd": b"<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'/>",
    }
    m = manifest(
        resource("RES-1", "index.html", ["index.html"]),
        schema_location=f"{CP2004} imscp_v1p1.xsd {LOM} lom.xsd",
    )
    return write(path, [("imsmanifest.xml", m.encode()), *files.items()])


def second_edition(path: Path) -> Path:
    """SCORM 2004 2nd edition: <schemaversion>CAM 1.3</schemaversion>."""
    m = manifest(resource("RES-1", "index.html", ["index.html"]), schemaversion="CAM 1.3")
    return write(path, [("imsmanifest.xml", m.encode()), ("index.html", html())])


def multi_sco(path: Path) -> Path:
    """Two SCOs in sub-folders depending on one shared-assets resource (no href, an asset)."""
    files = {
        "sco1/index.html": html("../shared/api.js", "../shared/style.css"),
        "sco2/index.html": html("../shared/api.js"),
        "shared/api.js": b"//",
        "shared/style.css": b"/**/",
    }
    resources = (
        resource("SCO-1", "sco1/index.html", ["sco1/index.html"], deps=["SHARED"])
        + resource("SCO-2", "sco2/index.html", ["sco2/index.html"], deps=["SHARED"])
        + resource("SHARED", None, ["shared/api.js", "shared/style.css"], sco=False)
    )
    m = manifest(resources, items=[("ITEM-1", "SCO-1"), ("ITEM-2", "SCO-2")])
    return write(path, [("imsmanifest.xml", m.encode()), *files.items()])


SHAPES = {
    "captivate": captivate,
    "rise": rise,
    "ispring": ispring,
    "adapt": launch_only,
    "xerte": lambda p: launch_only(p, "scormRLO.htm"),
    "non-ascii": non_ascii,
    "lom-subfolders": lom_subfolders,
    "cam-1.3": second_edition,
    "multi-sco": multi_sco,
}


# --- real faults ----------------------------------------------------------------------------------------------


def simple(
    path: Path,
    extra: Iterable[Entry] = (),
    launch_loads: tuple[str, ...] = (),
    listed: Iterable[str] = (),
    drop: tuple[str, ...] = (),
    version: str = "2004",
    schemaversion: str | None = None,
    items: Iterable[tuple[str, str]] = (("ITEM-1", "RES-1"),),
    href: str = "index.html",
) -> Path:
    """index.html (loading ``launch_loads``) listed with ``listed``; ``extra`` entries added, ``drop`` left out."""
    files = {"index.html": html(*launch_loads)}
    m = manifest(resource("RES-1", href, ["index.html", *listed], version=version), items, version, schemaversion)
    entries = [("imsmanifest.xml", m.encode()), *((n, d) for n, d in files.items() if n not in drop), *extra]
    return write(path, entries)


def inflating_manifest(path: Path, size: int = 1 << 30, declared: int = 100) -> Path:
    """A zip whose imsmanifest.xml header declares ``declared`` bytes but inflates to ``size`` (a zip bomb)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b" " * (1 << 20)
    data = b"".join(compressor.compress(block) for _ in range(size >> 20)) + compressor.flush()
    name = b"imsmanifest.xml"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(data), declared, len(name), 0) + name
    central = (
        struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, 0, len(data), declared, len(name), 0, 0, 0, 0, 0, 0
        )
        + name
    )
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)
    return path


def many_findings(path: Path, count: int) -> Path:
    """``count`` listed files missing from the zip (PKG005) and as many bad identifiers (PKG008)."""
    files = "".join(f'<file href="gone/{n}.png"/>' for n in range(count))
    extra = "".join(
        f'    <resource identifier="{n}r" type="webcontent" adlcp:scormType="asset"/>\n' for n in range(count)
    )
    m = manifest(resource("RES-1", "index.html", ["index.html"]).replace("</resource>", files + "</resource>") + extra)
    return write(path, [("imsmanifest.xml", m.encode()), ("index.html", html())])
