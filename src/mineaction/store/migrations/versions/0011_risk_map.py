"""Saved risk maps: runs of the risk model, their cells, risk per hazard and candidate areas.

``mineaction risk publish`` writes a run whole in one transaction; the web
map draws its cells through a spatial index (an R*Tree on SQLite, a GiST
index on PostGIS), like the records' layers.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 01:04:30.290383
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mineaction.store.types
from mineaction.store import spatial_ddl

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose, as in 0001.
SPATIAL = (("risk_cells", "geom"),)


def upgrade() -> None:
    op.create_table(
        "risk_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", mineaction.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("cell_m", sa.Float(), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("top_share", sa.Float(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_runs")),
    )
    op.create_table(
        "risk_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("geom", mineaction.store.types.Geometry("POLYGON"), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("area_ha", sa.Float(), nullable=False),
        sa.Column("risk_max", sa.Float(), nullable=False),
        sa.Column("risk_mean", sa.Float(), nullable=False),
        sa.Column("centre_lon", sa.Float(), nullable=False),
        sa.Column("centre_lat", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["risk_runs.id"],
            name=op.f("fk_risk_candidates_run_id_risk_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_candidates")),
    )
    with op.batch_alter_table("risk_candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_candidates_run_id"), ["run_id"], unique=False)

    op.create_table(
        "risk_cells",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("cell", sa.Integer(), nullable=False),
        sa.Column("geom", mineaction.store.types.Geometry("POLYGON"), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("percentile", sa.Float(), nullable=False),
        sa.Column("why", sa.JSON(), nullable=True),
        sa.Column("min_x", sa.Float(), nullable=True),
        sa.Column("min_y", sa.Float(), nullable=True),
        sa.Column("max_x", sa.Float(), nullable=True),
        sa.Column("max_y", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["risk_runs.id"],
            name=op.f("fk_risk_cells_run_id_risk_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_cells")),
    )
    with op.batch_alter_table("risk_cells", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_cells_run_id_probability"), ["run_id", "probability"], unique=False
        )

    op.create_table(
        "risk_hazards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("risk_max", sa.Float(), nullable=False),
        sa.Column("risk_mean", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazards.id"],
            name=op.f("fk_risk_hazards_hazard_id_hazards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["risk_runs.id"],
            name=op.f("fk_risk_hazards_run_id_risk_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_hazards")),
        sa.UniqueConstraint("run_id", "hazard_id", name=op.f("uq_risk_hazards_run_id_hazard_id")),
    )
    with op.batch_alter_table("risk_hazards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_hazards_hazard_id"), ["hazard_id"], unique=False)

    spatial_ddl.install(op.get_bind(), SPATIAL, ())


def downgrade() -> None:
    spatial_ddl.uninstall(op.get_bind(), SPATIAL)
    with op.batch_alter_table("risk_hazards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_hazards_hazard_id"))

    op.drop_table("risk_hazards")
    with op.batch_alter_table("risk_cells", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_cells_run_id_probability"))

    op.drop_table("risk_cells")
    with op.batch_alter_table("risk_candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_candidates_run_id"))

    op.drop_table("risk_candidates")
    op.drop_table("risk_runs")
