"""SCORM packaging on the 1,000-page handbook: what both packages add to the HTML build (target ≤ 20%),
and a no-change rebuild, which must do no zip work at all.

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
    """check, the HTML renderer and both packages on the same book, each timed on its own."""
    from pipeline.build import check
    from pipeline.config import Config
    from pipeline.package import archive, packager, site
    from pipeline.render import html

    config = Config(source=source, out=out)
    check_time = seconds(lambda: check(config), runs)
    book = check(config).book
    assert book is not None

    def render_html() -> None:
        shutil.rmtree(out, ignore_errors=True)
        html.render(book, out, config)

    def package() -> None:  # as build() calls them, after html in the same folder
        for version in ("1.2", "2004"):
            packager.render(book, out, config, version)

    def cold() -> None:
        packager._PACKED.clear()  # nothing read or deflated by an earlier run of this process
        site._LAST.clear()
        shutil.rmtree(config.cache / packager.FOLDER, ignore_errors=True)
        package()

    html_time = seconds(render_html, runs)
    package_time = seconds(cold, runs)
    zip_calls: list[str] = []
    originals = archive.pack_all, archive.write_zip

    def counted_pack_all(*args: Any, **kwargs: Any) -> dict[str, archive.Entry]:
        zip_calls.append("pack_all")
        return originals[0](*args, **kwargs)

    def counted_write_zip(*args: Any, **kwargs: Any) -> None:
        zip_calls.append("write_zip")
        originals[1](*args, **kwargs)

    archive.pack_all, archive.write_zip = counted_pack_all, counted_write_zip
    try:
        site._LAST.clear()  # a new process would read the site again
        rebuild_time = seconds(package, runs)
    finally:
        archive.pack_all, archive.write_zip = originals
    return {
        "check": check_time,
        "html": html_time,
        "package": package_time,
        "rebuild": rebuild_time,
        "zip_calls": zip_calls,
        "zips": sorted((out / packager.FOLDER).glob("*.zip")),
    }


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
        ("both packages, cold", m["package"]),
        ("both packages, no change", m["rebuild"]),
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
    added = m["package"] / html_build
    print(
        f"\npackaging adds {added:.0%} to the HTML build (target ≤ {TARGET:.0%}), "
        f"{m['package'] / m['html']:.0%} of the html renderer alone"
    )
    print(f"zip work on the no-change rebuild: {', '.join(m['zip_calls']) or 'none'}")
    if added > TARGET or m["zip_calls"] or longest > 4096:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
