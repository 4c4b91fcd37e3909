"""`handbook serve`: a live preview on 127.0.0.1 that rebuilds in memory on save and reloads the open page."""

from __future__ import annotations

import http.server
import mimetypes
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.build import check
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, PipelineError, Severity
from pipeline.pagecache import PageCache
from pipeline.render import site_pages
from pipeline.render.html import Site, SiteCache, build_site, static_files

Log = Callable[[str], None]
EVENTS = "/__handbook/events"
RELOAD_JS = "/__handbook/reload.js"
VERSION = "/__handbook/version"
KEEPALIVE_SECONDS = 10.0

# Reloads when the server's build version differs from the one this page was served at.
_RELOAD = b"""(function () {
  "use strict";
  var served = document.currentScript.getAttribute("data-version");
  var source = new EventSource("/__handbook/events");
  source.onmessage = function (event) {
    if (event.data !== served) {
      source.close();
      window.location.reload();
    }
  };
})();
"""


@dataclass(frozen=True, slots=True)
class State:
    """One build's outcome: the site, or the diagnostics page shown instead of it."""

    version: int
    site: Site | None
    failure: bytes | None
    seconds: float  # the whole rebuild
    checked: float = 0.0  # of which check()


class Preview:
    """The in-memory build: parsed pages and rendered HTML survive between rebuilds."""

    def __init__(self, config: Config, log: Log | None = None) -> None:
        self.config = config
        self.log = log or (lambda _message: None)
        self.pages = PageCache()
        self.rendered = SiteCache()
        self.static = static_files()
        self.state = State(0, None, None, 0.0)
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.watching = threading.Event()  # set once the file watcher is live: no edit after it is missed

    def rebuild(self) -> State:
        """Check and render; on failure keep serving a diagnostics page instead of the stale site."""
        started = time.perf_counter()
        checked = 0.0
        try:
            # the first build runs before the server and watcher threads start: it may fork page workers;
            # later ones run in this process (forking a threaded process can leave a child on a held lock)
            config = self.config if self.state.version == 0 else replace(self.config, jobs=1)
            result = check(config, self.pages, ("html",))
            checked = time.perf_counter() - started
            if result.ok and result.book is not None:
                site, failure = build_site(result.book, result.parts["html"], self.config, self.rendered), None
                self.rendered.pages.retain_used()
            else:
                site, failure = None, diagnostics_page(result.diagnostics)
        except PipelineError as exc:
            site, failure = None, diagnostics_page([], str(exc))
        except Exception as exc:  # a bug: keep serving, show it on the page and in the terminal
            self.log(traceback.format_exc())
            site, failure = None, diagnostics_page([], f"internal error {exc!r} (a bug: please report it)")
        seconds = time.perf_counter() - started
        with self.changed:
            self.state = State(self.state.version + 1, site, failure, seconds, checked)
            self.changed.notify_all()
        outcome = "ok" if site is not None else "failed, showing the diagnostics"
        self.log(f"rebuilt in {seconds:.2f} s (check {checked:.2f} s): {outcome}")
        return self.state

    def watch(self) -> None:
        """Rebuild after each batch of changes under the source folder, until ``stopping`` is set.

        The watcher yields an empty batch after each quiet ``rust_timeout``: the first one says it is live. A
        batch ends after ``step`` ms without a change: an editor's save (write, rename) takes far less, and
        that wait is part of every edit-to-reload time."""
        from watchfiles import watch

        for changes in watch(
            self.config.source,
            stop_event=self.stopping,
            debounce=400,
            step=10,
            rust_timeout=200,
            yield_on_timeout=True,
            raise_interrupt=False,
        ):
            self.watching.set()
            if changes:
                self.rebuild()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until the build version differs from ``seen`` (or the timeout); return the version."""
        with self.changed:
            self.changed.wait_for(lambda: self.state.version != seen or self.stopping.is_set(), timeout)
            return self.state.version

    def response(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a site path; HTML gets the reload script."""
        state = self.state
        rel = path.lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        if rel in self.static:
            return 200, _type(rel), self.static[rel]
        body = state.site.get(rel, self.rendered) if state.site is not None else None
        if state.failure is not None and (rel.endswith(".html") or body is None):
            return 200, _type("page.html"), _inject(state.failure, state.version)
        if body is None:
            return (
                404,
                _type("page.html"),
                _inject(b"<!DOCTYPE html><title>Not found</title><p>Not found.</p>", state.version),
            )
        if rel.endswith(".html"):
            body = _inject(body, state.version)
        return 200, _type(rel), body


def _type(path: str) -> str:
    guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") or guessed.endswith("javascript") else guessed


def _inject(page: bytes, version: int) -> bytes:
    tag = f'<script src="{RELOAD_JS}" data-version="{version}"></script>\n</head>'.encode()
    return page.replace(b"</head>", tag, 1) if b"</head>" in page else page + tag


def diagnostics_page(diagnostics: list[Diagnostic], error: str = "") -> bytes:
    """The page every HTML request gets while the source does not build."""
    shown = sorted(diagnostics, key=lambda d: (d.severity.rank, d.sort_key()))
    errors = sum(1 for d in shown if d.severity is Severity.ERROR)
    context: dict[str, Any] = {"diagnostics": shown, "errors": errors, "warnings": len(shown) - errors, "error": error}
    return site_pages.template("diagnostics.html").render(context).encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    preview: Preview
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == EVENTS:
            self._events()
            return
        if path == RELOAD_JS:
            self._send(200, _type("reload.js"), _RELOAD)
        elif path == VERSION:
            self._send(200, "text/plain; charset=utf-8", str(self.preview.state.version).encode())
        else:
            self._send(*self.preview.response(path))

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: the build version now and after every rebuild, keep-alive comments between."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = self.preview.state.version
        try:
            self.wfile.write(f"retry: 1000\ndata: {seen}\n\n".encode())
            self.wfile.flush()
            while not self.preview.stopping.is_set():
                version = self.preview.wait(seen, KEEPALIVE_SECONDS)
                self.wfile.write(f"data: {version}\n\n".encode() if version != seen else b": keep-alive\n\n")
                self.wfile.flush()
                seen = version
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def running(config: Config, port: int = 8000, log: Log | None = None) -> Iterator[tuple[Preview, str]]:
    """Build, then serve and watch in background threads; yields the preview and its base URL."""
    preview = Preview(config, log)
    preview.rebuild()
    handler = type("Handler", (_Handler,), {"preview": preview})
    server = _Server(("127.0.0.1", port), handler)
    threads = [
        threading.Thread(target=server.serve_forever, name="serve", daemon=True),
        threading.Thread(target=preview.watch, name="watch", daemon=True),
    ]
    for thread in threads:
        thread.start()
    preview.watching.wait(timeout=30)
    try:
        yield preview, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        preview.stopping.set()
        with preview.changed:
            preview.changed.notify_all()
        server.shutdown()
        server.server_close()
        threads[1].join(timeout=5)


def serve(config: Config, port: int = 8000, log: Log | None = None) -> None:
    """Run the preview until interrupted (Ctrl+C)."""
    say = log or print
    say(f"checking and rendering {config.source} …")
    with running(config, port, say) as (_preview, url):
        say(f"serving {url} (rebuilds when {config.source} changes; Ctrl+C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            say("stopped")
