"""The sample's HTML and JSON equal the golden outputs in tests/golden/ (refresh with `make golden`)."""

from __future__ import annotations

from pathlib import Path

from tests.golden import GOLDEN, build_sample, differences


def test_sample_outputs_equal_the_golden_outputs(tmp_path: Path) -> None:
    assert (GOLDEN / "json").is_dir(), "no golden outputs: run `make golden`"
    changed = differences(build_sample(tmp_path))
    assert changed == [], f"outputs differ from tests/golden/ in {changed}: review, then run `make golden`"
