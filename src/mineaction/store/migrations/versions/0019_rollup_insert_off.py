"""The roll-ups' insert triggers on PostgreSQL step aside for a bulk writer that asks.

The bulk import of findings adds its rows' sums to the report roll-up
itself, once for all its chunks (``rollup_ddl.WrittenSums``), as it did on
SQLite; on PostgreSQL the statement trigger had summed each chunk's COPY
and upserted the same roll-up rows again in every chunk, a third of the
server's time in a million-row import.  The trigger functions now do
nothing while the transaction's ``mineaction.rollup_insert_off`` setting
names their roll-up (``trigger_ddl.OFF_SETTING``); no one else sets it, so
every other writer is summed as before.  The functions of every roll-up are
made again here so that all have the same form; SQLite's triggers are
unchanged.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 01:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

from mineaction.store import beneficiary_rollup_ddl, rollup_ddl

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        rollup_ddl.install(conn)
        beneficiary_rollup_ddl.install(conn)


def downgrade() -> None:
    """Nothing to undo: a trigger that is never told to step aside sums every insert."""
