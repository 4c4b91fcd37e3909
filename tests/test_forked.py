"""Stages run beside the build in a forked process: results and exceptions come back; failures leave nothing."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from bench.generate import generate
from pipeline import build as build_mod
from pipeline.build import build
from pipeline.config import Config
from pipeline.diagnostics import PipelineError
from pipeline.forked import Forked, RemoteTraceback, StageFailed
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


def test_every_packager_but_the_first_runs_beside_it_and_makes_the_same_zips(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline import package as package_mod

    real = package_mod.packager
    ran = tmp_path / "ran"

    def recorded(name: str) -> package_mod.Packager:
        found = real(name)

        class Recorded:
            def package(self, *args: object) -> list[Path]:
                with ran.open("a", encoding="utf-8") as log:  # from whichever process runs it
                    log.write(f"{name} {os.getpid()}\n")
                return found.package(*args)  # type: ignore[arg-type]

        return Recorded()

    monkeypatch.setattr(package_mod, "packager", recorded)
    assert build(Config(source=source, out=tmp_path / "forked", formats=PACKAGES)).ok
    pids = dict(line.split() for line in ran.read_text(encoding="utf-8").splitlines())
    assert pids["scorm12"] == str(os.getpid()) and pids["scorm2004"] != str(os.getpid())
    assert children() == []
    ran.unlink()
    assert build(Config(source=source, out=tmp_path / "serial", formats=PACKAGES, jobs=1)).ok
    assert set(ran.read_text(encoding="utf-8").split()[1::2]) == {str(os.getpid())}  # --jobs 1: no fork
    assert tree(tmp_path / "forked") == tree(tmp_path / "serial")


def test_a_failing_forked_packager_fails_the_build_and_leaves_outputs_unchanged(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.package import scorm

    out = tmp_path / "out"
    assert build(Config(source=source, out=out, formats=PACKAGES)).ok
    before = tree(out)
    page = source / "pages" / "skill-progression-map-0003.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nAnother sentence.\n", encoding="utf-8")
    parent = os.getpid()
    real = scorm.ScormPackager.package

    def broken(self: scorm.ScormPackager, *args: object) -> list[Path]:
        if self.version.key == "2004":
            assert os.getpid() != parent  # it runs in the forked process
            raise PipelineError("the disk is full")
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(scorm.ScormPackager, "package", broken)
    with pytest.raises(PipelineError, match="the disk is full"):
        build(Config(source=source, out=out, formats=PACKAGES))
    assert tree(out) == before
    assert children() == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left
