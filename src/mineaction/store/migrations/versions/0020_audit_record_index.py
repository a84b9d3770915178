"""A record's audit entries are found through an index on record_id, not by a scan.

Every record page and ``GET /api/records/KIND/ID/history`` asks for the
entries of one record (``WHERE kind = ? AND record_id = ? ORDER BY id``),
and the audit log had no index that answers it: after a million findings
were imported, each of those requests read the whole log (570 MB on
SQLite).  The index is on ``record_id`` alone: one id names at most one
record of each kind, and a whole number is the cheapest key to keep up to
date (a million entries copied on PostgreSQL: 3.2 s with it, 3.6 s on
``(kind, record_id)``, 3.1 s on ``at``, 2.7 s with none).  The log's only
other index, on ``at``, served no query (nothing reads the log by time; its
order is the id's); it is dropped, so that every audit entry written still
updates one secondary index, not two.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 08:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain index statements, no batch: the log's table is never copied (its triggers
    # refuse every change to a row).
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.create_index("ix_audit_log_record", "audit_log", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_record", table_name="audit_log")
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
