"""Pausing Python's automatic garbage collector while many objects are made at once.

Making tens of thousands of rows (a report's per-hazard list, an import's
chunk) sets off collections that walk every live object again and again:
measured, a full collection in the middle of the land-release report's
national full history was a fifth of its time.  Rows like these hold no
reference cycles, so nothing is lost by collecting afterwards instead.

Pauses nest and may overlap between threads: the collector runs again when
the last pause ends, and only if it was running when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Keep the automatic collector off inside the block (explicit ``gc.collect`` still works)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
