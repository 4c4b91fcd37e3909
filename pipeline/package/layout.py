"""The package's SCOs: one for the whole handbook, or one per page sharing the site as an asset."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.package.info import PackageInfo, xml_id
from pipeline.package.launch import launch_page, page_launch, page_launch_name
from pipeline.package.manifest import Item, Resource
from pipeline.package.site import LAUNCH, Site

SCO_SHAPES = ("single", "per-page")


@dataclass(frozen=True, slots=True)
class PageEntry:
    """A page as the package sees it: id, title, estimated minutes (0 when not given)."""

    id: str
    title: str
    minutes: int


@dataclass(frozen=True, slots=True)
class Layout:
    """Launch files by zip path, the organization's items and the resources (control documents aside)."""

    launch: dict[str, bytes]
    items: tuple[Item, ...]
    resources: tuple[Resource, ...]


def single(
    info: PackageInfo, version: str, pages: list[PageEntry], site: Site, content: tuple[str, ...], completion: str
) -> Layout:
    """One SCO: the launch page, the site and the run-time in one resource, launched by one item."""
    launch = {LAUNCH: launch_page(info, version, [page.id for page in pages], site, completion)}
    sco = Resource(xml_id("RES", info.id), tuple(sorted((*content, *launch))), LAUNCH)
    return Layout(launch, (Item(xml_id("ITEM", info.id), info.title, sco.identifier),), (sco,))


def per_page(
    info: PackageInfo, version: str, pages: list[PageEntry], site: Site, content: tuple[str, ...], completion: str
) -> Layout:
    """One SCO per page in reading order, each its own launch file depending on one shared asset:
    the site and the run-time. Identifiers come from the handbook and page ids ("SCO-" for the page
    resources, so that no page id can collide with the asset's "RES-<id>-site")."""
    shared = Resource(xml_id("RES", info.id, "site"), tuple(sorted(content)), sco=False)
    launch: dict[str, bytes] = {}
    items, scos = [], []
    for page in pages:
        name = page_launch_name(page.id)
        launch[name] = page_launch(info, version, page.id, page.title, site, completion)
        sco = Resource(xml_id("SCO", info.id, page.id), (name,), name, dependencies=(shared.identifier,))
        scos.append(sco)
        items.append(Item(xml_id("ITEM", info.id, page.id), page.title, sco.identifier, page.minutes))
    return Layout(launch, tuple(items), (*scos, shared))
