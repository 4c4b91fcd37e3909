"""The seed page as units that must survive into every output: sentences and table cells."""

from __future__ import annotations

import re
from pathlib import Path

SEED = Path(__file__).resolve().parent / "data" / "skill-progression-map.txt"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(←])")


def normalise(text: str) -> str:
    """Collapse whitespace and unify quotes, so layout differences do not count."""
    text = text.replace("\u00a0", " ").replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


def seed_units(text: str | None = None) -> list[str]:
    """Every sentence of the seed's prose and every cell of its tables, normalised."""
    text = SEED.read_text(encoding="utf-8") if text is None else text
    units: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or re.fullmatch(r"\|[-| ]+\|", line):
            continue
        if line.startswith("|"):
            units += [normalise(cell) for cell in line.strip("|").split("|") if cell.strip()]
            continue
        if line.startswith("- "):
            line = line[2:]
        units += [normalise(s) for s in _SENTENCE_END.split(line) if s.strip()]
    return units


def missing_units(output_text: str, text: str | None = None) -> list[str]:
    """Seed units that do not occur in an output's text."""
    haystack = normalise(output_text)
    return [unit for unit in seed_units(text) if unit not in haystack]
