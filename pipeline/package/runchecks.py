"""What a SCO's run in the test LMS shows: its call log and script errors judged as PKG021–PKG027 findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.diagnostics import Severity
from pipeline.package.scos import Sco
from pipeline.package.semantics import Finding

# SCORM 1.2's smallest permitted maximums (SPM) that scorm-again does not enforce (it allows 64000).
LIMITS_12 = {"cmi.suspend_data": 4096, "cmi.core.lesson_location": 255}
PER_SCO = 5  # at most this many findings of one code for one SCO
NAMES = {
    "1.2": {"init": "LMSInitialize", "finish": "LMSFinish", "set": "LMSSetValue", "commit": "LMSCommit"},
    "2004": {"init": "Initialize", "finish": "Terminate", "set": "SetValue", "commit": "Commit"},
}


@dataclass
class Trace:
    """What happened while one SCO ran: the API calls as the LMS frame recorded them, and script errors."""

    calls: list[dict[str, Any]] = field(default_factory=list)  # method, args, result, error, errorText, phase
    errors: list[str] = field(default_factory=list)
    left: bool = True  # the frame reached about:blank when the learner left
    broken: str = ""  # why the run could not finish (the SCO navigated the LMS page away, a crash)


def findings(sco: Sco, trace: Trace) -> list[Finding]:
    """Every run-time fault of the trace, at the SCO's manifest line and named after it."""
    names = NAMES[sco.version]
    out: list[Finding] = []

    def add(code: str, message: str, severity: Severity | None = None) -> None:
        if sum(1 for f in out if f.code == code) < PER_SCO:
            out.append(Finding(sco.line, 1, code, f"{sco.name}: {message}", severity, needle=sco.needle))

    for error in dict.fromkeys(trace.errors):
        add("PKG026", f"script error: {_short(error, 300)}")
    if trace.broken:
        add("PKG026", f"the run could not finish: {_short(trace.broken, 300)}")
    calls = trace.calls
    started = next((i for i, c in enumerate(calls) if c["method"] == names["init"] and c["result"] == "true"), None)
    if started is None:
        if not trace.broken:
            tried = [c for c in calls if c["method"] == names["init"]]
            why = f" (it failed: {_error(tried[0])})" if tried else ""
            add("PKG021", f"never called {names['init']} successfully{why}; the LMS records nothing for it")
        return out
    ended = next(
        (i for i, c in enumerate(calls) if i > started and c["method"] == names["finish"] and c["result"] == "true"),
        None,
    )
    too_long: set[str] = set()  # 2004's GetValue of a never-set element answers 403 by design: no fault
    for i, call in enumerate(calls):
        if ended is not None and i > ended:
            break
        unset = sco.version == "2004" and call["method"] == "GetValue" and call["error"] == "403"
        if (call["error"] not in ("0", "") and not unset) or call.get("thrown"):
            code = "PKG023" if call["method"] == names["set"] else "PKG027"
            add(code, f"{_call(call)} failed: {_error(call)}")
        if sco.version == "1.2" and call["method"] == names["set"] and len(call["args"]) == 2:
            element, value = call["args"]
            limit = LIMITS_12.get(element)
            if limit is not None and len(value) > limit and element not in too_long:
                too_long.add(element)
                add("PKG024", f"sets {element} to {len(value):,} characters; SCORM 1.2 allows {limit:,}")
    if ended is not None and len(calls) > ended + 1:
        late = calls[ended + 1 :]
        add(
            "PKG022",
            f"calls {_call(late[0])} after {names['finish']}"
            + (f" ({len(late)} calls after it in all)" if len(late) > 1 else "")
            + "; real LMSs reject them and the data is lost",
        )
    if ended is None and trace.left:
        saving = {names["set"], names["commit"], names["finish"]}
        if not any(c["phase"] == "leave" and c["method"] in saving for c in calls):
            committed = any(c["method"] in (names["commit"], names["finish"]) and c["result"] == "true" for c in calls)
            add(
                "PKG025",
                "nothing set, committed or terminated on pagehide when the learner left; "
                + ("data since its last commit is lost" if committed else "it never committed: everything is lost"),
                Severity.WARNING if committed else None,
            )
    return out


def _call(call: dict[str, Any]) -> str:
    args = ", ".join(repr(_short(str(a), 60)) for a in call["args"])
    return f"{call['method']}({args})"


def _error(call: dict[str, Any]) -> str:
    text = call.get("errorText") or ""
    if call.get("thrown"):
        return f"threw {_short(call['thrown'], 200)}"
    return f"error {call['error']}" + (f" {text}" if text else "")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
