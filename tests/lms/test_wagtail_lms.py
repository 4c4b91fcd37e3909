"""Our packages in a real LMS: wagtail-lms imports them through its admin upload, its player launches
them in Chromium, a learner reads and answers, and its database holds what the run-time sent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.lms.conftest import WagtailLms
from tests.lms.wagtail_project.setup import LEARNER

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WAIT = 30.0  # seconds for the LMS to have stored what the page sent


def settled(lms: WagtailLms, version: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The attempt and its CMI data once the LMS has stopped changing them for a second: the player sends
    SetValue asynchronously, so the last requests may still be under way when the page is gone."""
    deadline, last, quiet = time.monotonic() + WAIT, None, 0.0
    while time.monotonic() < deadline:
        row = attempt(lms, version)
        now = (row, cmi(lms, row["id"]) if row else {})
        if now == last and row:
            quiet += 0.25
            if quiet >= 1.0:
                return now  # type: ignore[return-value]
        else:
            quiet, last = 0.0, now
        time.sleep(0.25)
    raise AssertionError(f"the LMS never settled: {last}")


class LmsLearner:
    """The learner in a browser context of their own: logs in, launches the lesson, reads, answers, leaves."""

    def __init__(self, chromium: Any, lms: WagtailLms) -> None:
        self.lms = lms
        self.context = chromium.new_context(viewport={"width": 1000, "height": 700})
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def login(self, target: str) -> None:
        self.page.goto(f"{self.lms.base}/accounts/login/?next={target}")
        self.page.fill("#id_username", LEARNER[0])
        self.page.fill("#id_password", LEARNER[1])
        self.page.click("#login")
        self.page.wait_for_url(f"**{target}")

    def launch(self, version: str) -> None:
        """From the lesson page, its "Launch SCORM Content" button, into wagtail-lms's player."""
        self.login(self.lms.packages[version]["lesson_url"])
        self.page.click("text=Launch SCORM Content")
        self.page.wait_for_url("**/play/")
        self.page.wait_for_selector("#scorm-frame")
        self.sco.wait_for_function(
            """() => {
                const frame = document.getElementById('hb-frame');
                const doc = window.HandbookSCORM && frame && frame.src && frame.contentDocument;
                return Boolean(doc && doc.location.href !== 'about:blank' && doc.readyState === 'complete');
            }"""
        )

    @property
    def sco(self) -> Any:
        return self.page.query_selector("#scorm-frame").content_frame()

    @property
    def site(self) -> Any:
        return self.sco.query_selector("#hb-frame").content_frame()

    def state(self) -> dict[str, Any]:
        return dict(self.sco.evaluate("() => window.HandbookSCORM.state()"))

    def pages(self) -> list[tuple[str, int]]:
        config = self.sco.evaluate("() => JSON.parse(document.getElementById('hb-scorm-config').textContent)")
        return [(str(doc), int(count)) for doc, count in config["pages"]]

    def open(self, doc: str) -> None:
        self.site.evaluate("d => { window.location.href = d + '.html'; }", doc)
        self.site.wait_for_url(f"**/{doc}.html")
        self.site.wait_for_load_state("load")

    def read(self, doc: str, sections: range) -> None:
        for index in sections:
            self.site.evaluate(
                "i => document.querySelectorAll('section.hb-section')[i]"
                ".scrollIntoView({block: 'end', behavior: 'instant'})",
                index,
            )
            self.sco.wait_for_function("a => window.HandbookSCORM.seen(a[0]).indexOf(a[1]) >= 0", arg=[doc, index])

    def answer_every_row(self) -> tuple[str, list[str]]:
        """The second level in each row of the shown page's first self-assessment table."""
        table = self.site.query_selector("table.rubric[data-rubric]")
        rows = table.query_selector_all("tbody tr[data-question]")
        for row in rows:
            row.query_selector_all("button.rubric-choice")[1].click()
        assert table.get_attribute("data-result")
        return str(table.get_attribute("data-rubric")), [str(r.get_attribute("data-question")) for r in rows]

    def leave(self) -> None:
        """The player's own "Back to Course" link: its beforeunload commits and terminates."""
        self.page.click("text=Back to Course")
        self.page.wait_for_url(f"**{self.lms.packages['1.2']['course_url']}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def learner(chromium: Any, wagtail_lms: WagtailLms) -> Iterator[LmsLearner]:
    person = LmsLearner(chromium, wagtail_lms)
    try:
        yield person
    finally:
        person.close()


def attempt(lms: WagtailLms, version: str) -> dict[str, Any] | None:
    with lms.db() as db:
        row = db.execute(
            "SELECT * FROM wagtail_lms_scormattempt WHERE scorm_package_id = ?", (lms.packages[version]["package"],)
        ).fetchone()
    return dict(row) if row else None


def cmi(lms: WagtailLms, attempt_id: int) -> dict[str, str]:
    """What wagtail-lms keeps of every SetValue: one SCORMData row per element."""
    with lms.db() as db:
        rows = db.execute("SELECT key, value FROM wagtail_lms_scormdata WHERE attempt_id = ?", (attempt_id,))
        return {str(key): str(value) for key, value in rows}


def test_scorm12_import_launch_leave_and_resume(chromium: Any, wagtail_lms: WagtailLms) -> None:
    lms = wagtail_lms
    imported = lms.packages["1.2"]
    # the import, by wagtail-lms itself: the zip extracted, the manifest read
    assert imported["launch_url"] == "scorm_launch.html" and imported["manifest_data"]["version"] == "1.2"
    assert imported["manifest_data"]["title"] == "Skill Progression Map"
    content = lms.state / "media" / "scorm_content" / imported["extracted_path"]
    assert (content / "imsmanifest.xml").is_file() and (content / "scorm_runtime" / "sco.js").is_file()

    # first session: read the first page, part of the second, answer its self-assessment, leave
    first = LmsLearner(chromium, lms)
    try:
        first.launch("1.2")
        assert first.state()["connected"]  # found wagtail-lms's API in the player page and initialized
        pages = first.pages()
        first.open(pages[0][0])
        first.read(pages[0][0], range(pages[0][1]))
        first.open(pages[1][0])
        rubric, questions = first.answer_every_row()
        first.read(pages[1][0], range(3))
        state = first.state()
        bookmark, viewed = state["location"], state["viewed"]
        assert bookmark.startswith(pages[1][0] + "#") and state["status"] == "incomplete"
        assert 0 < viewed < state["total"]
        first.leave()
        assert not first.errors
    finally:
        first.close()

    row, data = settled(lms, "1.2")
    # SCORMData, one row per element, is what wagtail-lms hands back to the SCO; the attempt row's copies
    # may be stale (each request saves the whole row it loaded, concurrent requests overwrite each other)
    assert data["cmi.core.lesson_location"] == bookmark, (bookmark, row, data)
    assert data["cmi.suspend_data"].startswith("1") and len(data["cmi.suspend_data"]) <= 4096
    assert row["completion_status"] == "incomplete"
    assert row["score_raw"] is None and row["score_max"] is None  # nothing is scored: no grade in the LMS
    assert data["cmi.core.exit"] == "suspend"  # unfinished: the attempt is kept for resuming
    assert data["cmi.core.lesson_location"] == bookmark
    assert not [key for key in data if key.startswith("cmi.core.score")]
    ids = [data.get(f"cmi.interactions.{n}.id") for n in range(len(questions) + 1)]
    assert ids == [*(f"{rubric}_{q}" for q in questions), f"{rubric}_result"]  # one index each, none overwritten
    assert [data[f"cmi.interactions.{n}.student_response"] for n in range(len(questions))] == ["b"] * len(questions)
    assert {data[f"cmi.interactions.{n}.type"] for n in range(len(questions) + 1)} == {"choice"}

    # second session: back at the bookmark with what was read, then read the rest
    second = LmsLearner(chromium, lms)
    try:
        second.launch("1.2")
        assert second.site.url.endswith(f"/{pages[1][0]}.html")
        anchor = bookmark.split("#", 1)[1]
        top, height = second.site.evaluate(
            "a => [[...document.querySelectorAll('section.hb-section')].find(s => s.dataset.section === a)"
            ".getBoundingClientRect().top, window.innerHeight]",
            anchor,
        )
        assert 0 <= top <= height / 4  # scrolled back to the bookmarked section
        assert second.state()["viewed"] == viewed  # what was read before still counts
        for doc, count in pages:
            second.open(doc)
            second.read(doc, range(count))
        assert second.state()["status"] == "completed"
        second.leave()
        assert not second.errors
    finally:
        second.close()
    row, data = settled(lms, "1.2")
    # what the LMS hands back and what triggered its course completion; its attempt row's copy may be stale
    assert data["cmi.core.lesson_status"] == "completed", (row, data)
    assert data["cmi.core.exit"] == ""  # finished: the normal exit
    assert row["score_raw"] is None and not [key for key in data if key.startswith("cmi.core.score")]
    with lms.db() as db:  # wagtail-lms's own consequence: the course enrolment is completed
        (completed_at,) = db.execute(
            "SELECT completed_at FROM wagtail_lms_courseenrollment WHERE course_id = ?",
            (lms.packages["1.2"]["course"],),
        ).fetchone()
    assert completed_at


def test_scorm2004_is_imported_but_wagtail_lms_cannot_launch_it(learner: LmsLearner, wagtail_lms: WagtailLms) -> None:
    """wagtail-lms 0.11.1 reads <resources> only in the 1.2 content-packaging namespace: a conformant 2004
    manifest (imscp_v1p1) gives it no launch file, and its player sends the learner back to the lesson."""
    imported = wagtail_lms.packages["2004"]
    assert imported["manifest_data"]["version"] == "2004"  # recognised as 2004 by <schemaversion>
    content = wagtail_lms.state / "media" / "scorm_content" / imported["extracted_path"]
    assert (content / "imsmanifest.xml").is_file() and (content / "scorm_launch.html").is_file()
    assert imported["launch_url"] == "" and imported["player_launch_url"] is None
    learner.login(imported["lesson_url"])
    learner.page.goto(f"{wagtail_lms.base}/lms/scorm-lesson/{imported['lesson']}/play/")
    assert learner.page.url == f"{wagtail_lms.base}{imported['lesson_url']}"  # redirected: nothing to play
    assert attempt(wagtail_lms, "2004") is None


def test_our_2004_sco_does_not_take_wagtail_lms_12_api_for_a_2004_one(
    learner: LmsLearner, wagtail_lms: WagtailLms
) -> None:
    """wagtail-lms sets window.API_1484_11 to its 1.2 object. Our 2004 launch page, opened in its player's
    window, must not call Initialize on it (a TypeError in a naive SCO): it shows the site, untracked."""
    learner.launch("1.2")
    row = attempt(wagtail_lms, "1.2")
    assert row
    before = cmi(wagtail_lms, row["id"])
    src = f"/lms/scorm-content/{wagtail_lms.packages['2004']['extracted_path']}/scorm_launch.html"
    learner.page.evaluate(
        "src => { const f = document.createElement('iframe'); f.id = 'sco2004'; f.src = src;"
        " document.body.append(f); }",
        src,
    )
    sco = learner.page.wait_for_selector("#sco2004").content_frame()
    sco.wait_for_function("() => window.HandbookSCORM && document.getElementById('hb-frame').contentDocument")
    assert sco.evaluate("() => window.HandbookSCORM.state()")["connected"] is False
    sco.wait_for_function(
        "() => /\\/index\\.html$/.test(document.getElementById('hb-frame').contentWindow.location.href)"
    )
    learner.page.wait_for_timeout(500)
    assert cmi(wagtail_lms, row["id"]) == before  # nothing reached the LMS from the 2004 SCO
    assert not learner.errors
