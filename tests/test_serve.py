"""`handbook serve` through real loopback HTTP: pages, reload events, rebuild on save, diagnostics on failure."""

from __future__ import annotations

import http.client
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.serve import Preview, running

ROOT = Path(__file__).resolve().parent.parent
PAGE = "skill-progression-map"
WAIT_SECONDS = 60.0  # generous: the file watcher and the rebuild share a busy CI machine


def get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read().decode("utf-8")


def wait_for_version(base: str, above: int) -> int:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        version = int(get(base + "__handbook/version")[2])
        if version > above:
            return version
        time.sleep(0.05)
    raise AssertionError(f"no rebuild after {WAIT_SECONDS} s")


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[Preview, str, Path]]:
    source = tmp_path / "source"
    shutil.copytree(ROOT / "source", source)
    with running(Config(source=source, out=tmp_path / "out"), port=0) as (state, base):
        yield state, base, source / "pages" / f"{PAGE}.md"


def test_serves_the_site_with_the_reload_script(preview: tuple[Preview, str, Path]) -> None:
    _state, base, _page = preview
    assert base.startswith("http://127.0.0.1:")
    status, kind, body = get(base)
    assert status == 200 and kind.startswith("text/html") and "Skill Progression Map" in body
    assert '<script src="/__handbook/reload.js" data-version="1"></script>' in body
    status, kind, script = get(base + "__handbook/reload.js")
    assert status == 200 and kind == "text/javascript; charset=utf-8" and "EventSource" in script
    status, kind, css = get(base + "_static/site.css")
    assert kind.startswith("text/css") and "--accent" in css
    with pytest.raises(urllib.error.HTTPError) as missing:
        get(base + "no-such-page.html")
    assert missing.value.code == 404 and missing.value.headers["Content-Type"] == "text/html; charset=utf-8"


def test_the_built_site_does_not_contain_the_reload_script(tmp_path: Path) -> None:
    from pipeline.build import build

    build(Config(source=ROOT / "source", out=tmp_path, formats=("html",)))
    assert "__handbook" not in (tmp_path / "html" / "index.html").read_text(encoding="utf-8")


def test_a_save_rebuilds_and_a_failing_check_shows_diagnostics(preview: tuple[Preview, str, Path]) -> None:
    state, base, page = preview
    original = page.read_text(encoding="utf-8")
    page.write_text(original.replace("day to day.", "day to day, live-edited."), encoding="utf-8")
    version = wait_for_version(base, 1)
    assert "day to day, live-edited." in get(base + f"{PAGE}.html")[2]
    _status, kind, index = get(base + "_static/search-index.js")
    assert kind == "text/javascript; charset=utf-8" and '"shards": ["search-index/0.js"]' in index
    _status, kind, shard = get(base + "_static/search-index/0.js")  # the page's shard, joined anew
    assert kind == "text/javascript; charset=utf-8" and "day to day, live-edited." in shard

    page.write_text(original + "\nA claim with a missing source [@nosuchkey].\n", encoding="utf-8")
    version = wait_for_version(base, version)
    _status, kind, body = get(base + f"{PAGE}.html")
    assert kind == "text/html; charset=utf-8" and "The handbook does not build" in body
    line = original.count("\n") + 2
    assert f"skill-progression-map.md:{line}:" in body and "CIT001" in body and "nosuchkey" in body
    assert "/__handbook/reload.js" in body  # the diagnostics page reloads itself once fixed
    assert "The handbook does not build" in get(base)[2]  # every page, not only the broken one

    page.write_text(original, encoding="utf-8")
    wait_for_version(base, version)
    assert "The handbook does not build" not in get(base + f"{PAGE}.html")[2]
    assert len(state.pages.results) == 1  # old results of the page are dropped


def test_events_announce_each_rebuild(preview: tuple[Preview, str, Path]) -> None:
    state, base, _page = preview
    host, port = base.removeprefix("http://").rstrip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", "/__handbook/events")
    response = connection.getresponse()
    assert response.status == 200 and response.headers["Content-Type"] == "text/event-stream"

    def next_data() -> str:
        while True:
            line = response.readline().decode().strip()
            if line.startswith("data: "):
                return line.removeprefix("data: ")

    assert next_data() == "1"
    state.rebuild()
    assert next_data() == "2"
    connection.close()


def test_only_the_first_build_forks_page_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Later rebuilds run while the server and watcher threads do: they run their pages in this process,
    even when every page changed (a manifest edit), and still render every page anew."""
    from bench.generate import generate
    from pipeline.pages import PageWorkers

    source = generate(60, tmp_path / "src")
    calls: list[int] = []
    real = PageWorkers.check

    def counted(self: PageWorkers, run: object, listed: list[object], *meanwhile: object) -> object:
        calls.append(len(listed))
        return real(self, run, listed, *meanwhile)  # type: ignore[arg-type]

    monkeypatch.setattr(PageWorkers, "check", counted)
    preview = Preview(Config(source=source, out=tmp_path / "out", jobs=2))
    assert preview.rebuild().site is not None
    assert calls == [60]
    manifest = source / "handbook.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("title:", "title: New", 1), encoding="utf-8")
    state = preview.rebuild()
    assert state.site is not None and calls == [60]
    assert b"New" in (state.site.get("index.html", preview.rendered) or b"")


def test_serves_every_search_shard_after_an_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shards of two pages here: five pages make three shards, each served from the in-memory store; an edit
    to the last page changes the last shard only."""
    from bench.generate import generate
    from pipeline.render import site_search

    monkeypatch.setattr(site_search, "SHARD_PAGES", 2)
    source = generate(5, tmp_path / "src")
    preview = Preview(Config(source=source, out=tmp_path / "out", jobs=1))
    assert preview.rebuild().site is not None
    status, kind, index = preview.response("/_static/search-index.js")
    assert status == 200 and kind == "text/javascript; charset=utf-8"
    paths = [f"/_static/search-index/{number}.js" for number in range(3)]
    assert b'"shards": ["search-index/0.js", "search-index/1.js", "search-index/2.js"]' in index
    before = [preview.response(path) for path in paths]
    assert [(status, kind) for status, kind, _body in before] == [(200, "text/javascript; charset=utf-8")] * 3
    page = source / "pages" / f"{PAGE}-0005.md"
    page.write_text(page.read_text(encoding="utf-8").replace("day to day", "day to day, served", 1), "utf-8")
    assert preview.rebuild().site is not None
    after = [preview.response(path) for path in paths]
    assert [path for path, old, new in zip(paths, before, after, strict=True) if old != new] == [paths[2]]
    assert b"day to day, served" in after[2][2] and b"in team 5" in after[2][2] and b"in team 1." in after[0][2]
