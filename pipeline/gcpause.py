"""Pausing Python's cycle collector while a page's token tree is built.

A 5 MB page parses into over a million markdown-it tokens (plus their dicts and lists). None of them
is garbage yet, but each time the collector runs it walks every one of them: on such a page it doubled
the CPU time of ``handbook check``. Token trees hold no reference cycles, so reference counting frees
them anyway; the collector resumes when the last pause ends (pauses nest, across threads too).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False  # whether the collector was enabled when the first open pause began


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cycle collector off; it is back as it was once no pause is open."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
