"""The test LMS's parts: where scorm-again and Chromium are, the loopback server's state and handler."""

from __future__ import annotations

import http.server
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.chromium import need_browser as need_chromium

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist"
VERSIONS = ("1.2", "2004")


def need_browser() -> None:
    need_chromium()
    if not (SCORM_AGAIN / "scorm12.min.js").is_file():
        pytest.skip("node_modules/scorm-again is missing (npm ci)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Playwright for Python is not installed")


@dataclass
class Lms:
    """The loopback server: serves the host page, scorm-again and the unpacked packages; records commits."""

    base: str
    webroot: Path
    commits: list[dict[str, Any]] = field(default_factory=list)


def handler(lms: Lms) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            path = path.split("?", 1)[0].split("#", 1)[0]
            if path.startswith("/lms/"):
                return str(SCORM_AGAIN / path[len("/lms/") :])
            if path in ("/host.html", "/host.js", "/host.css"):
                return str(HERE / path[1:])
            return str(lms.webroot) + path

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                lms.commits.append(json.loads(body or b"{}"))
            except ValueError:
                lms.commits.append({"unparsed": body.decode("utf-8", "replace")})
            reply = b'{"result": true, "errorCode": 0}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
