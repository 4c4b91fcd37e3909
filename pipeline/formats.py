"""The formats `handbook build --format` names: renderers, then the packagers that read the rendered site."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.package import PACKAGERS, SITE
from pipeline.render import MODULES as RENDERERS

FORMATS: tuple[str, ...] = (*RENDERERS, *PACKAGERS)  # no --format: all of them, in this order


@dataclass(frozen=True, slots=True)
class Plan:
    """What a build runs: renderers first, then packagers; ``site_only`` when html is rendered only for them."""

    renderers: tuple[str, ...]
    packagers: tuple[str, ...]
    site_only: bool


def plan(requested: tuple[str, ...]) -> Plan:
    """The stages for the requested formats (empty: every format), each once, in the order requested."""
    names = tuple(dict.fromkeys(requested or FORMATS))
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    renderers = tuple(name for name in names if name in RENDERERS)
    packagers = tuple(name for name in names if name in PACKAGERS)
    site_only = bool(packagers) and SITE not in renderers
    return Plan((SITE, *renderers) if site_only else renderers, packagers, site_only)
