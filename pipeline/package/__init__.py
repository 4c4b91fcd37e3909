"""The package stage: format name → packager of the staged HTML site; beside it the SCORM modules and the verifier."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Book


class Packager(Protocol):
    def package(self, book: Book, site: Path, out: Path, config: Config) -> list[Path]: ...


SITE = "html"  # the renderer whose folder under out/ (out/html) every packager reads
# "module:attribute", imported only when that format is built.
PACKAGERS: dict[str, str] = {
    "scorm12": "pipeline.package.scorm:SCORM12_PACKAGER",
    "scorm2004": "pipeline.package.scorm:SCORM2004_PACKAGER",
}


def packager(name: str) -> Packager:
    module, _, attribute = PACKAGERS[name].partition(":")
    return cast(Packager, getattr(import_module(module), attribute))


def package(
    names: Sequence[str], book: Book, out: Path, config: Config, progress: Callable[[str], None] | None = None
) -> dict[str, list[Path]]:
    """Run each named packager on ``out/html``.

    The collector is paused meanwhile: packaging makes thousands of small objects and no garbage cycles,
    and a full collection, which walks the build's million objects, would cost more than a package.
    """
    from pipeline.gcpause import collector_paused
    from pipeline.package.zipcache import drop_legacy

    written: dict[str, list[Path]] = {}
    if not names:  # a build without packages leaves their cache as it is
        return written
    drop_legacy(config.cache)
    with collector_paused():
        for name in names:
            if progress:
                progress(name)
            written[name] = packager(name).package(book, out / SITE, out, config)
    return written
