"""What a package says about its handbook: identifiers, title, language, keywords, learning time."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.model import Book

_NOT_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def xml_id(prefix: str, *parts: str) -> str:
    """An ``xs:ID`` (NCName) built from fixed text only: it never starts with a digit and never changes
    between builds of the same handbook, so an LMS keeps learners' progress across re-imports."""
    body = "-".join(_NOT_NAME.sub("-", part).strip("-") for part in parts if part)
    return f"{prefix}-{body}" if body else prefix


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """The handbook facts that go into a manifest's metadata and organization."""

    id: str
    title: str
    description: str
    language: str
    version: str
    date: str
    keywords: tuple[str, ...]
    minutes: int  # typical learning time: the sum of the pages' estimated_minutes

    @property
    def manifest_id(self) -> str:
        return xml_id("MANIFEST", self.id)

    @property
    def organization_id(self) -> str:
        return xml_id("ORG", self.id)


def package_info(book: Book) -> PackageInfo:
    man = book.manifest
    keywords: list[str] = []
    for word in [*man.keywords, *(str(k) for page in book.pages for k in page.meta.get("keywords") or ())]:
        if word.strip() and word.strip().casefold() not in {k.casefold() for k in keywords}:
            keywords.append(word.strip())
    minutes = sum(int(page.meta.get("estimated_minutes") or 0) for page in book.pages)
    return PackageInfo(
        man.id,
        man.title,
        man.description or man.subtitle,
        man.language or "en",
        man.version,
        man.date,
        tuple(keywords),
        minutes,
    )


def lom12_time(minutes: int) -> str:
    """LOM 1.2 datetime for a duration, as ADL's 1.2 examples write it: HH:MM:SS."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"
