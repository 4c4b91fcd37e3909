"""Safe YAML reading that keeps a line and column for every key and value."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from pipeline.characters import FORBIDDEN, describe, replace_forbidden
from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic

try:  # the C composer is several times faster; both give the same marks
    from yaml import CSafeLoader as _Loader

    _LIBYAML = True
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    _LIBYAML = False

# Tags the YAML core schema resolves by itself; anything else was written explicitly.
_CORE = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "merge")}
MAX_NODES = 200_000  # far above any real manifest; stops alias bombs
MAX_DEPTH = 200
_OPENERS = (":", "-", "?", "[", "{")
_YAML_ONLY_BREAKS = "\x85\u2028\u2029"

Path = tuple[str | int, ...]


@dataclass(slots=True)
class YamlDoc:
    """A parsed YAML document: plain JSON-like data plus where each piece came from."""

    data: Any
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path, key: bool = True) -> tuple[int, int]:
        """Best 1-based (line, col) for a JSON path: the key if asked and known, else the value."""
        for n in range(len(path), -1, -1):
            sub = path[:n]
            if key and sub in self.keys:
                return self.keys[sub]
            if sub in self.values:
                return self.values[sub]
        return (1, 1)


class _Fault(Exception):
    def __init__(self, code: str, message: str, line: int, col: int, hint: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.col, self.hint = code, message, line, col, hint


class _Marks:
    """1-based (line, col) of a YAML mark in our own lines, split at ``\n`` only.

    PyYAML also breaks lines at U+0085, U+2028 and U+2029, so its ``line`` and ``column`` drift
    after one of them; its ``index`` (a character offset) does not.
    """

    def __init__(self, text: str) -> None:
        self.starts: list[int] | None = None
        if any(ch in text for ch in _YAML_ONLY_BREAKS):
            self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def __call__(self, mark: Any) -> tuple[int, int]:
        if self.starts is None:
            return mark.line + 1, mark.column + 1
        line = bisect.bisect_right(self.starts, mark.index)
        return line, mark.index - self.starts[line - 1] + 1


def parse_yaml(text: str, path: str, line_offset: int = 0) -> tuple[YamlDoc | None, list[Diagnostic]]:
    """Parse one YAML document; return it (or None) and the diagnostics found."""
    lines = text.split("\n")
    marks = _Marks(text)

    def diag(code: str, message: str, line: int, col: int, hint: str = "") -> Diagnostic:
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        return diagnostic(path, line + line_offset, col, code, message, hint, src)

    try:
        # a raw forbidden character is FM009 of the file read (pipeline/load.py), not a YAML syntax
        # error at 1:1; only the values YAML escapes produce are left for the builder to find
        readable = replace_forbidden(text)
        deep = _too_deep(readable, marks)
        if deep is not None:
            return None, [diag(deep.code, deep.message, deep.line, deep.col, deep.hint)]
        node = yaml.compose(readable, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = marks(mark) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        ctx = f" {exc.context}" if exc.context else ""
        return None, [
            diag(
                "FM003",
                f"YAML syntax error: {problem}{ctx}",
                line,
                col,
                "quote values that contain ': ' or start with a special character",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [diag("FM003", f"YAML error: {exc}", 1, 1)]
    except RecursionError:
        return None, [diag("FM008", "YAML nesting is too deep to read", 1, 1)]
    doc = YamlDoc(None)
    if node is None:
        return doc, []
    builder = _Builder(doc, marks, line_offset)
    try:
        doc.data = builder.build(node, (), 0, (1, 1))
    except _Fault as f:
        return None, [*builder.diagnostics(diag), diag(f.code, f.message, f.line, f.col, f.hint)]
    return doc, list(builder.diagnostics(diag))


def _depth_fault(line: int, col: int) -> _Fault:
    return _Fault("FM008", f"YAML nesting deeper than {MAX_DEPTH} levels", line, col, "flatten the structure")


def _too_deep(text: str, marks: _Marks) -> _Fault | None:
    """FM008 at the first node written deeper than ``MAX_DEPTH``, found in the parser's events before
    anything is composed, so our limit holds whatever the parser's own. libyaml refuses more than 1,000
    levels with a syntax error, and in flow style it meets that error while scanning ahead, before it
    has given the events of level ``MAX_DEPTH``: then the pure-Python parser, which has no limit, says
    whether our limit was passed first. Depth reached through aliases is checked while building.

    Every collection opens with a character of its own among ``: - ? [ {`` (a block mapping's first
    key's colon or a ``?``, a block sequence's first dash, a flow collection's bracket): a text with no
    more of them than ``MAX_DEPTH`` cannot nest deeper, and is not parsed twice."""
    if sum(map(text.count, _OPENERS)) <= MAX_DEPTH:
        return None
    try:
        return _first_too_deep(yaml.parse(text, Loader=_Loader), marks)
    except yaml.YAMLError as exc:
        if not _LIBYAML:
            raise
        try:
            fault = _first_too_deep(yaml.parse(text, Loader=yaml.SafeLoader), marks)
        except yaml.YAMLError:
            fault = None  # a syntax error before any node too deep: the C parser's report stands
        if fault is None:
            raise exc from None
        return fault


def _first_too_deep(events: Iterator[yaml.Event], marks: _Marks) -> _Fault | None:
    """Depth as in ``_Builder.build``: the root node is at 0, a collection's keys and items one deeper."""
    depth = 0  # collections open around the next node
    for event in events:
        if isinstance(event, yaml.NodeEvent):  # scalar, alias, sequence or mapping start: a node
            if depth > MAX_DEPTH:
                return _depth_fault(*marks(event.start_mark))
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


class _Builder:
    def __init__(self, doc: YamlDoc, marks: _Marks, line_offset: int = 0) -> None:
        self.doc = doc
        self.marks = marks
        self.line_offset = line_offset  # messages name file lines, like the diagnostics' positions
        self.nodes = 0
        self.seen: set[int] = set()  # nodes already built: seen again, they were reached through an alias
        self.duplicates: list[tuple[str, int, int, int]] = []
        self.forbidden: list[tuple[str, int, int]] = []  # a character a YAML escape produced, at its scalar

    def diagnostics(self, diag: Any) -> Iterator[Diagnostic]:
        for char, line, col in self.forbidden:
            yield diag(
                "FM009",
                f"this value holds the forbidden character {describe(char)}, written as a YAML escape",
                line,
                col,
                "remove the escape (`\\e`, `\\0`, `\\x1b`…): XML outputs such as the SCORM manifest cannot hold it",
            )
        for key, line, col, first in self.duplicates:
            yield diag(
                "FM004",
                f"duplicate key `{key}` (first defined on line {first + self.line_offset})",
                line,
                col,
                "YAML keeps only the last value; remove one of them",
            )

    def build(self, node: yaml.Node, path: Path, depth: int, written: tuple[int, int]) -> Any:
        """``written``: where the innermost node not reached through an alias starts, which is
        where an alias bomb's expansion is blamed (not at the aliased values it is visiting)."""
        self.nodes += 1
        line, col = self.marks(node.start_mark)
        first = id(node) not in self.seen
        if first:
            self.seen.add(id(node))
            written = (line, col)
        if self.nodes > MAX_NODES:
            raise _Fault(
                "FM007",
                f"YAML expands to more than {MAX_NODES:,} values (an alias bomb?)",
                *written,
                "write the values out instead of repeating aliases",
            )
        if depth > MAX_DEPTH:  # through aliases (written nesting is refused by _too_deep before composing)
            raise _depth_fault(line, col)
        if node.tag not in _PLAIN_TAGS:
            raise _Fault(
                "FM006",
                f"YAML tag `{node.tag}` is not allowed",
                line,
                col,
                "remove the tag; source files hold plain values only",
            )
        self.doc.values.setdefault(path, (line, col))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                kline, kcol = self.marks(key_node.start_mark)
                if key_node.tag == _CORE + "merge":
                    raise _Fault("FM006", "YAML merge keys (`<<`) are not allowed", kline, kcol, "write the keys out")
                key = self.build(key_node, (*path, "<key>"), depth + 1, written)
                key = str(key) if not isinstance(key, str) else key
                if key in seen:
                    self.duplicates.append((key, kline, kcol, seen[key]))
                seen[key] = kline
                self.doc.keys[(*path, key)] = (kline, kcol)
                out[key] = self.build(value_node, (*path, key), depth + 1, written)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1, written) for i, item in enumerate(node.value)]
        found = FORBIDDEN.search(str(node.value))
        if found is not None and first:  # once, not at every alias of it
            self.forbidden.append((found.group(), line, col))
        return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    value = str(node.value)
    tag = node.tag[len(_CORE) :] if node.tag.startswith(_CORE) else "str"
    if tag in ("str", "timestamp"):
        return value  # dates stay ISO strings: JSON-compatible and exact
    return yaml.SafeLoader.yaml_constructors[node.tag](_CONSTRUCTOR, node)


_CONSTRUCTOR = yaml.SafeLoader("")
