"""Releases summed per hazard for the reports: an all-time roll-up and an index for any period.

The land-release and Article 7 reports need each hazard's releases summed up
to a day, per approval state. Two things make that cheap:

- ``hazard_release_rollup``: every hazard's releases summed over all time per
  approval state, kept exact by the triggers of ``store/rollup_ddl.py`` like
  the span roll-ups; a period holding every release reads it alone.
- an index on (hazard, approval, release date, area), which answers the
  grouped pass for any other period without reading the release rows (they
  carry their polygons). It replaces the index on the hazard alone: its first
  column serves every lookup of a hazard's releases as before.
- an index on the hazards' (approval, district, status, recorded date, area,
  reference), from which the tallies per district and status are read in
  order, without the hazards' polygons and without sorting.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 04:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mineaction.store import rollup_ddl

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAZARD_ROLLUP = tuple(r for r in rollup_ddl.ROLLUPS if r.table == "hazard_release_rollup")


def upgrade() -> None:
    op.create_index(
        "ix_land_releases_hazard_report",
        "land_releases",
        ["hazard_id", "approval", "release_date", "area_m2"],
    )
    op.drop_index("ix_land_releases_hazard_id", table_name="land_releases")
    op.create_index(
        "ix_hazards_report",
        "hazards",
        ["approval", "admin_area_id", "status", "recorded_date", "area_m2", "reference"],
    )
    op.create_table(
        "hazard_release_rollup",
        sa.Column("approval", sa.String(length=16), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "approval", "dimension", "member_id", name=op.f("pk_hazard_release_rollup")
        ),
        sqlite_with_rowid=False,
    )
    conn = op.get_bind()
    rollup_ddl.rebuild(conn, HAZARD_ROLLUP)
    rollup_ddl.install(conn, HAZARD_ROLLUP)


def downgrade() -> None:
    rollup_ddl.uninstall(op.get_bind(), HAZARD_ROLLUP)
    op.drop_table("hazard_release_rollup")
    op.drop_index("ix_hazards_report", table_name="hazards")
    op.create_index("ix_land_releases_hazard_id", "land_releases", ["hazard_id"])
    op.drop_index("ix_land_releases_hazard_report", table_name="land_releases")
