"""JSON Schema validation of the manifest, frontmatter and references, with YAML positions."""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.bundle import BUNDLED
from pipeline.bundle import SCHEMA_DIR as BUNDLED_SCHEMAS
from pipeline.codes import diagnostic
from pipeline.diagnostics import Diagnostic, PipelineError
from pipeline.yamlsrc import YamlDoc

if TYPE_CHECKING:  # imported when something is validated: a build whose inputs were all validated before needs none
    import jsonschema
    from jsonschema.exceptions import ValidationError

# an installed tool's own copy (setup.py bundles it), else the checkout's schema/ folder
_CHECKOUT_SCHEMAS = Path(__file__).resolve().parent.parent / "schema"
SCHEMA_DIR = BUNDLED / BUNDLED_SCHEMAS if (BUNDLED / BUNDLED_SCHEMAS).is_dir() else _CHECKOUT_SCHEMAS
SCHEMAS = ("handbook", "page", "references", "export")


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """Load ``schema/<name>.schema.json``; a missing or broken file is an environment fault."""
    path = SCHEMA_DIR / f"{name}.schema.json"
    try:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PipelineError(f"cannot read schema {path}: {exc}") from exc
    return loaded


@functools.cache
def _validator(name: str, pointer: str = "") -> jsonschema.Draft202012Validator:
    import jsonschema

    root = schema(name)
    target = {"$ref": f"#{pointer}", **{k: v for k, v in root.items() if k == "$defs"}} if pointer else root
    return jsonschema.Draft202012Validator(target, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def validate(
    data: Any,
    doc: YamlDoc,
    name: str,
    display: str,
    lines: Sequence[str],
    line_offset: int = 0,
    pointer: str = "",
    base: tuple[str | int, ...] = (),
) -> list[Diagnostic]:
    """Every schema violation of ``data`` against schema ``name``, each at its key's line and column."""
    out: list[Diagnostic] = []
    for error in _validator(name, pointer).iter_errors(data):
        out.extend(_diagnose(error, doc, display, lines, line_offset, base))
    return out


def _diagnose(
    error: ValidationError, doc: YamlDoc, display: str, lines: Sequence[str], offset: int, base: tuple[str | int, ...]
) -> Iterator[Diagnostic]:
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        error = best_match(error.context)
    path = (*base, *error.absolute_path)

    def located(p: tuple[str | int, ...], key: bool) -> tuple[int, int, str]:
        """The file line and column of the key (or value) at ``p``, and that line's text."""
        line, col = doc.position(p, key=key)
        line += offset
        return line, col, lines[line - 1] if 0 < line <= len(lines) else ""

    def at(p: tuple[str | int, ...], code: str, message: str, hint: str = "", key: bool = True) -> Diagnostic:
        line, col, src = located(p, key)
        return diagnostic(display, line, col, code, message, hint, src)

    where = _dotted(path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = list(schema.get("properties", {}))
        for key in error.instance:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}"
            yield at((*path, key), "SCH002", f"unknown key `{key}`" + (f" in {where}" if where else ""), hint)
        return
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        yield at(
            path,
            "SCH001",
            f"missing required key `{missing}`" + (f" in {where}" if where else ""),
            f"add `{missing}:`",
            key=bool(path),
        )
        return
    description = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
    hint = description if description else ""
    if error.validator == "enum":
        values = error.validator_value if isinstance(error.validator_value, list) else []
        hint = "allowed values: " + ", ".join(v if isinstance(v, str) else json.dumps(v) for v in values)
    if isinstance(error.instance, bool) and _wants_text(error):
        _line, col, src = located(path, False)
        written = _BOOLEAN_WORD.match(src, col - 1)
        if written:  # YAML 1.1 reads yes, no, on and off unquoted as booleans
            word = written.group(0)
            hint = f'YAML reads an unquoted `{word}` as {json.dumps(error.instance)}: write "{word}", in quotes'
    yield at(path, "SCH001", f"{where or 'document'}: {_message(error)}", hint, key=False)


_BOOLEAN_WORD = re.compile(r"(?i:yes|no|on|off|true|false)\b")


def _wants_text(error: ValidationError) -> bool:
    """Whether the schema asked for text (a string, or one of some strings) where the value failed."""
    wanted = error.validator_value
    if error.validator == "type":
        return wanted == "string" or (isinstance(wanted, list) and "string" in wanted)
    return error.validator == "enum" and isinstance(wanted, list) and any(isinstance(v, str) for v in wanted)


def _message(error: ValidationError) -> str:
    if error.validator == "pattern":
        return f"{error.instance!r} does not match the required form"
    if error.validator == "type":
        return f"expected {error.validator_value}, found {type(error.instance).__name__} {error.instance!r}"
    return str(error.message)


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
