"""Equipment with its status history, and the development projects that hazards block."""

from __future__ import annotations

import datetime as dt

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mineaction.store.base import Base, Record, Spatial
from mineaction.store.tables.reference import Organisation
from mineaction.store.types import Geometry


class Equipment(Record, Base):
    """A detector, machine, protective kit, vehicle or dog, owned by an organisation."""

    __tablename__ = "equipment"
    __kind__ = "equipment"
    __table_args__ = (UniqueConstraint("equipment_type", "serial"),)

    equipment_type: Mapped[str] = mapped_column(String(16), nullable=False)
    model: Mapped[str | None] = mapped_column(String(120))
    serial: Mapped[str] = mapped_column(String(120), nullable=False)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True, nullable=False
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="operational")
    status_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    acquired_date: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()
    status_history: Mapped[list[EquipmentStatusChange]] = relationship(
        back_populates="equipment",
        cascade="all, delete-orphan",
        order_by="EquipmentStatusChange.changed_date",
    )


class EquipmentStatusChange(Base):
    """One step of an item's status history (operational → damaged → destroyed …)."""

    __tablename__ = "equipment_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    equipment_id: Mapped[int] = mapped_column(
        ForeignKey("equipment.id", ondelete="CASCADE"), index=True, nullable=False
    )
    changed_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    equipment: Mapped[Equipment] = relationship(back_populates="status_history")


class Project(Record, Spatial, Base):
    """A development project waiting for land: road, power line, solar or wind site, settlement."""

    __tablename__ = "projects"
    __kind__ = "projects"
    __spatial__ = "geom"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    project_type: Mapped[str] = mapped_column(String(16), nullable=False)
    owner: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    planned_start: Mapped[dt.date | None] = mapped_column(Date)
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("GEOMETRY"), nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
