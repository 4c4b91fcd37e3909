"""Issue 11: never lose an author's work, never crash.

--out may not overlap the source; outputs/ is replaced in one step (or not at all); unreadable and
non-regular source files are diagnostics; child processes die with the build; an interrupted build
prints one line and leaves outputs/ as it was.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.generate import generate
from pipeline import publish
from pipeline.build import build
from pipeline.cli import main
from pipeline.config import Config
from pipeline.processes import Interrupted
from pipeline.serve import Preview
from tests.conftest import ROOT, STATE_FILES
from tests.fixture_gen import BASE

MARK = "HANDBOOK_TEST_SAFETY_MARK"


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones included) by its hash; symlinks by their target.

    Not the build stamp nor the JSON export's spans: they record the inodes and times of the files their
    build wrote (``STATE_FILES``).
    """
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel in STATE_FILES:
            continue
        if path.is_symlink():
            found[rel] = f"-> {path.readlink()}"
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def ours(parent: Path) -> list[str]:
    """Staging and old folders a build left next to its output folder."""
    return sorted(p.name for p in parent.iterdir() if ".handbook-" in p.name)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path / "src")
    return tmp_path / "src"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


# --- 1. --out that overlaps the source -------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["same", "inside", "parent", "symlink"])
def test_out_overlapping_the_source_is_refused_before_anything_is_written(src: Path, where: str) -> None:
    before = tree(src.parent)
    out = {"same": src, "inside": src / "assets", "parent": src.parent, "symlink": src.parent / "link"}[where]
    if where == "symlink":
        out.symlink_to(src, target_is_directory=True)
        before = tree(src.parent)
    code, output = invoke("build", "--source", str(src), "--out", str(out), "--format", "html")
    assert code == 2, output
    assert "source folder" in output and "Traceback" not in output
    assert tree(src.parent) == before


def test_out_under_a_file_is_a_usage_error(src: Path) -> None:
    (src.parent / "file").write_text("x", encoding="utf-8")
    code, output = invoke("build", "--source", str(src), "--out", str(src.parent / "file" / "out"), "-f", "json")
    assert code == 2, output
    assert "is a file" in output and "Traceback" not in output


# --- running as a user who cannot read or write: an unprivileged subprocess --------------------------------------


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder an unprivileged user can enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="handbook-safety-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)


def unprivileged(*args: str) -> subprocess.CompletedProcess[str]:
    """``handbook ARGS`` as a user without root's power to read and write anything (nobody, when we are root)."""
    command = [sys.executable, "-m", "pipeline", *args]
    if os.geteuid() == 0:
        assert shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root in this test"
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME="/tmp")
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_out_that_cannot_be_written_is_a_usage_error(shared: Path) -> None:
    source = shutil.copytree(BASE, shared / "src")
    locked = shared / "locked"
    locked.mkdir(mode=0o555)
    if os.geteuid() != 0:
        locked.chmod(0o555)
    done = unprivileged("build", "--source", str(source), "--out", str(locked / "out"), "-f", "json")
    assert done.returncode == 2, done.stderr
    assert "permission denied" in done.stderr and "Traceback" not in done.stderr
    assert not (locked / "out").exists()


@pytest.mark.parametrize(("name", "code"), [("pages/guide.md", "FM010"), ("assets/levels.svg", "LNK008")])
def test_an_unreadable_file_is_a_diagnostic(shared: Path, name: str, code: str) -> None:
    source = shutil.copytree(BASE, shared / "src")
    for folder in (source, *source.rglob("*")):
        if folder.is_dir():
            folder.chmod(0o755)
    (source / name).chmod(0o000)
    done = unprivileged("check", "--source", str(source))
    assert done.returncode == 1, done.stderr
    assert f"{name}:1:1: {code}" in done.stderr and "permission denied" in done.stderr
    assert "Traceback" not in done.stderr


# --- 4. non-regular source files: diagnostics, never a hang or a traceback (see also gen-fm010-*, gen-lnk008-*) ---


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", ["fifo-page", "fifo-asset", "dangling-asset", "loop-asset", "folder-page"])
def test_build_reports_a_non_regular_file_instead_of_crashing_or_hanging(src: Path, case: str) -> None:
    target = {
        "fifo-page": "pages/zz.md",
        "fifo-asset": "assets/pipe.svg",
        "dangling-asset": "assets/gone.svg",
        "loop-asset": "assets/loop.svg",
        "folder-page": "pages/zz.md",
    }[case]
    path = src / target
    if case.startswith("fifo"):
        os.mkfifo(path)
    elif case == "dangling-asset":
        path.symlink_to("deleted.svg")
    elif case == "loop-asset":
        path.symlink_to("loop.svg")
    else:
        path.mkdir()
    code, output = invoke("build", "--source", str(src), "--out", str(src.parent / "out"), "-f", "html")
    assert code == 1, output
    assert f"{target}:1:1: {'FM010' if target.startswith('pages') else 'LNK008'}" in output
    assert "Traceback" not in output
    assert not (src.parent / "out").exists()


def test_serve_shows_a_page_that_became_a_folder_as_a_diagnostic(src: Path) -> None:
    logged: list[str] = []
    preview = Preview(Config(source=src), logged.append)
    assert preview.rebuild().site is not None
    (src / "pages" / "guide.md").unlink()
    (src / "pages" / "guide.md").mkdir()
    state = preview.rebuild()
    assert state.site is None and state.failure is not None
    assert b"FM010" in state.failure and b"internal error" not in state.failure
    assert not any("Traceback" in line for line in logged)


# --- 2. atomic publish -----------------------------------------------------------------------------------------


def test_a_build_of_one_format_keeps_the_others_and_the_cache(src: Path) -> None:
    out = src.parent / "out"
    assert build(Config(source=src, out=out, formats=("html", "json"))).ok
    (out / "notes.txt").write_text("the user's own file", encoding="utf-8")
    html = tree(out / "html")
    page = src / "pages" / "guide.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    old_json = tree(out / "json")
    assert build(Config(source=src, out=out, formats=("json",))).ok
    assert tree(out / "html") == html
    assert tree(out / "json") != old_json
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the user's own file"
    assert ours(src.parent) == []


def test_the_out_folder_is_exchanged_whole(src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is written into out/ while rendering: a renderer sees the staging folder, next to it."""
    out = src.parent / "out"
    assert build(Config(source=src, out=out, formats=("json",))).ok
    inode = out.stat().st_ino
    seen: list[Path] = []
    real = publish.Staging.publish

    def spy(self: publish.Staging) -> None:
        seen.append(self.path)
        assert self.path.parent == out.parent and not (out / "html").exists()
        real(self)

    monkeypatch.setattr(publish.Staging, "publish", spy)
    assert build(Config(source=src, out=out, formats=("html",))).ok
    assert seen and out.stat().st_ino != inode  # a new folder took the old one's place
    assert (out / "html" / "index.html").is_file() and (out / "json").is_dir()
    assert ours(src.parent) == []


def test_without_renameat2_two_renames_publish_and_a_death_between_them_is_repaired(
    src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "_exchange", lambda _a, _b: False)
    out = src.parent / "out"
    assert build(Config(source=src, out=out, formats=("json",))).ok
    before = tree(out)
    dead = _dead_pid()
    out.rename(src.parent / f".out.handbook-old-{dead}-{'0' * 12}")  # killed right after the first rename
    assert build(Config(source=src, out=out, formats=("json",))).ok
    assert tree(out) == before
    assert ours(src.parent) == []


def test_leftovers_of_killed_builds_are_removed_and_running_ones_kept(src: Path) -> None:
    out = src.parent / "out"
    out.mkdir()
    dead = _dead_pid()
    stale = [
        src.parent / f".out.handbook-staging-{dead}-{'a' * 12}",
        src.parent / f".out.handbook-old-{dead}-{'b' * 12}",
    ]
    user = [src.parent / ".out.handbook-staging-notes", src.parent / ".out.backup"]
    with subprocess.Popen(["sleep", "60"]) as alive:
        running = src.parent / f".out.handbook-staging-{alive.pid}-{'c' * 12}"
        for folder in (*stale, *user, running):
            folder.mkdir()
            (folder / "file").write_text("x", encoding="utf-8")
        fd = os.open(running / publish.LOCK, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            assert build(Config(source=src, out=out, formats=("json",))).ok
        finally:
            os.close(fd)
            alive.kill()
    assert all(not folder.exists() for folder in stale)
    assert all(folder.exists() for folder in (*user, running))


def test_a_build_with_nothing_to_do_still_removes_what_a_killed_build_left(src: Path) -> None:
    """A build killed after publishing, while it removed the old tree (a staging folder after the exchange):
    the next build finds nothing changed, and removes that tree all the same."""
    out = src.parent / "out"
    assert invoke("build", "--source", str(src), "--out", str(out), "--format", "json")[0] == 0
    left = src.parent / f".out.handbook-staging-{_dead_pid()}-{'d' * 12}"
    shutil.copytree(out, left)
    before = tree(out)
    code, said = invoke("build", "--source", str(src), "--out", str(out), "--format", "json")
    assert code == 0 and "Nothing changed since the last build" in said
    assert ours(src.parent) == [] and tree(out) == before


def test_an_interrupted_build_leaves_out_unchanged_and_no_staging(src: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = src.parent / "out"
    assert build(Config(source=src, out=out, formats=("html", "json"))).ok
    before = tree(out)
    from pipeline.render import json_export

    def interrupted(*_args: object) -> list[Path]:
        raise KeyboardInterrupt

    monkeypatch.setattr(json_export, "render", interrupted)
    with pytest.raises(Interrupted) as caught:
        build(Config(source=src, out=out, formats=("html", "json")))
    assert caught.value.exit_code == 130 and not caught.value.published
    assert tree(out) == before
    assert ours(src.parent) == []


def _dead_pid() -> int:
    with subprocess.Popen(["true"]) as proc:
        proc.wait()
        return proc.pid


# --- 3 + 5. signals at random moments ----------------------------------------------------------------------------


def marked() -> list[str]:
    """Processes still running with this test's marker in their environment (the build and its children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            if f"{MARK}=1".encode() in environ:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name}: {command[:120]}")
        except OSError:
            continue
    return found


def run_build(source: Path, out: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pipeline", "build", "--source", str(source), "--out", str(out)]
    command += ["-f", "html", "-f", "json", "-f", "scorm12", "--output-format", "json"]  # the 180 warnings: stdout
    env = dict(os.environ, **{MARK: "1"}, PYTHONPATH=str(ROOT))
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str]) -> str:
    """Wait for a build that is expected to succeed; its stderr."""
    _stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr[-3000:]
    return stderr


def no_marked_processes(timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := marked()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc to find stray processes")
def test_a_build_killed_at_any_moment_leaves_the_old_or_the_new_outputs(tmp_path: Path) -> None:
    source = generate(60, tmp_path / "src")  # 60 pages: the page workers are used (PAGES_PER_WORKER)
    out = tmp_path / "out"
    started = time.monotonic()
    finish(run_build(source, out))
    duration = time.monotonic() - started
    shutil.rmtree(out / ".cache")  # every build below starts cold, as long as the first: no moment falls after it
    old = tree(out)
    page = source / "pages" / "skill-progression-map-0007.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    shutil.copytree(out, tmp_path / "expected")
    finish(run_build(source, tmp_path / "expected"))
    new = tree(tmp_path / "expected")
    shutil.rmtree(tmp_path / "expected")
    assert new != old
    pristine = tmp_path / "old"
    shutil.copytree(out, pristine, symlinks=True)
    rng = random.Random(11)
    moments = sorted(rng.uniform(0.05, duration) for _ in range(6))
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL] * 2
    stopped = 0
    for moment, signum in zip(moments, signals, strict=True):
        proc = run_build(source, out)
        time.sleep(moment)
        proc.send_signal(signum)
        _stdout, stderr = proc.communicate(timeout=120)
        where = f"{signum.name} after {moment:.2f} s"
        state = tree(out)
        assert state in (old, new), where
        if proc.returncode != 0:  # else the build had finished before the signal came
            stopped += 1
            assert proc.returncode == (-signal.SIGKILL if signum == signal.SIGKILL else 128 + signum), where
        if proc.returncode in (130, 143):
            assert "Traceback" not in stderr, f"{where}:\n{stderr[-3000:]}"
            said = "holds the new build" if state == new else "unchanged"
            assert stderr.strip().splitlines() == [f"interrupted; {out}/ {said}"], where
        assert no_marked_processes() == [], where
        finish(run_build(source, out))
        assert tree(out) == new, where
        assert ours(tmp_path) == [], where
        assert no_marked_processes() == [], where
        shutil.rmtree(out)
        shutil.copytree(pristine, out, symlinks=True)
    assert stopped >= 3  # most moments fell inside a build


HELD_AT_EXIT = "import atexit, time\natexit.register(time.sleep, 30)\n"  # an exit handler that would take 30 s


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["no-such-command"],
        ["check", "--source", "tests/fixtures/cit001-unknown-key"],
        ["explain", "CLM001"],
    ],
)
def test_the_command_ends_with_clicks_status_and_output_without_the_shutdown(args: list[str]) -> None:
    """``handbook`` (cli.run) ends the process as soon as the command is done: the same status, output and
    messages as click's own standalone run of the command group, and no exit handler runs."""

    def command(entry: str) -> subprocess.CompletedProcess[str]:
        script = f"import sys\n{HELD_AT_EXIT if entry == 'run' else ''}sys.argv = ['handbook', *{args!r}]\n"
        script += f"from pipeline.cli import {entry}\n{entry}()\n"
        return subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=20, check=False
        )

    ended, clicks = command("run"), command("main")
    assert (ended.returncode, ended.stdout, ended.stderr) == (clicks.returncode, clicks.stdout, clicks.stderr)
    assert ended.stdout or ended.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_after_the_run_is_reported_keeps_its_exit_status(signum: signal.Signals) -> None:
    """The run is done and reported; a signal while the interpreter shuts down (here, an exit handler that
    takes a while) ends it with the status it reported, not as killed by the signal or with a traceback."""
    script = (
        "import atexit, sys, time\n"
        "from pipeline.processes import exit_now\n"
        "atexit.register(time.sleep, 30)\n"
        "print('reported', flush=True)\n"
        "exit_now(1)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline() == "reported\n"
    time.sleep(0.5)  # inside the exit handler
    proc.send_signal(signum)
    _stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 1 and "Traceback" not in stderr
