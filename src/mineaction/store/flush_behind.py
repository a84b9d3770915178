"""A large load's pages sent to the disk while it runs, not all at its commit.

SQLite writes a load's pages into the file as its page cache fills, and the
kernel keeps them in memory (a machine with memory to spare lets gigabytes
wait) until the commit's ``fsync`` makes it write them all: a million
findings left about 700 MB to write at the commit, 0.4 s of the import's
0.6 s commit on a fast disk (bench/bench_import.py, 1 December 2026), and
several seconds on a slow one, with nothing else to do meanwhile.

``flushed_behind`` syncs the file from a thread every ``INTERVAL_S``
seconds while the block runs, so the disk takes the pages while Python and
SQLite prepare the next ones, and the commit finds little left to write.  A
sync changes nothing of what the file holds or of SQLite's own syncs: the
journal still protects the pages the load overwrites, and a crash still
rolls the load back.  A sync that fails (a file system that cannot sync) is
left to the commit's own, which reports it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

#: Seconds between two syncs of the file.
INTERVAL_S = 0.5


@contextlib.contextmanager
def flushed_behind(path: Path, interval_s: float | None = None) -> Iterator[None]:
    """Within the block, sync ``path`` to the disk every ``interval_s`` (``INTERVAL_S``) seconds."""
    every = INTERVAL_S if interval_s is None else interval_s
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # nothing to sync: SQLite reports what is wrong with the file
        yield
        return
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            try:
                os.fdatasync(fd)
            except OSError:
                return

    thread = threading.Thread(target=run, name="flush-behind", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        os.close(fd)
