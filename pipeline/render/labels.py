"""The interface words of the site and the PDF, read from one translation file per language (English the fallback)."""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final

import yaml
from markupsafe import Markup

from pipeline.diagnostics import PipelineError

TRANSLATIONS: Final = Path(__file__).resolve().parent.parent / "translations"
DEFAULT: Final = "en"


@dataclass(frozen=True, slots=True)
class Translation:
    """One language's file: its strings and whether 0 takes the singular form (CLDR)."""

    strings: Mapping[str, str]
    zero_is_one: bool


def _read(path: Path) -> Translation:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    strings = data["strings"]
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in strings.items()):
        raise PipelineError(f"{path}: every label must be a string")
    return Translation(MappingProxyType(strings), bool(data.get("zero_is_one", False)))


def _tables() -> Mapping[str, Translation]:
    """Every translation file, by its language code (the file name): ``de.yaml`` → ``de``."""
    return {path.stem: _read(path) for path in sorted(TRANSLATIONS.glob("*.yaml"))}


TABLES: Final[Mapping[str, Translation]] = _tables()
ENGLISH: Final[Mapping[str, str]] = TABLES[DEFAULT].strings
# What the site's scripts show; written into _static/site.js as window.HANDBOOK_LABELS.
SCRIPT_KEYS: Final = (
    "table_scrolls",
    "assessment_hint",
    "assessment_choose",
    "assessment_reset",
    "assessment_progress",
    "assessment_level_named",
    "assessment_result_one",
    "assessment_result_other",
    "search_prompt_one",
    "search_prompt_other",
    "search_loading",
    "search_failed",
    "search_none",
    "search_term",
    "search_and",
    "search_hits_one",
    "search_hits_other",
    "search_hits_capped",
)


def primary(language: str) -> str:
    """The primary language subtag of a BCP 47 tag, lower case: ``de-CH`` → ``de``."""
    return language.strip().replace("_", "-").split("-", 1)[0].lower()


@dataclass(frozen=True, slots=True)
class Labels:
    """The interface words for one handbook language; in templates ``labels.contents``, ``labels.text(...)``."""

    language: str  # the table used: the primary subtag when there is one for it, else "en"
    known: bool  # False when the handbook's language has no table and these are the English words
    strings: Mapping[str, str]
    zero_is_one: bool = False

    def __getitem__(self, key: str) -> str:
        return self.strings[key]

    def text(self, key: str, /, **values: object) -> str:
        """The label with its named placeholders filled in."""
        return self.strings[key].format_map(values)

    def count(self, key: str, count: int, /, **values: object) -> str:
        """The singular (``key_one``) or plural (``key_other``) label for ``count``, which fills ``{count}``."""
        return self.text(f"{key}_{self.plural(count)}", count=count, **values)

    def plural(self, count: int) -> str:
        return "one" if count == 1 or (count == 0 and self.zero_is_one) else "other"

    def html(self, key: str, /, **values: object) -> Markup:
        """The label as HTML text content: its quotes kept as typed, values escaped unless they are Markup."""
        return Markup(html.escape(self.strings[key], quote=False)).format(**values)

    def count_html(self, key: str, count: int, /, **values: object) -> Markup:
        """``count`` for HTML text content, as ``html`` fills labels in."""
        return self.html(f"{key}_{self.plural(count)}", count=count, **values)

    def date_words(self, iso: str) -> str:
        """An ISO date in words ("24 November 2026"); as given when it is not a date or the language has no table."""
        try:
            day = dt.date.fromisoformat(iso)
        except ValueError:
            return iso
        if not self.known:
            return iso
        key = "date_first_day" if day.day == 1 else "date"
        return self.text(key, day=day.day, month=self.strings[f"month_{day.month}"], year=day.year)

    def script_data(self) -> dict[str, object]:
        """What the site's scripts read from ``window.HANDBOOK_LABELS``."""
        return {
            "language": self.language,
            "zeroIsOne": self.zero_is_one,
            "strings": {key: self.strings[key] for key in SCRIPT_KEYS},
        }


@functools.cache
def labels(language: str) -> Labels:
    """The labels for a BCP 47 tag, chosen by its primary subtag; English for an unknown language or key."""
    code = primary(language)
    table = TABLES.get(code)
    if table is None:
        return Labels(DEFAULT, False, ENGLISH)
    return Labels(code, True, MappingProxyType({**ENGLISH, **table.strings}), table.zero_is_one)
