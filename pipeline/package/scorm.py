"""SCORM packages from the staged HTML site: content, launch page, manifest, control documents, cached zips."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.config import Config
from pipeline.diagnostics import PipelineError
from pipeline.model import Book
from pipeline.package.controls import VERSIONS, Version, control_documents
from pipeline.package.info import package_info, xml_id
from pipeline.package.launch import COMPLETION_RULES, runtime_files
from pipeline.package.layout import SCO_SHAPES, PageEntry, per_page, single
from pipeline.package.manifest import Resource, write
from pipeline.package.site import Site, read_site
from pipeline.package.zipcache import Members, cached_zip, holds_zips

FOLDER = "scorm"
MANIFEST = "imsmanifest.xml"
_FORMAT = "handbook-scorm-5"  # bump when the packager's output changes for the same inputs


@dataclass(frozen=True, slots=True)
class ScormPackager:
    """One SCORM version's packager: ``out/scorm/<handbook-id>-scorm12.zip`` (or 2004) from the staged site."""

    version: Version

    def package(self, book: Book, site: Path, out: Path, config: Config) -> list[Path]:
        man = book.manifest
        return [build_package(book, site, self.version, out / FOLDER, config.cache, man.completion, man.scos)]

    def cached(self, config: Config) -> bool:
        return holds_zips(config.cache / FOLDER)


SCORM12_PACKAGER = ScormPackager(VERSIONS["1.2"])
SCORM2004_PACKAGER = ScormPackager(VERSIONS["2004"])


def file_name(book_id: str, version: Version) -> str:
    return f"{book_id}-scorm{version.key.replace('.', '')}.zip"


def build_package(
    book: Book,
    site_dir: Path,
    version: Version,
    dest: Path,
    cache: Path,
    completion: str = "sections",
    scos: str = "single",
) -> Path:
    """Write ``dest/<id>-scorm12.zip`` (or ``-scorm2004.zip``); reuse the cached zip when no input changed.

    ``cache`` is the build's cache folder: the zips in ``cache/scorm`` with their indexes, from which a new
    zip takes every member it shares with them (pipeline/package/zipcache.py): a changed page costs its deflate.
    """
    if completion not in COMPLETION_RULES:
        raise ValueError(f"completion must be one of {COMPLETION_RULES}")
    if scos not in SCO_SHAPES:
        raise ValueError(f"scos must be one of {SCO_SHAPES}")
    info = package_info(book)
    site = read_site(site_dir, cache)
    pages = [
        PageEntry(page.id, page.title, int(page.meta.get("estimated_minutes") or 0))
        for page in book.pages
        if page.id in site.sections
    ]
    if scos == "per-page" and not pages:
        raise PipelineError("a package with one SCO per page needs at least one page in the rendered site")
    added: dict[str, bytes] = {}  # the package's own files beside the site's
    _add(site, added, runtime_files())
    layout = (per_page if scos == "per-page" else single)(
        info, version.key, pages, site, (*site.sizes, *added), completion
    )
    _add(site, added, layout.launch)
    controls = {name: path.read_bytes() for name, path in control_documents(version).items()}
    schemas = Resource(xml_id("RES", info.id, "schemas"), tuple(sorted(controls)), sco=False)
    # Every SCO depends on the control documents' asset: a resource that no item or dependency
    # references draws ADL's dangling-resource warning, and unlisted files other checkers' warnings.
    resources = tuple(
        replace(r, dependencies=(*r.dependencies, schemas.identifier)) if r.sco else r for r in layout.resources
    )
    _add(site, added, controls)
    _add(site, added, {MANIFEST: write(info, version, layout.items, (*resources, schemas)).encode()})
    members = Members(
        {**site.sizes, **{name: len(data) for name, data in added.items()}},
        {**site.digests, **{name: hashlib.sha256(data).hexdigest() for name, data in added.items()}},
        lambda name: added[name] if name in added else site.data(name),
    )
    return cached_zip(members, info.date, dest / file_name(info.id, version), cache / FOLDER, _FORMAT)


def _add(site: Site, files: dict[str, bytes], extra: dict[str, bytes]) -> None:
    clash = sorted((set(site.sizes) | set(files)) & set(extra))
    if clash:
        raise PipelineError(f"the rendered site already has {', '.join(clash)}, which the SCORM package needs")
    files.update(extra)
