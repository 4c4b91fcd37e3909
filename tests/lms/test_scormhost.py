"""Our SCORM 2004 package in a real host: scormhost imports it through its catalog's upload form, its
launcher frames it beside its API_1484_11 in Chromium, a learner reads and answers, and the CMI data
it stored for the learner's account is read back from its files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.lms.conftest import LEARNER_ACCOUNT, ScoLearner, ScormHost, read_some_and_leave, resume_and_finish, settled

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LAUNCH = "scorm_launch.html"


class HostLearner(ScoLearner):
    """The learner in scormhost: logs in on its login page, launches from the catalog, leaves for it."""

    player_frame = "#scormhost-content"

    def __init__(self, chromium: Any, host: ScormHost) -> None:
        super().__init__(chromium)
        self.host = host

    def launch(self) -> None:
        _, email, password = LEARNER_ACCOUNT
        self.page.goto(f"{self.host.base}/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", password)
        self.page.click("#auth-form button[type=submit]")
        self.page.wait_for_url(f"{self.host.base}/")
        self.page.click(f"a[href='/launch/{self.host.package}']")  # its catalog's "Launch"
        self.page.wait_for_url(f"{self.host.base}/launch/{self.host.package}")
        self.wait_for_sco()

    def leave(self) -> None:
        """Back to the catalog once scormhost has stored what the learner did, as a reader leaves seconds
        later: the launch page goes, our pagehide commits and terminates. scormhost chains each save
        after the previous one's response, so a save asked for while one is still under way starts only
        when that response arrives, which never happens once the page is gone: leaving milliseconds
        after a commit loses the Terminate's data (its session time)."""
        location = self.state()["location"]
        stored(self.host, lambda data: data.get("cmi.location") == location)
        self.page.goto(f"{self.host.base}/")


@pytest.fixture
def learner(chromium: Any, scormhost: ScormHost) -> Iterator[HostLearner]:
    person = HostLearner(chromium, scormhost)
    try:
        yield person
    finally:
        person.close()


def stored(host: ScormHost, done: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    """The learner's data once ``done`` holds for it and no more saves arrive."""
    return settled(lambda: host.cmi(LEARNER_ACCOUNT[0], LAUNCH), done)


def interactions(data: dict[str, str]) -> list[dict[str, str]]:
    found, n = [], 0
    while f"cmi.interactions.{n}.id" in data:
        prefix = f"cmi.interactions.{n}."
        found.append({key[len(prefix) :]: value for key, value in data.items() if key.startswith(prefix)})
        n += 1
    return found


def test_scorm2004_import_launch_leave_and_resume(chromium: Any, scormhost: ScormHost) -> None:
    host = scormhost
    # the import, by scormhost itself: the zip extracted, the 2004 manifest read
    manifest = host.manifest
    assert host.listed["schema_version"] == manifest["schema_version"] and host.listed["launch_count"] == 1
    assert manifest["schema_version"] == "2004 4th Edition" and manifest["title"] == "Skill Progression Map"
    assert [launch["href"] for launch in manifest["launches"]] == [LAUNCH]
    content = host.state / "packages" / host.package
    assert (content / "imsmanifest.xml").is_file() and (content / "scorm_runtime" / "sco.js").is_file()
    assert host.cmi(LEARNER_ACCOUNT[0], LAUNCH) == {}

    # first session: read the first page, part of the second, answer its self-assessment, leave
    first_learner = HostLearner(chromium, host)
    first = read_some_and_leave(first_learner, first_learner.launch)
    rubric, questions = first.rubric, first.questions
    bookmark, viewed, total = first.bookmark, first.viewed, first.total

    data = stored(host, lambda data: "cmi.session_time" in data)  # Terminate's save arrived
    assert data["cmi.location"] == bookmark, data
    assert data["cmi.completion_status"] == "incomplete"
    assert data["cmi.exit"] == "suspend"  # unfinished: the attempt is kept for resuming
    assert data["cmi.suspend_data"].startswith("1") and len(data["cmi.suspend_data"]) <= 4000
    assert float(data["cmi.progress_measure"]) == pytest.approx(viewed / total)
    assert data["cmi.session_time"].startswith("PT") and data["cmi.session_time"].endswith("S")
    # nothing is scored: scored elements hold only scormhost's own initial values
    assert data["cmi.success_status"] == "unknown"
    assert {key: value for key, value in data.items() if key.startswith("cmi.score")} == {"cmi.score.scaled": ""}
    journal = interactions(data)
    assert [i["id"] for i in journal] == [*(f"{rubric}_{q}" for q in questions), f"{rubric}_result"]
    assert {i["type"] for i in journal} == {"likert"} and {i["result"] for i in journal} == {"neutral"}
    assert all(i["learner_response"] and i["timestamp"] and i["description"] for i in journal)

    # second session: back at the bookmark with what was read, then read the rest
    second = HostLearner(chromium, host)
    resume_and_finish(second, second.launch, first)
    data = stored(host, lambda data: data.get("cmi.exit") == "normal")  # the finished session's saves
    assert data["cmi.completion_status"] == "completed", data
    assert data["cmi.exit"] == "normal"  # finished
    assert data["cmi.progress_measure"] == "1"
    assert {key: value for key, value in data.items() if key.startswith("cmi.score")} == {"cmi.score.scaled": ""}
    # the second session's answers journaled after the first session's, none overwritten
    again = interactions(data)
    assert again[: len(journal)] == journal
    assert [i["id"] for i in again[len(journal) :]] == [i["id"] for i in journal]
    assert {i["learner_response"] for i in again[len(journal) :]} != {i["learner_response"] for i in journal}
