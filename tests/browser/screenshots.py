"""Screenshot site pages at phone and desktop widths, light and dark: python tests/browser/screenshots.py SITE OUT."""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.browser.browser_helpers import browser, serve_folder

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def shoot(site: Path, out: Path, pages: list[str], full_page: bool = True) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    with browser() as chromium, serve_folder(site) as base:
        for name, (width, height) in WIDTHS.items():
            for scheme in ("light", "dark"):
                context = chromium.new_context(
                    viewport={"width": width, "height": height}, color_scheme=scheme, device_scale_factor=1
                )
                page = context.new_page()
                for path in pages:
                    page.goto(base + path)
                    page.wait_for_load_state("load")
                    target = out / f"{Path(path.split('?')[0]).stem}-{name}-{scheme}.png"
                    page.screenshot(path=str(target), full_page=full_page)
                    shots.append(target)
                context.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("pages", nargs="*", default=["index.html", "skill-progression-map.html"])
    parser.add_argument("--viewport", action="store_true", help="only the first screen, not the full page")
    args = parser.parse_args()
    for path in shoot(args.site, args.out, args.pages, not args.viewport):
        print(path)


if __name__ == "__main__":
    main()
