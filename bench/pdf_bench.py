"""PDF stage benchmark: the stage vs a bare WeasyPrint call on the same HTML, a no-change rebuild, chunks.

Run: .venv/bin/python bench/pdf_bench.py [--repeat 3] [--pages 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from pipeline.build import check  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.model import Book  # noqa: E402

# One PDF build in a fresh interpreter: prints seconds, WeasyPrint calls, whether WeasyPrint was imported,
# the peak memory of the process and its children, and their CPU time (whole interpreter, imports included).
CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from pipeline.build import check
from pipeline.config import Config
from pipeline.render import pdf

def main():
    config = Config(source=Path({source!r}), out=Path({out!r}), jobs=2)
    book = check(config).book
    calls = []
    execute = pdf._execute
    pdf._execute = lambda *a: calls.append(1) or execute(*a)
    start = time.perf_counter()
    pdf.render_books([book], config.out, config, chunk_threshold={threshold}, chunk_pages={chunk_pages})
    seconds = time.perf_counter() - start
    usage = resource.getrusage
    peak = max(usage(resource.RUSAGE_SELF).ru_maxrss, usage(resource.RUSAGE_CHILDREN).ru_maxrss)
    cpu = sum(u.ru_utime + u.ru_stime for u in (usage(resource.RUSAGE_SELF), usage(resource.RUSAGE_CHILDREN)))
    print(json.dumps({{"seconds": seconds, "calls": len(calls), "weasyprint": "weasyprint" in sys.modules,
                      "peak_mb": peak / 1024, "cpu": cpu}}))

if __name__ == "__main__":
    main()
"""


def child(source: Path, out: Path, threshold: int = 10**9, chunk_pages: int = 150) -> dict[str, float]:
    code = CHILD.format(root=str(ROOT), source=str(source), out=str(out), threshold=threshold, chunk_pages=chunk_pages)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bare_vs_stage(book: Book, work: Path, repeat: int) -> None:
    from weasyprint import HTML

    from pipeline.render import pdf
    from pipeline.render.cite import render_citations
    from pipeline.render.pdf.compose import compose
    from pipeline.render.pdf.document import print_book

    warm = Config(source=book.root, out=work / "warm")
    citations = render_citations(book, warm.cache)  # pandoc runs once per build for every format: not PDF work
    html = compose(print_book(book, citations))
    base = book.root.resolve().as_uri() + "/"
    bare: list[tuple[float, float]] = []
    stage: list[tuple[float, float]] = []
    for run in range(repeat):  # interleaved, so a busy machine slows both alike
        wall, cpu = time.perf_counter(), time.process_time()
        HTML(string=html, base_url=base).write_pdf(pdf_tags=True, pdf_identifier=b"0" * 32)
        bare.append((time.perf_counter() - wall, time.process_time() - cpu))
        out = work / f"stage-{run}"
        config = Config(source=book.root, out=out)
        render_citations(book, config.cache)  # same: the citation cache is warm in a real build
        wall, cpu = time.perf_counter(), time.process_time()
        pdf.render(book, out, config)  # empty PDF cache: the full stage, in this process for one PDF
        stage.append((time.perf_counter() - wall, time.process_time() - cpu))
    for name, runs in (
        ("bare WeasyPrint call (same HTML, tags on)", bare),
        ("PDF stage (compose, hash, call, copy)", stage),
    ):
        print(
            f"{name:44} wall min {min(r[0] for r in runs):.3f}s median {statistics.median(r[0] for r in runs):.3f}s"
            f" | CPU min {min(r[1] for r in runs):.3f}s"
        )
    wall_ratio = min(r[0] for r in stage) / min(r[0] for r in bare)
    cpu_ratio = min(r[1] for r in stage) / min(r[1] for r in bare)
    print(f"stage / bare: {wall_ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (target <= 1.1x)")


def rebuild(source: Path, work: Path) -> None:
    out = work / "rebuild"
    first = child(source, out)
    again = child(source, out)
    print(f"first build in a fresh process: {first['seconds']:.3f}s, WeasyPrint calls {first['calls']:.0f}")
    print(
        f"no-change rebuild: {again['seconds']:.3f}s, WeasyPrint calls {again['calls']:.0f}, "
        f"weasyprint imported: {again['weasyprint']}"
    )


def chunks(pages: int, work: Path) -> None:
    source = generate(pages, work / f"source-{pages}")
    single = child(source, work / "single")
    chunked = child(source, work / "chunked", threshold=10, chunk_pages=60)
    from pypdf import PdfReader

    count = len(PdfReader(next((work / "single" / "pdf").glob("*.pdf"))).pages)
    same = [p.extract_text() for p in PdfReader(next((work / "chunked" / "pdf").glob("*.pdf"))).pages] == [
        p.extract_text() for p in PdfReader(next((work / "single" / "pdf").glob("*.pdf"))).pages
    ]
    print(f"{pages}-page handbook, {count} PDF pages:")
    for name, run in (("one call", single), ("chunks of ~60 pages", chunked)):
        print(
            f"  {name:20} wall {run['seconds']:.1f}s, CPU (all processes) {run['cpu']:.1f}s, "
            f"peak RSS of the largest process {run['peak_mb']:.0f} MB"
        )
    print(f"  same text on every page (numbers included): {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=ROOT / "source")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", type=int, default=10, help="handbook pages for the chunk comparison (0: skip)")
    args = parser.parse_args()
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    book = check(Config(source=args.source)).book
    assert book is not None, "the source does not load"
    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as tmp:
        work = Path(tmp)
        bare_vs_stage(book, work, args.repeat)
        rebuild(args.source, work)
        if args.pages:
            chunks(args.pages, work)


if __name__ == "__main__":
    main()
