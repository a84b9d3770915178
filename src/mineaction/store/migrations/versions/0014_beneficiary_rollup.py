"""EORE and assistance roll-ups: records and beneficiaries per month, kept exact by triggers.

The two tables are filled here from the records already in the database, and
the triggers of ``store/beneficiary_rollup_ddl.py`` keep them in step from
then on. A later migration that rebuilds ``eore_sessions`` or ``assistance``
in SQLite's batch mode (which copies the table and loses its triggers) must
call ``beneficiary_rollup_ddl.install`` again.

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30 04:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mineaction.store import beneficiary_rollup_ddl

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("eore_rollup", "assistance_rollup")
BENEFICIARIES = (
    "female_child", "male_child", "female_adult", "male_adult", "female_elderly", "male_elderly",
)  # fmt: skip


def upgrade() -> None:
    for table in TABLES:
        op.create_table(
            table,
            sa.Column("month_start", sa.Date(), nullable=False),
            sa.Column("approval", sa.String(length=16), nullable=False),
            sa.Column("dimension", sa.String(length=8), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("records", sa.Integer(), nullable=False),
            *(sa.Column(c, sa.BigInteger(), nullable=False) for c in BENEFICIARIES),
            sa.PrimaryKeyConstraint(
                "month_start", "approval", "dimension", "kind", "member_id",
                name=op.f(f"pk_{table}"),
            ),
            sqlite_with_rowid=False,
        )  # fmt: skip
    conn = op.get_bind()
    beneficiary_rollup_ddl.rebuild(conn)
    beneficiary_rollup_ddl.install(conn)


def downgrade() -> None:
    beneficiary_rollup_ddl.uninstall(op.get_bind())
    for table in reversed(TABLES):
        op.drop_table(table)
