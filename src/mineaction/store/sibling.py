"""A second connection that sees what a session sees, so that reads can run beside it.

PostgreSQL lets a transaction export its snapshot (``pg_export_snapshot``)
and another transaction, REPEATABLE READ, import it (``SET TRANSACTION
SNAPSHOT``): the second connection then reads exactly the committed data the
first one sees, in another server process, at the same time.  The
verification reads its polygons there while the caller's connection reads
millions of points (``mineaction.analytics.verification.engine``).

What the first transaction has written itself is in no exported snapshot,
so a session that has written gets no sibling (None), and reads in its own
connection as before; SQLite, which exports no snapshot, gets None too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

__all__ = ["sibling_session"]

#: What ``pg_export_snapshot`` returns, e.g. 00000003-0000001B-1.
_SNAPSHOT = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


@contextmanager
def sibling_session(session: Session) -> Iterator[Session | None]:
    """Yield a read-only session on a second connection with ``session``'s snapshot, or None.

    None on SQLite, on a connection in autocommit (``Database.reading``),
    when ``session``'s transaction has written (after flushing what it
    holds): its own changes would be missing from the sibling's view, and
    when the server gives no second connection.  The sibling's transaction
    is rolled back at the end.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        yield None
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
