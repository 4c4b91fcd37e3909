"""Our packages in a real LMS: wagtail-lms imports them through its admin upload, its player launches
them in Chromium, a learner reads and answers, and its database holds what the run-time sent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.lms.conftest import WAIT, ScoLearner, WagtailLms, read_some_and_leave, resume_and_finish, settled
from tests.lms.wagtail_project.setup import LEARNER

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def stored(lms: WagtailLms, version: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The attempt and its CMI data once the LMS has stopped changing them."""

    def read() -> tuple[dict[str, Any], dict[str, str]] | None:
        row = attempt(lms, version)
        return (row, cmi(lms, row["id"])) if row else None

    found = settled(read)
    assert found
    return found


class LmsLearner(ScoLearner):
    """The learner in wagtail-lms: logs in, launches the lesson into its player, leaves by its link."""

    player_frame = "#scorm-frame"

    def __init__(self, chromium: Any, lms: WagtailLms) -> None:
        super().__init__(chromium)
        self.lms = lms

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
        self.wait_for_sco()

    def read(self, doc: str, sections: range) -> None:
        """Section by section at a reader's pace: each bookmark stored before the next scroll. The player
        sends every SetValue as its own asynchronous request and the server handles them on threads, so
        two bookmarks set within milliseconds can be stored in either order; a person takes seconds."""
        for index in sections:
            super().read(doc, range(index, index + 1))
            location, deadline = self.state()["location"], time.monotonic() + WAIT
            while stored_location(self.lms) != location:
                assert time.monotonic() < deadline, f"wagtail-lms never stored the bookmark {location}"
                time.sleep(0.05)

    def leave(self) -> None:
        """The player's own "Back to Course" link: its beforeunload commits and terminates."""
        self.page.click("text=Back to Course")
        self.page.wait_for_url(f"**{self.lms.packages['1.2']['course_url']}")


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


def stored_location(lms: WagtailLms) -> str | None:
    """The SCORM 1.2 bookmark wagtail-lms would hand back now."""
    row = attempt(lms, "1.2")
    return cmi(lms, row["id"]).get("cmi.core.lesson_location") if row else None


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
    first_learner = LmsLearner(chromium, lms)
    first = read_some_and_leave(first_learner, lambda: first_learner.launch("1.2"))
    rubric, questions, bookmark = first.rubric, first.questions, first.bookmark

    row, data = stored(lms, "1.2")
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
    resume_and_finish(second, lambda: second.launch("1.2"), first)
    row, data = stored(lms, "1.2")
    # what the LMS hands back and what triggered its course completion; its attempt row's copy may be stale
    assert data["cmi.core.lesson_status"] == "completed", (row, data)
    assert data["cmi.core.exit"] == ""  # finished: the normal exit
    assert row["score_raw"] is None and not [key for key in data if key.startswith("cmi.core.score")]
    # the second session's answers journaled after the first session's (wagtail-lms has no _count)
    ids = [data.get(f"cmi.interactions.{n}.id") for n in range(2 * len(questions) + 3)]
    assert ids == [*(f"{rubric}_{q}" for q in questions), f"{rubric}_result"] * 2 + [None]
    responses = [data[f"cmi.interactions.{n}.student_response"] for n in range(2 * len(questions) + 2)]
    assert responses[: len(questions)] == ["b"] * len(questions)
    assert responses[len(questions) + 1 : -1] == ["c"] * len(questions)
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
