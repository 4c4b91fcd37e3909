"""A real LMS on loopback: wagtail-lms (Django + Wagtail, SQLite) in a throwaway project, its dev server.

The Django side runs in subprocesses (migrate, setup, runserver) with the settings of
``tests/lms/wagtail_project``; the tests read what the LMS stored straight from its SQLite file.
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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import need_browser

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.lms.wagtail_project.settings"
START_TIMEOUT = 120.0  # the dev server's system checks are slow on a shared 2-core machine


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


@pytest.fixture(scope="session")
def wagtail_lms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WagtailLms]:
    """wagtail-lms migrated, with an editor, a learner enrolled in a course, and both packages imported
    through its own admin upload view; its dev server on a free loopback port."""
    need_browser()
    state = tmp_path_factory.mktemp("wagtail-lms")
    zips = _build(tmp_path_factory.mktemp("lms-build"))
    _run(state, "-m", "django", "migrate", "--verbosity", "0")
    json.loads(_run(state, "-m", "tests.lms.wagtail_project.setup", "site"))
    packages = {
        version: json.loads(
            _run(state, "-m", "tests.lms.wagtail_project.setup", "import", str(path), f"Handbook {version}", version)
        )
        for version, path in zips.items()
    }
    port = _free_port()
    log = state / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=_env(state),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(server, f"{base}/accounts/login/", log)
        yield WagtailLms(base, state, packages, zips)
    finally:
        _stop(server)
