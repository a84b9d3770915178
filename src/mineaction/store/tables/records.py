"""Minefield records handed over by the party that laid the mines (CCW Amended Protocol II)."""

from __future__ import annotations

import datetime as dt

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mineaction.store.base import Base, Record, Spatial
from mineaction.store.tables.reference import AdminArea, EOModel
from mineaction.store.types import Geometry


class MinefieldRecord(Record, Spatial, Base):
    """A minefield record: perimeter, reference points, mine rows, expected mines.

    ``geom`` is the perimeter polygon; ``reference_points`` the landmarks the
    record is measured from; ``mine_rows`` the rows of mines where given.
    """

    __tablename__ = "minefield_records"
    __kind__ = "minefield_records"
    __spatial__ = "geom"

    reference: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    received_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    laid_date: Mapped[dt.date | None] = mapped_column(Date)
    laying_method: Mapped[str | None] = mapped_column(String(16))
    expected_ap: Mapped[int | None] = mapped_column(Integer)
    expected_at: Mapped[int | None] = mapped_column(Integer)
    fuzes: Mapped[str | None] = mapped_column(Text)
    anti_handling: Mapped[bool | None] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text)
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id"), index=True)
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)
    reference_points: Mapped[BaseGeometry | None] = mapped_column(Geometry("MULTIPOINT"))
    mine_rows: Mapped[BaseGeometry | None] = mapped_column(Geometry("MULTILINESTRING"))
    area_m2: Mapped[float] = mapped_column(nullable=False)

    admin_area: Mapped[AdminArea | None] = relationship()
    mine_types: Mapped[list[RecordMineType]] = relationship(
        back_populates="record", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[RecordAttachment]] = relationship(
        back_populates="record", cascade="all, delete-orphan"
    )


class RecordMineType(Base):
    """A mine type a record says was laid, with the expected count."""

    __tablename__ = "record_mine_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("minefield_records.id", ondelete="CASCADE"), index=True, nullable=False
    )
    eo_model_id: Mapped[int] = mapped_column(ForeignKey("eo_models.id"), nullable=False)
    expected_count: Mapped[int | None] = mapped_column(Integer)

    record: Mapped[MinefieldRecord] = relationship(back_populates="mine_types")
    eo_model: Mapped[EOModel] = relationship()


class RecordAttachment(Base):
    """A scanned map or document attached to a record, kept with its checksum."""

    __tablename__ = "record_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("minefield_records.id", ondelete="CASCADE"), index=True, nullable=False
    )
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    record: Mapped[MinefieldRecord] = relationship(back_populates="attachments")
