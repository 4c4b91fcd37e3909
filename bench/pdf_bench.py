"""PDF stage benchmark on a generated handbook, side by side in one run:

(a) a bare WeasyPrint call vs the PDF stage on the same HTML (target: the stage ≤ 0.6× the call's wall time,
    by using both cores): the call in a fresh process, timed from after the import; the stage inside
    `handbook build --format pdf` (jobs=2) in a fresh process, from its start to the PDF in place;
(b) a rebuild after editing one page vs the full build, and how many chunks were rendered again, then a
    no-change rebuild;
(c) time, the peak RSS of the build process, of the largest process and of the SUM of RSS over the build's
    process tree (sampled from /proc every 0.1 s), for the bare call and the stage;
(d) with --merge, the merge alone in a fresh process: the build's chunk PDFs merged once and four times over.

Run: .venv/bin/python -m bench.pdf_bench [--pages 100] [--repeat 1] [--tags] [--no-bare] [--no-edit] [--merge]
     .venv/bin/python -m bench.pdf_bench --pages 1000   # ~20 minutes; no bare call (it would need ~13 GB)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT
from bench.generate import SEED_PAGE, generate

BARE_LIMIT = 200  # handbook pages above which the bare call is skipped (WeasyPrint needs ~1 MB per PDF page)
TARGET = 0.6

# `handbook build --format pdf` (jobs=2) in a fresh interpreter, its PDF stage (render_books) timed from its
# start to the PDF in place, with the WeasyPrint calls it made; prints "ready" as the stage starts, then JSON.
STAGE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from pipeline.build import build
from pipeline.config import Config
from pipeline.render.pdf import stage

cpu = lambda who: (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(who))
report = {{}}
render_books = stage.render_books

def timed(books, out, config, **options):
    print("ready", flush=True)
    trace = []
    wall, own, children = time.perf_counter(), cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    written = render_books(books, out, config, trace=trace, **options)
    report.update(
        seconds=time.perf_counter() - wall,
        cpu=cpu(resource.RUSAGE_SELF) - own + cpu(resource.RUSAGE_CHILDREN) - children,
        calls=trace,
        weasyprint="weasyprint" in sys.modules,
    )
    return written

stage.render_books = timed
assert build(Config(source=Path({source!r}), out=Path({out!r}), jobs=2, formats=("pdf",))).ok
print(json.dumps(report))
"""

# One bare WeasyPrint call on the stage's HTML, timed from after the import; prints one JSON line.
BARE = """
import json, resource, sys, time
from pathlib import Path
from weasyprint import HTML

html = Path({html!r}).read_text(encoding="utf-8")
print("ready", flush=True)
wall, cpu = time.perf_counter(), time.process_time()
pdf = HTML(string=html, base_url={base!r}).write_pdf(pdf_identifier=b"0" * 32, pdf_tags={tags!r})
print(json.dumps({{"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "bytes": len(pdf)}}))
"""


# The merge alone, in a fresh interpreter: the chunk PDFs a build left in its cache, cycled to ``count`` chunks,
# one at a time; prints the pages merged, the seconds and the process's peak RSS (MB) as JSON.
MERGE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from pypdf import PdfReader
from pipeline.render.pdf.merge import Arrival, Merger

chunks = [Path(path).read_bytes() for path in {paths!r}]
wall = time.perf_counter()
merger = Merger(Path({out!r}))
for n in range({count}):
    merger.add(n + 1, chunks[n % len(chunks)], {{}}, ())
path = merger.finish(Arrival(chunks[0], {{}}, ()), {count} + 1, {{}}, "0" * 32)
seconds = time.perf_counter() - wall
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before reading the result back
pages = len(PdfReader(path).pages)
print(json.dumps({{"pages": pages, "seconds": seconds, "peak_mb": peak, "mb": path.stat().st_size / 1e6}}))
"""


@dataclass
class Memory:
    """RSS of a process tree, sampled: the largest process's peak (VmHWM) and the peak of the sum (VmRSS)."""

    largest_mb: float = 0.0
    largest: str = ""
    sum_mb: float = 0.0
    sum_parts: dict[str, float] = field(default_factory=dict)
    build_mb: float = 0.0  # the build process's own peak (VmHWM): the merge runs there
    build_start_mb: float = 0.0  # its RSS when the PDF stage starts (the book loaded, the HTML not composed)
    machine_cpu: float = 0.0  # CPU seconds the whole machine spent while the run was timed


def busy() -> float:
    """CPU seconds the machine has spent busy since boot (/proc/stat: all but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def run(code: str, label: str) -> tuple[dict[str, Any], Memory]:
    """Run ``code`` in a fresh interpreter; sample its process tree's memory from its "ready" line on."""
    process = subprocess.Popen([PYTHON, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    memory, stop = Memory(), threading.Event()
    lines = []
    sampler: threading.Thread | None = None
    for line in process.stdout:
        lines.append(line)
        if line.strip() == "ready" and sampler is None:
            memory.machine_cpu = -busy()
            sampler = threading.Thread(target=sample, args=(process.pid, memory, stop), daemon=True)
            sampler.start()
        elif sampler is not None and line.startswith("{"):
            memory.machine_cpu += busy()
    process.wait()
    stop.set()
    if sampler is not None:
        sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{label} failed (exit status {process.returncode})")
    result: dict[str, Any] = json.loads(lines[-1])
    return result, memory


def sample(root: int, memory: Memory, stop: threading.Event) -> None:
    while not stop.is_set():
        tree = descendants(root)
        rss = {pid: status(pid, root) for pid in tree}
        total = sum(value[0] for value in rss.values())
        if total > memory.sum_mb:
            memory.sum_mb = total
            parts: dict[str, float] = {}
            for now, _peak, role in rss.values():
                parts[role] = parts.get(role, 0.0) + now
            memory.sum_parts = parts
        for now, peak, role in rss.values():
            if peak > memory.largest_mb:
                memory.largest_mb, memory.largest = peak, role
            if role == "build process":
                memory.build_mb = max(memory.build_mb, peak)
                memory.build_start_mb = memory.build_start_mb or now
        stop.wait(0.1)


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (from /proc/<pid>/stat's parent pid)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def status(pid: int, root: int) -> tuple[float, float, str]:
    """(VmRSS, VmHWM) in MB and the process's role in the build, from /proc; zeros once it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        root_command = Path(f"/proc/{root}/cmdline").read_bytes()
    except OSError:
        return 0.0, 0.0, "gone"
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    kb = [float(fields.get(name, "0 kB").split()[0]) for name in ("VmRSS", "VmHWM")]
    if pid == root:
        role = "build process"
    elif b"pipeline.render.pdf.pool" in command:
        role = "PDF worker"
    elif command == root_command:  # forked from the build
        role = "page worker"
    else:
        role = Path(command.split(b"\0")[0].decode(errors="replace")).name or "other"
    return kb[0] / 1024, kb[1] / 1024, role


def stage_run(source: Path, out: Path) -> tuple[dict[str, Any], Memory]:
    return run(STAGE.format(root=str(ROOT), source=str(source), out=str(out)), "the PDF stage")


def bare_run(html: Path, base: str, tags: bool) -> tuple[dict[str, Any], Memory]:
    return run(BARE.format(html=str(html), base=base, tags=tags), "the bare WeasyPrint call")


def compose_html(source: Path, work: Path) -> Path:
    """The HTML the stage renders in one call for this handbook (its chunks are parts of it)."""
    from pipeline.build import check
    from pipeline.config import Config
    from pipeline.render.cite import render_citations
    from pipeline.render.pdf.compose import compose
    from pipeline.render.pdf.document import print_book

    config = Config(source=source, out=work / "compose")
    result = check(config, parts=("pdf",))
    book = result.book
    assert book is not None, "the generated handbook does not load"
    html = work / "book.html"
    document = print_book(book, result.parts["pdf"], render_citations(book, config.cache))
    html.write_text(compose(document), encoding="utf-8")
    return html


def medians(runs: list[tuple[dict[str, Any], Memory]]) -> dict[str, float]:
    return {name: statistics.median(result[name] for result, _memory in runs) for name in ("seconds", "cpu")}


def chunks_of(calls: list[str]) -> int:
    return sum(": chunk " in call for call in calls)


def describe(memory: Memory) -> str:
    parts = ", ".join(f"{role} {mb:.0f}" for role, mb in sorted(memory.sum_parts.items()))
    return (
        f"build process {memory.build_mb:.0f} MB ({memory.build_start_mb:.0f} MB as the stage starts),"
        f" largest process {memory.largest_mb:.0f} MB ({memory.largest}),"
        f" sum {memory.sum_mb:.0f} MB ({parts})"
    )


def merge_alone(out: Path, work: Path) -> None:
    """The merge on its own: the build's chunks once, then four times over (the memory should not follow)."""
    paths = sorted(str(path) for path in (out / ".cache" / "pdf" / "chunks").glob("*.pdf"))
    for count in (len(paths), 4 * len(paths)):
        code = MERGE.format(root=str(ROOT), paths=paths, out=str(work / "merged.pdf"), count=count)
        done = subprocess.run([PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.splitlines()[-1])
        print(
            f"    merge alone, {count} chunks: {result['pages']} PDF pages ({result['mb']:.0f} MB) in"
            f" {result['seconds']:.1f}s, peak RSS {result['peak_mb']:.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100, help="handbook pages to generate (default 100)")
    parser.add_argument("--repeat", type=int, default=1, help="bare call and stage runs, interleaved")
    parser.add_argument("--tags", action="store_true", help="tag the bare call's PDF (the chunked PDF is not)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare call")
    parser.add_argument("--no-edit", action="store_true", help="skip the one-page edit and the no-change rebuild")
    parser.add_argument("--merge", action="store_true", help="also the merge alone: the chunks 1x and 4x over")
    args = parser.parse_args()
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    bare = not args.no_bare and args.pages <= BARE_LIMIT
    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as tmp:
        work = Path(tmp)
        source = generate(args.pages, work / "source")
        html = compose_html(source, work)
        base = source.resolve().as_uri() + "/"
        print(f"{args.pages}-page handbook ({html.stat().st_size / 1e6:.1f} MB of print HTML), 2 cores")

        # (a) and (c): the bare call and the stage, interleaved so a busy machine slows both alike
        bares, stages = [], []
        for n in range(args.repeat):
            if bare:
                bares.append(bare_run(html, base, args.tags))
            stages.append(stage_run(source, work / f"stage-{n}"))
        calls = stages[0][0]["calls"]
        print(
            f"(a) full build: {len(calls)} WeasyPrint calls ({chunks_of(calls)} chunks, contents measured and rendered)"
        )
        rows = [(f"bare WeasyPrint call ({'tagged' if args.tags else 'untagged, like the chunked PDF'})", bares)]
        for name, runs in [*rows, ("PDF stage (compose, chunks on 2 processes, merge)", stages)]:
            if runs:
                walls = [result["seconds"] for result, _memory in runs]
                cpus = [result["cpu"] for result, _memory in runs]
                others = [memory.machine_cpu - result["cpu"] for result, memory in runs]
                print(
                    f"    {name:52} wall {statistics.median(walls):7.2f}s (min {min(walls):.2f}s)"
                    f"  CPU {statistics.median(cpus):7.2f}s  | {describe(runs[0][1])}"
                    f" | other processes meanwhile: {max(others):.1f} CPU-s"
                )
        if bares:
            call, mine = medians(bares), medians(stages)
            ratio = mine["seconds"] / call["seconds"]
            verdict = "met" if ratio <= TARGET else "MISSED"
            print(
                f"    stage / bare call: {ratio:.2f}x wall (target <= {TARGET}x: {verdict}),"
                f" {mine['cpu'] / call['cpu']:.2f}x CPU; the stage's wall is"
                f" {mine['seconds'] / mine['cpu']:.2f}x its CPU (0.5x: both cores busy throughout)"
            )
        else:
            print(f"    (no bare call: --no-bare or more than {BARE_LIMIT} pages)")

        if args.merge:
            merge_alone(work / "stage-0", work)
        if args.no_edit:
            return
        # (b): edit one page in the middle, rebuild into the same output (its cache), then rebuild unchanged
        out = work / "stage-0"
        page = source / "pages" / f"{SEED_PAGE}-{max(1, args.pages // 2):04d}.md"
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("day to day", "every day", 1), encoding="utf-8")
        edited, _memory = stage_run(source, out)
        unchanged, _memory = stage_run(source, out)
        full = stages[0][0]
        print(
            f"(b) one-page edit ({page.name}): {edited['seconds']:.2f}s vs {full['seconds']:.2f}s for the full build"
            f" ({edited['seconds'] / full['seconds']:.0%}); {chunks_of(edited['calls'])} of {chunks_of(calls)}"
            f" chunks rendered again; calls: {', '.join(c.split(': ', 1)[-1] for c in edited['calls']) or 'none'}"
        )
        print(
            f"    no-change rebuild: {unchanged['seconds']:.3f}s, {len(unchanged['calls'])} WeasyPrint calls,"
            f" WeasyPrint imported: {unchanged['weasyprint']}"
        )


if __name__ == "__main__":
    main()
