"""Property tests: random Markdown and frontmatter never crash the checker or give an impossible position."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.build import check
from pipeline.codes import REGISTRY
from pipeline.config import Config
from tests.fixture_gen import BASE, relative

pytestmark = pytest.mark.timeout(600)

# Modest by default (CI has 2 cores); HANDBOOK_FUZZ_EXAMPLES=2000 for a longer local hunt.
EXAMPLES = int(os.environ.get("HANDBOOK_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = ["smith2024", "jones2023", "nokey", "a.b", "x_1", "Ünï"]
TARGETS = [
    "intro.md",
    "intro.md#overview",
    "guide.md#details",
    "missing.md",
    "#details",
    "#nowhere",
    "index.md",
    "../assets/levels.svg",
    "../assets/missing.png",
    "../../outside.png",
    "/etc/passwd",
    "framework:reference-framework",
    "framework:unknown",
    "https://example.com/x",
    "mailto:a@b.c",
    "über uns.md",
    "<my page.md>",
    "",
]
LABELS = ["Question", "Level 1", "Level 2", "Level 3", "Levl 2", "Level 4", "Tier 1", ""]

# Any character, U+0085/U+2028/U+2029 included (PyYAML counts them as line breaks; positions must not shift).
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
# Lone `[`/`]` included: an unclosed bracket makes a citation span lines, and its key positions must hold.
plain = st.text(alphabet=st.sampled_from(list("abc XYZ 0123456789%×.,;:!?(){}[]@#*_`\\|<>-—–'\"é🎉\t")), max_size=30)


@st.composite
def inline(draw: st.DrawFn) -> str:
    """One run of inline Markdown: text, citations, links, images, statistics, emphasis, code."""
    parts = draw(
        st.lists(
            st.one_of(
                plain,
                words,
                st.sampled_from(KEYS).map(lambda k: f"[@{k}]"),
                st.tuples(plain, st.sampled_from(KEYS)).map(lambda t: f"[see @{t[1]}, p. 4{t[0]}]"),
                st.sampled_from(KEYS).map(lambda k: f"[38%, per @{k}; @{k}]"),
                st.sampled_from(KEYS).map(lambda k: f" @{k} "),
                st.tuples(plain, st.sampled_from(TARGETS)).map(lambda t: f"[{t[0]}]({t[1]})"),
                st.sampled_from(TARGETS).map(lambda t: f"![img]({t})"),
                st.sampled_from(["84% of teams", "2.4× faster", "12,000 people", "211 million lines"]),
                st.sampled_from(["(Stack Overflow, 2025)", "Level 2 — Skilled", "Level 1 (Starter)"]),
                plain.map(lambda t: f"*{t}*"),
                plain.map(lambda t: f"`{t}`"),
            ),
            max_size=6,
        )
    )
    return " ".join(parts)


@st.composite
def table(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 5))
    header = draw(st.lists(st.sampled_from(LABELS), min_size=width, max_size=width))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
    for _ in range(draw(st.integers(0, 3))):
        cells = draw(st.lists(st.one_of(inline(), st.just(""), st.just("a \\| b")), max_size=width + 2))
        lines.append(draw(st.sampled_from(["| ", "", "> | "])) + " | ".join(cells) + " |")
    return "\n".join(lines)


@st.composite
def block(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 8))
    if kind == 0:
        return "#" * draw(st.integers(1, 7)) + " " + draw(inline())
    if kind == 1:
        return draw(table())
    if kind == 2:
        depth = draw(st.integers(0, 30))
        return "".join("  " * d + draw(st.sampled_from(["- ", "1. ", "* "])) + draw(plain) + "\n" for d in range(depth))
    if kind == 3:
        return ">" * draw(st.integers(1, 30)) + " " + draw(inline())
    if kind == 4:
        return "```\n" + draw(inline()) + "\n" + draw(st.sampled_from(["```", ""]))
    if kind == 5:
        return "<!-- handbook: ignore " + draw(st.sampled_from(["CLM001", "CIT001 TBL002", "XYZ999", ""])) + " -->"
    if kind == 6:
        return "[ref]: " + draw(st.sampled_from(TARGETS))
    if kind == 7:
        return draw(words)
    return draw(inline())


markdown_bodies = st.lists(block(), max_size=8).flatmap(
    lambda blocks: st.sampled_from(["\n\n", "\n", "\r\n", "\n\n\n"]).map(lambda sep: sep.join(blocks))
)

yamlish = st.text(alphabet=st.sampled_from(list("ab01 :-[]{},&*!|>'\"%@#?~\n\t.\\é")), max_size=80)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), words)
structures = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(["id", "title", "scale", "keywords", "objectives", "summary"]), words),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


def run(files: dict[str, str]) -> None:
    """Check the base handbook with some files replaced; assert the invariants of every diagnostic."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(BASE, src)
        for name, text in files.items():
            (src / name).write_bytes(text.encode("utf-8"))
        result = check(Config(source=src))
        for (path, line, col, code), d in relative(result.diagnostics, src):
            assert code in REGISTRY, d
            assert line >= 1 and col >= 1, d
            file = src / path
            if file.is_file() and path in files:
                lines = files[path].replace("\r\n", "\n").replace("\r", "\n").split("\n")
                assert line <= len(lines), d
                assert col <= len(lines[line - 1]) + 1, d


def page(front: str, body: str) -> str:
    return f"---\n{front}\n---\n\n{body}"


@SETTINGS
@given(markdown_bodies)
def test_random_markdown(body: str) -> None:
    run({"pages/guide.md": page("id: guide\ntitle: Guide\nscale: levels", body)})


@SETTINGS
@given(yamlish, markdown_bodies)
def test_random_frontmatter_text(front: str, body: str) -> None:
    run({"pages/guide.md": page(front, body)})


@SETTINGS
@given(structures)
def test_random_frontmatter_structure(data: Any) -> None:
    front = yaml.safe_dump(data, allow_unicode=True)
    run({"pages/guide.md": page(front, "Text [@smith2024].\n")})


@settings(max_examples=max(EXAMPLES * 2 // 3, 1), deadline=None)
@given(structures)
def test_random_manifest_structure(data: Any) -> None:
    run({"handbook.yaml": yaml.safe_dump(data, allow_unicode=True)})
