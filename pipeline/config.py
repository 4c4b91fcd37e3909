"""Build configuration: where the source is, where outputs go, which formats, how strict."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a build needs from the command line; no stage reads anything else."""

    source: Path = Path("source")
    out: Path = Path("outputs")
    formats: tuple[str, ...] = ()  # empty: every registered format
    strict: bool = False
    jobs: int = 0  # 0: as many as there are cores
    pdf_split: bool = False  # also one PDF per handbook page
    pdf_variant: str | None = None  # e.g. "pdf/ua-1" (tagged, PDF/UA-1 metadata)

    @property
    def cache(self) -> Path:
        """Content-hash keyed cache shared by renderers (citations, PDFs, zips)."""
        return self.out / ".cache"
