"""The hazards' report index carries their contamination and (PostgreSQL) id; roll-up statistics.

The land-release and Article 7 reports join each hazard to its releases'
sums (``hazard_release_rollup`` or a grouped pass) by the hazard's id, and
Article 7 keeps the hazards of AP-mine contamination. ``ix_hazards_report``
lacked both: each report read the hazards with their polygons instead of
the index (on the national data set, the per-hazard list 77 against 32 ms
on PostgreSQL; Article 7's remaining AP areas 146 against 42 ms on SQLite).
It is made again with the contamination as its last column and, on
PostgreSQL, the id included (SQLite's indexes hold the row's id already).

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

BEFORE = ["approval", "admin_area_id", "status", "recorded_date", "area_m2", "reference"]
AFTER = [*BEFORE, "contamination"]
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
    op.drop_index("ix_hazards_report", table_name="hazards")
    op.create_index("ix_hazards_report", "hazards", AFTER, postgresql_include=["id"])
    for table in ROLLUPS:
        conn.exec_driver_sql(f"ANALYZE {table}")


def downgrade() -> None:
    op.drop_index("ix_hazards_report", table_name="hazards")
    op.create_index("ix_hazards_report", "hazards", BEFORE)
