"""SCORM packaging on the 1,000-page handbook: what both packages add to the HTML build (target ≤ 20%),
packaging cold vs after a one-page edit (members taken from the cached zips), and a no-change rebuild (no zip work).

Run: .venv/bin/python -m bench.package_bench [--pages 1000] [--runs 1] [--cli]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, table
from bench.generate import generate

WORK = ROOT / "bench" / "work"
HANDBOOK = str(Path(PYTHON).with_name("handbook"))
TARGET = 0.20


def seconds(work: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def in_process(source: Path, out: Path, runs: int) -> dict[str, Any]:
    """check and the HTML renderer, then the package stage run cold, with nothing changed and after a
    one-page edit, interleaved run by run so that a busy machine slows each of them alike."""
    from pipeline.build import check
    from pipeline.config import Config
    from pipeline.model import Book
    from pipeline.package import PACKAGERS, archive, package, scorm
    from pipeline.pagecache import PageCache
    from pipeline.render import html

    config = Config(source=source, out=out)
    check_time = seconds(lambda: check(config), runs)
    parsed = PageCache()  # as `handbook serve` keeps it: an edit re-runs only the edited page
    result = check(config, parsed, ("html",))
    assert result.book is not None
    book: Book = result.book
    parts = result.parts["html"]

    def render_html() -> None:
        shutil.rmtree(out, ignore_errors=True)
        html.render(book, parts, out, config)

    def stage() -> None:  # as build() runs it: both packagers after html, in the same folder
        package(tuple(PACKAGERS), book, out, config)

    def cold() -> None:
        shutil.rmtree(config.cache / scorm.FOLDER, ignore_errors=True)
        stage()

    html_time = seconds(render_html, runs)
    zip_calls: list[str] = []
    originals = archive.pack_all, archive.write_zip

    def counted_pack_all(*args: Any, **kwargs: Any) -> dict[str, archive.Entry]:
        zip_calls.append("pack_all")
        return originals[0](*args, **kwargs)

    def counted_write_zip(*args: Any, **kwargs: Any) -> None:
        zip_calls.append("write_zip")
        originals[1](*args, **kwargs)

    def unchanged() -> None:
        archive.pack_all, archive.write_zip = counted_pack_all, counted_write_zip
        try:
            stage()
        finally:
            archive.pack_all, archive.write_zip = originals

    pages = sorted((source / "pages").glob("*.md"))
    page = pages[len(pages) // 2]
    original = page.read_text(encoding="utf-8")
    deflated: list[int] = []
    deflate = archive.deflate

    def counted(raw: archive.Data, window: archive.Data = b"", final: bool = True) -> bytes:
        deflated.append(len(raw))
        return deflate(raw, window, final)

    def edited_stage() -> None:
        deflated.clear()
        archive.deflate = counted
        try:
            stage()
        finally:
            archive.deflate = deflate

    timings: dict[str, list[tuple[float, float]]] = {"cold": [], "unchanged": [], "edit": []}
    try:
        for run in range(runs):
            timings["cold"].append(clocked(cold))
            timings["unchanged"].append(clocked(unchanged))
            page.write_text(original + f"\nOne more sentence, edit {run + 1}.\n", encoding="utf-8")
            edited = check(config, parsed, ("html",))  # check and html are not timed: only the package stage
            assert edited.book is not None
            book = edited.book
            html.render(book, edited.parts["html"], out, config)
            timings["edit"].append(clocked(edited_stage))
    finally:
        page.write_text(original, encoding="utf-8")
    with zipfile.ZipFile(next((out / scorm.FOLDER).glob("*.zip"))) as package_zip:
        count = len(package_zip.namelist())
    return {
        "check": check_time,
        "html": html_time,
        **{name: statistics.median(wall for wall, _ in times) for name, times in timings.items()},
        **{f"{name} cpu": statistics.median(cpu for _, cpu in times) for name, times in timings.items()},
        "deflated": len(deflated),
        "deflated bytes": sum(deflated),
        "members": count,
        "zip_calls": zip_calls,
        "zips": sorted((out / scorm.FOLDER).glob("*.zip")),
    }


def clocked(work: Callable[[], Any]) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of every thread of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def cold_build(source: Path, out: Path, formats: list[str], runs: int) -> float:
    """Median seconds of `handbook build` into an emptied folder."""
    times = []
    for _ in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        command = [HANDBOOK, "build", "--source", str(source), "--out", str(out)]
        command += [arg for name in formats for arg in ("--format", name)]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return statistics.median(times)


def suspend_bound(zip_path: Path) -> tuple[int, int]:
    """(sections, longest suspend_data the run-time can write for them) from the package's launch page."""
    with zipfile.ZipFile(zip_path) as package:
        launch = package.read("scorm_launch.html").decode()
    config = json.loads(launch.split('id="hb-scorm-config">', 1)[1].split("</script>", 1)[0])
    sections = sum(max(1, count) for _, count in config["pages"])
    exact = 1 + len(config["hash"]) + 1 + math.ceil(sections / 6)  # format + hash + "b" + the bitset
    return sections, min(exact, 4000)  # beyond 4,000 the codec coarsens (tests/test_scorm_codec.py)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--cli", action="store_true", help="also time two whole `handbook build` runs (noisy)")
    args = parser.parse_args()
    source = WORK / f"source-{args.pages}"
    if not (source / "handbook.yaml").is_file():
        generate(args.pages, source)
    m = in_process(source, WORK / "out-package", args.runs)
    html_build = m["check"] + m["html"]
    print(f"{args.pages} pages, {args.runs} run(s), medians; both packages (SCORM 1.2 and 2004)\n")
    rows = [
        ("HTML build (check + html)", html_build),
        ("  html renderer alone", m["html"]),
        ("both packages, cold", m["cold"]),
        ("both packages, one page edited", m["edit"]),
        ("both packages, no change", m["unchanged"]),
    ]
    print(table(rows, "HTML build (check + html)"))
    if args.cli:
        html_only = cold_build(source, WORK / "out-cli-html", ["html"], args.runs)
        with_packages = cold_build(source, WORK / "out-cli-scorm", ["html", "scorm12", "scorm2004"], args.runs)
        print(
            f"\nhandbook build: html {html_only:.1f} s, html+scorm12+scorm2004 {with_packages:.1f} s "
            f"({(with_packages - html_only) / html_only:+.0%})"
        )
    for path in m["zips"]:
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    sections, longest = suspend_bound(m["zips"][0])
    print(f"suspend_data for {sections} sections: at most {longest} characters (SCORM 1.2 limit 4,096)")
    added = m["cold"] / html_build
    print(
        f"\npackaging adds {added:.0%} to the HTML build (target ≤ {TARGET:.0%}), "
        f"{m['cold'] / m['html']:.0%} of the html renderer alone"
    )
    print(
        f"both packages, cold vs one page edited: {m['cold']:.2f} s vs {m['edit']:.2f} s wall = "
        f"{m['cold'] / m['edit']:.1f}×; {m['cold cpu']:.2f} s vs {m['edit cpu']:.2f} s CPU = "
        f"{m['cold cpu'] / m['edit cpu']:.1f}×; the edit deflated {m['deflated']} pieces "
        f"({m['deflated bytes'] / 1e6:.1f} MB) for zips of {m['members']} members"
    )
    print(f"zip work on the no-change rebuild: {', '.join(m['zip_calls']) or 'none'}")
    if added > TARGET or m["zip_calls"] or longest > 4096:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
