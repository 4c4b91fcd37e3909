"""Fixtures of the test LMS: the loopback server, the built packages, headless Chromium."""

from __future__ import annotations

import http.server
import importlib.util
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_scorm.scorm_lms import ROOT, VERSIONS, Lms, handler, need_browser


@pytest.fixture(scope="session")
def lms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lms]:
    webroot = tmp_path_factory.mktemp("lms-webroot")
    state = Lms("", webroot)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _generate(pages: int, dest: Path) -> Path:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Path(module.generate(pages, dest))


@pytest.fixture(scope="session")
def packages(lms: Lms, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A three-page handbook built as both packages, unpacked under the web root: version → URL folder.

    Also "last-page 1.2" / "last-page 2004": the same packages with the last-page completion rule.
    """
    need_browser()
    from pipeline.build import build
    from pipeline.config import Config

    work = tmp_path_factory.mktemp("scorm-build")
    source = _generate(3, work / "source")
    out = work / "out"
    result = build(Config(source=source, out=out, formats=("html", "scorm12", "scorm2004")))
    assert result.ok and result.book, [d.message for d in result.diagnostics if d.severity.value == "error"]
    zips = {version: next((out / "scorm").glob(f"*-scorm{version.replace('.', '')}.zip")) for version in VERSIONS}
    manifest = source / "handbook.yaml"  # the same handbook with `scorm: {completion: last-page}`
    manifest.write_text(manifest.read_text("utf-8") + "scorm:\n  completion: last-page\n", "utf-8")
    last = build(Config(source=source, out=work / "last-page", formats=("scorm12", "scorm2004")))
    assert last.ok, [d.message for d in last.diagnostics]
    for version in VERSIONS:
        (zips[f"last-page {version}"],) = last.by_format[f"scorm{version.replace('.', '')}"]
    folders = {}
    for key, zip_path in zips.items():
        name = "pkg" + key.replace(".", "").replace(" ", "-")
        target = lms.webroot / name
        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(target)
        folders[key] = f"/{name}"
    return folders
