"""Date precision: how much of the date of a finding, accident or land release is known.

A register that gives only a year and a month is stored as the first of the
month with ``date_precision`` 'month' (or 1 January with 'year'), so reports
do not pretend to know the day.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mineaction.store import spatial_ddl

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: later migrations name their own tables.
TABLES = ("accidents", "findings", "land_releases")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "date_precision", sa.String(length=8), server_default="day", nullable=False
                )
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("date_precision")
    # Dropping a column may rebuild the table on SQLite, losing its R*Tree triggers.
    spatial_ddl.install(op.get_bind(), [(table, "geom") for table in TABLES], ())
