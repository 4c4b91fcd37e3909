"""The package stage: format name → packager of the staged HTML site; beside it the SCORM modules and the verifier."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Book


class Packager(Protocol):
    def package(self, book: Book, site: Path, out: Path, config: Config) -> list[Path]: ...

    def cached(self, config: Config) -> bool:
        """Whether an earlier build left zips in the cache that this package can take its members from."""
        ...


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

    A first build runs them one after another: each takes from the zips made before it every member they
    share (all of a site's pages). Once an earlier build's zips are in the cache, each package takes most of
    its members from them, and the later packages run beside the first, in forked processes.
    The collector is paused meanwhile: packaging makes thousands of small objects and no garbage cycles,
    and a full collection, which walks the build's million objects, would cost more than a package.
    """
    from pipeline.forked import Forked, forking
    from pipeline.gcpause import collector_paused
    from pipeline.package.zipcache import drop_legacy

    written: dict[str, list[Path]] = {}
    if not names:  # a build without packages leaves their cache as it is
        return written
    drop_legacy(config.cache)
    later = names[1:] if forking(config.jobs) and all(packager(name).cached(config) for name in names) else ()
    with collector_paused(), contextlib.ExitStack() as stack:
        beside = {
            name: stack.enter_context(Forked(functools.partial(packager(name).package, book, out / SITE, out, config)))
            for name in later
        }
        for name in names:
            if progress:
                progress(name)
            if name not in beside:
                written[name] = packager(name).package(book, out / SITE, out, config)
        for name, job in beside.items():
            written[name] = job.result()
    return {name: written[name] for name in names}
