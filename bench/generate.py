"""Generate a large handbook from the sample: the seed page repeated with variations."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "source"
SEED_PAGE = "skill-progression-map"


def generate(pages: int, dest: Path, sample: Path = SAMPLE) -> Path:
    """Write a handbook with ``pages`` variants of the seed page to ``dest`` (replaced); return it."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(sample, dest, ignore=shutil.ignore_patterns("pages"))
    (dest / "pages").mkdir()
    text = (sample / "pages" / f"{SEED_PAGE}.md").read_text(encoding="utf-8")
    ids = []
    for n in range(1, pages + 1):
        page_id = f"{SEED_PAGE}-{n:04d}"
        ids.append(page_id)
        variant = text.replace(f"id: {SEED_PAGE}", f"id: {page_id}", 1)
        variant = variant.replace("title: Skill Progression Map", f"title: Skill Progression Map {n}", 1)
        # vary the prose a little so pages are not identical (search, caches, compression)
        variant = variant.replace("day to day.", f"day to day, in team {n}.", 1)
        if n > 1:  # link each page to the previous one, exercising cross-page link checks
            prev = f"{SEED_PAGE}-{n - 1:04d}"
            variant = variant.replace(
                "← [Back to home](index.md)", f"← [Back to home](index.md) · [Previous]({prev}.md#engineering)", 1
            )
        (dest / "pages" / f"{page_id}.md").write_text(variant, encoding="utf-8")
    manifest = (dest / "handbook.yaml").read_text(encoding="utf-8")
    listing = "pages:\n" + "".join(f"  - {i}\n" for i in ids)
    manifest = re.sub(r"pages:\n(  - .*\n)+", listing, manifest, count=1)
    (dest / "handbook.yaml").write_text(manifest, encoding="utf-8")
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pages", type=int, nargs="?", default=1000)
    parser.add_argument("--dest", type=Path, default=ROOT / "bench" / "work" / "source-1000")
    args = parser.parse_args()
    path = generate(args.pages, args.dest)
    size = sum(p.stat().st_size for p in (path / "pages").glob("*.md"))
    print(f"wrote {args.pages} pages ({size / 1e6:.1f} MB of Markdown) to {path}")


if __name__ == "__main__":
    main()
