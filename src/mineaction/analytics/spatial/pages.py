"""Ordinary memory pages for numpy while a join over millions of points runs.

On Linux numpy asks the kernel for 2 MB pages (``madvise(MADV_HUGEPAGE)``)
for every array of a few MB.  Where the kernel then compacts memory to find
them (transparent huge pages with ``defrag`` = ``madvise``, Debian's
default), each first touch of a fresh array can stall; a verification makes
and drops hundreds of such arrays in two threads at once, and on the
national copy it ran 0.2–0.3 s faster (of 4.5) with ordinary pages, while
the floor it is measured against, one thread and a few arrays, did not
change (bench/bench_records.py; docs/benchmarks.md, stop 18).

``ordinary_pages`` turns the advice off for the time of a block, for the
whole process (numpy has no narrower switch): it only changes how fast
memory comes, never what is computed.  Blocks in several threads at once
share one switch: the advice comes back when the last block ends.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import numpy as np

from mineaction.shared_setting import SharedSetting

__all__ = ["ordinary_pages"]


def _switch(on: bool) -> bool:
    """Set numpy's huge-page advice; return what it was (True where numpy has no switch)."""
    setter = getattr(getattr(np, "_core", None), "multiarray", None)
    setter = getattr(setter, "_set_madvise_hugepage", None)
    return bool(setter(on)) if setter is not None else True


_pages = SharedSetting(lambda: _switch(False), _switch)


def ordinary_pages() -> AbstractContextManager[None]:
    """Leave numpy's arrays on ordinary pages until the block (and any other at once) ends."""
    return _pages.held()
