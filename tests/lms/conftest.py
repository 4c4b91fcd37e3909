"""Real LMSs on loopback, each in its own process group, with state in a temporary folder.

- wagtail-lms (Django + Wagtail, SQLite) in a throwaway project, its dev server: the Django side runs
  in subprocesses (migrate, setup, runserver) with the settings of ``tests/lms/wagtail_project``; the
  tests read what the LMS stored straight from its SQLite file.
- scormhost (FastAPI, SQLite for its accounts, one JSON file of CMI elements per learner and SCO) under
  uvicorn, through ``tests/lms/scormhost_app.py``.

Shared: the packages (one build for every LMS), starting and stopping a server, and a learner in
Chromium who reads and answers in our SCO wherever an LMS's player frames it (``ScoLearner``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.chromium import need_browser

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.lms.wagtail_project.settings"
START_TIMEOUT = 120.0  # the dev server's system checks are slow on a shared 2-core machine
WAIT = 30.0  # seconds for an LMS to have stored what the page sent
T = TypeVar("T")


@dataclass
class WagtailLms:
    """The running LMS: its base URL, its state folder (SQLite, media) and the imported packages."""

    base: str
    state: Path
    packages: dict[str, dict[str, Any]]  # "1.2" / "2004" → what the import stored (package, lesson, launch_url…)
    zips: dict[str, Path]

    def db(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.state / "lms.sqlite3", timeout=20)
        connection.row_factory = sqlite3.Row
        return connection


def _env(state: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        HANDBOOK_LMS_STATE=str(state),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(state: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_env(state), capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{args}: {done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _build(work: Path) -> dict[str, Path]:
    """A three-page handbook (bench/generate.py) built as both packages by the pipeline."""
    from pipeline.build import build
    from pipeline.config import Config

    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source = Path(module.generate(3, work / "source"))
    result = build(Config(source=source, out=work / "out", formats=("html", "scorm12", "scorm2004")))
    assert result.ok, [d.message for d in result.diagnostics]
    return {
        version: next((work / "out" / "scorm").glob(f"*-scorm{version.replace('.', '')}.zip"))
        for version in ("1.2", "2004")
    }


def _wait_until_up(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the LMS server exited ({server.returncode}): {log.read_text('utf-8', 'replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(
        f"the LMS server did not answer within {START_TIMEOUT:.0f} s: {log.read_text('utf-8', 'replace')[-3000:]}"
    )


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)  # its own process group: nothing it started outlives the tests
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)


@contextlib.contextmanager
def serve(args: list[str], env: dict[str, str], log: Path, ready: Callable[[int], str]) -> Iterator[str]:
    """``args`` (``{port}`` filled in with a free loopback port) run from the checkout in a process group
    of their own, output to ``log``; yields the base URL once ``ready(port)`` answers 200; stopped after."""
    port = _free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [arg.format(port=port) for arg in args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(server, ready(port), log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(server)


def settled(read: Callable[[], T], done: Callable[[T], bool] = bool) -> T:
    """What ``read`` returns once ``done`` holds for it and it has stopped changing for a second: players
    send their data asynchronously, so the last requests may still be under way when the page is gone."""
    deadline, last, quiet = time.monotonic() + WAIT, None, 0.0
    while time.monotonic() < deadline:
        now = read()
        if now == last and done(now):
            quiet += 0.25
            if quiet >= 1.0:
                return now
        else:
            quiet, last = 0.0, now
        time.sleep(0.25)
    raise AssertionError(f"the LMS never settled: {last}")


@pytest.fixture(scope="session")
def handbook_zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample handbook as a SCORM 1.2 and a SCORM 2004 zip, built once for every LMS."""
    need_browser()
    return _build(tmp_path_factory.mktemp("lms-build"))


@pytest.fixture(scope="session")
def wagtail_lms(tmp_path_factory: pytest.TempPathFactory, handbook_zips: dict[str, Path]) -> Iterator[WagtailLms]:
    """wagtail-lms migrated, with an editor, a learner enrolled in a course, and both packages imported
    through its own admin upload view; its dev server on a free loopback port."""
    state = tmp_path_factory.mktemp("wagtail-lms")
    _run(state, "-m", "django", "migrate", "--verbosity", "0")
    json.loads(_run(state, "-m", "tests.lms.wagtail_project.setup", "site"))
    packages = {
        version: json.loads(
            _run(state, "-m", "tests.lms.wagtail_project.setup", "import", str(path), f"Handbook {version}", version)
        )
        for version, path in handbook_zips.items()
    }
    with serve(
        [sys.executable, "-m", "django", "runserver", "127.0.0.1:{port}", "--noreload"],
        _env(state),
        state / "server.log",
        lambda port: f"http://127.0.0.1:{port}/accounts/login/",
    ) as base:
        yield WagtailLms(base, state, packages, handbook_zips)


class ScoLearner:
    """A learner in a browser context of their own, in our SCO as an LMS's player frames it: reads
    sections, answers a self-assessment. Subclasses log in, launch and leave the LMS's way."""

    player_frame = "iframe"  # the LMS's frame around our launch page, in its player page

    def __init__(self, chromium: Any) -> None:
        self.context = chromium.new_context(viewport={"width": 1000, "height": 700})
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def wait_for_sco(self) -> None:
        """Our launch page in the player's frame, connected or not, with the site's page loaded."""
        self.page.wait_for_selector(self.player_frame)
        self.page.wait_for_function(
            """selector => {
                const player = document.querySelector(selector);
                const sco = player && player.contentWindow;
                const frame = sco && sco.HandbookSCORM && sco.document.getElementById('hb-frame');
                const doc = frame && frame.src && frame.contentDocument;
                return Boolean(doc && doc.location.href !== 'about:blank' && doc.readyState === 'complete');
            }""",
            arg=self.player_frame,
        )

    @property
    def sco(self) -> Any:
        return self.page.query_selector(self.player_frame).content_frame()

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

    def answer_every_row(self, choice: int = 1) -> tuple[str, list[str]]:
        """The level ``choice`` (0: the first) in each row of the shown page's first self-assessment table."""
        table = self.site.query_selector("table.rubric[data-rubric]")
        rows = table.query_selector_all("tbody tr[data-question]")
        for row in rows:
            row.query_selector_all("button.rubric-choice")[choice].click()
        assert table.get_attribute("data-result")
        return str(table.get_attribute("data-rubric")), [str(r.get_attribute("data-question")) for r in rows]

    def section_top(self, anchor: str) -> tuple[float, float]:
        """Where the section ``anchor`` of the shown page lies: its top and the frame's height."""
        top, height = self.site.evaluate(
            "a => [[...document.querySelectorAll('section.hb-section')].find(s => s.dataset.section === a)"
            ".getBoundingClientRect().top, window.innerHeight]",
            anchor,
        )
        return float(top), float(height)

    def leave(self) -> None:
        """Leave the course the LMS's way (its back link or the catalog): our pagehide saves."""
        raise NotImplementedError

    def close(self) -> None:
        self.context.close()


@dataclass(frozen=True)
class FirstVisit:
    """What a learner did in the first session: the pages, the answered rubric, where they stopped."""

    pages: list[tuple[str, int]]
    rubric: str
    questions: list[str]
    bookmark: str
    viewed: int
    total: int


def read_some_and_leave(learner: ScoLearner, launch: Callable[[], None]) -> FirstVisit:
    """The first session: read the first page and part of the second, answer its self-assessment, leave."""
    try:
        launch()
        assert learner.state()["connected"]  # found the LMS's API in its player and initialized
        pages = learner.pages()
        learner.open(pages[0][0])
        learner.read(pages[0][0], range(pages[0][1]))
        learner.open(pages[1][0])
        rubric, questions = learner.answer_every_row()
        learner.read(pages[1][0], range(3))
        state = learner.state()
        visit = FirstVisit(pages, rubric, questions, state["location"], state["viewed"], state["total"])
        assert visit.bookmark.startswith(pages[1][0] + "#") and state["status"] == "incomplete"
        assert 0 < visit.viewed < visit.total
        learner.leave()
        assert not learner.errors
    finally:
        learner.close()
    return visit


def resume_and_finish(learner: ScoLearner, launch: Callable[[], None], first: FirstVisit) -> None:
    """The second session: back at the bookmark with what was read, answer anew, read the rest, leave."""
    try:
        launch()
        assert learner.site.url.endswith(f"/{first.pages[1][0]}.html")
        top, height = learner.section_top(first.bookmark.split("#", 1)[1])
        assert 0 <= top <= height / 4  # scrolled back to the bookmarked section
        assert learner.state()["viewed"] == first.viewed  # what was read before still counts
        # another browser, no answers kept in it: the learner answers the self-assessment anew
        assert learner.answer_every_row(2) == (first.rubric, first.questions)
        for doc, count in first.pages:
            learner.open(doc)
            learner.read(doc, range(count))
        assert learner.state()["status"] == "completed"
        learner.leave()
        assert not learner.errors
    finally:
        learner.close()


EDITOR = ("editor", "editor@example.com", "editor-password-1")
LEARNER_ACCOUNT = ("learner", "learner@example.com", "learner-password-1")


@dataclass
class ScormHost:
    """scormhost running: its base URL, its state folder, the editor's import of our 2004 package."""

    base: str
    state: Path
    package: str  # the package id scormhost gave the upload
    listed: dict[str, Any]  # the package in its catalog API: id, title, schema version, launch count
    manifest: dict[str, Any]  # what its import parsed from imsmanifest.xml and stored: title, launches…
    zip: Path

    def db(self) -> sqlite3.Connection:
        """Its SQLite database: the accounts (``users``)."""
        connection = sqlite3.connect(self.state / "scormhost.db", timeout=20)
        connection.row_factory = sqlite3.Row
        return connection

    def user_id(self, username: str) -> int:
        with self.db() as db:
            (user_id,) = db.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()
        return int(user_id)

    def cmi(self, username: str, launch: str) -> dict[str, str]:
        """What scormhost stored for an account and a SCO: its one JSON file of CMI elements (empty if none)."""
        path = self.state / "sessions" / self.package / f"{self.user_id(username)}__{launch.replace('/', '_')}.json"
        if not path.is_file():
            return {}
        try:
            stored = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError:  # scormhost rewrites the file in place: read between truncating and writing
            return {}  # as if nothing were stored yet; ``settled`` reads again until the data holds and stays
        return {str(key): str(value) for key, value in stored["elements"].items()}


def register(page: Any, base: str, account: tuple[str, str, str], display: str) -> None:
    """An account made through scormhost's own register page (the first one becomes its admin)."""
    username, email, password = account
    page.goto(f"{base}/register")
    page.fill("input[name=display_name]", display)
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("#auth-form button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.fixture(scope="session")
def scormhost(
    tmp_path_factory: pytest.TempPathFactory, handbook_zips: dict[str, Path], chromium: Any
) -> Iterator[ScormHost]:
    """scormhost under uvicorn on a free loopback port; the editor (its first account, so its admin)
    uploads our SCORM 2004 zip through its catalog page's upload form; the learner has an account."""
    state = tmp_path_factory.mktemp("scormhost")
    env = dict(os.environ)
    env.update(
        HANDBOOK_SCORMHOST_STATE=str(state),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        PYTHONUNBUFFERED="1",
    )
    args = [sys.executable, "-m", "uvicorn", "--factory", "tests.lms.scormhost_app:app"]
    args += ["--host", "127.0.0.1", "--port", "{port}", "--no-access-log"]
    with serve(args, env, state / "server.log", lambda port: f"http://127.0.0.1:{port}/health") as base:
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            register(page, base, EDITOR, "Editor")
            page.set_input_files("#upload-form input[type=file]", str(handbook_zips["2004"]))
            with page.expect_response(lambda r: r.url == f"{base}/api/packages" and r.request.method == "POST") as sent:
                page.click("#upload-form button[type=submit]")
            assert sent.value.status == 201
            page.wait_for_selector("td code")  # the catalog, reloaded after the upload, lists the package
            (listed,) = page.request.get(f"{base}/api/packages").json()
            meta = json.loads((state / "packages" / listed["id"] / ".scormhost.json").read_text("utf-8"))
            page.context.clear_cookies()
            register(page, base, LEARNER_ACCOUNT, "Learner")
        finally:
            context.close()
        yield ScormHost(base, state, str(listed["id"]), listed, dict(meta["manifest"]), handbook_zips["2004"])
