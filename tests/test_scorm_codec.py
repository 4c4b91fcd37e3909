"""The run-time's suspend_data codec (runtime/codec.js, run in node): under 4,096 characters at any size."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import TypedDict

import pytest

CODEC = Path(__file__).resolve().parents[1] / "pipeline" / "package" / "runtime" / "codec.js"
BUDGET = 4000 - 1 - 8  # sco.js: 4,000 less the format character and the 8-character layout hash

SCRIPT = r"""
const codec = require(process.argv[1]);
const budget = Number(process.argv[2]);
const sizes = JSON.parse(process.argv[3]);
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const patterns = {
  none: n => 0, all: n => 1, alternate: i => i % 2, thirds: i => (i % 3 === 0 ? 1 : 0),
  random: i => (random() < 0.5 ? 1 : 0), firstHalf: (i, n) => (i < n / 2 ? 1 : 0),
  sparse: i => (i % 97 === 0 ? 1 : 0),
};
const out = [];
for (const n of sizes) {
  for (const [name, make] of Object.entries(patterns)) {
    const bits = Array.from({length: n}, (_, i) => make(i, n));
    const text = codec.encode(bits, budget);
    const back = codec.decode(text, n);
    out.push({n, name, kind: text[0], length: text.length,
              exact: back.every((b, i) => b === bits[i]),
              claimsUnviewed: back.some((b, i) => b && !bits[i]),
              decodedLength: back.length, safe: /^[A-Za-z0-9\-_.~]*$/.test(text)});
  }
}
console.log(JSON.stringify(out));
"""


class Result(TypedDict):
    """One line of the script's output: a size and bit pattern, encoded and decoded."""

    n: int
    name: str
    kind: str
    length: int
    exact: bool
    claimsUnviewed: bool
    decodedLength: int
    safe: bool


def run(sizes: list[int]) -> list[Result]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    done = subprocess.run(
        [node, "-e", SCRIPT, str(CODEC), str(BUDGET), json.dumps(sizes)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(done.stdout))


def test_state_fits_under_the_scorm_12_limit_for_any_handbook_size() -> None:
    # 7,000 sections = the 1,000-page handbook of bench/generate.py (7 sections a page); 200,000 is far beyond
    results = run([1, 7, 100, 7000, 23940, 23941, 50000, 200000])
    for result in results:
        assert result["length"] <= BUDGET, result
        assert result["decodedLength"] == result["n"], result
        assert result["safe"], result  # plain ASCII: no escaping surprises in any LMS
        assert not result["claimsUnviewed"], result  # never marks a section read that was not


def test_encoding_is_exact_up_to_23940_sections_and_for_long_runs_beyond() -> None:
    exact_bits = (BUDGET - 1) * 6  # "b" + 6 sections per character
    for result in run([7, 7000, exact_bits, 200000]):
        if result["n"] <= exact_bits or result["name"] in ("none", "all", "firstHalf"):
            assert result["exact"], result
    alternate = {r["n"]: r for r in run([7000]) if r["name"] == "alternate"}[7000]
    assert alternate["kind"] == "b" and alternate["length"] == 1 + 7000 // 6 + 1


def test_a_fully_read_handbook_still_decodes_as_fully_read_when_coarsened() -> None:
    """Completion must stay reachable after a resume, whatever encoding was used."""
    for result in run([200000, 1000000]):
        if result["name"] == "all":
            assert result["exact"], result
