"""Explosive ordnance risk education (EORE) and victim assistance.

Beneficiaries are counted by sex × age band in six typed columns, as GICHD's
minimum data requirements ask (girls, boys, women, men, and the elderly).
"""

from __future__ import annotations

import datetime as dt

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mineaction.store.base import Base, Record, Spatial
from mineaction.store.tables.casualties import Victim
from mineaction.store.tables.reference import AdminArea, Organisation
from mineaction.store.types import Geometry

BENEFICIARY_COLUMNS = (
    "female_child",
    "male_child",
    "female_adult",
    "male_adult",
    "female_elderly",
    "male_elderly",
)


class Beneficiaries:
    """Beneficiary counts by sex × age band."""

    female_child: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    male_child: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    female_adult: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    male_adult: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    female_elderly: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    male_elderly: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    @property
    def beneficiaries_total(self) -> int:
        """All beneficiaries of the record."""
        return sum(int(getattr(self, c) or 0) for c in BENEFICIARY_COLUMNS)


class EORESession(Record, Spatial, Beneficiaries, Base):
    """An explosive ordnance risk education session."""

    __tablename__ = "eore_sessions"
    __kind__ = "eore_sessions"
    __spatial__ = "geom"

    session_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True, nullable=False
    )
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    method: Mapped[str] = mapped_column(String(16), nullable=False, default="session")
    location: Mapped[str | None] = mapped_column(String(200))
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry("POINT"))

    organisation: Mapped[Organisation] = relationship()
    admin_area: Mapped[AdminArea | None] = relationship()


class Assistance(Record, Beneficiaries, Base):
    """Victim assistance delivered: medical, rehabilitation, psychosocial, economic, education.

    Linked to a victim when it serves one person; otherwise it counts
    beneficiaries of a programme by sex × age band.
    """

    __tablename__ = "assistance"
    __kind__ = "assistance"

    assistance_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    assistance_type: Mapped[str] = mapped_column(String(16), nullable=False)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True, nullable=False
    )
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    victim_id: Mapped[int | None] = mapped_column(ForeignKey("victims.id"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()
    victim: Mapped[Victim | None] = relationship()
