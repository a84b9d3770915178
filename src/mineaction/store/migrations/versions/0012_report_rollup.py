"""Report roll-ups: findings and land releases summed per span, kept exact by triggers.

The two tables are filled here from the records already in the database,
and the triggers of ``store/rollup_ddl.py`` keep them in step from then on
(row triggers on SQLite, statement triggers with transition tables on
PostgreSQL). A later migration that rebuilds ``findings`` or
``land_releases`` (SQLite's batch mode copies the table and loses its
triggers) must call ``rollup_ddl.install`` again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 01:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mineaction.store import rollup_ddl

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: This revision's roll-ups (later revisions add others to ``rollup_ddl.ROLLUPS``).
SPAN_ROLLUPS = tuple(
    r for r in rollup_ddl.ROLLUPS if r.table in ("finding_rollup", "release_rollup")
)


def _key(kind: str, length: int) -> list[sa.Column]:
    return [
        sa.Column("span_start", sa.Date(), nullable=False),
        sa.Column("approval", sa.String(length=16), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column(kind, sa.String(length=length), nullable=False),
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "finding_rollup",
        *_key("category", 32),
        sa.Column("items", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span_start", "approval", "dimension", "category", "member_id",
            name=op.f("pk_finding_rollup"),
        ),
        sqlite_with_rowid=False,
    )  # fmt: skip
    op.create_table(
        "release_rollup",
        *_key("method", 16),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "span_start", "approval", "dimension", "method", "member_id",
            name=op.f("pk_release_rollup"),
        ),
        sqlite_with_rowid=False,
    )  # fmt: skip
    conn = op.get_bind()
    rollup_ddl.rebuild(conn, SPAN_ROLLUPS)
    rollup_ddl.install(conn, SPAN_ROLLUPS)


def downgrade() -> None:
    rollup_ddl.uninstall(op.get_bind(), SPAN_ROLLUPS)
    op.drop_table("release_rollup")
    op.drop_table("finding_rollup")
