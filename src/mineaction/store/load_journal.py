"""A large load into an SQLite file, written once: a rollback journal instead of the WAL.

In WAL mode every page a transaction writes goes first to the ``-wal`` file,
and the checkpoint after the commit copies it into the database: a load of a
million findings (about 1 GB) is written twice, and its checkpoint took a
fifth of the import (bench/bench_import.py).  With a rollback journal, the
pages a load adds past the end of the file go straight into it (SQLite
journals only the pages that held data before, to put them back on a
rollback), so the load is written once.

The switch needs the database to itself: SQLite leaves WAL mode only when no
other connection has the file open.  So a load beside a running web server,
or any program that holds the database open, keeps the WAL, and their
readers go on reading what was there before.  When the switch does happen,
a program that opens the database during the load waits for it as for a
second writer (the busy timeout, then "database is locked"), the price of
the speed; the file goes back to WAL mode when the load ends, committed or
rolled back (or, if such a program still holds a read open then, at the
next connection of mineaction, as every one asks for WAL).  Meanwhile the
journal is synced in full (``synchronous = FULL``): with a rollback journal,
NORMAL could let a power cut at the wrong moment damage the file; the pages
are sent to the disk as the load goes (``flush_behind.py``), not all at the
commit.  A crash
leaves a hot journal, which the next connection plays back: the load is
rolled back as any failed transaction is.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from mineaction.store.database import SQLITE_BUSY_TIMEOUT_MS, Database
from mineaction.store.flush_behind import flushed_behind

#: Loads smaller than this keep the WAL: a checkpoint of their pages is quick.
MIN_ROWS = 100_000
#: How long the end of a load waits to put the file back in WAL mode, in ms.  A program
#: that opened the file meanwhile and holds a read open (a desktop GIS) keeps it from
#: switching; then the next connection of mineaction switches it, as every one asks for WAL.
BACK_TO_WAL_WAIT_MS = 2_000


@contextmanager
def written_once(db: Database, expected_rows: int) -> Iterator[bool]:
    """Within the block, write ``db`` through a rollback journal if no one else has it open.

    Yields whether the switch took place: only for an SQLite file, a load of
    at least ``MIN_ROWS`` rows and no other connection open to the file.
    The block's transaction must begin and end inside it.
    """
    path = db.sqlite_path()
    if path is None or expected_rows < MIN_ROWS:
        yield False
        return
    switched = _set_journal(db, "delete", synchronous="FULL", wait_ms=0)
    try:
        with flushed_behind(path) if switched else contextlib.nullcontext():
            yield switched
    finally:
        if switched:
            _set_journal(db, "wal", synchronous="NORMAL", wait_ms=BACK_TO_WAL_WAIT_MS)


def _set_journal(db: Database, mode: str, *, synchronous: str, wait_ms: int) -> bool:
    """Set the file's journal mode on a pooled connection; return True if it took."""
    with db.engine.connect() as conn:  # no statement through SQLAlchemy: no BEGIN
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute(f"PRAGMA busy_timeout = {wait_ms}")
        try:
            now = raw.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0]
        except sqlite3.OperationalError:  # another connection holds the file
            now = None
        finally:
            raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        took = bool(now == mode)
        if took or mode == "wal":
            raw.execute(f"PRAGMA synchronous = {synchronous}")
        return took
