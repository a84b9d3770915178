"""Saved risk maps: a run of the risk model, its cells, its risk per hazard and its candidates.

A run is written whole in one transaction by ``mineaction risk publish``
and never changed afterwards; the oldest runs beyond the number kept are
deleted with their cells (``ON DELETE CASCADE``).  Cells are spatial (an
R*Tree on SQLite, a GiST index on PostGIS) so the web map reads the cells of
a view through the index, as it does for records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mineaction.store.base import Base, Spatial, utcnow
from mineaction.store.types import Geometry, UTCDateTime


class RiskRun(Base):
    """One published risk map: when, by whom, with which model and grid."""

    __tablename__ = "risk_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    cell_m: Mapped[float] = mapped_column(Float, nullable=False)
    cells: Mapped[int] = mapped_column(Integer, nullable=False)
    top_share: Mapped[float] = mapped_column(Float, nullable=False)
    #: The model's summary (features, cross-validation figures, training rows) and the grid's.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)


class RiskCell(Spatial, Base):
    """One cell of a run: its square, calibrated probability, percentile and, if explained, why.

    Indexed by run and probability, so that a wide view takes the riskiest
    cells in order and stops at the map's limit (``services/risk_layer``).
    """

    __tablename__ = "risk_cells"
    __spatial__ = "geom"
    __table_args__ = (Index("ix_risk_cells_run_id_probability", "run_id", "probability"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("risk_runs.id", ondelete="CASCADE"), nullable=False
    )
    cell: Mapped[int] = mapped_column(Integer, nullable=False)  # the grid's cell_id
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("POLYGON"), nullable=False)
    probability: Mapped[float] = mapped_column(Float, nullable=False)
    #: Share of the run's cells (in %) whose probability is at most this cell's.
    percentile: Mapped[float] = mapped_column(Float, nullable=False)
    #: The features that raise the risk most, [[name, log-odds], ...]; the riskiest cells only.
    why: Mapped[list[Any] | None] = mapped_column(JSON)


class RiskHazard(Base):
    """A hazard's risk in a run: its cells' highest and area-weighted mean probability."""

    __tablename__ = "risk_hazards"
    __table_args__ = (UniqueConstraint("run_id", "hazard_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("risk_runs.id", ondelete="CASCADE"), nullable=False
    )
    hazard_id: Mapped[int] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), index=True, nullable=False
    )
    cells: Mapped[int] = mapped_column(Integer, nullable=False)
    risk_max: Mapped[float] = mapped_column(Float, nullable=False)
    risk_mean: Mapped[float] = mapped_column(Float, nullable=False)


class RiskCandidate(Base):
    """A candidate new suspected hazardous area: touching high-risk cells outside every hazard."""

    __tablename__ = "risk_candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("risk_runs.id", ondelete="CASCADE"), index=True, nullable=False
    )
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("POLYGON"), nullable=False)
    cells: Mapped[int] = mapped_column(Integer, nullable=False)
    area_ha: Mapped[float] = mapped_column(Float, nullable=False)
    risk_max: Mapped[float] = mapped_column(Float, nullable=False)
    risk_mean: Mapped[float] = mapped_column(Float, nullable=False)
    centre_lon: Mapped[float] = mapped_column(Float, nullable=False)
    centre_lat: Mapped[float] = mapped_column(Float, nullable=False)
