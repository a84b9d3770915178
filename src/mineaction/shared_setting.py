"""A process-wide setting changed for the time of blocks that may nest and overlap between threads.

Some speed-ups can only be had through a setting of the whole process:
Python's garbage collector (``collector.py``), numpy's huge-page advice
(``analytics/spatial/pages.py``), how long a thread keeps Python's lock
before another may take it (``quick_handoffs`` below).  Such a setting is
changed when the first block that wants it begins and put back as it was
when the last one ends, whichever thread runs them.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedSetting(Generic[T]):
    """``apply()`` changes the setting and returns what it was; ``restore(that)`` puts it back."""

    def __init__(self, apply: Callable[[], T], restore: Callable[[T], object]) -> None:
        self._apply = apply
        self._restore = restore
        self._lock = threading.Lock()
        self._holders = 0
        self._before: T | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Keep the setting changed inside the block (and while any other block holds it)."""
        with self._lock:
            if self._holders == 0:
                self._before = self._apply()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    self._restore(self._before)  # type: ignore[arg-type]
                    self._before = None


#: Seconds a thread may hold Python's lock while another waits for it, during quick handoffs.
QUICK_SWITCH_S = 0.0005


def _quick_switches() -> float:
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, QUICK_SWITCH_S))
    return before


_switching = SharedSetting(_quick_switches, sys.setswitchinterval)


def quick_handoffs() -> AbstractContextManager[None]:
    """Let a thread that waits for Python's lock get it within half a millisecond, not five.

    For a thread that gives the lock up and takes it back thousands of times
    (a C library working between two calls, as SQLite does for each INSERT
    of a bulk import) while another thread runs Python: with Python's default
    interval of 5 ms it waits up to that long every time it comes back.  A
    bulk import of 1,000,000 findings sends about 4,000 statements; with
    quick handoffs it ran about 2 s faster (of 28; ``bench/bench_import.py``,
    docs/benchmarks.md, stop 19).
    """
    return _switching.held()
