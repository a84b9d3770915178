"""Operations: hazardous areas, activities and their progress, land releases, EO findings."""

from __future__ import annotations

import datetime as dt

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mineaction.store.base import Base, Record, Spatial
from mineaction.store.tables.reference import AdminArea, EOModel, Organisation, Team
from mineaction.store.types import Geometry

#: How much of a record's date is known: a month-precision date is stored as the
#: first of its month, a year-precision date as 1 January.


class Hazard(Record, Spatial, Base):
    """A suspected or confirmed hazardous area (SHA/CHA).

    ``geom`` is the area as recorded; ``remaining_geom`` is what is still
    contaminated after releases.  ``area_m2`` and ``released_m2`` are the
    geodesic areas that the land-release ledger keeps consistent.
    """

    __tablename__ = "hazards"
    __kind__ = "hazards"
    __spatial__ = "geom"
    #: The land-release and Article 7 tallies per district and status (Article 7's of AP-mine
    #: contamination), and the hazards joined to their releases' sums, read from the index
    #: alone (the id: SQLite's rowid; included on PostgreSQL).
    __table_args__ = (
        Index(
            "ix_hazards_report",
            "approval",
            "admin_area_id",
            "status",
            "recorded_date",
            "area_m2",
            "reference",
            "contamination",
            postgresql_include=["id"],
        ),
    )

    reference: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    hazard_type: Mapped[str] = mapped_column(String(8), nullable=False)
    contamination: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open", index=True)
    evidence: Mapped[str | None] = mapped_column(String(32))
    evidence_notes: Mapped[str | None] = mapped_column(Text)
    expected_beneficiaries: Mapped[int | None] = mapped_column(Integer)
    recorded_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    closed_date: Mapped[dt.date | None] = mapped_column(Date)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)
    remaining_geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("GEOMETRY"))
    benchmark_point: Mapped[BaseGeometry | None] = mapped_column(Geometry("POINT"))
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    released_m2: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)

    organisation: Mapped[Organisation | None] = relationship()
    admin_area: Mapped[AdminArea | None] = relationship()
    blockages: Mapped[list[HazardBlockage]] = relationship(
        back_populates="hazard", cascade="all, delete-orphan"
    )
    releases: Mapped[list[LandRelease]] = relationship(back_populates="hazard")

    @property
    def remaining_m2(self) -> float:
        """Area still contaminated, in m²."""
        return max(self.area_m2 - self.released_m2, 0.0)


class HazardBlockage(Base):
    """What a hazard blocks: a road, farmland, housing or infrastructure."""

    __tablename__ = "hazard_blockages"
    __table_args__ = (UniqueConstraint("hazard_id", "blockage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hazard_id: Mapped[int] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), index=True, nullable=False
    )
    blockage: Mapped[str] = mapped_column(String(32), nullable=False)

    hazard: Mapped[Hazard] = relationship(back_populates="blockages")


class Activity(Record, Spatial, Base):
    """A survey or clearance task: NTS, TS, clearance, BAC or an EOD spot task."""

    __tablename__ = "activities"
    __kind__ = "activities"
    __spatial__ = "geom"

    reference: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    activity_type: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="planned")
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True, nullable=False
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"), index=True)
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("MULTIPOLYGON"))

    organisation: Mapped[Organisation] = relationship()
    team: Mapped[Team | None] = relationship()
    hazard: Mapped[Hazard | None] = relationship()
    progress: Mapped[list[ProgressReport]] = relationship(
        back_populates="activity", cascade="all, delete-orphan"
    )


class ProgressReport(Record, Base):
    """A daily or weekly progress report of an activity."""

    __tablename__ = "progress_reports"
    __kind__ = "progress_reports"
    __table_args__ = (UniqueConstraint("activity_id", "report_date"),)

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True, nullable=False
    )
    report_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    team_days: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    notes: Mapped[str | None] = mapped_column(Text)
    #: The task's status at the end of the reported day, when the report says.
    status: Mapped[str | None] = mapped_column(String(16))
    depth_cm: Mapped[int | None] = mapped_column(Integer)
    eo_found: Mapped[int | None] = mapped_column(Integer)
    #: Where the report was made (the clearance-progress form's position).
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("POINT"))

    activity: Mapped[Activity] = relationship(back_populates="progress")


class LandRelease(Record, Spatial, Base):
    """Land cancelled by NTS, reduced by TS or cleared (IMAS 07.11).

    ``geom`` is the polygon as reported; ``counted_geom`` is the part of it
    that the ledger counted (inside the hazard and not released before).
    ``area_m2`` is the counted area; ``reported_area_m2`` the figure in the
    report when only a number exists or to compare with the polygon.
    """

    __tablename__ = "land_releases"
    __kind__ = "land_releases"
    __spatial__ = "geom"
    #: Per-hazard sums up to a day read from the index alone (reports/land_release.py).
    __table_args__ = (
        Index("ix_land_releases_hazard_report", "hazard_id", "approval", "release_date", "area_m2"),
    )

    method: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    release_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    date_precision: Mapped[str] = mapped_column(String(8), nullable=False, server_default="day")
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True, nullable=False
    )
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    depth_cm: Mapped[int | None] = mapped_column(Integer)
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("MULTIPOLYGON"))
    counted_geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("GEOMETRY"))
    reported_area_m2: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    overlap_m2: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)

    organisation: Mapped[Organisation] = relationship()
    hazard: Mapped[Hazard | None] = relationship(back_populates="releases")
    activity: Mapped[Activity | None] = relationship()
    admin_area: Mapped[AdminArea | None] = relationship()


class Finding(Record, Spatial, Base):
    """Explosive ordnance found: category, model, quantity, where, when and what was done."""

    __tablename__ = "findings"
    __kind__ = "findings"
    __spatial__ = "geom"
    # Many finds name no activity (spot tasks, public reports) and imported ones no hazard:
    # those two indexes hold only the rows that do. A lookup by either (``= ?``, as the
    # foreign-key checks make) still uses them; nothing asks for the rows without one.
    __table_args__ = tuple(
        Index(
            f"ix_findings_{column}",
            column,
            sqlite_where=text(f"{column} IS NOT NULL"),
            postgresql_where=text(f"{column} IS NOT NULL"),
        )
        for column in ("activity_id", "hazard_id")
    )

    found_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    date_precision: Mapped[str] = mapped_column(String(8), nullable=False, server_default="day")
    category: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    eo_model_id: Mapped[int | None] = mapped_column(ForeignKey("eo_models.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    condition: Mapped[str | None] = mapped_column(String(16))
    depth_cm: Mapped[int | None] = mapped_column(Integer)
    disposal: Mapped[str | None] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazards.id"))
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("POINT"))

    eo_model: Mapped[EOModel | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    activity: Mapped[Activity | None] = relationship()
