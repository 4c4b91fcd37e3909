"""Where a page's time goes in a page run, beside the markdown-it-py floor's parse and render of the same pages.

One process, no workers: each page is parsed, checked and turned into the site's and the JSON export's parts
(with packing) exactly as pipeline/pages.py `PageRun.page` does, each step timed; the floor (CommonMark +
tables, markdown-it-py alone) parses and renders the same bodies. Rounds alternate; the medians are printed
in milliseconds per page.

Run: .venv/bin/python -m bench.page_costs [--pages 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections import defaultdict

from markdown_it import MarkdownIt

from bench.common import ROOT
from bench.generate import generate
from pipeline import manifest
from pipeline.build import check, listed_pages
from pipeline.checks import Context, check_page, page_checks
from pipeline.config import Config
from pipeline.load import load
from pipeline.pagecache import PageCache
from pipeline.pages import pack
from pipeline.parse import parse
from pipeline.render import renderer, site_search
from pipeline.render.markup import SiteHtml

STEPS = ("floor parse", "floor render", "parse", "page checks", "site part", "json part", "packing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    source = generate(args.pages, ROOT / "bench" / "work" / f"costs-source-{args.pages}")
    book = check(Config(source=source, out=source.parent / "costs-out"), PageCache()).book
    assert book is not None
    sources, _ = load(source)
    assert sources.manifest is not None and sources.manifest_doc is not None
    listed = listed_pages(sources, manifest.manifest(sources.manifest, sources.manifest_doc))
    floor = MarkdownIt("commonmark").enable("table")
    site, export = renderer("html"), renderer("json")
    spent: dict[str, list[float]] = defaultdict(list)
    by_check: dict[str, list[float]] = defaultdict(list)
    searches: list[float] = []
    floor.render(listed[0][0].body)  # both parsers built and warm before anything is timed
    parse(*listed[0])
    gc.disable()  # as in a page worker
    for _ in range(args.rounds):
        took = dict.fromkeys(STEPS, 0.0)
        checks: dict[str, float] = defaultdict(float)
        search = 0.0
        bodies = [raw.body for raw, _id, _meta in listed]
        started = time.perf_counter()
        tokens = [floor.parse(body) for body in bodies]
        took["floor parse"] = time.perf_counter() - started
        started = time.perf_counter()
        for parsed in tokens:
            floor.renderer.render(parsed, floor.options, {})
        took["floor render"] = time.perf_counter() - started
        del tokens
        ctx = Context(book)
        for raw, page_id, meta in listed:
            marks = [time.perf_counter()]
            page = parse(raw, page_id, meta)
            marks.append(time.perf_counter())
            check_page(page, ctx)
            marks.append(time.perf_counter())
            rendered = SiteHtml(page, book)
            parts = [site.page_part(page, book, rendered)]
            marks.append(time.perf_counter())
            parts.append(export.page_part(page, book, rendered))
            marks.append(time.perf_counter())
            for part in parts:
                pack(part)
            marks.append(time.perf_counter())
            for step, begin, end in zip(STEPS[2:], marks[:-1], marks[1:], strict=True):
                took[step] += end - begin
            for each in page_checks():  # again, one at a time (untimed above), the page's tables already read
                started = time.perf_counter()
                list(each(page, ctx))
                checks[each.__module__.rsplit(".", 1)[-1]] += time.perf_counter() - started
            started = time.perf_counter()
            site_search.page_entry(page, rendered.get()[0].body)  # the site part's search entry, again
            search += time.perf_counter() - started
        gc.collect()
        for step, seconds in took.items():
            spent[step].append(seconds * 1000 / len(listed))
        for name, seconds in checks.items():
            by_check[name].append(seconds * 1000 / len(listed))
        searches.append(search * 1000 / len(listed))
    medians = {step: statistics.median(values) for step, values in spent.items()}
    floor_total = medians["floor parse"] + medians["floor render"]
    ours = sum(medians[step] for step in STEPS[2:])
    print(f"{len(listed)} pages, medians of {args.rounds} rounds, milliseconds per page")
    for step in STEPS:
        print(f"  {step:<14} {medians[step]:6.2f}")
    print(f"  {'floor':<14} {floor_total:6.2f}  (parse + render)")
    print(f"  {'page run':<14} {ours:6.2f}  {ours / floor_total:.2f}× the floor")
    print(f"  of the site part, its search entry: {statistics.median(searches):.2f}")
    print("  page checks one at a time:")
    for name, values in sorted(by_check.items(), key=lambda item: -statistics.median(item[1])):
        print(f"    {name:<12} {statistics.median(values):6.2f}")


if __name__ == "__main__":
    main()
