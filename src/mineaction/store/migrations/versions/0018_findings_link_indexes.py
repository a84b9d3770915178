"""The findings' indexes on their activity and hazard hold only the rows that name one.

Many finds name no activity (spot tasks, public reports) and imported ones no
hazard, yet each index held a NULL entry for every such row: on a million
imported findings two indexes of 9 MB, built again after a large import on
SQLite (0.8 s each) and kept up to date row by row on PostgreSQL. Nothing
looks up the rows without a link; a lookup by one (``activity_id = ?``, as
the foreign-key checks of a deleted activity or hazard make) uses a partial
index on ``IS NOT NULL`` in both databases.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 22:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("activity_id", "hazard_id")


def upgrade() -> None:
    for column in COLUMNS:
        name = f"ix_findings_{column}"
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="findings")
        op.create_index(name, "findings", [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for column in COLUMNS:
        name = f"ix_findings_{column}"
        op.drop_index(name, table_name="findings")
        op.create_index(name, "findings", [column])
