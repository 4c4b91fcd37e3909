"""`handbook verify --run`: every SCO of a package launched in headless Chromium against scorm-again, judged.

Each package is extracted to a temporary folder and served on 127.0.0.1 with the LMS frame
(pipeline/package/host/): the frame puts scorm-again's API on window (API or API_1484_11, by the
manifest's version) and loads the SCO's launch URL in an iframe. Playwright waits for Initialize, lets
the SCO run, navigates the iframe to about:blank (the learner leaves: pagehide), then reads the call log.
One browser serves every SCO of every package; Playwright runs in a thread of its own, so a caller
that already drives a browser in its thread (a test) can call this too.
"""

from __future__ import annotations

import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.diagnostics import Diagnostic, PipelineError, sorted_diagnostics
from pipeline.package import runchecks, semantics
from pipeline.package.scos import Sco, scos

MAX_ENTRY = 512 * 1024 * 1024  # an entry larger than this is not extracted (static verify reports bombs)
LEAVE_MS = 3000  # how long the frame may take to reach about:blank (a beforeunload prompt holds it)
SETTLE_MS = 200  # after leaving: late asynchronous calls of the unload handlers


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How long to wait for Initialize, how long each SCO runs, and which Chromium."""

    init_seconds: float = 10.0
    run_seconds: float = 2.0
    chromium: Path | None = None


def check_environment(options: RunOptions) -> None:
    """PipelineError naming what to install when Playwright, Chromium or scorm-again is missing."""
    from pipeline.browser import chromium_path, missing_playwright
    from pipeline.package.lms import scorm_again

    why = missing_playwright()
    if why:
        raise PipelineError(why)
    chromium_path(options.chromium)
    scorm_again()


def run(paths: list[Path], options: RunOptions) -> list[Diagnostic]:
    """The run-time findings of every SCO of every package at ``paths`` (one browser for all)."""
    check_environment(options)
    outcome: list[list[Diagnostic]] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            outcome.append(_run_all(paths, options))
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=work, name="verify-run", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def _run_all(paths: list[Path], options: RunOptions) -> list[Diagnostic]:
    from pipeline.browser import launch

    found: list[Diagnostic] = []
    with launch(options.chromium) as browser:
        for path in paths:
            found += _run_package(browser, path, options)
    return sorted_diagnostics(found)


def _run_package(browser: Any, path: Path, options: RunOptions) -> list[Diagnostic]:
    from pipeline.package.lms import serve
    from pipeline.package.verify import diagnostics, parse_manifest

    with tempfile.TemporaryDirectory(prefix="handbook-run-") as work:
        folder = Path(work)
        manifest = _extract(path, folder)
        if manifest is None:
            return []  # no readable manifest: the static checks report why
        root = parse_manifest(manifest)
        launches = scos(root) if root is not None else []
        if not launches:
            return []
        findings: list[semantics.Finding] = []
        with serve(folder) as base:
            context = browser.new_context()
            try:
                for sco in launches:
                    trace = _run_sco(context, base, sco, options)
                    findings += runchecks.findings(sco, trace)
            finally:
                context.close()
        return diagnostics(str(path), findings, manifest.split(b"\n"))


def _extract(path: Path, folder: Path) -> bytes | None:
    """Extract the package's safe entries into ``folder``: the manifest's bytes, or None without one."""
    from pipeline.package.verify import MANIFEST, read_entry

    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = semantics.entry_name(info)
                if name.endswith("/") or semantics.unsafe_name(name):
                    continue
                data, _why = read_entry(archive, info, MAX_ENTRY)
                if data is None:
                    continue
                target = folder.joinpath(*name.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError):
        return None
    manifest = folder / MANIFEST
    return manifest.read_bytes() if manifest.is_file() else None


def _run_sco(context: Any, base: str, sco: Sco, options: RunOptions) -> runchecks.Trace:
    """Launch one SCO in a fresh LMS frame, let it run, leave, and read what it did."""
    from playwright.sync_api import Error

    from pipeline.package.lms import LMS_PREFIX, PACKAGE_PREFIX

    trace = runchecks.Trace()
    page = context.new_page()
    page.on("pageerror", lambda error: trace.errors.append(f"uncaught {error.name}: {error.message}"))
    page.on("console", lambda message: trace.errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"{base}{LMS_PREFIX}lms.html")
        page.evaluate("options => launch(options)", {"version": sco.version, "src": PACKAGE_PREFIX + sco.url})
        try:
            page.wait_for_function("() => initialized()", polling=100, timeout=options.init_seconds * 1000)
        except Error:
            pass  # judged from the call log: no Initialize (PKG021)
        else:
            page.wait_for_timeout(options.run_seconds * 1000)
        trace.left = bool(page.evaluate("wait => leave(wait)", LEAVE_MS))
        page.wait_for_timeout(SETTLE_MS)
        trace.calls = list(page.evaluate("() => window.lmsCalls"))
    except Error as exc:
        trace.broken = exc.message.splitlines()[0] if exc.message else type(exc).__name__
    finally:
        page.close()
    return trace
