"""SCORM packaging on the 1,000-page handbook: what both packages add to the HTML build (target ≤ 20%),
and a no-change rebuild, which must do no zip work at all.

Run: .venv/bin/python -m bench.package_bench [--pages 1000] [--runs 1]
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


def cold_build(source: Path, out: Path, formats: list[str], runs: int) -> float:
    """Median seconds of `handbook build` into an emptied folder (no cache left from a previous run)."""
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


def seconds(work: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def in_process(source: Path, site_out: Path, runs: int) -> dict[str, Any]:
    """The HTML renderer and the packager on the same parsed book, so check time does not dilute the ratio."""
    from pipeline.build import check
    from pipeline.config import Config
    from pipeline.package import archive, packager
    from pipeline.package.controls import VERSIONS
    from pipeline.render import html

    book = check(Config(source=source)).book
    assert book is not None
    config = Config(source=source, out=site_out)

    def render_html() -> None:
        shutil.rmtree(site_out, ignore_errors=True)
        html.render(book, site_out, config)

    def package(cache: Path) -> None:
        packager._PACKED.clear()  # cold: nothing deflated by an earlier run in this process
        for version in VERSIONS.values():
            packager.build_package(book, site_out / "html", version, WORK / "package-out", cache)

    html_time = seconds(render_html, runs)
    caches = iter(WORK / f"package-cache-{n}" for n in range(runs))
    for cache in [WORK / f"package-cache-{n}" for n in range(runs)]:
        shutil.rmtree(cache, ignore_errors=True)
    package_time = seconds(lambda: package(next(caches)), runs)

    zip_calls = []
    originals = archive.pack_all, archive.write_zip
    archive.pack_all = lambda *a, **k: zip_calls.append("pack_all") or originals[0](*a, **k)  # type: ignore[assignment]
    archive.write_zip = lambda *a, **k: zip_calls.append("write_zip") or originals[1](*a, **k)  # type: ignore[assignment]
    try:
        rebuild_time = seconds(lambda: package(WORK / "package-cache-0"), runs)
    finally:
        archive.pack_all, archive.write_zip = originals
    return {"html": html_time, "package": package_time, "rebuild": rebuild_time, "zip_calls": zip_calls}


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
    args = parser.parse_args()
    source = WORK / f"source-{args.pages}"
    if not (source / "handbook.yaml").is_file():
        generate(args.pages, source)
    html_only = cold_build(source, WORK / "out-html", ["html"], args.runs)
    with_packages = cold_build(source, WORK / "out-scorm", ["html", "scorm12", "scorm2004"], args.runs)
    measured = in_process(source, WORK / "out-package-site", args.runs)
    sections, longest = suspend_bound(next((WORK / "out-scorm" / "scorm").glob("*-scorm12.zip")))
    print(f"{args.pages} pages, {args.runs} run(s), medians; both packages (SCORM 1.2 and 2004)\n")
    print(table([("handbook build --format html", html_only),
                 ("... --format html,scorm12,scorm2004", with_packages)], "handbook build --format html"))
    print()
    print(table([("html renderer (in process)", measured["html"]), ("both packages, cold", measured["package"]),
                 ("both packages, no change", measured["rebuild"])], "html renderer (in process)"))
    for path in sorted((WORK / "out-scorm" / "scorm").glob("*.zip")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    print(f"suspend_data for {sections} sections: at most {longest} characters (SCORM 1.2 limit 4,096)")
    added = measured["package"] / measured["html"]
    print(f"\npackaging adds {added:.0%} to the HTML render (target ≤ {TARGET:.0%}); "
          f"end to end {(with_packages - html_only) / html_only:+.0%} (noisier: two separate builds)")
    print(f"zip work on the no-change rebuild: {measured['zip_calls'] or 'none'}")
    if added > TARGET or measured["zip_calls"] or longest > 4096:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
