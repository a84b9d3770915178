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

from sqlalchemy import select
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
