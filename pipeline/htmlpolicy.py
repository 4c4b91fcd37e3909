"""What raw HTML in a page may keep: the sanitizer's allow-list, the sanitizer itself, and the list
of what it would remove from a fragment and why (MD003). One policy, so the two never disagree."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser

TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "br",
        "code",
        "del",
        "details",
        "div",
        "em",
        "i",
        "img",
        "ins",
        "kbd",
        "mark",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "u",
        "figure",
        "figcaption",
    }
)
GENERIC_ATTRIBUTES = frozenset({"class", "title", "lang", "dir"})
ATTRIBUTES = {"a": frozenset({"href"}), "img": frozenset({"src", "alt"}), "abbr": frozenset({"title"})}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
URL_ATTRIBUTES = frozenset({"href", "src"})  # the only URL-valued attributes the allow-list keeps
CLEAN_CONTENT = frozenset({"script", "style"})  # removed with everything inside them

_SCRIPTS = "pages run no scripts of their own: the site's Content-Security-Policy allows only the site's"
_EMBEDS = "embedded pages and plugins are blocked by the site's Content-Security-Policy and cannot print in the PDF"
_MEDIA = "video and audio are not embedded: the PDF cannot play them and the site's Content-Security-Policy blocks them"
_FORMS = "a form has nowhere to send its answers: the handbook has no server"
_LINK_MEDIA = "link the file instead, e.g. [Watch the demo](../assets/demo.mp4): it is checked and copied"
_WHY: dict[str, tuple[str, str]] = {
    "script": (_SCRIPTS, "describe the step in text, or link to a page that does it"),
    "style": ("style elements are blocked by the Content-Security-Policy", "use Markdown; the site's styles apply"),
    **dict.fromkeys(("iframe", "frame", "object", "embed"), (_EMBEDS, "link to it instead: [Title](https://…)")),
    **dict.fromkeys(("video", "audio", "source", "track", "picture"), (_MEDIA, _LINK_MEDIA)),
    **dict.fromkeys(
        ("form", "input", "button", "select", "option", "textarea", "label"),
        (_FORMS, "use a rubric table: the site turns it into a self-assessment"),
    ),
}
_ATTRIBUTE_IN_TAG = r"[\s/\"']({})(?=[\s=/>]|$)"


@dataclass(frozen=True, slots=True)
class Removal:
    """Something the sanitizer drops: ``pos`` is its offset in the fragment."""

    pos: int
    what: str
    why: str
    instead: str


@functools.lru_cache(maxsize=1024)
def sanitise(fragment: str) -> str:
    """The fragment with everything outside the allow-list removed (by nh3); kept by fragment, since the same
    blocks (a suppression comment, say) recur from page to page and nh3 builds its cleaner on every call."""
    import nh3

    return nh3.clean(
        fragment,
        tags=set(TAGS),
        clean_content_tags=set(CLEAN_CONTENT),
        url_schemes=set(URL_SCHEMES),
        attributes={"*": set(GENERIC_ATTRIBUTES), **{tag: set(names) for tag, names in ATTRIBUTES.items()}},
        link_rel="noopener noreferrer",
    )


def removals(fragment: str) -> list[Removal]:
    """What ``sanitise`` removes from ``fragment``: elements (comments aside) and attributes."""
    finder = _Finder(fragment)
    finder.feed(fragment)
    finder.close()
    return finder.found


def tags(fragment: str) -> list[tuple[int, str]]:
    """(offset, tag name) of every start tag of a fragment."""
    finder = _Finder(fragment)
    finder.feed(fragment)
    finder.close()
    return finder.starts


def removed_element(tag: str) -> Removal:
    why, instead = _WHY.get(tag, (f"`<{tag}>` is not among the HTML elements pages may use; its text is kept", ""))
    return Removal(0, f"`<{tag}>`", why, instead or "use Markdown, or one of " + ", ".join(sorted(TAGS)))


class _Finder(HTMLParser):
    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.starts_of_lines = [0] + [m.end() for m in re.finditer("\n", fragment)]
        self.found: list[Removal] = []
        self.starts: list[tuple[int, str]] = []

    def _pos(self) -> int:
        line, offset = self.getpos()
        return self.starts_of_lines[line - 1] + offset

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pos = self._pos()
        self.starts.append((pos, tag))
        if tag not in TAGS:
            removal = removed_element(tag)
            self.found.append(Removal(pos, removal.what, removal.why, removal.instead))
            return
        raw = self.get_starttag_text() or ""
        allowed = GENERIC_ATTRIBUTES | ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            at = re.search(_ATTRIBUTE_IN_TAG.format(re.escape(name)), raw, re.I)
            where = pos + (at.start(1) if at else 0)
            if name not in allowed:
                self.found.append(Removal(where, f"attribute `{name}` of `<{tag}>`", *_attribute_why(tag, name)))
            elif name in URL_ATTRIBUTES and value is not None and _scheme(value) not in ("", *URL_SCHEMES):
                self.found.append(
                    Removal(
                        where,
                        f"`{_scheme(value)}:` URL in `{name}` of `<{tag}>`",
                        "only http, https, mailto and relative URLs are kept",
                        "link to a page or file of the handbook, or to an http(s) address",
                    )
                )


def _attribute_why(tag: str, name: str) -> tuple[str, str]:
    allowed = ", ".join(sorted(GENERIC_ATTRIBUTES | ATTRIBUTES.get(tag, frozenset())))
    if name.startswith("on"):
        return "event handlers are scripts, and pages run no scripts of their own", "remove it"
    if name == "style":
        return "inline styles are not kept", "use Markdown formatting, or a class the site's styles define"
    if name == "rel" and tag == "a":
        return 'every link gets rel="noopener noreferrer" instead', "remove it"
    return f"`<{tag}>` keeps only {allowed}", "remove it, or say in text what it meant"


def _scheme(url: str) -> str:
    """The URL's scheme as a browser reads it (controls and spaces inside it ignored), or ''."""
    cleaned = re.sub(r"[\x00-\x20]", "", url)
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""
