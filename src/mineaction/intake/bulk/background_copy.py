"""The store takes one chunk while the import reads and checks the next.

On PostgreSQL the server's work for a chunk's ``COPY`` (its indexes, the
GiST index, the foreign-key checks) is most of an import's time; on SQLite
the library's work for a chunk's INSERTs (B-trees, pages, the write-ahead
log) runs with Python's lock released.  Neither need wait for the client's
work on the next chunk (parsing and checking it, building its audit rows),
so the writer hands each chunk's statements to a thread and returns.

The connection stays the import's own: before any other statement runs on
it (a lookup, the per-row code's flush, the roll-up's sums), the import
waits for the chunk in flight to be written, through SQLAlchemy's
``before_cursor_execute`` event on that connection; ``finish`` waits before
the commit.  A write that fails raises its error in the importing thread
at that point (wrapped by SQLAlchemy as the error of the statement that
waited), and the transaction rolls back as it always did.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection


class BackgroundCopy:
    """At most one job at a time on ``conn`` in a thread; the connection's next use waits."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        event.listen(conn, "before_cursor_execute", self._before_execute)

    def start(self, job: Callable[[], None]) -> None:
        """Run ``job`` (a ``COPY`` on the connection) in a thread, after the one before it."""
        self.finish()

        def run() -> None:
            try:
                job()
            except BaseException as exc:  # raised again in the importing thread
                self._error = exc

        self._thread = threading.Thread(target=run, name="import-copy", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        """Wait for the job in flight; raise its error if it failed."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        error, self._error = self._error, None
        if error is not None:
            raise error

    def close(self) -> None:
        """Wait for the job in flight and stop watching the connection.

        Called when the import ends either way, after ``finish`` if it went
        well; an import that failed rolls back, so an error of the job is not
        raised over the one that ended it.
        """
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        self._error = None
        event.remove(self.conn, "before_cursor_execute", self._before_execute)

    def _before_execute(self, *_args: Any) -> None:
        if self._thread is not None and threading.current_thread() is not self._thread:
            self.finish()
