"""One SCO per page at run time, against scorm-again as the LMS, SCORM 1.2 and 2004, in headless Chromium."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.browser_scorm.scorm_lms import VERSIONS, Lms, need_browser
from tests.browser_scorm.test_scorm_runtime import TIME, Learner, assert_no_score, assert_protocol
from tests.scorm_helpers import generate

pytestmark = [pytest.mark.browser]
SPY = """() => {
    const host = window.HandbookSCORM;
    window.reported = [];
    for (const name of ['viewed', 'position', 'answer']) {
        const original = host[name];
        host[name] = function () {
            window.reported.push([name, arguments[0], arguments[1]]);
            return original.apply(this, arguments);
        };
    }
}"""


@pytest.fixture(scope="module")
def per_page(lms: Lms, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, list[str]]]:
    """The three-page handbook with `scorm: {scos: per-page}`, both versions, and again with the last-page
    rule, unpacked under the web root: key → (URL folder, each item's launch file in the manifest's order)."""
    need_browser()
    from pipeline.build import build
    from pipeline.config import Config

    work = tmp_path_factory.mktemp("scorm-per-page")
    source = generate(3, work / "source")
    manifest = source / "handbook.yaml"
    base = manifest.read_text("utf-8") + "scorm:\n  scos: per-page\n"
    packages = {}
    for rule, extra in (("", ""), ("last-page ", "  completion: last-page\n")):
        manifest.write_text(base + extra, "utf-8")
        result = build(Config(source=source, out=work / f"out{len(rule)}", formats=("scorm12", "scorm2004")))
        assert result.ok, [d.message for d in result.diagnostics]
        for version in VERSIONS:
            (packages[rule + version],) = result.by_format[f"scorm{version.replace('.', '')}"]
    folders = {}
    for key, zip_path in packages.items():
        name = "perpage" + key.replace(".", "").replace(" ", "-")
        target = lms.webroot / name
        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(target)
        folders[key] = (f"/{name}", launch_files(target / "imsmanifest.xml"))
    return folders


def launch_files(manifest: Path) -> list[str]:
    """What the LMS launches for each item, in order: the href of the resource the item names."""
    root = etree.parse(str(manifest)).getroot()
    ns = {"cp": root.nsmap[None]}
    hrefs = {r.get("identifier"): r.get("href") for r in root.iterfind(".//cp:resource", ns)}
    return [str(hrefs[item.get("identifierref")]) for item in root.iterfind(".//cp:item", ns)]


class PageLearner(Learner):
    """A learner launched into one page's SCO (the item's launch file) rather than the handbook's."""

    def __init__(self, page: Any, lms: Lms, folder: str, version: str, launch_file: str) -> None:
        super().__init__(page, lms, folder, version)
        self.launch_file = launch_file

    def launch(
        self, seed: dict[str, str] | None = None, commit_url: str | None = None, missing: tuple[str, ...] = ()
    ) -> None:
        self.page.goto(f"{self.lms.base}/host.html")
        src = f"{self.folder}/{self.launch_file}"
        options = {"version": self.version, "seed": seed, "commitUrl": commit_url, "src": src, "missing": list(missing)}
        self.page.evaluate("o => launch(o)", options)
        self.wait_for_site()
        self.sco.evaluate(SPY)

    def reported(self, kind: str, doc: str) -> list[Any]:
        """What the page agent reported to the session about ``doc`` (counted or not)."""
        return [r[2] for r in self.sco.evaluate("() => window.reported") if r[0] == kind and r[1] == doc]

    def scroll_through(self, doc: str) -> None:
        """Scroll a page of the site that this SCO does not track to its end, until the agent reported it."""
        count = self.site.evaluate("() => document.querySelectorAll('section.hb-section').length")
        for index in range(count):
            self.site.evaluate(
                "i => document.querySelectorAll('section.hb-section')[i]"
                ".scrollIntoView({block: 'end', behavior: 'instant'})",
                index,
            )
            self.sco.wait_for_function(
                "a => window.reported.some(r => r[0] === 'viewed' && r[1] === a[0] && r[2] === a[1])", arg=[doc, index]
            )


@pytest.fixture
def learner(
    chromium: Any, lms: Lms, per_page: dict[str, tuple[str, list[str]]], request: pytest.FixtureRequest
) -> Iterator[PageLearner]:
    """A learner in the second page's SCO of the package named by the test's parameter."""
    key = request.param
    folder, launches = per_page[key]
    context = chromium.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    try:
        yield PageLearner(page, lms, folder, key.split()[-1], launches[1])
    finally:
        context.close()


def own_page(learner: PageLearner) -> str:
    ((doc, count),) = learner.config()["pages"]
    assert count > 3
    return str(doc)


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_the_second_pages_sco_completes_when_its_page_is_read(learner: PageLearner) -> None:
    names = learner.names
    learner.launch()
    doc = own_page(learner)
    assert learner.site.url.endswith(f"/{doc}.html")  # the SCO opens its own page
    assert learner.calls()[0]["method"] == names["init"]
    assert learner.sets(names["status"]) == ["incomplete"]
    total = learner.state()["total"]
    assert total == dict(learner.config()["pages"])[doc]  # progress counts this page's sections only

    learner.site.click("a[href^='skill-progression-map-0001.html']")  # the page's link to the previous page
    learner.site.wait_for_url("**/skill-progression-map-0001.html#*")
    learner.site.wait_for_load_state("load")
    bookmark = learner.state()["location"]
    assert bookmark.startswith(f"{doc}#")  # where the reader was in this SCO's page when leaving it
    learner.scroll_through("skill-progression-map-0001")
    assert learner.state()["viewed"] == 0 and learner.state()["status"] == "incomplete"
    assert learner.reported("position", "skill-progression-map-0001")  # reported, and ignored:
    assert learner.state()["location"] == bookmark  # the bookmark never leaves this SCO's page

    learner.open(doc)
    learner.read(doc)
    state = learner.state()
    assert state["viewed"] == state["total"] == total and state["status"] == "completed"
    learner.page.wait_for_function("n => window.lmsCalls.filter(c => c.method === n).length > 1", arg=names["commit"])
    learner.leave()
    assert_protocol(learner)
    sets = [(c["args"][0], c["args"][1]) for c in learner.calls() if c["method"] == names["set"]]
    assert learner.sets(names["status"]) == ["incomplete", "completed"]
    assert_no_score(learner)  # reading is not a grade: nothing is scored
    assert learner.sets(names["exit"]) == ["suspend", names["done_exit"]]
    assert TIME[learner.version].match(learner.sets(names["time"])[-1])
    if learner.version == "2004":
        assert ("cmi.progress_measure", "1") in sets[: sets.index((names["status"], "completed"))]
        assert [float(p) for p in learner.sets("cmi.progress_measure")] == sorted(
            float(p) for p in learner.sets("cmi.progress_measure")
        )
    assert all(location.startswith(f"{doc}#") for location in learner.sets(names["location"]))
    assert learner.cmi()[names["status"]] == "completed"
    assert not learner.errors


def answer_every_row(learner: PageLearner) -> tuple[str, list[str]]:
    """Answer each row of the shown page's first rubric; its id and question ids."""
    table = learner.site.query_selector("table.rubric[data-rubric]")
    rows = table.query_selector_all("tbody tr[data-question]")
    for row in rows:
        row.query_selector_all("button.rubric-choice")[1].click()
    assert table.get_attribute("data-result")  # every row answered: the site shows a level
    return str(table.get_attribute("data-rubric")), [str(r.get_attribute("data-question")) for r in rows]


def interaction_sets(learner: PageLearner) -> list[tuple[str, str]]:
    return [
        (c["args"][0], c["args"][1])
        for c in learner.calls()
        if c["method"] == learner.names["set"] and c["args"][0].startswith("cmi.interactions.")
    ]


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_interactions_come_from_the_rubric_of_its_own_page_only(learner: PageLearner) -> None:
    learner.launch()
    doc = own_page(learner)
    learner.open("skill-progression-map-0001")
    other, _ = answer_every_row(learner)
    assert learner.reported("answer", "skill-progression-map-0001")  # reported, and ignored:
    assert interaction_sets(learner) == []
    learner.open(doc)
    rubric, questions = answer_every_row(learner)
    assert rubric.startswith(doc) and rubric != other
    learner.page.wait_for_function(
        "n => window.lmsCalls.filter(c => c.method === n).length > 1", arg=learner.names["commit"]
    )
    learner.leave()
    assert_protocol(learner)
    cmi = learner.cmi()
    ids = [cmi[f"cmi.interactions.{n}.id"] for n in range(len(questions) + 2) if f"cmi.interactions.{n}.id" in cmi]
    assert ids == [f"{rubric}_{q}" for q in questions] + [f"{rubric}_result"]
    assert not [value for _, value in interaction_sets(learner) if other in value]
    assert not learner.errors


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_leave_half_way_then_resume_at_the_bookmark_in_the_page(learner: PageLearner) -> None:
    names = learner.names
    learner.launch(commit_url="/commit")
    learner.lms.commits.clear()
    doc = own_page(learner)
    learner.read(doc, range(4))
    bookmark = learner.state()["location"]
    assert bookmark.startswith(f"{doc}#") and bookmark != f"{doc}#"
    viewed = learner.state()["viewed"]
    assert 4 <= viewed < learner.state()["total"]
    learner.open("index")  # elsewhere in the site: the bookmark stays in the page
    assert learner.reported("position", "index") and learner.state()["location"] == bookmark
    learner.page.close()  # the learner closes the tab half-way
    saved = [c for c in learner.lms.commits if c.get(names["location"]) and c.get("cmi.suspend_data")]
    assert saved, learner.lms.commits
    last = saved[-1]
    assert last[names["location"]] == bookmark and last[names["exit"]] == "suspend"
    assert last[names["status"]] == "incomplete" and len(last["cmi.suspend_data"]) < 40  # one page's bits

    learner.page = learner.page.context.new_page()
    learner.page.on("pageerror", lambda error: learner.errors.append(str(error)))
    seed = {
        names["location"]: bookmark,
        "cmi.suspend_data": last["cmi.suspend_data"],
        names["status"]: "incomplete",
        names["entry"]: "resume",
    }
    learner.launch(seed=seed)
    assert learner.site.url.endswith(f"/{doc}.html")
    top, height = learner.site.evaluate(
        "a => [[...document.querySelectorAll('section.hb-section')].find(s => s.dataset.section === a)"
        ".getBoundingClientRect().top, window.innerHeight]",
        bookmark.split("#", 1)[1],
    )
    assert 0 <= top <= height / 4  # back at the bookmarked section, not at the top of the page
    assert learner.state()["viewed"] >= viewed and learner.state()["location"] == bookmark
    learner.leave()
    assert_protocol(learner)
    assert set(learner.sets(names["exit"])) == {"suspend"}
    assert names["status"] not in [c["args"][0] for c in learner.calls() if c["method"] == names["set"]]
    assert not learner.errors


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_review_mode_writes_nothing(learner: PageLearner) -> None:
    names = learner.names
    learner.launch(seed={names["mode"]: "review", names["status"]: "incomplete"})
    doc = own_page(learner)
    learner.read(doc)
    answer_every_row(learner)
    assert learner.state()["review"] is True
    learner.leave()
    assert_protocol(learner)
    assert learner.sets() == []
    assert not learner.errors


@pytest.mark.parametrize("learner", [f"last-page {v}" for v in VERSIONS], indirect=True)
def test_last_page_rule_completes_a_page_at_its_last_section(learner: PageLearner) -> None:
    learner.launch()
    doc = own_page(learner)
    assert learner.config()["completion"] == "last-section"
    learner.read(doc, range(2))
    assert learner.state()["status"] == "incomplete"  # reaching the page is not enough
    last = dict(learner.config()["pages"])[doc] - 1
    learner.read(doc, range(last, last + 1))
    learner.sco.wait_for_function("() => window.HandbookSCORM.state().status === 'completed'")
    assert learner.state()["viewed"] < learner.state()["total"]
    learner.leave()
    assert_protocol(learner)
    assert learner.sets(learner.names["status"]) == ["incomplete", "completed"]
    assert learner.sets(learner.names["exit"])[-1] == learner.names["done_exit"]
    assert not learner.errors


@pytest.mark.parametrize("version", VERSIONS)
def test_every_items_launch_file_opens_its_own_page(
    chromium: Any, lms: Lms, per_page: dict[str, tuple[str, list[str]]], version: str
) -> None:
    folder, launches = per_page[version]
    assert len(launches) == 3
    context = chromium.new_context()
    try:
        for n, launch in enumerate(launches, start=1):
            learner = PageLearner(context.new_page(), lms, folder, version, launch)
            learner.launch()
            assert learner.site.url.endswith(f"/skill-progression-map-000{n}.html")
            assert [doc for doc, _ in learner.config()["pages"]] == [f"skill-progression-map-000{n}"]
            learner.leave()
            assert_protocol(learner)
    finally:
        context.close()
