"""Hand-written SCO packages for `verify --run`: a small launch page per SCO, good or faulty on purpose."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

# API discovery as SCORM prescribes: window.parent up the chain, then the opener's chain.
FIND_API = """
function findApi(name) {
  var win = window;
  for (var depth = 0; win && depth < 10; depth++) {
    if (win[name]) { return win[name]; }
    if (win.parent === win) { break; }
    win = win.parent;
  }
  return window.opener && window.opener[name] ? window.opener[name] : null;
}
"""
N12 = {"api": "API", "init": "LMSInitialize", "set": "LMSSetValue", "commit": "LMSCommit", "finish": "LMSFinish"}
N2004 = {"api": "API_1484_11", "init": "Initialize", "set": "SetValue", "commit": "Commit", "finish": "Terminate"}
STATUS = {"1.2": "cmi.core.lesson_status", "2004": "cmi.completion_status"}
EXIT = {"1.2": ("cmi.core.exit", "suspend"), "2004": ("cmi.exit", "suspend")}


def script(version: str, on_load: str = "", on_leave: str | None = None, init: bool = True, commit: bool = True) -> str:
    """A SCO's script: ``init`` then ``on_load`` as the page loads, ``on_leave`` on pagehide (default: exit, finish).

    In the snippets, ``api`` is the LMS's API object and ``N`` the method names of the version.
    """
    n = N12 if version == "1.2" else N2004
    key, value = EXIT[version]
    leave = on_leave if on_leave is not None else f'api[N.set]("{key}", "{value}"); api[N.finish]("");'
    names = "{" + ", ".join(f'{k}: "{v}"' for k, v in n.items()) + "}"
    start = f'api[N.init](""); api[N.set]("{STATUS[version]}", "incomplete");' if init else ""
    start += ' api[N.commit]("");' if init and commit else ""
    return f"""{FIND_API}
var N = {names};
var api = findApi(N.api);
window.addEventListener("load", function () {{ {start} {on_load} }});
window.addEventListener("pagehide", function () {{ {leave} }});
"""


def page(body_script: str, title: str = "SCO") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<script>{body_script}</script></head><body><p>{title}</p></body></html>"
    ).encode()


@dataclass
class Item:
    """One item launching one SCO resource."""

    title: str
    href: str
    parameters: str = ""
    files: dict[str, bytes] = field(default_factory=dict)  # besides the href's own page


def manifest(version: str, items: list[Item]) -> str:
    """A minimal manifest of ``items`` (one organization)."""
    if version == "1.2":
        head = (
            '<manifest identifier="M-test" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
            'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">'
            "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"
        )
        kind = 'adlcp:scormtype="sco"'
    else:
        head = (
            '<manifest identifier="M-test" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
            'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">'
            "<metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>"
        )
        kind = 'adlcp:scormType="sco"'
    lines = [head, '<organizations default="ORG"><organization identifier="ORG"><title>Test</title>']
    for n, item in enumerate(items, 1):
        params = f" parameters={quoteattr(item.parameters)}" if item.parameters else ""
        lines.append(f'<item identifier="ITEM-{n}" identifierref="RES-{n}"{params}><title>{item.title}</title></item>')
    lines.append("</organization></organizations><resources>")
    for n, item in enumerate(items, 1):
        files = [item.href.split("?", 1)[0], *item.files]
        listed = "".join(f"<file href={quoteattr(f)}/>" for f in files)
        lines.append(f'<resource identifier="RES-{n}" type="webcontent" {kind} href={quoteattr(item.href)}>{listed}')
        lines.append("</resource>")
    lines.append("</resources></manifest>")
    return "\n".join(lines) + "\n"


def package(dest: Path, version: str, items: list[Item], pages: dict[str, bytes]) -> Path:
    """Write the zip: the manifest of ``items`` and the files ``pages`` (path → bytes)."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest(version, items))
        for name, data in pages.items():
            archive.writestr(name, data)
    return dest


def single(dest: Path, version: str, sco_script: str, title: str = "Faulty") -> Path:
    """A package of one SCO, index.html, running ``sco_script``."""
    return package(dest, version, [Item(title, "index.html")], {"index.html": page(sco_script, title)})


def faulty(folder: Path) -> dict[str, tuple[Path, str]]:
    """The faulty packages: name → (zip, the one code `verify --run` must report for it)."""
    long_data = "x" * 5000
    cases = {
        "never-initializes": ("1.2", script("1.2", init=False, on_leave=""), "PKG021"),
        "after-terminate": (
            "1.2",
            script("1.2", 'api[N.finish](""); api[N.set]("cmi.core.lesson_status", "completed");', on_leave=""),
            "PKG022",
        ),
        "read-only-12": ("1.2", script("1.2", 'api[N.set]("cmi.core.student_name", "Mallory");'), "PKG023"),
        "read-only-2004": ("2004", script("2004", 'api[N.set]("cmi.learner_name", "Mallory");'), "PKG023"),
        "bad-vocabulary": ("1.2", script("1.2", 'api[N.set]("cmi.core.lesson_status", "finished");'), "PKG023"),
        "suspend-data-5000": ("1.2", script("1.2", f'api[N.set]("cmi.suspend_data", "{long_data}");'), "PKG024"),
        "no-save-on-leave": ("1.2", script("1.2", on_leave=""), "PKG025"),  # committed once: a warning
        "never-saves": ("2004", script("2004", on_leave="", commit=False), "PKG025"),  # nothing ever: an error
        "script-error": ("2004", script("2004", "window.setTimeout(function () { null.boom(); }, 0);"), "PKG026"),
    }
    return {
        name: (single(folder / f"{name}.zip", version, body, title=name), code)
        for name, (version, body, code) in cases.items()
    }
