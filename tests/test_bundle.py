"""What the wheel bundles: the JSON Schemas and the locked SCORM XSDs, from node_modules or a verified npm tarball."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from pipeline import bundle
from pipeline.diagnostics import PipelineError
from pipeline.package import controls

ROOT = Path(__file__).resolve().parent.parent
INSTALLED = ROOT / "node_modules" / bundle.NPM_PACKAGE
SETS = INSTALLED / bundle.IN_PACKAGE.as_posix()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def tarball(path: Path, extra: dict[str, bytes] | None = None) -> bytes:
    """An npm-style tarball (``package/…``) of the installed package's XSD sets and LICENSE, plus ``extra``."""
    members = {f"package/{bundle.LICENSE}": (INSTALLED / bundle.LICENSE).read_bytes()}
    for file in sorted(SETS.rglob("*")):
        if file.is_file():
            members[f"package/{bundle.IN_PACKAGE}/{file.relative_to(SETS).as_posix()}"] = file.read_bytes()
    members.update(extra or {})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def lock(root: Path, version: str, integrity: str) -> None:
    entry = {"version": version, "integrity": integrity}
    data = {"packages": {f"node_modules/{bundle.NPM_PACKAGE}": entry}}
    (root / "package-lock.json").write_text(json.dumps(data), encoding="utf-8")


def test_locked_is_package_lock() -> None:
    data = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    entry = data["packages"][f"node_modules/{bundle.NPM_PACKAGE}"]
    assert bundle.locked(ROOT) == bundle.Locked(entry["version"], entry["integrity"])
    assert entry["integrity"].startswith("sha512-")


def test_bundle_from_node_modules(tmp_path: Path) -> None:
    written = bundle.bundle(ROOT, tmp_path / "pipeline", log=lambda _m: None)
    target = tmp_path / "pipeline" / "bundled"
    assert set(written) == {p for p in target.rglob("*") if p.is_file()}
    for schema in (ROOT / "schema").glob("*.schema.json"):
        assert (target / "schema" / schema.name).read_bytes() == schema.read_bytes()
    for xsd in SETS.rglob("*.xsd"):
        assert (target / "scorm" / xsd.relative_to(SETS)).read_bytes() == xsd.read_bytes()
    assert (target / "scorm" / "LICENSE").read_bytes() == (INSTALLED / "LICENSE").read_bytes()
    assert {p.name for p in (target / "scorm").iterdir() if p.is_dir()} == {
        controls.SCORM12.folder,
        controls.SCORM2004.folder,
        controls.SCORM2004_3RD.folder,
    }


def test_without_node_modules_the_npm_tarball_is_checked_and_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed = tmp_path / "packed.tgz"
    data = tarball(packed, {"package/../escape.xsd": b"x", "package/lib/index.js": b"js"})
    root = tmp_path / "checkout"
    (root / "node_modules" / bundle.NPM_PACKAGE).mkdir(parents=True)  # a different version: not used
    (root / "node_modules" / bundle.NPM_PACKAGE / "package.json").write_text('{"version": "0.0.1"}', "utf-8")
    lock(root, "0.2.7", sri(data))
    asked: list[str] = []

    def fake_pack(spec: str, workdir: Path) -> Path:
        asked.append(spec)
        return Path(packed)

    monkeypatch.setattr(bundle, "npm_pack", fake_pack)
    work = tmp_path / "work"
    work.mkdir()
    sets, license_file = bundle.xsd_sets(root, work, log=lambda _m: None)
    assert asked == [f"{bundle.NPM_PACKAGE}@0.2.7"]
    assert license_file.read_bytes() == (INSTALLED / "LICENSE").read_bytes()
    assert sorted(p.relative_to(sets) for p in sets.rglob("*.xsd")) == sorted(
        p.relative_to(SETS) for p in SETS.rglob("*.xsd")
    )
    assert not (tmp_path / "escape.xsd").exists() and not (work / "escape.xsd").exists()
    assert not list(work.rglob("index.js"))


def test_a_tarball_that_is_not_the_locked_one_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packed = tmp_path / "packed.tgz"
    tarball(packed)
    root = tmp_path / "checkout"
    root.mkdir()
    lock(root, "0.2.7", sri(b"another tarball"))
    monkeypatch.setattr(bundle, "npm_pack", lambda _spec, _workdir: packed)
    with pytest.raises(bundle.BundleError, match="is not the locked"):
        bundle.xsd_sets(root, tmp_path, log=lambda _m: None)
    with pytest.raises(bundle.BundleError, match="no sha512"):
        bundle.check_integrity(b"", "sha1-abc")
    with pytest.raises(bundle.BundleError, match="cannot read the locked"):
        bundle.locked(tmp_path)


def test_definitions_prefer_the_installed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle.bundle(ROOT, tmp_path / "pipeline", log=lambda _m: None)
    monkeypatch.setattr(controls, "BUNDLED", tmp_path / "pipeline" / "bundled")
    assert controls.definitions() == tmp_path / "pipeline" / "bundled" / "scorm"
    monkeypatch.setattr(controls, "BUNDLED", tmp_path / "nowhere")
    assert controls.definitions() == ROOT / controls.DEFINITIONS  # a checkout: node_modules
    monkeypatch.setattr(controls, "DEFINITIONS", Path("no/such/folder"))
    with pytest.raises(PipelineError, match="npm ci"):
        controls.definitions()


def test_a_check_only_bundle_has_the_schemas_and_no_xsds(tmp_path: Path) -> None:
    logged: list[str] = []
    written = bundle.bundle(ROOT, tmp_path, log=logged.append, xsds=False)
    assert sorted(p.name for p in written) == sorted(p.name for p in (ROOT / "schema").glob("*.schema.json"))
    assert not (tmp_path / "bundled" / "scorm").exists()
    assert any(bundle.SKIP_ENV in line for line in logged)


AGAIN = ROOT / "node_modules" / bundle.SCORM_AGAIN


def test_bundle_carries_scorm_again_from_node_modules(tmp_path: Path) -> None:
    bundle.bundle(ROOT, tmp_path / "pipeline", log=lambda _m: None)
    target = tmp_path / "pipeline" / "bundled" / bundle.SCORM_AGAIN_DIR
    assert sorted(p.name for p in target.iterdir()) == sorted(bundle.SCORM_AGAIN_FILES)
    for name in ("scorm12.min.js", "scorm2004.min.js"):
        assert (target / name).read_bytes() == (AGAIN / "dist" / name).read_bytes()
    assert (target / "LICENSE").read_bytes() == (AGAIN / "LICENSE").read_bytes()


def test_scorm_again_from_the_locked_npm_tarball(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    members = {f"package/dist/{n}": (AGAIN / "dist" / n).read_bytes() for n in ("scorm12.min.js", "scorm2004.min.js")}
    members |= {"package/LICENSE": (AGAIN / "LICENSE").read_bytes(), "package/dist/other.js": b"js"}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    packed = tmp_path / "again.tgz"
    packed.write_bytes(buffer.getvalue())
    root = tmp_path / "checkout"
    root.mkdir()
    entry = {"version": "3.4.3", "integrity": sri(buffer.getvalue())}
    (root / "package-lock.json").write_text(json.dumps({"packages": {"node_modules/scorm-again": entry}}), "utf-8")
    asked: list[str] = []

    def fake_pack(spec: str, _workdir: Path) -> Path:
        asked.append(spec)
        return packed

    monkeypatch.setattr(bundle, "npm_pack", fake_pack)
    found = bundle.scorm_again_files(root, tmp_path / "work", log=lambda _m: None)
    assert asked == ["scorm-again@3.4.3"] and sorted(found) == sorted(bundle.SCORM_AGAIN_FILES)
    assert found["scorm12.min.js"].read_bytes() == members["package/dist/scorm12.min.js"]
    entry["integrity"] = sri(b"another tarball")
    (root / "package-lock.json").write_text(json.dumps({"packages": {"node_modules/scorm-again": entry}}), "utf-8")
    with pytest.raises(bundle.BundleError, match=r"scorm-again tarball .* is not the locked"):
        bundle.scorm_again_files(root, tmp_path / "work2", log=lambda _m: None)


def test_scorm_again_prefers_the_installed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.package import lms

    bundle.bundle(ROOT, tmp_path / "pipeline", log=lambda _m: None)
    monkeypatch.setattr(lms, "BUNDLED", tmp_path / "pipeline" / "bundled")
    assert lms.scorm_again() == tmp_path / "pipeline" / "bundled" / bundle.SCORM_AGAIN_DIR
    monkeypatch.setattr(lms, "BUNDLED", tmp_path / "nowhere")
    assert lms.scorm_again() == ROOT / lms.DIST
    monkeypatch.setattr(lms, "DIST", Path("no/such/folder"))
    with pytest.raises(PipelineError, match="npm ci"):
        lms.scorm_again()
