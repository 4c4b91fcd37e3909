"""`handbook check` against markdown-it-py alone parsing the same pages (target ≤ 1.5×)."""

from __future__ import annotations

import argparse

from bench.common import PYTHON, ROOT, table, timed
from bench.generate import generate

FLOOR = """
import sys
from pathlib import Path
from markdown_it import MarkdownIt
md = MarkdownIt("commonmark").enable("table")
for path in sorted(Path(sys.argv[1]).glob("pages/*.md")):
    md.parse(path.read_text(encoding="utf-8"))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = generate(args.pages, ROOT / "bench" / "work" / f"source-{args.pages}")
    rows = [
        ("markdown-it-py alone (parse)", timed([PYTHON, "-c", FLOOR, str(source)], args.runs)),
        ("handbook check", timed([PYTHON, "-m", "pipeline", "check", "--source", str(source)], args.runs)),
    ]
    print(f"{args.pages} pages, median of {args.runs} cold runs each")
    print(table(rows, "markdown-it-py alone (parse)"))


if __name__ == "__main__":
    main()
