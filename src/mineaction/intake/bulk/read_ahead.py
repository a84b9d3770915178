"""Reading the next chunk of a file while the current one is checked and written.

A thread reads the file into chunks of rows and hands them over through a
queue that holds at most ``AHEAD`` chunks, so memory still grows with the
chunk size, not with the file.  The thread touches nothing but the file: all
database work stays in the importing thread.  It gains wall time when the
importing thread waits outside Python — for SQLite's C code inserting rows,
or for PostgreSQL taking a ``COPY`` — since Python runs one thread at a time
otherwise.

The chunks, and any error the reader raises, arrive in file order: an error
is raised in the importing thread where the sequential loop would have
raised it, after the chunks before it and instead of the chunk it was in.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

#: Chunks read ahead of the one being imported.
AHEAD = 1
#: Seconds between the reader's looks at whether the import has stopped.
POLL_SECONDS = 0.1

_END = object()


def chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """Yield the items of ``rows`` in lists of ``size`` (the last may be shorter)."""
    while chunk := list(islice(rows, size)):
        yield chunk


@contextmanager
def chunks_read_ahead(rows: Iterator[Any], size: int) -> Iterator[Iterator[list[Any]]]:
    """Within the block, iterate over the chunks of ``rows``, read by a thread ahead of time.

    Leaving the block early (an error, a refusal) stops the reader and closes ``rows``.
    """
    with read_ahead(chunks(rows, size), closing=rows) as ahead:
        yield ahead


@contextmanager
def read_ahead(items: Iterator[Any], *, closing: Any = None) -> Iterator[Iterator[Any]]:
    """Within the block, iterate over ``items``, each made by a thread ahead of time.

    Leaving the block early stops the thread and closes ``items`` (and ``closing``, if given).
    """
    handover: queue.Queue[Any] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def hand(item: Any) -> bool:
        while not stop.is_set():
            try:
                handover.put(item, timeout=POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not hand(item):
                    return
            hand(_END)
        except BaseException as exc:  # raised again in the importing thread
            hand(exc)
        finally:
            for each in (items, closing):
                close = getattr(each, "close", None)
                if close is not None:
                    close()

    def received() -> Iterator[Any]:
        while True:
            item = handover.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    reader = threading.Thread(target=read, name="import-reader", daemon=True)
    reader.start()
    try:
        yield received()
    finally:
        stop.set()
        reader.join()
