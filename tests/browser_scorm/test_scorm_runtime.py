"""The packages' run-time against scorm-again as the LMS, SCORM 1.2 and 2004, in headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_scorm.scorm_lms import VERSIONS, Lms

pytestmark = [pytest.mark.browser]

NAMES = {
    "1.2": {
        "init": "LMSInitialize",
        "set": "LMSSetValue",
        "commit": "LMSCommit",
        "finish": "LMSFinish",
        "status": "cmi.core.lesson_status",
        "location": "cmi.core.lesson_location",
        "exit": "cmi.core.exit",
        "time": "cmi.core.session_time",
        "score": "cmi.core.score.",
        "entry": "cmi.core.entry",
        "mode": "cmi.core.lesson_mode",
        "done_exit": "",
    },
    "2004": {
        "init": "Initialize",
        "set": "SetValue",
        "commit": "Commit",
        "finish": "Terminate",
        "status": "cmi.completion_status",
        "location": "cmi.location",
        "exit": "cmi.exit",
        "time": "cmi.session_time",
        "score": "cmi.score.",
        "entry": "cmi.entry",
        "mode": "cmi.mode",
        "done_exit": "normal",
    },
}
TIME = {"1.2": re.compile(r"^\d{4}:[0-5]\d:[0-5]\d\.\d\d$"), "2004": re.compile(r"^PT(\d+H)?(\d+M)?\d+(\.\d{1,2})?S$")}


class Learner:
    """A learner in the test LMS: launches the SCO, reads pages, answers, leaves."""

    def __init__(self, page: Any, lms: Lms, folder: str, version: str) -> None:
        self.page, self.lms, self.folder, self.version = page, lms, folder, version
        self.names = NAMES[version]
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def launch(
        self, seed: dict[str, str] | None = None, commit_url: str | None = None, missing: tuple[str, ...] = ()
    ) -> None:
        self.page.goto(f"{self.lms.base}/host.html")
        self.page.evaluate(
            "o => launch(o)",
            {
                "version": self.version,
                "seed": seed,
                "commitUrl": commit_url,
                "src": f"{self.folder}/scorm_launch.html",
                "missing": list(missing),
            },
        )
        self.wait_for_site()

    def wait_for_site(self) -> None:
        """Until the launch page runs and its frame holds a loaded page of the site (not the initial blank one)."""
        self.page.wait_for_selector("#sco")
        self.sco.wait_for_function(
            """() => {
                const frame = document.getElementById('hb-frame');
                const doc = window.HandbookSCORM && frame && frame.src && frame.contentDocument;
                return Boolean(doc && doc.location.href !== 'about:blank' && doc.readyState === 'complete');
            }"""
        )

    @property
    def sco(self) -> Any:
        return self.page.query_selector("#sco").content_frame()

    @property
    def site(self) -> Any:
        return self.sco.query_selector("#hb-frame").content_frame()

    def state(self) -> dict[str, Any]:
        return dict(self.sco.evaluate("() => window.HandbookSCORM.state()"))

    def config(self) -> dict[str, Any]:
        return dict(self.sco.evaluate("() => JSON.parse(document.getElementById('hb-scorm-config').textContent)"))

    def calls(self) -> list[dict[str, Any]]:
        return list(self.page.evaluate("() => window.lmsCalls"))

    def sets(self, element: str | None = None) -> list[str]:
        return [
            c["args"][1]
            for c in self.calls()
            if c["method"] == self.names["set"] and (element is None or c["args"][0] == element)
        ]

    def open(self, doc: str) -> None:
        self.site.evaluate("d => { window.location.href = d + '.html'; }", doc)
        self.site.wait_for_url(f"**/{doc}.html")
        self.site.wait_for_load_state("load")

    def read(self, doc: str, sections: range | None = None) -> None:
        """Scroll each section's end into view, waiting until the session has counted it."""
        count = dict(self.config()["pages"])[doc]
        for index in sections if sections is not None else range(count):
            self.site.evaluate(
                "i => document.querySelectorAll('section.hb-section')[i]"
                ".scrollIntoView({block: 'end', behavior: 'instant'})",
                index,
            )
            self.sco.wait_for_function("a => window.HandbookSCORM.seen(a[0]).indexOf(a[1]) >= 0", arg=[doc, index])

    def cmi(self) -> dict[str, str]:
        """The LMS's data model, flattened to dotted names."""
        flat: dict[str, str] = {}

        def walk(value: Any, prefix: str) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    walk(item, f"{prefix}.{key}" if prefix else key)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    walk(item, f"{prefix}.{index}")
            else:
                flat[prefix] = "" if value is None else str(value)

        walk(self.page.evaluate("() => cmiState()"), "")
        return flat

    def leave(self) -> None:
        self.page.evaluate("() => leave()")
        self.page.wait_for_function("n => window.lmsCalls.some(c => c.method === n)", arg=self.names["finish"])


@pytest.fixture
def learner(chromium: Any, lms: Lms, packages: dict[str, str], request: pytest.FixtureRequest) -> Iterator[Learner]:
    key = request.param  # "1.2", "2004", or "last-page 1.2" for that completion rule
    context = chromium.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    try:
        yield Learner(page, lms, packages[key], key.split()[-1])
    finally:
        context.close()


def assert_protocol(learner: Learner) -> None:
    """Initialize first, Finish/Terminate last and once, every value accepted, 1.2 limits kept."""
    names, calls = learner.names, learner.calls()
    assert calls[0]["method"] == names["init"] and calls[0]["result"] == "true"
    assert calls[-1]["method"] == names["finish"] and calls[-1]["result"] == "true"
    assert [c["method"] for c in calls].count(names["finish"]) == 1
    assert [c["method"] for c in calls].count(names["init"]) == 1
    rejected = [c for c in calls if c["method"] in (names["set"], names["commit"]) and c["result"] != "true"]
    assert not rejected, rejected
    for value in learner.sets(names["location"]):
        assert len(value) <= 255  # cmi.core.lesson_location is CMIString255 in 1.2
    for value in learner.sets("cmi.suspend_data"):
        assert len(value) <= 4096  # cmi.suspend_data is CMIString4096 in 1.2; scorm-again allows 64000


def assert_no_score(learner: Learner) -> None:
    """No cmi.score.* was set, and the LMS holds no score: an LMS gradebook would show it as a grade."""
    prefix = learner.names["score"]
    calls = learner.calls()
    assert not [c["args"] for c in calls if c["method"] == learner.names["set"] and c["args"][0].startswith(prefix)]
    cmi = learner.cmi()
    assert cmi.get(prefix + "raw", "") in ("", None), cmi.get(prefix + "raw")


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_read_everything_completes(learner: Learner) -> None:
    learner.launch()
    names = learner.names
    assert learner.sets(names["status"]) == ["incomplete"]  # first launch: incomplete, at once
    pages = [page_id for page_id, _ in learner.config()["pages"]]
    for doc in pages:
        learner.open(doc)
        learner.read(doc)
    state = learner.state()
    assert state["viewed"] == state["total"] and state["status"] == "completed"
    learner.page.wait_for_function("n => window.lmsCalls.filter(c => c.method === n).length > 1", arg=names["commit"])
    learner.leave()
    assert_protocol(learner)
    calls = learner.calls()
    sets = [(c["args"][0], c["args"][1]) for c in calls if c["method"] == names["set"]]
    assert learner.sets(names["status"]) == ["incomplete", "completed"]
    assert_no_score(learner)  # reading is not a grade: nothing is scored
    assert learner.sets(names["exit"]) == ["suspend", names["done_exit"]]
    assert TIME[learner.version].match(learner.sets(names["time"])[-1])
    if learner.version == "2004":
        done = sets.index((names["status"], "completed"))
        progress = [float(value) for name, value in sets[:done] if name == "cmi.progress_measure"]
        assert progress[-1] == 1  # progress before the status
        assert progress == sorted(progress) and progress[0] == 0 and len(set(progress)) > 2  # section by section
        assert learner.cmi()["cmi.progress_measure"] in ("1", 1)
    # the last change was committed before finishing, and the LMS holds it
    assert calls[-2]["method"] == names["commit"]
    cmi = learner.cmi()
    assert cmi[names["status"]] == "completed"
    assert cmi[names["location"]].startswith(pages[-1])
    assert not learner.errors


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_leave_half_way_then_resume_at_the_bookmark(learner: Learner) -> None:
    names = learner.names
    learner.launch(commit_url="/commit")
    learner.lms.commits.clear()
    pages = [page_id for page_id, _ in learner.config()["pages"]]
    learner.open(pages[1])
    learner.read(pages[1], range(4))
    bookmark = learner.state()["location"]
    assert bookmark.startswith(pages[1] + "#")
    viewed = learner.state()["viewed"]
    learner.page.close()  # the learner closes the tab half-way
    saved = [c for c in learner.lms.commits if c.get(names["location"]) and c.get("cmi.suspend_data")]
    assert saved, learner.lms.commits
    last = saved[-1]
    assert last[names["location"]] == bookmark
    assert len(last["cmi.suspend_data"]) <= 4096 and len(last[names["location"]]) <= 255
    assert last[names["status"]] == "incomplete"
    assert last[names["exit"]] == "suspend"  # kept current, as the save during unload may be blocked

    # relaunch with the data the LMS kept: entry=resume
    learner.page = learner.page.context.new_page()
    learner.page.on("pageerror", lambda error: learner.errors.append(str(error)))
    seed = {
        names["location"]: last[names["location"]],
        "cmi.suspend_data": last["cmi.suspend_data"],
        names["status"]: "incomplete",
        names["entry"]: "resume",
    }
    learner.launch(seed=seed)
    assert learner.site.url.endswith(f"/{pages[1]}.html")
    anchor = bookmark.split("#", 1)[1]
    top, height = learner.site.evaluate(
        "a => [[...document.querySelectorAll('section.hb-section')].find(s => s.dataset.section === a)"
        ".getBoundingClientRect().top, window.innerHeight]",
        anchor,
    )
    assert 0 <= top <= height / 4  # back at the bookmarked section (below the sticky header), not at the top
    assert learner.state()["viewed"] >= viewed  # what was read before still counts
    assert learner.state()["location"] == bookmark
    learner.leave()
    assert_protocol(learner)
    assert set(learner.sets(names["exit"])) == {"suspend"}  # unfinished: suspend, or the LMS may wipe progress
    assert names["status"] not in [c["args"][0] for c in learner.calls() if c["method"] == names["set"]]
    assert not learner.errors


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_review_mode_changes_nothing(learner: Learner) -> None:
    names = learner.names
    seed = {names["mode"]: "review", names["status"]: "incomplete", names["location"]: "index"}
    learner.launch(seed=seed)
    doc = learner.config()["pages"][0][0]
    learner.open(doc)
    learner.read(doc)
    learner.site.click("table.rubric tbody tr[data-question] button.rubric-choice")
    assert learner.state()["review"] is True
    learner.leave()
    assert_protocol(learner)
    assert learner.sets() == []  # review: look, never overwrite
    assert learner.cmi()[names["status"]] == "incomplete"
    assert not learner.errors


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_self_assessment_answers_become_interactions(learner: Learner) -> None:
    learner.launch()
    doc = learner.config()["pages"][0][0]
    learner.open(doc)
    table = learner.site.query_selector("table.rubric[data-rubric]")
    rubric = table.get_attribute("data-rubric")
    levels = [th.get_attribute("data-level") for th in table.query_selector_all("thead th[data-level]")]
    rows = table.query_selector_all("tbody tr[data-question]")
    for row, column in zip(rows, [0, 1, 1, 2, 4, 1, 2, 3, 0, 1], strict=False):
        row.query_selector_all("button.rubric-choice")[column].click()
    learner.page.wait_for_function(
        "n => window.lmsCalls.filter(c => c.method === n).length > 1", arg=learner.names["commit"]
    )
    result = table.get_attribute("data-result")
    assert result  # every row answered: the site shows a level
    questions = [row.get_attribute("data-question") for row in rows]
    learner.leave()
    assert_protocol(learner)
    cmi = learner.cmi()
    count = len(rows) + 1
    ids = [cmi[f"cmi.interactions.{n}.id"] for n in range(count)]
    assert ids[:-1] == [f"{rubric}_{question}" for question in questions]
    assert ids[-1] == f"{rubric}_result"
    kind = "choice" if learner.version == "1.2" else "likert"
    assert all(cmi[f"cmi.interactions.{n}.type"] == kind for n in range(count))
    assert all(cmi[f"cmi.interactions.{n}.result"] == "neutral" for n in range(count))
    columns = [0, 1, 1, 2, 4, 1, 2, 3, 0, 1][: len(rows)]
    if learner.version == "1.2":  # 1.2 choice responses are single characters: the level's letter
        responses = [learner.sets(f"cmi.interactions.{n}.student_response")[0] for n in range(count)]
        assert responses == [chr(97 + c) for c in columns] + [chr(97 + levels.index(result))]
    else:
        responses = [cmi[f"cmi.interactions.{n}.learner_response"] for n in range(count)]
        assert responses == [levels[c] for c in columns] + [result]
        assert cmi["cmi.interactions.0.description"]
    assert not learner.errors


@pytest.mark.parametrize("learner", ["2004"], indirect=True)
def test_a_resumed_session_without_interactions_count_journals_after_the_earlier_answers(learner: Learner) -> None:
    """An LMS without cmi.interactions._count (wagtail-lms, scormhost) that hands back what an earlier
    session journaled: new answers go after it, not over it from index 0."""
    earlier = {"cmi.interactions.0.id": "earlier_q1", "cmi.interactions.0.type": "likert"}
    earlier |= {"cmi.interactions.1.id": "earlier_q2", "cmi.interactions.1.type": "likert"}
    learner.launch(seed=earlier, missing=("cmi.interactions._count",))
    doc = learner.config()["pages"][0][0]
    learner.open(doc)
    rubric = learner.site.query_selector("table.rubric[data-rubric]").get_attribute("data-rubric")
    first = learner.site.query_selector("table.rubric tbody tr[data-question]")
    question = first.get_attribute("data-question")
    first.query_selector_all("button.rubric-choice")[1].click()
    learner.page.wait_for_function(
        "() => window.lmsCalls.some(c => c.method === 'SetValue' && /^cmi\\.interactions\\.\\d+\\.id$/.test(c.args[0]))"
    )
    learner.leave()
    cmi = learner.cmi()
    assert [cmi[f"cmi.interactions.{n}.id"] for n in range(3)] == [
        "earlier_q1",
        "earlier_q2",
        f"{rubric}_{question}",
    ]
    assert not learner.errors


@pytest.mark.parametrize("learner", [f"last-page {v}" for v in VERSIONS], indirect=True)
def test_last_page_rule_completes_on_reaching_the_last_page(learner: Learner) -> None:
    learner.launch()
    pages = [page_id for page_id, _ in learner.config()["pages"]]
    assert learner.config()["completion"] == "last-page"
    learner.open(pages[0])
    learner.read(pages[0], range(1))
    assert learner.state()["status"] == "incomplete"
    learner.open(pages[-1])
    learner.sco.wait_for_function("() => window.HandbookSCORM.state().status === 'completed'")
    assert learner.state()["viewed"] < learner.state()["total"]
    learner.leave()
    assert_protocol(learner)
    assert learner.sets(learner.names["status"]) == ["incomplete", "completed"]
    assert learner.sets(learner.names["exit"])[-1] == learner.names["done_exit"]
    assert not learner.errors


@pytest.mark.parametrize("version", VERSIONS)
def test_api_is_found_through_the_opener_of_a_popup(
    chromium: Any, lms: Lms, packages: dict[str, str], version: str
) -> None:
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"{lms.base}/host.html")
        with page.expect_popup() as opened:
            page.evaluate(
                "o => launch(o)", {"version": version, "popup": True, "src": f"{packages[version]}/scorm_launch.html"}
            )
        popup = opened.value
        popup.wait_for_function("() => window.HandbookSCORM && window.HandbookSCORM.state().connected")
        popup.close()  # the learner closes the course window
        finish = NAMES[version]["finish"]
        page.wait_for_function("n => window.lmsCalls.some(c => c.method === n)", arg=finish)
        calls = page.evaluate("() => window.lmsCalls")
        assert calls[0]["method"] == NAMES[version]["init"] and calls[-1]["method"] == finish
    finally:
        context.close()


@pytest.mark.parametrize("learner", VERSIONS, indirect=True)
def test_search_works_inside_the_launched_package(learner: Learner) -> None:
    """The header's search box in the LMS's frame: search.html loads the index and its shards from the package,
    finds the phrase of the third page, and its hit opens that page, which the session sees."""
    learner.launch()
    site = learner.site
    site.fill("#site-search-q", '"in team 3."')
    site.press("#site-search-q", "Enter")
    site.wait_for_url("**/search.html?q=*")
    site.wait_for_selector(".search-form[data-ready='true']")
    hits = site.locator(".search-hit__link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hits and {hit.split("#")[0] for hit in hits} == {"skill-progression-map-0003.html"}
    assert site.locator(".search-hit mark").first.inner_text() == "in team 3."
    site.locator(".search-hit__link").first.click()
    site.wait_for_url("**/skill-progression-map-0003.html*")
    learner.sco.wait_for_function(
        "() => window.HandbookSCORM.state().location.startsWith('skill-progression-map-0003')"
    )
    assert learner.errors == []


@pytest.mark.parametrize("version", VERSIONS)
def test_without_an_lms_the_content_is_a_plain_site(
    chromium: Any, lms: Lms, packages: dict[str, str], version: str
) -> None:
    context = chromium.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None)
    page.on("requestfailed", lambda request: problems.append(f"failed {request.url}"))
    page.on(
        "response",
        lambda response: problems.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )
    try:
        page.goto(f"{lms.base}{packages[version]}/scorm_launch.html")
        frame = page.query_selector("#hb-frame").content_frame()
        frame.wait_for_load_state("load")
        assert frame.url.endswith("/index.html")
        assert frame.query_selector("main, body").inner_text().strip()
        assert page.evaluate("() => window.HandbookSCORM.state().connected") is False
        doc = page.evaluate("() => JSON.parse(document.getElementById('hb-scorm-config').textContent).pages[0][0]")
        page.goto(f"{lms.base}{packages[version]}/{doc}.html")  # a page on its own, outside the launch page
        page.click("table.rubric tbody tr[data-question] button.rubric-choice")
        page.mouse.wheel(0, 3000)
        assert page.query_selector("section.hb-section")
        assert not problems, problems
    finally:
        context.close()
