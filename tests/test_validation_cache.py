"""Schema validation kept between runs: by the text each validation reads, so an edit elsewhere needs none.

A page's frontmatter is validated again only when its frontmatter (or its file's name) changes, the
bibliography only when its bytes change; what was found is reported again, at the same lines, either way.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.generate import generate
from pipeline import pagecache, references
from pipeline.build import check
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic
from pipeline.pagecache import PageCache
from pipeline.validate import validate
from tests.conftest import ROOT, SOURCE

PAGE = "pages/skill-progression-map-0002.md"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each schema validated something, counted where the caches call it."""
    counted: Counter[str] = Counter()

    def counting(real: Any) -> Any:
        def validate(data: Any, doc: Any, name: str, *args: Any, **kwargs: Any) -> list[Diagnostic]:
            counted[name] += 1
            return list(real(data, doc, name, *args, **kwargs))

        return validate

    monkeypatch.setattr(pagecache, "validate", counting(validate))
    monkeypatch.setattr(references, "validate", counting(validate))
    references._load.cache_clear()  # a reading made before the counting began would hide a validation
    return counted


def _schema_findings(diags: list[Diagnostic]) -> list[tuple[str, int, int, str, str]]:
    return [(d.path, d.line, d.col, d.code, d.source_line) for d in diags if d.code.startswith("SCH")]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_below_the_frontmatter_is_not_validated_again_and_one_in_it_is(
    tmp_path: Path, validations: Counter[str]
) -> None:
    source = generate(3, tmp_path / "source", SOURCE)
    config, cache = Config(source=source, out=tmp_path / "out"), PageCache()
    first = check(config, cache)
    assert validations["page"] == 3 and validations["handbook"] == 1

    _edit(source / PAGE, "## Engineering", "An edited paragraph.\n\n## Engineering")  # the body only
    second = check(config, cache)
    assert validations["page"] == 3  # nothing validated again
    assert _schema_findings(second.diagnostics) == _schema_findings(first.diagnostics) == []

    _edit(source / PAGE, "status: published", "status: published\ncolour: red")  # the frontmatter
    third = check(config, cache)
    assert validations["page"] == 4  # that page's frontmatter, once
    lines = (source / PAGE).read_text(encoding="utf-8").split("\n")
    line = lines.index("colour: red") + 1
    found = _schema_findings(third.diagnostics)
    assert [(code, at, text) for _path, at, _col, code, text in found] == [("SCH002", line, "colour: red")]

    _edit(source / PAGE, "An edited paragraph.", "Another edited paragraph.")  # the body again: the finding is kept
    fourth = check(config, cache)
    assert validations["page"] == 4 and _schema_findings(fourth.diagnostics) == found


def test_the_bibliography_is_validated_once_for_its_bytes_and_its_findings_kept(
    tmp_path: Path, validations: Counter[str]
) -> None:
    source = generate(3, tmp_path / "source", SOURCE)
    _edit(source / "references.yaml", "type: document", "type: blog-entry")  # not a CSL type
    config, cache = Config(source=source, out=tmp_path / "out"), PageCache()
    first = _schema_findings(check(config, cache).diagnostics)
    assert [code for _path, _line, _col, code, _text in first] == ["SCH001"]
    assert first[0][4].strip() == "type: blog-entry"

    cache.save(tmp_path / "cache")  # a new process: what the last build kept, from disk
    references._load.cache_clear()
    again = _schema_findings(check(config, PageCache(tmp_path / "cache")).diagnostics)
    assert again == first and validations["references"] == 1

    _edit(source / "references.yaml", "type: blog-entry", "type: blog-post")  # still wrong, another text
    references._load.cache_clear()
    changed = _schema_findings(check(config, PageCache(tmp_path / "cache")).diagnostics)
    assert validations["references"] == 2 and changed[0][4].strip() == "type: blog-post"


def test_what_other_code_kept_is_not_reused(tmp_path: Path) -> None:
    source = generate(3, tmp_path / "source", SOURCE)
    cache = PageCache()
    check(Config(source=source, out=tmp_path / "out"), cache)
    cache.save(tmp_path / "cache")
    assert len(PageCache(tmp_path / "cache").known.entries) == 3
    front = tmp_path / "cache" / pagecache.FOLDER / pagecache.FRONT
    _version, *kept = pickle.loads(front.read_bytes())
    front.write_bytes(pickle.dumps(("other code", *kept)))
    assert PageCache(tmp_path / "cache").known.entries == {} and PageCache(tmp_path / "cache").schema == {}


def test_a_build_after_a_body_edit_does_not_import_the_validator(tmp_path: Path) -> None:
    source = generate(3, tmp_path / "source", SOURCE)
    run = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.build import build\n"
        "from pipeline.config import Config\n"
        f"config = Config(source=Path({str(source)!r}), out=Path({str(tmp_path / 'out')!r}), formats=('html',))\n"
        "result = build(config)\n"
        "assert result.ok, result.diagnostics\n"
        "print('jsonschema' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def imported() -> bool:
        done = subprocess.run([sys.executable, "-c", run], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip() == "True"

    assert imported()  # the first build validates everything
    _edit(source / PAGE, "## Engineering", "An edited paragraph.\n\n## Engineering")
    assert not imported()
    _edit(source / PAGE, "status: published", "status: draft")
    assert imported()  # a frontmatter edit is validated
