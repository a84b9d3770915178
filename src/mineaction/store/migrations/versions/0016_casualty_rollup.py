"""Casualty roll-ups: accidents and victims counted per month, kept exact by triggers.

The two tables are filled here from the records already in the database,
and the triggers of ``store/casualty_rollup_ddl.py`` keep them in step from
then on, on writes to ``victims`` and to ``accidents`` (a victim's month,
district, device and accident approval are its accident's). A later
migration that rebuilds either table in SQLite's batch mode (which copies
the table and loses its triggers) must call ``casualty_rollup_ddl.install``
again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 04:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mineaction.store import casualty_rollup_ddl

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accident_rollup",
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("approval", sa.String(length=16), nullable=False),
        sa.Column("accidents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month_start", "approval", name=op.f("pk_accident_rollup")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "victim_rollup",
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("accident_approval", sa.String(length=16), nullable=False),
        sa.Column("victim_approval", sa.String(length=16), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("member", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("victims", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month_start", "accident_approval", "victim_approval", "dimension", "member",
            "member_id", "outcome", name=op.f("pk_victim_rollup"),
        ),
        sqlite_with_rowid=False,
    )  # fmt: skip
    conn = op.get_bind()
    casualty_rollup_ddl.rebuild(conn)
    casualty_rollup_ddl.install(conn)


def downgrade() -> None:
    casualty_rollup_ddl.uninstall(op.get_bind())
    op.drop_table("victim_rollup")
    op.drop_table("accident_rollup")
