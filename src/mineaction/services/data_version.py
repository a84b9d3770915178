"""A number that changes whenever the data does: the newest entry of the audit log.

Every write of a record (an edit, a workflow step, an import, a bulk load
through ``intake.bulk``) appends to the audit log in the same transaction,
and on PostgreSQL the chain's advisory lock makes entries commit in id order,
so the largest id grows with every committed change and never goes back.
Answers kept for the data (cached map layers, list totals) are kept under
this number: a write makes them unreachable, with nothing to clear.  The
version also carries the start of that entry's hash, which seals the whole
history before it: a database restored from a backup with the same number of
entries but another history has another version.

Read it *before* the data it labels: under PostgreSQL's read-committed
isolation each statement sees the newest commits, so the data read after it
is at least as new as the number, never older.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from typing import Any

import psycopg
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mineaction.store.tables import AuditEntry


def current(session: Session) -> str:
    """Return the data version: the newest audit entry's id and hash (``"0"`` for none).

    One index lookup on either backend (the largest primary key).
    """
    newest = session.execute(
        select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    return "0" if newest is None else f"{newest[0]}:{newest[1][:16]}"


#: The most the event loop waits for the version before the caller falls back, in s.
LOOP_WAIT_S = 0.2
#: After a failed read the reader leaves the version to the caller this long, in s.
LOOP_RETRY_S = 5.0


class LoopReader:
    """Read the data version on the server's event loop, without a worker thread.

    A kept answer costs little more than reading the version: through the ORM
    in a worker thread that was ~0.4 ms of CPU, most of it the session and the
    hand-off.  This reader keeps one connection of its own per server process
    and runs ``current``'s query (compiled for the backend) on it directly.
    It may run on the loop because it never waits for a writer: one index
    lookup under WAL (SQLite) or MVCC (PostgreSQL), bounded by ``LOOP_WAIT_S``
    for a lock or a stalled server all the same.  ``read`` returns None
    whenever it cannot answer (an in-memory database, a lost connection, the
    wait exceeded; after a failure, for ``LOOP_RETRY_S``): the caller then
    reads the version as before.
    """

    def __init__(self, engine: Engine) -> None:
        self.url = engine.url
        query = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        self.sql = str(
            query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        )
        self._conn: sqlite3.Connection | psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._retry_at = 0.0

    def read(self) -> str | None:
        """Return the data version (as ``current``), or None when this reader cannot tell."""
        with self._lock:
            if self._conn is None and time.monotonic() < self._retry_at:
                return None  # a server that just failed is not asked again at once
            try:
                conn = self._conn or self._connect()
                if conn is None:
                    return None
                newest = conn.execute(self.sql).fetchone()
            except (sqlite3.Error, psycopg.Error):
                self._close()
                self._retry_at = time.monotonic() + LOOP_RETRY_S
                return None
        return "0" if newest is None else f"{newest[0]}:{newest[1][:16]}"

    def _connect(self) -> sqlite3.Connection | psycopg.Connection[Any] | None:
        if self.url.get_backend_name() == "sqlite":
            if self.url.database in (None, "", ":memory:"):
                return None  # another connection would see another database
            self._conn = sqlite3.connect(
                self.url.database, timeout=LOOP_WAIT_S, check_same_thread=False
            )
        else:
            conninfo = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._conn = psycopg.connect(
                conninfo,
                autocommit=True,
                connect_timeout=max(1, round(LOOP_WAIT_S)),
                options=f"-c statement_timeout={round(LOOP_WAIT_S * 1000)}",
            )
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error, psycopg.Error):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Close this reader's connection (a later read opens another)."""
        with self._lock:
            self._close()
