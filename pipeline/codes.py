"""The diagnostic code registry: every code's name, default severity and documentation; diagnostics made from it."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.diagnostics import Diagnostic, Severity

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
        "FM010",
        "unreadable-file",
        E,
        "A page, `handbook.yaml` or the bibliography cannot be read: it is a folder, a named pipe, a dangling symlink, a symlink loop, or its permissions forbid reading it.",
        "Skipping it silently would drop a page or references from every output; reading a named pipe would hang the build.",
        "pages/guide.md → a symlink to a file that was deleted",
        "Replace it with a readable regular file (check `ls -l`), or remove it from the source folder.",
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
        "LNK008",
        "unreadable-asset",
        E,
        "A file outside `pages/` (an asset) cannot be read: a dangling symlink, a symlink loop, a named pipe or socket, or its permissions forbid reading it.",
        "Every asset is copied into the site and packages; an unreadable one would stop the build halfway, and a named pipe would hang it.",
        "assets/logo.svg → a symlink to a file that was deleted",
        "Replace it with a readable regular file, or remove it from the source folder.",
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
        "The file given to `handbook verify` is not a readable zip archive (empty, truncated or corrupt).",
        "Every LMS rejects it on upload: its unzip fails before the manifest is read.",
        "handbook verify notes.txt",
        "Give the path of a SCORM package zip; re-export it if the zip is damaged.",
    ),
    Code(
        "PKG002",
        "manifest-not-at-root",
        E,
        "`imsmanifest.xml` is missing from the root of the zip (perhaps inside a folder).",
        "Moodle, SCORM Cloud and every other LMS look for the manifest at the root only and refuse the package "
        '("not a valid SCORM package").',
        "course/imsmanifest.xml",
        "Zip the contents of the folder, not the folder itself.",
    ),
    Code(
        "PKG003",
        "manifest-unreadable",
        E,
        "`imsmanifest.xml` is not well-formed XML, its root is not a SCORM 1.2 or 2004 `<manifest>`, or it uses an "
        "entity reference (XSD violations are PKG014).",
        "The LMS's XML parser fails at import, or finds no SCORM manifest in it; entities are not expanded by "
        "hardened parsers (and an external entity is an XXE attempt).",
        "</organisations> closing <organizations>",
        "Fix the XML at the line given; write the text instead of an entity.",
    ),
    Code(
        "PKG004",
        "unresolved-identifierref",
        E,
        "An `identifierref` (of an `<item>` or a `<dependency>`) names no resource, or `<organizations default>` names "
        "no organization (the XSDs do not check this).",
        "The LMS cannot launch the item (it has no launch URL), or finds no default organization to build the "
        "table of contents from; LMSs that resolve dependencies reject the package at import.",
        '<item identifierref="RES-2"> with only RES-1 defined.',
        "Point it at an existing resource.",
    ),
    Code(
        "PKG005",
        "listed-file-missing",
        E,
        "A resource's launch `href` or a `<file href>` names a file that is not in the zip (the href "
        "percent-decoded, `xml:base` applied; a name differing only in case is pointed out). A missing external "
        "metadata file (`adlcp:location`) is a warning. A file of the zip that no `<file>` lists is no finding: "
        "CAM makes `<file>` optional (0..n) and LMSs unpack the whole zip.",
        "A missing launch file is a 404 the moment the learner opens the course; a missing listed file is media "
        "or script the content was built with. A case-only difference works on a Windows server and breaks on "
        "Linux ones. LMSs do not read external metadata.",
        '<file href="media/intro.mp4"/> with the zip holding media/Intro.mp4',
        "Ship every file the manifest names, under exactly the name it uses.",
    ),
    Code(
        "PKG006",
        "wrong-schemaversion",
        E,
        "`<schemaversion>` is missing or is not a value LMSs recognise for the manifest's namespace: `1.2` for "
        "SCORM 1.2; `2004 4th Edition`, `2004 3rd Edition`, `CAM 1.3` (2nd edition) or `1.3` for SCORM 2004. "
        "An error when it makes an LMS pick the other version's API; otherwise a warning. `<schema>` other than "
        "`ADL SCORM` is a warning.",
        "Moodle picks the run-time API from the exact text (case and spaces count) and falls back to SCORM 1.2: a "
        "2004 course with `2004 4th edition` or no schemaversion gets the 1.2 API and never finds API_1484_11; a 1.2 "
        "course saying `CAM 1.3` gets the 2004 API. A 1.2 manifest with another odd value still gets 1.2. No LMS "
        "reads `<schema>`.",
        "<schemaversion>2004 4th edition</schemaversion>",
        "Write the exact string for the package's version.",
    ),
    Code(
        "PKG007",
        "scormtype-case",
        E,
        "The SCO type attribute has the wrong case for the version (`adlcp:scormtype` in 1.2, `adlcp:scormType` in "
        "2004) or is missing on a resource an item launches (a warning on one no item launches).",
        "LMSs that read the attribute by its exact name treat the SCO as an asset: it launches, but it gets no "
        "run-time API session and the learner's progress and completion are never recorded.",
        'adlcp:scormtype="sco" in a 2004 manifest.',
        "Use the case of the package's version.",
    ),
    Code(
        "PKG008",
        "identifier-starts-with-digit",
        W,
        "An identifier starts with a digit or is not a valid `xs:ID`.",
        "The XSDs reject it, so ADL's test suite and the few LMSs that validate the manifest refuse it; Moodle, "
        "SCORM Cloud and most LMSs import it, which is why it is a warning. Reported once, not again as PKG014.",
        'identifier="1-intro"',
        "Start identifiers with a letter or '_'.",
    ),
    Code(
        "PKG009",
        "unsafe-path",
        E,
        "A zip entry name is absolute, contains `..` (zip-slip) or uses `\\` as its folder separator; or an href "
        "is an absolute path, leaves the package with `..`, or is a remote URL as a SCO's launch.",
        "A zip-slip entry writes outside the course folder on the LMS server (LMSs refuse the package or are "
        "attacked by it); backslash names extract on Linux servers as one file named `a\\b.png`, so the content's "
        "`a/b.png` is a 404; an absolute or `..` href resolves outside the package; a SCO launched from another "
        "origin cannot reach the LMS's API (cross-origin frames).",
        '../../etc/passwd, images\\a.png, href="/index.html"',
        "Use relative paths inside the package, with '/' between folders.",
    ),
    Code(
        "PKG010",
        "missing-control-document",
        W,
        "An XSD named by `xsi:schemaLocation` is not at the zip root.",
        "ADL's validator requires the control documents; LMSs never read them, so their absence is tolerated.",
        "imscp_v1p1.xsd missing",
        "Ship the XSDs named in `xsi:schemaLocation` at the root, unmodified.",
    ),
    Code(
        "PKG011",
        "duplicate-identifier",
        E,
        "Two elements in the manifest share an identifier.",
        "LMSs key items, resources and the learner's tracking data by identifier: one item's progress overwrites "
        "the other's, or an identifierref launches the wrong resource.",
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
    Code(
        "PKG014",
        "manifest-xsd",
        W,
        "`imsmanifest.xml` does not validate against the SCORM XSDs (1.2, 2004 3rd or 4th edition; a `CAM 1.3` "
        "manifest against the 3rd edition's).",
        "ADL's conformance test suite and a few strict LMSs reject an invalid manifest; Moodle, SCORM Cloud and "
        "most LMSs read the elements they know and ignore the rest. What breaks a launch has its own error code.",
        "<resource> without its required type attribute.",
        "Fix the element named in the message.",
    ),
    Code(
        "PKG015",
        "zip-entry-symlink",
        E,
        "A zip entry is a symbolic link (Unix mode S_IFLNK in its external attributes).",
        "Unzipped on the LMS server, it can point anywhere on the server (a file-disclosure attack): LMSs that "
        "check refuse the package, others extract a link the browser cannot follow or that exposes server files.",
        "assets -> /etc",
        "Zip the files themselves (zip without --symlinks).",
    ),
    Code(
        "PKG016",
        "duplicate-zip-entry",
        E,
        "Two entries of the zip have the same name.",
        "Which copy an LMS's unzip keeps depends on the tool (first or last): the course shows different content "
        "on different LMSs, and some refuse the zip.",
        "index.html twice in the zip's directory",
        "Rebuild the zip from a folder, so each file is in it once.",
    ),
    Code(
        "PKG017",
        "zip-entry-case-collision",
        E,
        "Two zip entries differ only in letter case (`Intro.mp4` and `intro.mp4`).",
        "On an LMS server with a case-insensitive file system (Windows, macOS) one overwrites the other: the "
        "content loads the wrong file.",
        "media/Intro.mp4 and media/intro.mp4",
        "Give the files distinct names, and reference each with its exact name.",
    ),
    Code(
        "PKG018",
        "entry-too-large",
        E,
        "An entry verify reads (the manifest, a launch page) inflates to more bytes than its zip header declares, "
        "is damaged, or declares more than verify reads (manifest 64 MiB).",
        "A header that understates the size is a zip bomb (1 MB inflating to gigabytes): LMSs' unzip fails with a "
        "CRC or size error, or exhausts the server's disk and memory; a manifest of that size is not parsed by PHP "
        "LMSs within their memory limit.",
        "imsmanifest.xml: header says 100 bytes, inflates to 1 GiB",
        "Rebuild the zip with a standard tool.",
    ),
    Code(
        "PKG019",
        "launch-loads-missing-file",
        E,
        "A launch page (a resource's `href`) loads a file that is not in the zip: a `<script src>`, stylesheet or "
        "icon `<link href>`, `<img>`, `<audio>`, `<video>`, `<source>`, `<track>`, `<iframe>`, `<embed>` or "
        "`<object>` with a relative URL. URLs built by script, remote URLs, `data:` and template placeholders are "
        "not checked.",
        "The browser gets a 404 as the course opens: a missing player script leaves a blank page, missing media "
        "does not play. A case-only difference works on Windows servers only.",
        '<script src="scormdriver/scormdriver.js"> in index.html, the zip without scormdriver/',
        "Ship the file, or correct the URL in the launch page.",
    ),
    Code(
        "PKG020",
        "href-not-uri",
        W,
        'An href is not an RFC 3986/3987 URI reference: a raw space, a character such as `\\ " < > { } | ^` or a '
        "`%` that is not a `%XX` escape. (`@`, `( )`, `!`, `+`, `,` and non-ASCII letters are allowed.)",
        "Browsers encode a raw space and most such characters themselves, so LMSs launch it; a stray `%` or a "
        "strict LMS's URL parser can break the URL.",
        '<file href="My File.html"/>',
        "Percent-encode the character (`My%20File.html`); the file keeps its name in the zip.",
    ),
    Code(
        "PKG021",
        "sco-never-initializes",
        E,
        "`handbook verify --run`: the SCO, launched in headless Chromium in a frame of a scorm-again LMS page, does "
        "not call `LMSInitialize` (1.2) or `Initialize` (2004) within the timeout (10 s; `--init-seconds`).",
        "Protects tracking itself: an LMS records nothing for a SCO that never initializes, so the learner's "
        "progress, status and score are never stored. The usual cause is API discovery: the SCO looks for `API` / "
        "`API_1484_11` in the wrong window (only `window.top`, only `window.opener`, the wrong name for the "
        "version), or a script error stops it before it looks.",
        "var api = window.top.API;  // the LMS put it on the SCO's parent frame",
        "Search `window.parent` up the chain, then `window.opener` (and its parents), for `API` (1.2) or "
        "`API_1484_11` (2004); call Initialize as the SCO loads.",
    ),
    Code(
        "PKG022",
        "call-after-terminate",
        E,
        "`handbook verify --run`: the SCO calls the run-time API (SetValue, GetValue, Commit, Terminate) after "
        "its successful `LMSFinish` / `Terminate`. scorm-again accepts such calls; real LMSs do not.",
        "Protects the last data a learner produces: after Terminate the LMS has closed the session (SCORM RTE: "
        "error 143/133 in 2004, 301 in 1.2), so a status, score or exit set afterwards is lost, and some LMSs "
        "show an error dialog.",
        'LMSFinish(""); LMSSetValue("cmi.core.lesson_status", "completed");',
        "Make Terminate the last call: set every value and Commit first, and guard further calls with a "
        "`finished` flag.",
    ),
    Code(
        "PKG023",
        "setvalue-rejected",
        E,
        "`handbook verify --run`: a `LMSSetValue` / `SetValue` call returns an error: an element the version "
        "does not have (a 2004 name in 1.2 or a typo), a read-only element (`cmi.core.student_name`, "
        "`cmi.learner_name`), a value outside the element's vocabulary or type, or a call before Initialize. "
        "The message carries scorm-again's error code and text (SCORM RTE error codes).",
        "Protects the data the SCO means to store: every LMS rejects these calls the same way, so the value "
        "(often the status or the score) is silently lost.",
        'LMSSetValue("cmi.core.lesson_status", "finished")  // 405: not in passed, completed, failed, …',
        "Use the element names and vocabularies of the package's SCORM version (1.2: `cmi.core.*`; 2004: "
        "`cmi.completion_status`, `cmi.success_status`, …) and never write read-only elements.",
    ),
    Code(
        "PKG024",
        "scorm12-size-limit",
        E,
        "`handbook verify --run`, SCORM 1.2 only: the SCO sets `cmi.suspend_data` longer than 4096 characters or "
        "`cmi.core.lesson_location` longer than 255 (the SPM of SCORM 1.2). scorm-again accepts up to 64000, "
        "so verify asserts the 1.2 limits itself.",
        "Protects resume: strict LMSs (and LMSs that store the element in a fixed-width column) reject or "
        "truncate the value, and a truncated suspend_data breaks the SCO's resume for good.",
        'LMSSetValue("cmi.suspend_data", state)  // state is 5000 characters',
        "Keep the state compact (store ids and short codes, compress it), or package for SCORM 2004 "
        "(suspend_data up to 64000 characters).",
    ),
    Code(
        "PKG025",
        "nothing-saved-on-leave",
        E,
        "`handbook verify --run`: when the learner leaves (the LMS navigates the SCO's frame away, firing "
        "`pagehide`), the SCO neither sets a value, commits nor terminates, and it had not terminated before. "
        "An error when the SCO never committed at all during the run; a warning when it committed earlier.",
        "Protects what the learner did since the last save, and the session itself: learners leave by closing "
        "the window or through the LMS's navigation, not through a button in the SCO. Without a final "
        "Commit/Terminate the LMS keeps nothing since the last commit (nothing at all if the SCO never "
        "committed), no session time and no `cmi.exit`, so the next launch cannot resume.",
        'finishButton.onclick = function () { API.LMSFinish(""); };  // and nothing on pagehide',
        "Listen for `pagehide` (not only `unload` or a button): set `cmi.core.exit`/`cmi.exit` and the session "
        "time, then Terminate (which commits); commit after each meaningful change as well.",
    ),
    Code(
        "PKG026",
        "sco-script-error",
        W,
        "`handbook verify --run`: an uncaught JavaScript exception or a `console.error` message (a failed "
        "resource load included) while the SCO runs in headless Chromium.",
        "Protects the content and its tracking code: an exception may stop the SCO before it reports status or "
        "score. A warning: many errors are harmless, and a SCO may log errors on purpose.",
        "Uncaught TypeError: Cannot read properties of undefined (reading 'LMSSetValue')",
        "Open the launch page with the browser's console and fix the error it shows.",
    ),
    Code(
        "PKG027",
        "api-call-error",
        W,
        "`handbook verify --run`: a run-time API call other than SetValue returns an error: GetValue of an "
        "unknown or write-only element (`cmi.core.session_time`), Initialize called twice, Commit or GetValue "
        "before Initialize. The message carries scorm-again's error code and text.",
        'Protects the SCO\'s logic: the call returns an empty string or "false", and a SCO that relies on '
        "the answer (the resume point, the entry mode) behaves as for a new learner. A warning: LMSs answer "
        "the same way and nothing stored is lost.",
        'LMSGetValue("cmi.core.session_time")  // 404: write-only element',
        "Read only readable elements of the package's SCORM version; call Initialize once, first.",
    ),
)

REGISTRY: dict[str, Code] = {c.code: c for c in CODES}


def default_severity(code: str) -> Severity:
    return REGISTRY[code].severity


def diagnostic(
    path: str, line: int, col: int, code: str, message: str, hint: str = "", source_line: str = ""
) -> Diagnostic:
    """A diagnostic with its code's registry severity (the manifest's ``severity:`` may override it later)."""
    return Diagnostic(path, line, col, code, default_severity(code), message, hint, source_line)


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
