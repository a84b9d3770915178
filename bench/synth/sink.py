"""Writing columns of synthetic rows into a mineaction database, in bulk.

A :class:`Batch` is one chunk of one table, column by column: numpy arrays
(numbers, ``datetime64[D]`` dates, Shapely geometries), plain lists, or one
scalar for a column whose value is the same on every row.  A sink turns each
column into what its driver wants and writes the chunk:

- SQLite: the INSERT that SQLAlchemy Core compiles for the table, with
  hundreds of rows per statement (geometries as WKB blobs, dates as ISO
  text, as the ``Geometry`` and ``Date`` types store them);
- PostgreSQL: ``COPY … FROM STDIN`` through psycopg (geometries as hex EWKB
  with SRID 4326, which PostGIS parses in text COPY).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, bindparam, event, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from mineaction.services import rollups
from mineaction.store.tables import Base

Column = Any  # a numpy array, a list, or one scalar repeated on every row

#: Rows per INSERT statement on SQLite, and the most parameters a statement may have.
ROWS_PER_STATEMENT = 500
MAX_PARAMETERS = 32_766


@dataclass
class Batch:
    """One chunk of rows of one table, column by column."""

    table: str
    columns: dict[str, Column]

    @property
    def rows(self) -> int:
        """Return the number of rows (the length of the first non-scalar column)."""
        for value in self.columns.values():
            if isinstance(value, np.ndarray | list):
                return len(value)
        raise ValueError(f"batch of {self.table} has no column with one value per row")


@dataclass
class Sink:
    """Turns batches into rows and writes them; subclasses know one backend."""

    engine: Engine
    written: dict[str, int] = field(default_factory=dict)

    def write(self, batch: Batch) -> None:
        """Write ``batch`` in one transaction."""
        table = Base.metadata.tables[batch.table]
        n = batch.rows
        values = {name: self._column(value, n) for name, value in batch.columns.items()}
        for name, column in values.items():
            _check_plain(batch.table, name, column)
        with self.engine.begin() as conn:
            self._write_rows(conn, table, values)
        self.written[batch.table] = self.written.get(batch.table, 0) + n

    def next_id(self, table: str) -> int:
        """Return the first free id of ``table``."""
        t = Base.metadata.tables[table]
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0) + 1

    def finish(self) -> None:
        """Bring the database to a steady state after the load (statistics, sequences)."""

    def _column(self, value: Column, n: int) -> list[Any]:
        if isinstance(value, list):
            return value
        if not isinstance(value, np.ndarray):
            return [self._scalar(value)] * n
        if value.dtype.kind == "M":
            strings = np.datetime_as_string(value.astype("datetime64[D]")).tolist()
            return [None if s == "NaT" else s for s in strings]
        if value.dtype.kind == "f" and np.isnan(value).any():
            return [None if v != v else v for v in value.tolist()]
        if value.dtype.kind == "O" and _is_geometry(value):
            return self._geometries(value)
        return list(value.tolist())

    def _scalar(self, value: Any) -> Any:
        return value

    def _geometries(self, geoms: np.ndarray) -> list[Any]:
        raise NotImplementedError

    def _write_rows(self, conn: Connection, table: Table, values: dict[str, list[Any]]) -> None:
        raise NotImplementedError


class SQLiteSink(Sink):
    """Writes with SQLAlchemy Core's compiled INSERT, many rows per statement.

    With triggers on a table (the R*Tree triggers), SQLite opens a statement
    journal for every statement and copies each page it changes into it; one
    statement per row made that dominate the load.  Hundreds of rows per
    statement, and that journal kept in memory, make it cheap again.
    """

    def __post_init__(self) -> None:
        event.listen(self.engine, "connect", _temp_store_in_memory)
        self.engine.dispose()  # so that every connection from now on has it

    def _scalar(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):  # stored as SQLAlchemy's DateTime type stores it
            column_type = Base.metadata.tables["hazards"].c.created_at.type
            dialect = self.engine.dialect
            process = column_type.dialect_impl(dialect).bind_processor(dialect)
            return process(value) if process else value
        return value

    def _geometries(self, geoms: np.ndarray) -> list[Any]:
        return list(shapely.to_wkb(geoms).tolist())

    def _write_rows(self, conn: Connection, table: Table, values: dict[str, list[Any]]) -> None:
        stmt = insert(table).values({name: bindparam(name) for name in values})
        compiled = stmt.compile(dialect=self.engine.dialect)
        order = compiled.positiontup or []  # the driver's parameters are positional (qmark)
        head, _values, group = str(compiled).rpartition(" VALUES ")
        per = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // len(order)))
        flat = [v for row in zip(*(values[name] for name in order), strict=True) for v in row]
        step = per * len(order)
        for start in range(0, len(flat), step):
            part = flat[start : start + step]
            sql = f"{head} VALUES {', '.join([group] * (len(part) // len(order)))}"
            conn.exec_driver_sql(sql, tuple(part))

    def finish(self) -> None:
        """Gather the planner's statistics of every table (ANALYZE)."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


class PostgresSink(Sink):
    """Writes with psycopg's COPY FROM STDIN, then sets sequences and statistics."""

    def _scalar(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.datetime) else value

    def _geometries(self, geoms: np.ndarray) -> list[Any]:
        ewkb = shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)
        return list(ewkb.tolist())

    def _write_rows(self, conn: Connection, table: Table, values: dict[str, list[Any]]) -> None:
        names = list(values)
        rows = zip(*(values[name] for name in names), strict=True)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        """Move each id sequence past the loaded rows, then VACUUM ANALYZE the tables.

        The tables written and the roll-ups their triggers filled: a deployment's
        autovacuum would gather their statistics soon after such a load.
        """
        with self.engine.begin() as conn:
            for name in self.written:
                if "id" in Base.metadata.tables[name].c:
                    conn.execute(
                        text(
                            "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                            f"(SELECT max(id) FROM {name}))"
                        ),
                        {"t": name},
                    )
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for name in [*self.written, *rollups.TABLES]:
                conn.exec_driver_sql(f"VACUUM ANALYZE {name}")


def make_sink(engine: Engine) -> Sink:
    """Return the sink for ``engine``'s backend."""
    if engine.dialect.name == "postgresql":
        return PostgresSink(engine)
    return SQLiteSink(engine)


def _is_geometry(values: np.ndarray) -> bool:
    for v in values.flat:
        if v is not None:
            return isinstance(v, BaseGeometry)
    return True


def _check_plain(table: str, name: str, values: list[Any]) -> None:
    """Refuse numpy scalars: SQLite would store an np.int64 as an 8-byte blob, silently."""
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, np.generic):
        raise TypeError(f"{table}.{name} holds numpy scalars ({type(sample).__name__})")


def _temp_store_in_memory(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA temp_store = MEMORY")
