"""YAML nesting (FM008): our limit holds below the parser's own, with libyaml and with pure-Python PyYAML."""

from __future__ import annotations

import pytest
import yaml

from pipeline import yamlsrc
from pipeline.yamlsrc import MAX_DEPTH, parse_yaml

FLOW = "title: x\nkeywords: " + "[" * 2000 + "]" * 2000 + "\n"  # libyaml stops at 1,000, scanning ahead
BLOCK = "title: x\n" + "".join(" " * depth + f"k{depth}:\n" for depth in range(2000))


@pytest.fixture(params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test with the C parser (PyYAML's default here) and with the pure-Python one (no nesting limit)."""
    assert yamlsrc._LIBYAML  # the C parser is installed, so both really run
    if request.param == "python":
        monkeypatch.setattr(yamlsrc, "_Loader", yaml.SafeLoader)
        monkeypatch.setattr(yamlsrc, "_LIBYAML", False)
    return str(request.param)


def codes(text: str) -> list[tuple[str, int, int]]:
    doc, found = parse_yaml(text, "x.yaml")
    assert (doc is None) == bool(found)
    return [(d.code, d.line, d.col) for d in found]


def test_flow_nesting_is_refused_where_the_limit_is_first_passed(parser: str) -> None:
    # `keywords: ` is 10 columns; the n-th `[` opens a node at depth n: the 201st is the first too deep
    assert codes(FLOW) == [("FM008", 2, 11 + MAX_DEPTH)]


def test_block_nesting_is_refused_at_the_first_node_too_deep(parser: str) -> None:
    # mapping k{d} holds a mapping at depth d + 1; its key scalar k{MAX_DEPTH} is the first node at depth 201
    assert codes(BLOCK) == [("FM008", 2 + MAX_DEPTH, 1 + MAX_DEPTH)]


def test_nesting_up_to_the_limit_is_read(parser: str) -> None:
    doc, found = parse_yaml("k: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n", "x.yaml")
    assert found == [] and doc is not None
    value = doc.data["k"]
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == []


def test_a_syntax_error_before_the_deep_part_is_reported_as_such(parser: str) -> None:
    assert codes("title: `x\n" + FLOW[9:]) == [("FM003", 1, 8)]


def test_nesting_reached_through_an_alias_is_refused_too(parser: str) -> None:
    deep = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)  # written: 199 levels under `a`, within the limit
    found = codes(f"a: &x {deep}\nb: [[*x]]\n")
    assert [code for code, _line, _col in found] == ["FM008"]


@pytest.mark.parametrize(
    "text",
    [
        "- " * (MAX_DEPTH + 1) + "x\n",  # compact sequences: one dash a level
        "? " * (MAX_DEPTH + 1) + "x\n",  # complex keys: one question mark a level
        "{a: " * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1) + "\n",
    ],
    ids=["dashes", "question marks", "flow mappings"],
)
def test_the_tersest_nesting_past_the_limit_is_refused(parser: str, text: str) -> None:
    """A text with no more than MAX_DEPTH of ``: - ? [ {`` is not parsed for its depth (each collection opens
    with one of them): nesting written with one such character a level is still found past the limit."""
    assert [code for code, _line, _col in codes(text)] == ["FM008"]


def test_a_text_with_few_openers_is_parsed_once(parser: str, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real = yamlsrc._first_too_deep

    def counted(found: object, marks: object) -> object:
        events.append("parsed")
        return real(found, marks)  # type: ignore[arg-type]

    monkeypatch.setattr(yamlsrc, "_first_too_deep", counted)
    doc, found = parse_yaml("id: intro\ntitle: Intro\nobjectives:\n  - one\n  - two\n", "x.yaml")
    assert found == [] and doc is not None and events == []
    parse_yaml("k: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n", "x.yaml")
    assert events == ["parsed"]
