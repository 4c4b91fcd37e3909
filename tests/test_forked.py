"""Stages run beside the build in a forked process: results and exceptions come back; failures leave nothing."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate
from pipeline import build as build_mod
from pipeline.build import build
from pipeline.config import Config
from pipeline.diagnostics import PipelineError
from pipeline.forked import Forked, RemoteTraceback, StageFailed, on_both_cores
from pipeline.formats import plan
from pipeline.processes import Interrupted
from pipeline.render import json_export
from tests.conftest import STATE_FILES


def children() -> list[int]:
    """This process's live child processes (zombies count: a child not waited for is left over too)."""
    pid = os.getpid()
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def tree(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.relative_to(root).as_posix() not in STATE_FILES:  # another build, other values
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class Unpicklable(Exception):
    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("not picklable")


def test_the_result_of_a_forked_stage_comes_back() -> None:
    with Forked(lambda: [os.getpid(), "done"]) as job:
        pid, word = job.result()
    assert pid != os.getpid() and word == "done"


def test_two_processes_share_the_items_as_they_go_and_keep_their_order() -> None:
    def work(item: int) -> tuple[int, int]:
        if item < 8:  # the first half slow: split in halves, one process would get every slow item
            time.sleep(0.05)
        return item, os.getpid()

    done = on_both_cores(list(range(16)), work, jobs=0, least=2)
    assert [item for item, _pid in done] == list(range(16))
    assert len({pid for item, pid in done if item < 8}) == 2  # each process took some of the slow ones
    assert children() == []


def test_the_exception_of_a_forked_stage_is_raised_here_with_its_traceback() -> None:
    def fail() -> None:
        raise PipelineError("no pandoc")

    with pytest.raises(PipelineError, match="no pandoc") as caught, Forked(fail) as job:
        job.result()
    assert isinstance(caught.value.__cause__, RemoteTraceback) and "in fail" in str(caught.value.__cause__)

    def odd() -> None:
        raise Unpicklable("odd")

    with pytest.raises(StageFailed, match="Unpicklable: odd"), Forked(odd) as job:
        job.result()


def test_leaving_early_kills_the_forked_stage() -> None:
    with pytest.raises(RuntimeError, match="main stage"), Forked(lambda: time.sleep(60)):
        raise RuntimeError("main stage")
    assert children() == []


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(3, tmp_path_factory.mktemp("forked") / "src")


FORMATS = ("html", "json", "scorm12")


def test_json_runs_beside_the_rest_unless_one_job_is_asked_for() -> None:
    stages = plan(FORMATS)
    assert build_mod._beside(stages, 0) == ("json",)
    assert build_mod._beside(stages, 1) == ()
    assert build_mod._beside(plan(("json",)), 0) == ()  # nothing else would run meanwhile


def test_a_failing_forked_stage_fails_the_build_and_leaves_outputs_unchanged(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert build(Config(source=source, out=out, formats=FORMATS)).ok
    before = tree(out)
    page = source / "pages" / "skill-progression-map-0002.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")

    def broken(*_args: object) -> list[Path]:
        assert os.getpid() != parent  # it runs in the forked process
        raise PipelineError("the disk is full")

    parent = os.getpid()
    monkeypatch.setattr(json_export, "render", broken)
    with pytest.raises(PipelineError, match="the disk is full"):
        build(Config(source=source, out=out, formats=FORMATS))
    assert tree(out) == before
    assert children() == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_a_failing_main_stage_stops_the_forked_one_and_leaves_outputs_unchanged(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert build(Config(source=source, out=out, formats=FORMATS)).ok
    before = tree(out)

    def slow(*_args: object) -> list[Path]:
        time.sleep(60)
        return []

    def interrupted(*_args: object) -> dict[str, list[Path]]:
        raise KeyboardInterrupt

    monkeypatch.setattr(json_export, "render", slow)
    monkeypatch.setattr(build_mod, "package", interrupted)
    started = time.monotonic()
    with pytest.raises(Interrupted):
        build(Config(source=source, out=out, formats=FORMATS))
    assert time.monotonic() - started < 30  # the forked stage was killed, not waited for
    assert tree(out) == before
    assert children() == []


PACKAGES = ("html", "json", "scorm12", "scorm2004")


def test_the_packagers_run_in_turn_and_the_second_deflates_only_what_the_first_does_not_hold(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The packagers run one after the other in the build process, each deflating in threads: the second
    takes every member the two zips share (the site's pages) from the first's zip, as stored."""
    from pipeline.package import archive

    real = archive.pack_all
    deflated: list[tuple[int, set[str]]] = []

    def recorded(members: dict[str, bytes], *args: Any, **kwargs: Any) -> dict[str, archive.Entry]:
        deflated.append((os.getpid(), set(members)))
        return real(members, *args, **kwargs)

    monkeypatch.setattr(archive, "pack_all", recorded)
    assert build(Config(source=source, out=tmp_path / "out", formats=PACKAGES)).ok
    assert [pid for pid, _names in deflated] == [os.getpid()] * 2
    first, second = (names for _pid, names in deflated)
    pages = {name for name in first if name.endswith(".html")} - {"scorm_launch.html"}  # a page per SCORM version
    assert {"index.html", "skill-progression-map-0001.html"} <= pages and not pages & second  # its own: the manifest…
    assert children() == []
    zips = sorted((tmp_path / "out" / "scorm").glob("*.zip"))
    for path in zips:
        with zipfile.ZipFile(path) as archive_file:
            assert archive_file.testzip() is None and pages <= set(archive_file.namelist())


def test_a_failing_packager_fails_the_build_and_leaves_outputs_unchanged(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.package import scorm

    out = tmp_path / "out"
    assert build(Config(source=source, out=out, formats=PACKAGES)).ok
    before = tree(out)
    page = source / "pages" / "skill-progression-map-0003.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nAnother sentence.\n", encoding="utf-8")
    real = scorm.ScormPackager.package

    def broken(self: scorm.ScormPackager, *args: object) -> list[Path]:
        if self.version.key == "2004":  # the second, after the first has written its zip into staging
            raise PipelineError("the disk is full")
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(scorm.ScormPackager, "package", broken)
    with pytest.raises(PipelineError, match="the disk is full"):
        build(Config(source=source, out=out, formats=PACKAGES))
    assert tree(out) == before
    assert children() == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left
