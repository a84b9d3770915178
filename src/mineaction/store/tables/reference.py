"""Reference data: organisations, accreditation, teams, administrative areas, EO catalogue."""

from __future__ import annotations

import datetime as dt

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mineaction.store.base import Base, Record, Spatial
from mineaction.store.types import Geometry


class Organisation(Record, Base):
    """An operator or authority: the agency, a ministry, an NGO, a company."""

    __tablename__ = "organisations"
    __kind__ = "organisations"

    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    country: Mapped[str | None] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    teams: Mapped[list[Team]] = relationship(back_populates="organisation")
    accreditations: Mapped[list[Accreditation]] = relationship(back_populates="organisation")


class Accreditation(Record, Base):
    """The national authority's accreditation of an operator for one activity type."""

    __tablename__ = "accreditations"
    __kind__ = "accreditations"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True, nullable=False
    )
    activity_type: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="granted")
    valid_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(80))

    organisation: Mapped[Organisation] = relationship(back_populates="accreditations")


class Team(Record, Base):
    """A survey, clearance or EOD team of an operator."""

    __tablename__ = "teams"
    __kind__ = "teams"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True, nullable=False
    )
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    capability: Mapped[str] = mapped_column(String(32), nullable=False)
    size: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    organisation: Mapped[Organisation] = relationship(back_populates="teams")


class AdminArea(Record, Spatial, Base):
    """An administrative area: country, region, district or settlement, with its polygon."""

    __tablename__ = "admin_areas"
    __kind__ = "admin_areas"
    __spatial__ = "geom"

    code: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_az: Mapped[str | None] = mapped_column(String(200))
    name_ru: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(3))
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("MULTIPOLYGON"))
    area_m2: Mapped[float | None] = mapped_column()
    attribution: Mapped[str | None] = mapped_column(Text)

    parent: Mapped[AdminArea | None] = relationship(remote_side="AdminArea.id")
    aliases: Mapped[list[AdminAreaAlias]] = relationship(
        back_populates="area", cascade="all, delete-orphan"
    )


class AdminAreaAlias(Base):
    """Another spelling of an administrative area's name (Agdam / Aghdam / Ağdam)."""

    __tablename__ = "admin_area_aliases"
    __table_args__ = (UniqueConstraint("alias", "area_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("admin_areas.id", ondelete="CASCADE"), index=True, nullable=False
    )
    alias: Mapped[str] = mapped_column(String(200), nullable=False, index=True)

    area: Mapped[AdminArea] = relationship(back_populates="aliases")


class EOModel(Record, Base):
    """An entry of the explosive ordnance catalogue: category plus model (AT mine / TM-62M)."""

    __tablename__ = "eo_models"
    __kind__ = "eo_models"
    __table_args__ = (UniqueConstraint("category", "model"),)

    category: Mapped[str] = mapped_column(String(32), nullable=False)
    model: Mapped[str] = mapped_column(String(80), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(String(80))
