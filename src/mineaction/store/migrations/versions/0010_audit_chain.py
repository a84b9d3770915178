"""The audit log becomes a hash chain: each entry seals its content and the entry before it.

Entries already in the log are chained here, in id order, so an upgraded
database verifies like a new one.  The append-only triggers are set aside
while the new columns are filled and put back afterwards.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mineaction.store import audit_chain, spatial_ddl

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000


def upgrade() -> None:
    conn = op.get_bind()
    _drop_append_only(conn)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing(conn)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    spatial_ddl.install(conn, (), ("audit_log",))


def downgrade() -> None:
    conn = op.get_bind()
    _drop_append_only(conn)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    spatial_ddl.install(conn, (), ("audit_log",))


def _drop_append_only(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        return
    for op_name in ("update", "delete"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS audit_log_no_{op_name}")


def _chain_existing(conn: sa.Connection) -> None:
    update = sa.text("UPDATE audit_log SET prev_hash = :prev, hash = :hash WHERE id = :id")
    prev, last_id = audit_chain.GENESIS, 0
    while True:
        batch = list(audit_chain.stored(conn, after_id=last_id, limit=BATCH, hashes=False))
        if not batch:
            return
        params = []
        for entry in batch:
            new = audit_chain.link(prev, entry.content)
            params.append({"id": entry.id, "prev": prev, "hash": new})
            prev = new
        conn.execute(update, params)
        last_id = batch[-1].id
