"""What a long-running caller (``handbook serve``) keeps between checks, keyed by content hashes.

An edit to one page re-parses, re-validates and re-checks that page only; the book-level checks
run again over every page's small facts. Entries not used by the latest check are dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pipeline.checks import Context, PageFacts, check_page
from pipeline.diagnostics import Diagnostic
from pipeline.hashing import digest
from pipeline.load import RawPage
from pipeline.model import Book, Page
from pipeline.parse import parse
from pipeline.validate import validate


@dataclass(slots=True)
class CheckCache:
    """Parsed pages, schema findings and page-check results from earlier checks."""

    pages: dict[tuple[str, ...], Page] = field(default_factory=dict)
    schema: dict[tuple[str, ...], list[Diagnostic]] = field(default_factory=dict)
    checked: dict[tuple[str, ...], tuple[list[Diagnostic], PageFacts]] = field(default_factory=dict)
    _used: set[tuple[str, ...]] = field(default_factory=set)

    def page(self, raw: RawPage, page_id: str, meta: dict[str, Any]) -> Page:
        key = ("page", page_id, str(raw.source.path), digest(raw.source.text))
        self._used.add(key)
        if key not in self.pages:
            self.pages[key] = parse(raw, page_id, meta)
        return self.pages[key]

    def frontmatter(self, raw: RawPage) -> list[Diagnostic]:
        """The page schema's findings on a page's frontmatter."""
        if raw.doc is None:
            return []
        key = ("schema", raw.source.display, digest(raw.source.text))
        self._used.add(key)
        if key not in self.schema:
            data = raw.doc.data if raw.doc.data is not None else {}
            self.schema[key] = validate(data, raw.doc, "page", raw.source.display, raw.source.lines, line_offset=1)
        return self.schema[key]

    def page_check(self, page: Page, ctx: Context, context: str) -> tuple[list[Diagnostic], PageFacts]:
        """Page-check findings and facts; ``context`` digests what else a page check reads."""
        key = ("checked", page.id, page.source.display, digest(page.source.text), context)
        self._used.add(key)
        if key not in self.checked:
            self.checked[key] = check_page(page, ctx)
        return self.checked[key]

    def retain_used(self) -> None:
        """Forget what the latest check did not use (old versions of edited pages)."""
        for store in (self.pages, self.schema, self.checked):
            for key in [k for k in store if k not in self._used]:
                del store[key]
        self._used = set()


def context_of(book: Book) -> str:
    """Everything besides the page itself that page checks read: manifest, references, assets."""
    references = json.dumps([(ref.id, ref.csl) for ref in book.references], sort_keys=True, default=str)
    return digest(book.manifest.source.text, references, *sorted(book.assets))
