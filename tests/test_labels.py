"""Interface labels: every language complete, placeholders alike, language choice, plurals, dates, their use."""

from __future__ import annotations

import re
import shutil
import string
from pathlib import Path

import pytest
from markupsafe import Markup

from pipeline.render import labels as labels_mod
from pipeline.render.labels import ENGLISH, SCRIPT_KEYS, TABLES, Labels, Translation, labels, primary
from tests.conftest import SOURCE

TEMPLATES = Path(labels_mod.__file__).resolve().parent.parent / "templates"
SCRIPTS = [TEMPLATES / "site" / "site.js", *sorted((TEMPLATES / "site" / "static").glob("*.js"))]
# A reference whose rendering depends on citeproc's locale: English "(Ed.)" and "(2nd ed.)", German "(Hrsg.)" and
# "(2. Aufl.)"; and a sentence citing it.
EDITED_REFERENCE = """  - id: roe2019
    type: book
    editor: [{family: Roe, given: Rita}]
    title: An Edited Volume
    edition: "2"
    issued: {date-parts: [[2019]]}
"""
EDITED_CITATION = "\nThe edited volume collects the role studies [@roe2019].\n"


def localized_copy(dest: Path, language: str) -> Path:
    """The sample handbook in ``dest/source`` with its ``language`` changed and an edited book cited."""
    source = dest / "source"
    shutil.copytree(SOURCE, source)
    manifest = source / "handbook.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert "\nlanguage: en\n" in text
    manifest.write_text(text.replace("\nlanguage: en\n", f"\nlanguage: {language}\n"), encoding="utf-8")
    with (source / "references.yaml").open("a", encoding="utf-8") as bib:
        bib.write(EDITED_REFERENCE)
    with (source / "pages" / "skill-progression-map.md").open("a", encoding="utf-8") as page:
        page.write(EDITED_CITATION)
    return source


def placeholders(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None}


# ---- the tables ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(TABLES))
def test_every_language_has_every_key_of_english_with_the_same_placeholders(code: str) -> None:
    table = TABLES[code].strings
    assert sorted(set(ENGLISH) - set(table)) == [], "missing"
    assert sorted(set(table) - set(ENGLISH)) == [], "unknown to English"
    differing = {key: (placeholders(ENGLISH[key]), placeholders(text)) for key, text in table.items()}
    assert {key: pair for key, pair in differing.items() if pair[0] != pair[1]} == {}
    assert all(text.strip() == text and text for text in table.values())


def test_plural_keys_come_in_pairs_with_a_count() -> None:
    stems = {key.rsplit("_", 1)[0] for key in ENGLISH if key.endswith(("_one", "_other"))}
    assert stems
    for stem in stems:
        assert f"{stem}_one" in ENGLISH and f"{stem}_other" in ENGLISH, stem


def test_no_key_shadows_an_attribute_of_labels() -> None:
    # templates read labels.<key>; Jinja looks an attribute up before an item
    assert set(ENGLISH) & set(dir(Labels)) == set()


def test_every_script_key_is_a_label() -> None:
    assert set(SCRIPT_KEYS) <= set(ENGLISH)
    assert len(set(SCRIPT_KEYS)) == len(SCRIPT_KEYS)


# ---- choosing a language ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "code", "contents"),
    [
        ("en", "en", "Contents"),
        ("en-GB", "en", "Contents"),
        ("de", "de", "Inhalt"),
        ("de-AT", "de", "Inhalt"),
        ("de-CH", "de", "Inhalt"),
        ("fr-CA", "fr", "Sommaire"),
        ("es-419", "es", "Índice"),
        ("nl-BE", "nl", "Inhoud"),
        ("pt-BR", "pt", "Índice"),
        ("DE_at", "de", "Inhalt"),
        ("xx", "en", "Contents"),
        ("", "en", "Contents"),
    ],
)
def test_labels_are_chosen_by_the_primary_subtag_else_english(tag: str, code: str, contents: str) -> None:
    chosen = labels(tag)
    assert (chosen.language, chosen["contents"]) == (code, contents)
    assert chosen.known == (primary(tag) in TABLES)


def test_a_key_a_language_lacks_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(labels_mod.TABLES, "zz", Translation({"contents": "Zontents"}, zero_is_one=False))
    chosen = labels.__wrapped__("zz-ZZ")
    assert (chosen.language, chosen["contents"], chosen["references"]) == ("zz", "Zontents", "References")


# ---- filling labels in -----------------------------------------------------------------------------------


def test_placeholders_and_plural_forms() -> None:
    en, de, fr = labels("en"), labels("de"), labels("fr")
    assert en.text("page_of", position=2, total=5) == "Page 2 of 5"
    assert de.text("page_of", position=2, total=5) == "Seite 2 von 5"
    assert [en.count("pages", n) for n in (0, 1, 2)] == ["0 pages", "1 page", "2 pages"]
    assert [de.count("pages", n) for n in (0, 1, 2)] == ["0 Seiten", "1 Seite", "2 Seiten"]
    assert [fr.count("pages", n) for n in (0, 1, 2)] == ["0 page", "1 page", "2 pages"]  # French: 0 is singular
    level = en.text("assessment_level_named", level="Level 2", name="AI-Integrated")
    assert en.count("assessment_result", 3, level=level) == (
        "Your level: Level 2 (AI-Integrated), the median of your 3 answers."
    )


def test_html_keeps_quotes_as_typed_and_escapes_values_unless_markup() -> None:
    en = labels("en")
    assert en.html("search_words") == 'Words or a "quoted phrase"'
    assert en.html("cited_in", pages="<b>") == "Cited in &lt;b&gt;"
    assert en.html("cited_in", pages=Markup("<a>x</a>")) == "Cited in <a>x</a>"
    assert en.count_html("cited_in_more", 1, pages=Markup("<a>x</a>")) == "Cited in <a>x</a> and 1 more page"


def test_dates_in_words_for_known_languages_only() -> None:
    assert labels("en").date_words("2026-11-24") == "24 November 2026"
    assert labels("de-AT").date_words("2026-03-24") == "24. März 2026"
    assert labels("fr").date_words("2026-01-01") == "1er janvier 2026"
    assert labels("es").date_words("2026-11-24") == "24 de noviembre de 2026"
    assert labels("xx").date_words("2026-11-24") == "2026-11-24"  # no month names to use: ISO, as before
    assert labels("en").date_words("soon") == "soon"


# ---- where the labels are used ---------------------------------------------------------------------------


def _script_keys_used() -> set[str]:
    used: set[str] = set()
    for path in SCRIPTS:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'labels\.text\("(\w+)"', text))
        used |= {f"{stem}_{form}" for stem in re.findall(r'labels\.count\("(\w+)"', text) for form in ("one", "other")}
    return used


def test_scripts_use_exactly_the_script_keys() -> None:
    assert _script_keys_used() == set(SCRIPT_KEYS)


def test_no_english_label_text_is_left_in_the_scripts() -> None:
    code = "\n".join(path.read_text(encoding="utf-8") for path in SCRIPTS)
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)  # comments may describe what is shown
    found = []
    for key in SCRIPT_KEYS:
        for fragment in re.split(r"\{\w+\}", ENGLISH[key]):
            words = fragment.strip(' .,:;()“”"')
            if len(words.split()) >= 2 and words in code:
                found.append(f"{key}: {words!r}")
    assert found == []


def test_every_label_a_template_names_exists() -> None:
    methods = {name for name in dir(Labels) if not name.startswith("_")}
    named: set[str] = set()
    for path in [*TEMPLATES.glob("site/*.html"), *TEMPLATES.glob("pdf/*.j2")]:
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"labels\.(\w+)", text)) - methods
        named |= set(re.findall(r'labels\.(?:text|html)\("(\w+)"', text))
        named |= {f"{s}_{f}" for s in re.findall(r'labels\.count(?:_html)?\("(\w+)"', text) for f in ("one", "other")}
    assert named and sorted(named - set(ENGLISH)) == []
