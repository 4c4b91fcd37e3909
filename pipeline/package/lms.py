"""The test LMS of `verify --run`: scorm-again's dist files, the host page, and a loopback server for both."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.bundle import BUNDLED, SCORM_AGAIN_DIR, SCORM_AGAIN_FILES
from pipeline.diagnostics import PipelineError

HOST = Path(__file__).resolve().parent / "host"  # our own LMS frame: lms.html, lms.js
# In a checkout, installed by `npm ci`; an installed tool carries them in pipeline/bundled/scorm-again/.
DIST = Path("node_modules/scorm-again/dist")
LMS_PREFIX, PACKAGE_PREFIX = "/lms/", "/package/"


def scorm_again() -> Path:
    """The folder holding scorm-again's scorm12.min.js and scorm2004.min.js: bundled, else node_modules."""
    candidates = (BUNDLED / SCORM_AGAIN_DIR, Path.cwd() / DIST, Path(__file__).resolve().parents[2] / DIST)
    for candidate in candidates:
        if all((candidate / name).is_file() for name in SCORM_AGAIN_FILES if name.endswith(".js")):
            return candidate
    raise PipelineError(
        "scorm-again (the LMS run-time `verify --run` launches SCOs against) is missing: in a checkout run "
        f"`npm ci` at the repository root ({DIST}); an installed tool was built without it (no npm, or "
        "HANDBOOK_SCORM_XSDS=skip): reinstall it with npm on PATH"
    )


def _handler(package: Path, files: dict[str, Path]) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        """GET /lms/<file>: the LMS frame and scorm-again; GET /package/<path>: the extracted package."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(package), **kwargs)

        def translate_path(self, path: str) -> str:
            bare = path.split("?", 1)[0].split("#", 1)[0]
            if bare.startswith(LMS_PREFIX):
                found = files.get(bare[len(LMS_PREFIX) :])
                return str(found) if found else str(HOST / "missing")
            if bare.startswith(PACKAGE_PREFIX):
                return super().translate_path(path[len(PACKAGE_PREFIX) - 1 :])
            return str(HOST / "missing")

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser that drops a connection (the frame left) is no fault of the package


@contextmanager
def serve(package: Path) -> Iterator[str]:
    """Serve the LMS frame and the extracted ``package`` on 127.0.0.1 (a free port): the base URL."""
    dist = scorm_again()
    files = {path.name: path for path in sorted(HOST.iterdir()) if path.is_file()}
    files.update({name: dist / name for name in SCORM_AGAIN_FILES if name.endswith(".js")})
    server = _Server(("127.0.0.1", 0), _handler(package, files))
    thread = threading.Thread(target=server.serve_forever, name="verify-run-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
