"""Accidents and their victims (IMAS 10.60, Landmine Monitor method)."""

from __future__ import annotations

import datetime as dt

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mineaction.store.base import Base, Record, Spatial
from mineaction.store.tables.reference import AdminArea, EOModel
from mineaction.store.types import Geometry


class Accident(Record, Spatial, Base):
    """An explosive-ordnance accident: a mine/ERW accident or a demining accident."""

    __tablename__ = "accidents"
    __kind__ = "accidents"
    __spatial__ = "geom"

    accident_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    date_precision: Mapped[str] = mapped_column(String(8), nullable=False, server_default="day")
    accident_type: Mapped[str] = mapped_column(String(16), nullable=False)
    device_category: Mapped[str] = mapped_column(String(32), nullable=False)
    eo_model_id: Mapped[int | None] = mapped_column(ForeignKey("eo_models.id"))
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    description: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("POINT"))

    admin_area: Mapped[AdminArea | None] = relationship()
    eo_model: Mapped[EOModel | None] = relationship()
    victims: Mapped[list[Victim]] = relationship(
        back_populates="accident", cascade="all, delete-orphan"
    )


class Victim(Record, Base):
    """A person killed or injured in an accident.

    Personal data (name) is sensitive: only roles that need it may read it.
    """

    __tablename__ = "victims"
    __kind__ = "victims"

    accident_id: Mapped[int] = mapped_column(
        ForeignKey("accidents.id", ondelete="CASCADE"), index=True, nullable=False
    )
    sex: Mapped[str] = mapped_column(String(8), nullable=False, default="unknown")
    age: Mapped[int | None] = mapped_column(Integer)
    age_band: Mapped[str] = mapped_column(String(8), nullable=False, default="unknown")
    victim_group: Mapped[str] = mapped_column(String(16), nullable=False, default="unknown")
    outcome: Mapped[str] = mapped_column(String(8), nullable=False)
    activity_at_time: Mapped[str | None] = mapped_column(String(32))
    tampering: Mapped[bool | None] = mapped_column()
    name: Mapped[str | None] = mapped_column(String(200))

    accident: Mapped[Accident] = relationship(back_populates="victims")
