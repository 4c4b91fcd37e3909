"""The run-time's state for the 1,000-page handbook: under 1.2's 4,096 characters, and restored exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipeline.package.info import PackageInfo
from pipeline.package.launch import launch_page, runtime_files
from pipeline.package.site import LAUNCH, Site
from tests.browser_scorm.scorm_lms import VERSIONS, Lms

pytestmark = [pytest.mark.browser]
PAGES = 1000  # bench/generate.py 1000: the sample page a thousand times


def thousand_pages(lms: Lms, packages: dict[str, str], version: str) -> str:
    """The launch page and run-time of a package with the 1,000-page handbook's section layout."""
    built = lms.webroot / packages[version].strip("/") / LAUNCH
    config = json.loads(built.read_text("utf-8").split('id="hb-scorm-config">', 1)[1].split("</script>", 1)[0])
    sample_page = config["pages"][0][0]
    anchors = tuple(built.with_name(f"{sample_page}.html").read_text("utf-8").split('data-section="')[1:])
    anchors = tuple(a.split('"', 1)[0] for a in anchors)
    ids = [f"skill-progression-map-{n:04d}" for n in range(1, PAGES + 1)]
    site = Site(sections={**dict.fromkeys(ids, anchors), "index": ()})
    info = PackageInfo("skill-progression-map", "Skill Progression Map", "", "en", "1.0", "", (), 20 * PAGES)
    folder = lms.webroot / f"thousand{version.replace('.', '')}"
    for name, data in {**runtime_files(), LAUNCH: launch_page(info, version, ids, site, "sections")}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / "index.html").write_text("<!DOCTYPE html><title>home</title><p>home</p>", "utf-8")
    return f"/{folder.name}"


@pytest.mark.parametrize("version", VERSIONS)
def test_state_of_a_worst_case_reader_of_1000_pages_fits_and_resumes(
    chromium: Any, lms: Lms, packages: dict[str, str], version: str
) -> None:
    folder = thousand_pages(lms, packages, version)
    names = {
        "1.2": ("LMSSetValue", "LMSFinish", "cmi.core.entry", "cmi.core.lesson_location"),
        "2004": ("SetValue", "Terminate", "cmi.entry", "cmi.location"),
    }[version]
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"{lms.base}/host.html")
        page.evaluate("o => launch(o)", {"version": version, "src": f"{folder}/{LAUNCH}"})
        sco = page.wait_for_selector("#sco").content_frame()
        sco.wait_for_function("() => window.HandbookSCORM && window.HandbookSCORM.state().connected")
        # every other section of every page: the pattern that compresses worst
        expected = sco.evaluate("""() => {
            const config = JSON.parse(document.getElementById('hb-scorm-config').textContent);
            let n = 0; const seen = {};
            for (const [doc, count] of config.pages) {
                seen[doc] = [];
                for (let i = 0; i < count; i++, n++) {
                    if (n % 2 === 0) { window.HandbookSCORM.viewed(doc, i); seen[doc].push(i); }
                }
            }
            return seen;
        }""")
        total = sco.evaluate("() => window.HandbookSCORM.state().total")
        assert total >= 7 * PAGES
        page.evaluate("() => leave()")
        page.wait_for_function("n => window.lmsCalls.some(c => c.method === n)", arg=names[1])
        states = page.evaluate(
            "n => window.lmsCalls.filter(c => c.method === n && c.args[0] === 'cmi.suspend_data').map(c => c.args[1])",
            names[0],
        )
        assert len(states) == (total + 1) // 2 + 1  # one save per newly read section, plus the first launch
        assert max(len(s) for s in states) <= 4096
        last = states[-1]

        page = context.new_page()
        page.goto(f"{lms.base}/host.html")
        seed = {"cmi.suspend_data": last, names[2]: "resume", names[3]: "index"}
        page.evaluate("o => launch(o)", {"version": version, "src": f"{folder}/{LAUNCH}", "seed": seed})
        sco = page.wait_for_selector("#sco").content_frame()
        sco.wait_for_function("() => window.HandbookSCORM && window.HandbookSCORM.state().connected")
        restored = sco.evaluate(
            "docs => Object.fromEntries(docs.map(d => [d, window.HandbookSCORM.seen(d)]))", list(expected)
        )
        assert restored == expected
    finally:
        context.close()
