"""The diagnostic code registry: every code's name, default severity and documentation."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.diagnostics import Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True, slots=True)
class Code:
    """A stable diagnostic code; never reused once published."""

    code: str
    name: str
    severity: Severity
    what: str
    why: str
    example: str
    fix: str


FAMILIES = {
    "FM": "Frontmatter, YAML and file encoding",
    "SCH": "Schema: manifest, page frontmatter, references, page list",
    "CIT": "Citations and the bibliography",
    "TBL": "Tables and rubrics",
    "LNK": "Links, images and paths",
    "VOC": "Vocabulary of the declared scales",
    "CLM": "Claims that need a citation",
    "MD": "Markdown structure",
    "PKG": "Learning-platform packages",
}

CODES: tuple[Code, ...] = (
    Code(
        "FM001",
        "missing-frontmatter",
        E,
        "A page does not start with a `---` line opening its YAML frontmatter (an empty file included).",
        "The frontmatter carries the page id and title that every output needs.",
        "# Title\n\nText without frontmatter.",
        "Start the file with `---`, the page's `id:` and `title:`, then `---`. `handbook new page` writes one.",
    ),
    Code(
        "FM002",
        "unterminated-frontmatter",
        E,
        "The frontmatter opened with `---` is never closed by a second `---` line.",
        "Without the closing line the whole page would be read as YAML.",
        "---\nid: intro\ntitle: Intro\n# Heading",
        "Add a line containing only `---` after the last frontmatter key.",
    ),
    Code(
        "FM003",
        "yaml-syntax",
        E,
        "The YAML of a frontmatter block or of `handbook.yaml` / `references.yaml` does not parse.",
        "A syntax error would silently drop metadata in other tools; here it stops the build at the exact spot.",
        "title: Intro: a page   # a second ':' in a plain scalar",
        "Fix the YAML at the reported line and column; quote values that contain `: ` or start with a special character.",
    ),
    Code(
        "FM004",
        "duplicate-key",
        E,
        "A YAML mapping has the same key twice.",
        "YAML loaders keep the last value silently, so the first one is lost without notice.",
        "title: Intro\ntitle: Introduction",
        "Keep one of the two keys.",
    ),
    Code(
        "FM005",
        "undecodable-bytes",
        E,
        "A source file is not valid UTF-8 text (for example a binary file or a Latin-1 export).",
        "Every output is UTF-8; guessing an encoding corrupts characters.",
        "A page saved as Windows-1252 with a curly quote byte 0x93.",
        "Save the file as UTF-8 (a BOM and CRLF line endings are accepted).",
    ),
    Code(
        "FM006",
        "yaml-tag",
        E,
        "A YAML node carries an explicit tag such as `!!python/object` or a custom `!tag`.",
        "Tags can construct arbitrary objects; source files are data, never code.",
        "owner: !!python/object:os.system 'rm -rf /'",
        "Remove the tag and write a plain value.",
    ),
    Code(
        "FM007",
        "yaml-alias-expansion",
        E,
        "YAML aliases expand to more nodes than a handbook could need (a 'billion laughs' alias bomb).",
        "Expanding it would exhaust memory and hang the build.",
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n…",
        "Write the values out; aliases are rarely needed in handbook metadata.",
    ),
    Code(
        "FM008",
        "yaml-too-deep",
        E,
        "YAML nesting is deeper than the reader accepts.",
        "Deep nesting is never meaningful metadata and would exhaust the stack.",
        "key: [[[[[[[[ … 2,000 levels … ]]]]]]]]",
        "Flatten the structure.",
    ),
    Code(
        "FM009",
        "forbidden-character",
        E,
        "A source file holds a character that XML 1.0 forbids (a C0 control other than tab and line breaks, "
        "U+FFFE, U+FFFF) or a terminal control (DEL, a C1 control), written raw or produced by a YAML escape "
        "such as `\\e` or `\\0` in a double-quoted string.",
        "SCORM manifests and XHTML cannot contain these characters (the package would not be well-formed XML), and "
        "an ESC sequence shown in a terminal can rewrite what a reviewer sees.",
        'title: "Intro\\e[2J"',
        "Delete the character (or the escape); write a visible character instead.",
    ),
    Code(
        "SCH001",
        "schema-violation",
        E,
        "A value does not match the JSON Schema of its file (wrong type, pattern, enum, missing required key).",
        "The schemas are the contract every output relies on; they are published in `schema/` for editors.",
        "estimated_minutes: ten",
        "Follow the message; `handbook schema` writes the schemas and docs/authoring.md shows how to get editor help.",
    ),
    Code(
        "SCH002",
        "unknown-key",
        E,
        "A mapping has a key its schema does not define.",
        "Unknown keys are usually typos (`sumary:`) whose value would be silently ignored.",
        "sumary: A short page",
        "Fix the spelling (the message suggests the closest known key) or remove the key.",
    ),
    Code(
        "SCH003",
        "duplicate-page-id",
        E,
        "Two pages declare the same `id`.",
        "Page ids become file names, anchors and SCORM identifiers; they must be unique.",
        "pages/a.md and pages/b.md both say `id: intro`.",
        "Give each page its own id (by convention the file name without `.md`).",
    ),
    Code(
        "SCH004",
        "missing-page",
        E,
        "`handbook.yaml` lists a page that has no file in `pages/`.",
        "The page would be missing from every output.",
        "pages: [intro, outro] with no pages/outro.md.",
        "Create the page (`handbook new page`) or remove it from the list.",
    ),
    Code(
        "SCH005",
        "unlisted-page",
        W,
        "A file in `pages/` is not listed in `handbook.yaml` `pages`.",
        "Unlisted pages are not published; usually someone forgot to add it.",
        "pages/draft.md exists but `pages:` does not name `draft`.",
        "Add its id to `pages:` in the order it should appear, or move it out of `pages/`.",
    ),
    Code(
        "SCH006",
        "missing-manifest",
        E,
        "The source folder has no `handbook.yaml`, or names a file that does not exist (bibliography, CSL style).",
        "The manifest holds the title, the page order and the scales every output needs.",
        "source/ without handbook.yaml",
        "Create it (see docs/authoring.md) or point `--source` at the right folder.",
    ),
    Code(
        "SCH007",
        "unknown-scale",
        E,
        "A page names a `scale` the manifest does not declare.",
        "Rubric tables are checked against their page's scale.",
        "scale: tiers   # manifest declares only `levels`",
        "Use one of the scale ids declared in `handbook.yaml` under `scales`.",
    ),
    Code(
        "SCH008",
        "page-id-mismatch",
        W,
        "A page's `id` differs from its file name.",
        "The manifest lists pages by id and authors look for them by file name; keeping both equal avoids confusion.",
        "pages/intro.md with `id: introduction`",
        "Rename the file or change the id so they match.",
    ),
    Code(
        "CIT001",
        "unknown-citation",
        E,
        "A citation `[@key]` or `@key` names a key that is not in the bibliography.",
        "The output would print a bare `???` or the raw key.",
        "As shown by [@stackoverflw2025].",
        "Use an existing key (the message suggests the closest) or add the reference to the bibliography.",
    ),
    Code(
        "CIT002",
        "unused-reference",
        W,
        "A reference in the bibliography is never cited.",
        "Unused entries usually mean a citation was lost in an edit.",
        "references.yaml holds `gartner2025` but no page cites it.",
        "Cite it where it belongs or remove it.",
    ),
    Code(
        "CIT003",
        "duplicate-reference",
        E,
        "Two bibliography entries have the same `id`.",
        "A citation could resolve to either entry.",
        "- id: so2025 … - id: so2025 …",
        "Give each entry a unique id.",
    ),
    Code(
        "CIT004",
        "incomplete-reference",
        E,
        "A bibliography entry lacks a field that a citation needs: `type`, `issued`, and an `author`, `editor` or `title`.",
        "An author-date style cannot render the citation without them.",
        "- id: so2025\n  type: report",
        "Add the missing fields; write only what is certain (an organisation as `author: [{literal: …}]`).",
    ),
    Code(
        "CIT005",
        "hand-written-citation",
        W,
        "Text looks like a hand-written author-date citation, e.g. `(Stack Overflow, 2025)`, instead of `[@key]`.",
        "Hand-written citations are not checked, not linked and not restyled with the citation style.",
        "Trust fell to 29% (Stack Overflow, 2025).",
        "Write `[@so2025]` and add the entry to the bibliography.",
    ),
    Code(
        "CIT006",
        "unreadable-bibliography",
        E,
        "The bibliography file cannot be read (BibTeX that pandoc cannot convert, or an unsupported extension).",
        "No citation could be checked or rendered; the citations are not reported one by one as unknown.",
        "bibliography: refs.ris",
        "Use CSL YAML (`.yaml`), CSL JSON (`.json`) or BibTeX (`.bib`).",
    ),
    Code(
        "TBL001",
        "row-cell-count",
        E,
        "A table row has more or fewer cells than the header row.",
        "Markdown silently pads missing cells and drops extra ones, so content disappears without notice.",
        "| Q | Level 1 | Level 2 |\n|---|---|---|\n| How? | Code | Spec | Extra |",
        "Make every row have as many `|`-separated cells as the header; escape a literal pipe as `\\|`.",
    ),
    Code(
        "TBL002",
        "empty-cell",
        W,
        "A table cell is empty.",
        "In a rubric an empty cell leaves a level undescribed; elsewhere it is usually a lost value.",
        "| How? | Code |  |",
        "Fill the cell, or write a dash `—` if the blank is intended.",
    ),
    Code(
        "TBL003",
        "rubric-header",
        E,
        "A rubric table's level columns do not match its scale: a level missing, added, out of order or misspelt.",
        "Rubrics become self-assessments and learner records; columns must map to the scale's levels exactly.",
        "| Question | Level 1 | Level 2 | Level 1.5 |",
        "Use the labels of the page's scale, in order, one column each (the message names the expected header).",
    ),
    Code(
        "TBL004",
        "inconsistent-tables",
        W,
        "Tables of the same kind (under headings with the same text, e.g. every `### Self-assessment`) have "
        "different headers across the handbook.",
        "Readers compare such tables side by side; a changed column breaks that.",
        "Under `### Self-assessment`, one page has `| Question | …` and another `| Questions | …`.",
        "Use the same header in every table of that kind.",
    ),
    Code(
        "LNK001",
        "broken-page-link",
        E,
        "A link points to a page file that does not exist in the handbook.",
        "The link would be dead in every output.",
        "[next](pages/missing.md)",
        "Link to an existing page (`other-page.md`), or `index.md` for the handbook's home.",
    ),
    Code(
        "LNK002",
        "broken-anchor",
        E,
        "A link points to a heading anchor that does not exist on the target page.",
        "The browser would land at the top of the page instead of the section.",
        "[see](#enginering)",
        "Use the anchor of an existing heading (the message suggests the closest).",
    ),
    Code(
        "LNK003",
        "missing-asset",
        E,
        "An image or file link points to a file that does not exist under `source/`, to a remote image, "
        "or an image names no file at all (`![Diagram]()`).",
        "Missing images break every format; remote images are never fetched (builds are offline and reproducible).",
        "![diagram](assets/levels.png)  or  ![x](https://example.com/a.png)",
        "Add the file under `source/assets/` and link it relatively.",
    ),
    Code(
        "LNK004",
        "path-escapes-source",
        E,
        "A link, image or source file resolves outside the `source/` folder (`../`, an absolute path, or a symlink).",
        "Outputs may only contain the handbook's own files.",
        "![logo](../../secrets/logo.png)",
        "Copy the file into `source/assets/` and link it from there.",
    ),
    Code(
        "LNK005",
        "undeclared-external-page",
        E,
        "A link names a page of the wider framework (`framework:id`) or an outside URL that `handbook.yaml` does not declare under `framework_pages`.",
        "Declared outside pages are listed, titled and checked in one place; undeclared ones rot unnoticed.",
        "[Transforming your role](framework:transforming-role)",
        "Declare it under `framework_pages` with `id`, `title` and `url` where known, or fix the id.",
    ),
    Code(
        "LNK006",
        "duplicate-anchor",
        E,
        "Two headings of a page have the same explicit anchor (`## Title {#same-id}`).",
        "A link to the anchor could land on either heading, and outputs that key sections by anchor (JSON, SCORM) would collide.",
        "## Engineering {#roles}\n…\n## Marketing {#roles}",
        "Give each heading its own `{#id}`, or drop the explicit id and let the anchor come from the heading text.",
    ),
    Code(
        "LNK007",
        "unsafe-asset",
        E,
        "An SVG, HTML or XML file in the source folder holds active content: a `<script>`, an event-handler "
        "attribute (`onload=`), a `javascript:`/`vbscript:`/`data:text/html` URL, `srcdoc`, or an SVG "
        "`<foreignObject>`.",
        "Assets are copied as they are and served from the site's own origin, where the pages' Content-Security-"
        "Policy does not apply: opened directly, such a file runs its script with the site's rights.",
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">',
        "Remove the script or handler from the file (export the drawing again as plain SVG), or leave the file out "
        "of source/.",
    ),
    Code(
        "VOC001",
        "wrong-level-name",
        E,
        "A heading or rubric names a level with a name other than its scale's, e.g. `Level 2 — AI-Enabled`.",
        "Level names are the framework's vocabulary; a second name for the same level confuses readers.",
        "### Level 2 — AI-Enabled   (the scale says AI-Integrated)",
        "Use the name declared in `handbook.yaml` for that level.",
    ),
    Code(
        "VOC002",
        "duplicate-scale-entry",
        E,
        "Two levels of a scale share an `id` or a `label`, or two scales share an `id`.",
        "Rubric columns are matched to levels by label and learner records store the level id: with a duplicate, "
        "choosing one level records another, and a page's `scale` could mean either scale.",
        '- {id: "1", label: Level 1, name: Starter}\n- {id: "1", label: Level 2, name: Practitioner}',
        "Give every level of a scale its own id and label, and every scale its own id.",
    ),
    Code(
        "CLM001",
        "uncited-statistic",
        W,
        "A sentence states a statistic (a percentage, a multiplier such as 2.4×, or a large count) without a citation "
        "in that sentence or in the cited sentence that follows it in the same paragraph.",
        "Numbers are what readers quote; an uncited number cannot be checked.",
        "Sellers who partner with AI are 3.7× more likely to meet quota.",
        "Add `[@key]`; if the number is not a claim (a rubric descriptor, say), suppress the block with "
        "`<!-- handbook: ignore CLM001 -->` on the line before it.",
    ),
    Code(
        "MD001",
        "nesting-too-deep",
        E,
        "Lists or block quotes are nested more than 100 levels deep; the lines of the too-deep part are not read.",
        "Parsers stop at some depth: markdown-it alone would silently drop the rest of the page from every output.",
        "> " * 101 + "a quote in 101 quotes",
        "Flatten the structure: few readers follow more than three levels of nesting.",
    ),
    Code(
        "MD002",
        "unterminated-html",
        E,
        "A raw HTML block that ends only at its closing marker is never closed: a comment `<!--` without `-->`, "
        "`<script>`, `<style>`, `<pre>` or `<textarea>` without its end tag, `<?` without `?>`, `<!X` without `>`, "
        "or `<![CDATA[` without `]]>`.",
        "Markdown reads everything after the opener, to the end of the page (or of its list or quote), as HTML: "
        "the rest of the page silently disappears from every output and is not checked.",
        "<!-- draft note\n\n## Next section (swallowed)",
        "Close the block (`-->`, `</pre>`, …) where it should end, or remove the opener.",
    ),
    Code(
        "MD003",
        "removed-html",
        W,
        "Raw HTML in a page uses an element or attribute that the sanitizer removes from every output: "
        "`<script>`, `<style>`, `<iframe>`, `<object>`, `<embed>`, `<video>`, `<audio>`, forms, event handlers "
        "(`onclick=`), `style=`, `javascript:` URLs, or any tag outside the allowed list; also any inline HTML tag "
        "inside a paragraph, which is never kept.",
        "The author sees the HTML in the source but readers never see it; without a word the content is lost.",
        '<iframe src="https://www.youtube.com/embed/x"></iframe>',
        "Use Markdown or an allowed element (docs/authoring.md lists them); link to a video or outside page "
        "instead of embedding it: `[Watch the demo](../assets/demo.mp4)`.",
    ),
    Code(
        "PKG001",
        "package-unreadable",
        E,
        "The file given to `handbook verify` is not a readable zip archive.",
        "An LMS rejects it on upload.",
        "handbook verify notes.txt",
        "Give the path of a SCORM package zip.",
    ),
    Code(
        "PKG002",
        "manifest-not-at-root",
        E,
        "`imsmanifest.xml` is missing from the root of the zip (perhaps inside a folder).",
        "Moodle and most LMSs refuse the package.",
        "course/imsmanifest.xml",
        "Zip the contents of the folder, not the folder itself.",
    ),
    Code(
        "PKG003",
        "manifest-schema",
        E,
        "`imsmanifest.xml` does not validate against the SCORM XSDs, or is not well-formed XML.",
        "Strict LMSs reject invalid manifests at import.",
        "<resource> without an `href` for a SCO.",
        "Fix the element named in the message.",
    ),
    Code(
        "PKG004",
        "unresolved-identifierref",
        E,
        "An `identifierref` names no resource identifier (the XSDs do not check this).",
        "The LMS cannot launch the item.",
        '<item identifierref="RES-2"> with only RES-1 defined.',
        "Point it at an existing resource.",
    ),
    Code(
        "PKG005",
        "file-not-listed",
        E,
        "A file in the zip is not listed in the manifest, or a listed file is missing from the zip.",
        "LMSs that copy only listed files break the content; missing files break it everywhere.",
        'images/a.png in the zip but no <file href="images/a.png"/>.',
        "List every file in its resource, and ship every listed file.",
    ),
    Code(
        "PKG006",
        "wrong-schemaversion",
        E,
        "`<schema>`/`<schemaversion>` is not exactly `ADL SCORM` with `1.2` or `2004 4th Edition` (or 3rd).",
        "Moodle treats an unknown version as 1.2 silently.",
        "<schemaversion>2004 4th edition</schemaversion>",
        "Use the exact string.",
    ),
    Code(
        "PKG007",
        "scormtype-case",
        E,
        "The SCO type attribute has the wrong case for the version: `adlcp:scormtype` in 1.2, `adlcp:scormType` in 2004.",
        "The XSDs do not catch the wrong case in 2004; LMSs then treat the SCO as an asset.",
        'adlcp:scormtype="sco" in a 2004 manifest.',
        "Use the case of the package's version.",
    ),
    Code(
        "PKG008",
        "identifier-starts-with-digit",
        E,
        "An identifier starts with a digit or is not a valid `xs:ID`.",
        "Strict parsers reject the manifest.",
        'identifier="1-intro"',
        "Start identifiers with a letter.",
    ),
    Code(
        "PKG009",
        "unsafe-path",
        E,
        "A path in the zip or manifest is absolute, contains `..`, or has characters that are not URL-safe.",
        "It can escape the package folder on the LMS server or fail to load.",
        '../../etc/passwd or "My File.html"',
        "Use relative paths with letters, digits, `-`, `_`, `.` and `/`.",
    ),
    Code(
        "PKG010",
        "missing-control-document",
        W,
        "An XSD named by `xsi:schemaLocation` is not at the zip root.",
        "ADL's validator requires the control documents; many LMSs tolerate their absence.",
        "imscp_v1p1.xsd missing",
        "Ship the XSDs named in `xsi:schemaLocation` at the root, unmodified.",
    ),
    Code(
        "PKG011",
        "duplicate-identifier",
        E,
        "Two elements in the manifest share an identifier.",
        "Identifiers must be unique for the LMS to address items and resources.",
        'two <item identifier="ITEM-1">',
        "Make identifiers unique.",
    ),
    Code(
        "PKG012",
        "nothing-to-launch",
        E,
        "An `<item>` without child items names no resource, or launches a resource without an `href`; or a SCO "
        "resource has no `href`.",
        "The LMS shows an entry in the table of contents that opens nothing; a SCO is by definition launched by its "
        "`href` (the XSDs leave both attributes optional).",
        '<item identifier="ITEM-2"><title>Page 2</title></item> with no identifierref.',
        "Point each leaf item at a resource with an `href` (its launch file), and give every SCO resource one.",
    ),
    Code(
        "PKG013",
        "sco-never-launched",
        W,
        "A SCO resource is referenced by no `<item>` of any organization.",
        "No learner can reach it, so its tracking never happens: in a package with one SCO per page, a page is "
        "missing from the table of contents.",
        '<resource identifier="SCO-2" adlcp:scormType="sco" href="page2.html"> with no item identifierref="SCO-2".',
        "Add an `<item>` for it in reading order, or drop the resource and its files.",
    ),
)

REGISTRY: dict[str, Code] = {c.code: c for c in CODES}


def default_severity(code: str) -> Severity:
    return REGISTRY[code].severity


def render_markdown() -> str:
    """The text of docs/diagnostics.md, generated from the registry."""
    out = [
        "# Diagnostic codes",
        "",
        "Generated from `pipeline/codes.py` by `handbook explain --all`; do not edit by hand.",
        "Every code keeps its meaning forever. Severity can be changed per code in `handbook.yaml`",
        "(`severity: {CLM001: error}`), `--strict` turns warnings into errors, and a block can be",
        "exempted with `<!-- handbook: ignore CODE -->` on the line before it.",
        "",
    ]
    for prefix, title in FAMILIES.items():
        out += [f"## {prefix}: {title}", ""]
        for c in CODES:
            if not c.code.startswith(prefix) or not c.code[len(prefix)].isdigit():
                continue
            out += [
                f"### {c.code} `{c.name}`",
                "",
                f"Default severity: **{c.severity.value}**.",
                "",
                f"**What it checks.** {c.what}",
                "",
                f"**Why.** {c.why}",
                "",
                "**Example.**",
                "",
                "```",
                c.example,
                "```",
                "",
                f"**Fix.** {c.fix}",
                "",
            ]
    return "\n".join(out)
