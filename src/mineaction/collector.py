"""Pausing Python's automatic garbage collector while many objects are made at once.

Making tens of thousands of rows (a report's per-hazard list, an import's
chunk) sets off collections that walk every live object again and again:
measured, a full collection in the middle of the land-release report's
national full history was a fifth of its time.  Rows like these hold no
reference cycles, so nothing is lost by collecting afterwards instead.

Pauses nest and may overlap between threads: the collector runs again when
the last pause ends, and only if it was running when the first began.

A long job that collects by hand (the bulk import, once per chunk) can also
set the objects that already exist aside (``frozen``): a full collection
then walks only what the job made, not the whole process again (0.2 s for
the 190,000 objects of an import's process, four times per million rows).
"""

from __future__ import annotations

import gc
from contextlib import AbstractContextManager

from mineaction.shared_setting import SharedSetting


def _pause() -> bool:
    """Turn the automatic collector off; return whether it was on."""
    was = gc.isenabled()
    gc.disable()
    return was


def _resume(was: bool) -> None:
    if was:
        gc.enable()


_pauses = SharedSetting(_pause, _resume)


def paused() -> AbstractContextManager[None]:
    """Keep the automatic collector off inside the block (explicit ``gc.collect`` still works)."""
    return _pauses.held()


_freezes = SharedSetting(gc.freeze, lambda _: gc.unfreeze())


def frozen() -> AbstractContextManager[None]:
    """Keep the objects that exist when the first block begins out of every collection.

    They go back to the oldest generation when the last block ends.
    """
    return _freezes.held()
