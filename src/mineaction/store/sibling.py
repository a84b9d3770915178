"""A second connection that sees what a session sees, so that reads can run beside it.

PostgreSQL lets a transaction export its snapshot (``pg_export_snapshot``)
and another transaction, REPEATABLE READ, import it (``SET TRANSACTION
SNAPSHOT``): the second connection then reads exactly the committed data the
first one sees, in another server process, at the same time.

SQLite exports no snapshot, but a read transaction's snapshot is the last
commit when it first reads.  For a session that has not read yet, a third
connection takes the write lock for a moment (no commit can happen while it
holds it), both transactions read once, and the lock goes: the two
snapshots are the same commit.  SQLite runs a statement without Python's
global lock, so two threads read the file at once.

The verification reads its polygons and part of its points there while the
caller's connection reads the rest (``mineaction.analytics.verification``).

What the first transaction has written itself is in no other connection's
view, so a session that has written gets no sibling (None), and reads in its
own connection as before; so does, on SQLite, a session that has read
already (its snapshot may be older than any other connection can take) or
that finds another writer at work.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mineaction.store.database import UNTOUCHED

__all__ = ["sibling_session"]

#: What ``pg_export_snapshot`` returns, e.g. 00000003-0000001B-1.
_SNAPSHOT = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


@contextmanager
def sibling_session(session: Session) -> Iterator[Session | None]:
    """Yield a read-only session on a second connection with ``session``'s snapshot, or None.

    None on a connection in autocommit (``Database.reading``), when
    ``session``'s transaction has written (after flushing what it holds):
    its own changes would be missing from the sibling's view, and when the
    server gives no second connection; on SQLite also (``_sqlite_sibling``)
    when the session has read already or another writer holds the lock.
    The sibling's transaction is rolled back at the end.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        with _sqlite_sibling(session) as sibling:
            yield sibling
        return
    session.flush()
    mine = session.connection()
    if getattr(mine.connection.dbapi_connection, "autocommit", False):
        yield None  # each statement its own transaction: its snapshot dies with it
        return
    if mine.exec_driver_sql("SELECT pg_current_xact_id_if_assigned()").scalar() is not None:
        yield None
        return
    snapshot = str(mine.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
    if not _SNAPSHOT.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot name {snapshot!r}")
    try:
        raw = bind.engine.connect()
    except OperationalError:  # no second connection to be had (the server's limit)
        yield None
        return
    with raw:
        other = raw.execution_options(isolation_level="REPEATABLE READ")
        other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        other.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            with Session(bind=other) as sibling:
                yield sibling
        finally:
            other.rollback()


#: A statement that reads the database file, and so fixes a read transaction's snapshot.
_FIRST_READ = "SELECT count(*) FROM sqlite_master"


@contextmanager
def _sqlite_sibling(session: Session) -> Iterator[Session | None]:
    """Yield a read-only session on a second SQLite connection at ``session``'s commit, or None.

    Only a ``Database.session`` that has not yet touched its connection
    qualifies (``UNTOUCHED``): its snapshot is still to be taken, so both
    can be taken at one commit, under the write lock of a third connection
    that waits for no one (another writer at work: None).  A file database
    only (in memory, another connection is another database).
    """
    session.flush()  # what it holds would otherwise be written after the sibling's snapshot
    engine = session.get_bind().engine
    path = engine.url.database
    if not session.info.get(UNTOUCHED) or path in (None, "", ":memory:") or engine.url.query:
        yield None
        return
    lock = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # busy: a commit could fall between the two snapshots
        lock.close()
        yield None
        return
    other = None
    try:  # both snapshots taken while no one can commit
        session.connection().exec_driver_sql(_FIRST_READ)
        other = engine.connect()
        other.exec_driver_sql("PRAGMA query_only = ON")  # refuses writes
        other.exec_driver_sql(_FIRST_READ)
    except BaseException:
        if other is not None:
            other.invalidate()  # never back to the pool refusing writes
            other.close()
        raise
    finally:
        lock.close()  # rolls its empty transaction back
    with other:
        try:
            with Session(bind=other) as sibling:
                yield sibling
        finally:
            other.rollback()
            try:
                other.exec_driver_sql("PRAGMA query_only = OFF")
                other.commit()
            except BaseException:
                other.invalidate()
                raise
