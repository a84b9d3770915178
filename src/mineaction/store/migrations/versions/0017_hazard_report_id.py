"""The hazards' report index carries their id on PostgreSQL; the roll-ups get statistics.

The land-release and Article 7 reports join each hazard to its releases'
sums (``hazard_release_rollup`` or a grouped pass) by the hazard's id. On
SQLite every index holds the row's id already, so ``ix_hazards_report``
answers those joins alone; on PostgreSQL it lacked the id, and each report
read the whole hazards table with its polygons twice (77 against 32 ms for
the per-hazard list of the national data set). The index is made again there
with the id as an included column.

The roll-ups made by earlier migrations in one statement each have no
planner statistics until autovacuum comes by (never, where it is off); they
are gathered here, as ``mineaction db rollup --rebuild`` now does.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 07:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["approval", "admin_area_id", "status", "recorded_date", "area_m2", "reference"]
#: The roll-ups at this revision (a later one may add more).
ROLLUPS = (
    "finding_rollup",
    "release_rollup",
    "hazard_release_rollup",
    "eore_rollup",
    "assistance_rollup",
    "accident_rollup",
    "victim_rollup",
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.drop_index("ix_hazards_report", table_name="hazards")
        op.create_index("ix_hazards_report", "hazards", COLUMNS, postgresql_include=["id"])
    for table in ROLLUPS:
        conn.exec_driver_sql(f"ANALYZE {table}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_hazards_report", table_name="hazards")
        op.create_index("ix_hazards_report", "hazards", COLUMNS)
