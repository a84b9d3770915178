"""Checking the audit log's hash chain: was any entry changed, removed or reordered.

``verify_chain(db)`` walks the log and returns a ``ChainReport`` whose
``broken_at`` is the first entry that breaks the chain (None when intact).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from mineaction.errors import DatabaseError
from mineaction.services.backup.dump import snapshot
from mineaction.store import audit_chain
from mineaction.store.database import Database

BATCH = 10_000


@dataclass(frozen=True)
class ChainReport:
    """What a walk along the audit chain found.

    ``entries`` were checked (up to and including the first broken one);
    ``head`` is the last entry's hash when the chain is intact: written down
    elsewhere, it also shows later whether entries were cut off the end.
    """

    entries: int
    last_id: int | None
    head: str
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        """Return whether every link held."""
        return self.broken_at is None


def verify_chain(db: Database, *, progress: Callable[[int], None] | None = None) -> ChainReport:
    """Walk the audit log in id order, recompute every hash; return the first broken link.

    The walk reads in one transaction (a consistent snapshot, as a backup
    does), so entries committed meanwhile are left for the next check.
    """
    db.check_connection()
    try:
        with db.engine.connect() as raw:
            conn = snapshot(raw)
            with conn.begin():
                return _walk(conn, progress)
    except DBAPIError as exc:
        raise DatabaseError(
            f"The audit log of {db.display_url()} could not be read: {exc.orig}",
            hint="Check that the database is reachable and at this software's schema "
            "(`mineaction db upgrade`).",
        ) from exc


def _walk(conn: Connection, progress: Callable[[int], None] | None) -> ChainReport:
    prev, last_id, count = audit_chain.GENESIS, 0, 0
    while True:
        batch = list(audit_chain.stored(conn, after_id=last_id, limit=BATCH))
        if not batch:
            break
        for entry in batch:
            count += 1
            reason = _broken(entry, prev)
            if reason:
                return ChainReport(count, entry.id, prev, broken_at=entry.id, reason=reason)
            prev = entry.hash or ""
        last_id = batch[-1].id
        if progress:
            progress(count)
    return ChainReport(count, last_id or None, prev)


def _broken(entry: audit_chain.StoredEntry, prev: str) -> str | None:
    if entry.prev_hash != prev:
        return (
            "its link to the entry before it does not match: an earlier entry was "
            "removed, inserted or its hash rewritten"
        )
    if audit_chain.link(prev, entry.content) != entry.hash:
        return "its content no longer matches its hash: the entry was changed after it was written"
    return None
