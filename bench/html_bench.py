"""The HTML site on the 1,000-page handbook: `handbook build --format html` (and json) against markdown-it-py
alone rendering the same pages (target ≤ 2×) and `mkdocs build`, plus `handbook serve`'s one-page-edit rebuild.

Run: .venv/bin/python -m bench.html_bench [--pages 1000] [--runs 1]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from bench.common import PYTHON, ROOT, table
from bench.generate import generate

WORK = ROOT / "bench" / "work"
HANDBOOK = str(Path(PYTHON).with_name("handbook"))
MKDOCS = str(Path(PYTHON).with_name("mkdocs"))

# The floor: markdown-it-py alone, the same parser configuration, every page parsed and rendered to HTML.
FLOOR = """
import sys
from pathlib import Path
from markdown_it import MarkdownIt
md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
out = Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
for path in sorted(Path(sys.argv[1]).glob("pages/*.md")):
    body = path.read_text(encoding="utf-8").split("\\n---\\n", 1)[-1]
    (out / (path.stem + ".html")).write_text(md.render(body), encoding="utf-8")
"""


def timed(command: list[str], runs: int) -> float:
    """Median wall-clock seconds of ``runs`` runs; any failure stops the benchmark (a failed build is fast)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return statistics.median(times)


def mkdocs_project(source: Path, dest: Path) -> Path:
    """A mkdocs.yml and docs/ holding the same pages (frontmatter is MkDocs' own meta-data syntax)."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source / "pages", dest / "docs")
    (dest / "docs" / "index.md").write_text("# Handbook\n", encoding="utf-8")
    config = dest / "mkdocs.yml"
    config.write_text(
        "site_name: Handbook benchmark\ntheme: mkdocs\nmarkdown_extensions: [tables]\n"
        "validation: {links: {not_found: ignore, anchors: ignore, unrecognized_links: ignore}}\n",
        encoding="utf-8",
    )
    return config


def serve_rebuild(source: Path, edits: int) -> list[tuple[str, float]]:
    """Serve's first, full build, then the median rebuild after editing one page; each split into check and site."""
    from pipeline.config import Config
    from pipeline.serve import Preview

    copy = WORK / f"serve-{source.name}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(source, copy)
    config = Config(source=copy, out=WORK / "out-serve")
    preview = Preview(config)
    first = preview.rebuild()
    pages = sorted((copy / "pages").glob("*.md"))
    whole, checking, rendering = [], [], []
    for n in range(edits):
        page = pages[(n * 37 + len(pages) // 2) % len(pages)]
        page.write_text(
            page.read_text(encoding="utf-8").replace("day to day", f"day to day (edit {n})", 1), encoding="utf-8"
        )
        state = preview.rebuild()
        assert state.site is not None, "the edited handbook should still build"
        whole.append(state.seconds)
        checking.append(state.checked)
        rendering.append(state.seconds - state.checked)
    return [
        ("serve: first build (in memory)", first.seconds),
        ("  of which check()", first.checked),
        ("  of which the site (cold)", first.seconds - first.checked),
        ("serve: rebuild after a one-page edit", statistics.median(whole)),
        ("  of which check() (parse cache warm)", statistics.median(checking)),
        ("  of which the site (render cache warm)", statistics.median(rendering)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1, help="cold runs per command (median)")
    parser.add_argument("--edits", type=int, default=3, help="one-page edits timed in serve's path (median)")
    args = parser.parse_args()
    # a copy of our own: other benchmarks regenerate bench/work/source-N while they run
    source = generate(args.pages, WORK / f"html-source-{args.pages}")
    floor = "markdown-it-py alone (parse + render)"
    rows = [(floor, timed([PYTHON, "-c", FLOOR, str(source), str(WORK / "out-floor")], args.runs))]
    out = str(WORK / "out-html")
    builds = [
        ("handbook build --format html --format json (the issue's figure)", ["html", "json"]),
        ("handbook build --format html", ["html"]),
        ("handbook build --format json", ["json"]),
    ]
    for name, formats in builds:
        command = [HANDBOOK, "build", "--source", str(source), "--out", out]
        for fmt in formats:
            command += ["--format", fmt]
        rows.append((name, timed(command, args.runs)))
    config = mkdocs_project(source, WORK / f"mkdocs-{args.pages}")
    rows.append(
        (
            "mkdocs build",
            timed(
                [MKDOCS, "build", "--quiet", "--config-file", str(config), "--site-dir", str(config.parent / "site")],
                args.runs,
            ),
        )
    )
    rows += serve_rebuild(source, args.edits)
    print(f"{args.pages} pages; commands: median of {args.runs} cold run(s); serve: median of {args.edits} edits")
    print(table(rows, floor))


if __name__ == "__main__":
    main()
