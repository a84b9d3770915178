"""Progress reports keep what the clearance-progress form sends.

A report's ``status`` is the task's status at the end of the day (the
activity's status follows the latest report), ``depth_cm`` the clearance
depth, ``eo_found`` the number of items found that day and ``geom`` the
position where the report was made.

Revision ID: 0009
Revises: 0002
Create Date: 2026-11-29 19:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mineaction.store.types

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("depth_cm", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("eo_found", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("geom", mineaction.store.types.Geometry("POINT"), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("progress_reports", schema=None) as batch_op:
        for column in ("geom", "eo_found", "depth_cm", "status"):
            batch_op.drop_column(column)
