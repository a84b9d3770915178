"""How each column travels between a database and a backup file, and how tables are checksummed.

A backup stores every value in one backend-neutral form that SQLite holds
exactly: integers, booleans as 0/1, floats, text, dates as ISO text,
timestamps as UTC ISO text with microseconds, JSON as its stored text,
bytes, and geometry as WKB.  The checksum of a table is computed over that
form, so the same content gives the same checksum whether it was read from
SQLite, from PostGIS or from the backup file itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Select,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.sql.expression import ColumnElement, Insert
from sqlalchemy.types import TypeDecorator

from mineaction.store.types import Geometry


class Kind(StrEnum):
    """The encoding of one column in a backup file (kept in ``backup_columns``)."""

    INTEGER = "integer"
    BOOLEAN = "boolean 0/1"
    FLOAT = "float"
    DECIMAL = "decimal text"
    TEXT = "text"
    DATE = "ISO date"
    DATETIME = "ISO timestamp, UTC"
    JSON = "JSON text"
    BINARY = "bytes"
    GEOMETRY = "WKB"


#: SQLite column type per kind in the backup file; each keeps its values exactly.
STORAGE = {
    Kind.INTEGER: "INTEGER",
    Kind.BOOLEAN: "INTEGER",
    Kind.FLOAT: "REAL",
    Kind.DECIMAL: "TEXT",
    Kind.TEXT: "TEXT",
    Kind.DATE: "TEXT",
    Kind.DATETIME: "TEXT",
    Kind.JSON: "TEXT",
    Kind.BINARY: "BLOB",
    Kind.GEOMETRY: "BLOB",
}


def kind_of(column: Column[Any]) -> Kind:
    """Return how ``column`` is stored in a backup; refuse a type nobody taught it."""
    t: Any = column.type
    while isinstance(t, TypeDecorator) and not isinstance(t, Geometry):
        t = t.impl_instance  # e.g. UTCDateTime is stored as the DateTime it decorates
    # Order matters: Geometry is a LargeBinary decorator and Float a Numeric.
    for klass, kind in (
        (Geometry, Kind.GEOMETRY),
        (JSON, Kind.JSON),
        (Boolean, Kind.BOOLEAN),
        (DateTime, Kind.DATETIME),
        (Date, Kind.DATE),
        (Float, Kind.FLOAT),
        (Numeric, Kind.DECIMAL),
        (Integer, Kind.INTEGER),
        (String, Kind.TEXT),
        (LargeBinary, Kind.BINARY),
    ):
        if isinstance(t, klass):
            return kind
    raise TypeError(f"backup does not know how to store {column.table.name}.{column.name} ({t!r})")


def _utc_iso(value: dt.datetime) -> str:
    # SQLite hands back naive timestamps that the application wrote in UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _bool_int(value: Any) -> int:
    return int(bool(value))


_TO_ARCHIVE: dict[Kind, Callable[[Any], Any]] = {
    Kind.BOOLEAN: _bool_int,
    Kind.FLOAT: float,
    Kind.DECIMAL: str,
    Kind.DATE: dt.date.isoformat,
    Kind.DATETIME: _utc_iso,
    Kind.BINARY: bytes,
    Kind.GEOMETRY: bytes,
}

_FROM_ARCHIVE: dict[Kind, Callable[[Any], Any]] = {
    Kind.BOOLEAN: bool,
    Kind.DECIMAL: Decimal,
    Kind.DATE: dt.date.fromisoformat,
    Kind.DATETIME: dt.datetime.fromisoformat,
}


def _converter(
    table: list[Callable[[Any], Any] | None],
) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    pairs = [(i, f) for i, f in enumerate(table) if f is not None]

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        out = list(row)
        for i, f in pairs:
            if out[i] is not None:
                out[i] = f(out[i])
        return tuple(out)

    return convert


def _wkb_hex(values: Sequence[bytes | None]) -> list[str | None]:
    # Decode and re-encode with fixed options: the same coordinates give the
    # same text whether PostGIS or Shapely wrote the WKB (no reordering, no rounding).
    geoms = shapely.from_wkb(np.array(values, dtype=object))
    out: list[str | None] = shapely.to_wkb(
        geoms, hex=True, byte_order=1, output_dimension=3, include_srid=False, flavor="iso"
    ).tolist()
    return out


@dataclass(frozen=True)
class TableCodec:
    """Reading, writing and checksumming one table's rows in the backup form."""

    table: Table
    kinds: tuple[Kind, ...]

    @classmethod
    def of(cls, table: Table) -> TableCodec:
        """Return the codec of ``table``."""
        return cls(table, tuple(kind_of(c) for c in table.columns))

    @property
    def name(self) -> str:
        """Return the table's name."""
        return self.table.name

    @property
    def columns(self) -> list[str]:
        """Return the column names, in the order values travel in."""
        return [c.name for c in self.table.columns]

    @property
    def pk_positions(self) -> list[int]:
        """Return the positions of the primary-key columns."""
        keys = set(self.table.primary_key.columns)
        return [i for i, c in enumerate(self.table.columns) if c in keys]

    def select(self, dialect: str) -> Select[Any]:
        """Return a SELECT of every row in primary-key order, values ready for ``to_archive``."""
        exprs = [
            self._read(c, k, dialect).label(c.name)
            for c, k in zip(self.table.columns, self.kinds, strict=True)
        ]
        order = [
            c.collate("C") if dialect == "postgresql" and isinstance(c.type, String) else c
            for c in self.table.primary_key.columns
        ]
        return select(*exprs).order_by(*order)

    @staticmethod
    def _read(column: Column[Any], kind: Kind, dialect: str) -> ColumnElement[Any]:
        if kind is Kind.GEOMETRY:
            if dialect == "postgresql":
                return func.ST_AsBinary(column, type_=LargeBinary)
            return type_coerce(column, LargeBinary)
        if kind is Kind.JSON:  # the stored text itself, SQL NULL kept apart from JSON null
            return cast(column, Text) if dialect == "postgresql" else type_coerce(column, Text)
        return column

    def insert(self, dialect: str) -> Insert:
        """Return an INSERT of one row whose parameters are ``p0``, ``p1``… in column order."""
        values: dict[str, ColumnElement[Any]] = {}
        for i, (c, k) in enumerate(zip(self.table.columns, self.kinds, strict=True)):
            if k is Kind.JSON:
                param = bindparam(f"p{i}", type_=Text)
                values[c.name] = cast(param, c.type) if dialect == "postgresql" else param
            else:
                values[c.name] = bindparam(f"p{i}", type_=c.type)
        return insert(self.table).values(values)

    def to_archive(self) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        """Return a function turning a database row into its backup form."""
        return _converter([_TO_ARCHIVE.get(k) for k in self.kinds])

    def from_archive(self) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
        """Return a function turning a backup row into the values to insert."""
        return _converter([_FROM_ARCHIVE.get(k) for k in self.kinds])

    def digest(self) -> Digest:
        """Return an empty running checksum of this table."""
        return Digest(self)


class Digest:
    """Row count and SHA-256 of a table's rows in backup form, fed in primary-key order."""

    _encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def __init__(self, codec: TableCodec) -> None:
        self.rows = 0
        self._hash = hashlib.sha256()
        self._hash.update(self._encode(codec.columns).encode() + b"\n")
        self._geometry = [i for i, k in enumerate(codec.kinds) if k is Kind.GEOMETRY]
        self._binary = [i for i, k in enumerate(codec.kinds) if k is Kind.BINARY]

    def update(self, rows: Sequence[Sequence[Any]]) -> None:
        """Add a batch of rows in backup form."""
        if not rows:
            return
        cols: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for i in self._geometry:
            cols[i] = _wkb_hex(cols[i])
        for i in self._binary:
            cols[i] = [None if v is None else v.hex() for v in cols[i]]
        # One JSON array per row, each followed by a comma: the same stream of
        # bytes however the rows were split into batches.
        self._hash.update(self._encode(list(zip(*cols, strict=True)))[1:-1].encode() + b",")
        self.rows += len(rows)

    def hexdigest(self) -> str:
        """Return the SHA-256 so far, as hex."""
        return self._hash.hexdigest()
