"""The declarative base and the columns every record shares.

Every domain record has a surrogate integer key, an optional ``source_id``
(the ID the record has in the file or form it came from, so that imports are
idempotent), an optimistic-locking ``version`` (SQLAlchemy refuses an UPDATE
whose version has moved on), an approval state and timestamps.

Spatial records also carry their geometry's bounding box in four plain
columns; on SQLite an R*Tree is kept in step with them by triggers, and on
PostGIS a GiST index covers the geometry itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import Float, Integer, MetaData, String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, declared_attr, mapped_column

from mineaction.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Return the current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base of every table."""

    metadata = MetaData(naming_convention=NAMING)

    #: Name of the geometry attribute whose bounding box is indexed, if any.
    __spatial__: ClassVar[str | None] = None
    #: Kind name used in history, CLI and API (e.g. "hazards").
    __kind__: ClassVar[str | None] = None


class Record:
    """Columns shared by every versioned domain record."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    approval: Mapped[str] = mapped_column(
        String(16), nullable=False, default="approved", index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Spatial:
    """Bounding-box columns of a record's indexed geometry (kept in step on flush)."""

    min_x: Mapped[float | None] = mapped_column(Float)
    min_y: Mapped[float | None] = mapped_column(Float)
    max_x: Mapped[float | None] = mapped_column(Float)
    max_y: Mapped[float | None] = mapped_column(Float)


def set_bounds(target: Any) -> None:
    """Copy the bounding box of the record's indexed geometry into its bbox columns."""
    geom = getattr(target, target.__spatial__)
    if geom is None or geom.is_empty:
        target.min_x = target.min_y = target.max_x = target.max_y = None
    else:
        target.min_x, target.min_y, target.max_x, target.max_y = (float(v) for v in geom.bounds)


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _keep_bounds(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    if getattr(target, "__spatial__", None):
        set_bounds(target)
