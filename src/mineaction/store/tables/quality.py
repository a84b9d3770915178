"""Quality management: QA/QC inspections, their non-conformities, acceptance of released land."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mineaction.store.base import Base, Record
from mineaction.store.tables.operations import Activity, LandRelease
from mineaction.store.tables.reference import Organisation


class Inspection(Record, Base):
    """A QA visit or QC sampling of an operator's activity."""

    __tablename__ = "inspections"
    __kind__ = "inspections"

    inspection_type: Mapped[str] = mapped_column(String(8), nullable=False)
    inspection_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True, nullable=False
    )
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    inspector: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(8), nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()
    activity: Mapped[Activity | None] = relationship()
    nonconformities: Mapped[list[NonConformity]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan"
    )


class NonConformity(Record, Base):
    """A non-conformity raised by an inspection, open until corrected."""

    __tablename__ = "nonconformities"
    __kind__ = "nonconformities"

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True, nullable=False
    )
    severity: Mapped[str] = mapped_column(String(16), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    closed_date: Mapped[dt.date | None] = mapped_column(Date)

    inspection: Mapped[Inspection] = relationship(back_populates="nonconformities")


class ReleaseAcceptance(Record, Base):
    """The quality officer's acceptance (or refusal) of released land."""

    __tablename__ = "release_acceptances"
    __kind__ = "release_acceptances"

    land_release_id: Mapped[int] = mapped_column(
        ForeignKey("land_releases.id"), index=True, nullable=False
    )
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    decision_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    accepted: Mapped[bool] = mapped_column(nullable=False)
    accepted_by: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)

    land_release: Mapped[LandRelease] = relationship()
