"""Column types shared by both backends.

``Geometry`` is a native PostGIS ``geometry(<kind>, 4326)`` column on
PostgreSQL and a WKB blob on SQLite.  On the Python side it is always a
Shapely geometry, so the service layer never sees a backend difference.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import DateTime, LargeBinary
from sqlalchemy.dialects.postgresql.base import ischema_names as pg_ischema_names
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import TypeDecorator, UserDefinedType

SRID = 4326


class _PostGISGeometry(UserDefinedType[Any]):
    """The DDL side of a PostGIS geometry column."""

    cache_ok = True

    def __init__(self, kind: str = "GEOMETRY", srid: int = SRID) -> None:
        self.kind = kind
        self.srid = srid

    def get_col_spec(self, **kw: Any) -> str:
        return f"geometry({self.kind}, {SRID})"


# Let SQLAlchemy recognise PostGIS columns when it reflects a database.
pg_ischema_names["geometry"] = _PostGISGeometry


class _FromWKB(FunctionElement[Any]):
    """Bind a WKB value: ST_GeomFromWKB on PostGIS, the raw bytes elsewhere."""

    inherit_cache = True
    name = "from_wkb"


class _AsWKB(FunctionElement[Any]):
    """Read a geometry column as WKB: ST_AsBinary on PostGIS, the raw bytes elsewhere."""

    inherit_cache = True
    name = "as_wkb"


@compiles(_FromWKB)
def _from_wkb_default(element: _FromWKB, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_FromWKB, "postgresql")
def _from_wkb_pg(element: _FromWKB, compiler: Any, **kw: Any) -> str:
    return f"ST_GeomFromWKB({compiler.process(element.clauses, **kw)}, {SRID})"


@compiles(_AsWKB)
def _as_wkb_default(element: _AsWKB, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_AsWKB, "postgresql")
def _as_wkb_pg(element: _AsWKB, compiler: Any, **kw: Any) -> str:
    return f"ST_AsBinary({compiler.process(element.clauses, **kw)})"


def as_wkb(column: Any) -> ColumnElement[bytes]:
    """Return ``column`` (a Geometry column) read as plain WKB bytes, not a Shapely object.

    For readers that decode many rows at once (``shapely.from_wkb`` on an
    array) instead of one geometry per row.
    """
    expr: ColumnElement[bytes] = _AsWKB(column)
    expr.type = LargeBinary()
    return expr


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on both backends (SQLite keeps no zone itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Geometry(TypeDecorator[BaseGeometry]):
    """A WGS84 geometry, stored natively on PostGIS and as WKB on SQLite."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, kind: str = "GEOMETRY") -> None:
        super().__init__()
        self.kind = kind.upper()

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PostGISGeometry(self.kind))
        return dialect.type_descriptor(LargeBinary())

    def bind_expression(self, bindvalue: Any) -> ColumnElement[Any]:
        return _FromWKB(bindvalue)

    def column_expression(self, col: Any) -> ColumnElement[Any]:
        expr = _AsWKB(col)
        expr.type = self  # so that results pass through process_result_value
        return expr

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        return bytes(shapely.to_wkb(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        return shapely.from_wkb(bytes(value))

    def __repr__(self) -> str:
        return f"Geometry({self.kind!r})"
