"""Writing clean findings in bulk, with the history rows the ORM would have written.

The rows go into the import's own transaction: SQLite through the driver's
``executemany`` on the INSERT that SQLAlchemy compiles for the table (values
passed through the columns' own bind processors, so they are stored exactly
as the ORM stores them), PostgreSQL through ``COPY … FROM STDIN``.  Ids are
taken as the ORM would get them (the next rowid on SQLite, the table's
sequence on PostgreSQL), so both paths number the records alike.  Every
record gets the audit row that ``store/history.py`` writes for an insert:
action "create" with the whole record as ``after``, chained to the entry
before it as ``store/audit_chain.py`` describes (the chain is locked before
the first row is written, so concurrent writers wait instead of forking it).  The bounding-box
columns are filled here; SQLite's R*Tree triggers and PostGIS's GiST index
follow the rows as they always do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Table, bindparam, insert, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from mineaction.intake.bulk.findings import ParsedFindings
from mineaction.services.findings import eo_model_id
from mineaction.store import audit_chain
from mineaction.store.base import utcnow
from mineaction.store.history import NOT_IN_HISTORY, to_json_value
from mineaction.store.tables import Finding
from mineaction.store.tables.system import AuditEntry

#: Rows per INSERT statement on SQLite, and the most parameters a statement may have.
ROWS_PER_STATEMENT = 500
MAX_PARAMETERS = 32_766
#: SQLite page cache of the importing connection, in KiB.
SQLITE_CACHE_KIB = 128 * 1024

#: The columns of a finding's audit snapshot, in the order history.snapshot lists them.
SNAPSHOT_KEYS = [a.key for a in inspect(Finding).column_attrs if a.key not in NOT_IN_HISTORY]


class FindingWriter:
    """Writes chosen rows of parsed chunks as findings, in the session's transaction."""

    def __init__(self, session: Session, *, approval: str) -> None:
        self.session = session
        self.approval = approval
        self.dialect = session.get_bind().dialect
        self._models: dict[tuple[str, str], int | None] = {}
        self.findings: Table = Finding.__table__  # type: ignore[assignment]
        self.audit: Table = AuditEntry.__table__  # type: ignore[assignment]
        self._cache_size: int | None = None
        if self.dialect.name == "sqlite":
            # Ten indexes and an R*Tree take random inserts: with SQLite's default
            # 2 MB page cache they thrash.  For this connection only, while it imports.
            conn = session.connection()
            self._cache_size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
            conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    def close(self) -> None:
        """Give the connection back its own page cache size (SQLite)."""
        if self._cache_size is not None:
            self.session.connection().exec_driver_sql(f"PRAGMA cache_size = {self._cache_size}")

    def write(self, parsed: ParsedFindings, rows: Sequence[int]) -> int:
        """Write rows ``rows`` of ``parsed`` (in that order); return how many were written."""
        if not rows:
            return 0
        self.session.flush()  # records the per-row code added come first, as in the file
        audit_chain.lock_session(self.session)
        conn = self.session.connection()
        take = np.asarray(rows, dtype=np.int64)
        x, y = parsed.lon[take], parsed.lat[take]
        placed = np.isfinite(x)
        points = np.full(len(take), None, dtype=object)
        points[placed] = shapely.points(x[placed], y[placed])
        ids = self._next_ids(conn, len(take))
        now = utcnow()
        pick = [int(i) for i in take]
        values: dict[str, Any] = {
            "id": ids,
            "source_id": [parsed.source_id[i] for i in pick],
            "version": 1,
            "approval": self.approval,
            "created_at": now,
            "updated_at": now,
            "min_x": _floats(x, placed),
            "min_y": _floats(y, placed),
            "max_x": _floats(x, placed),
            "max_y": _floats(y, placed),
            "found_date": [parsed.found_date[i] for i in pick],
            "date_precision": [parsed.date_precision[i] for i in pick],
            "category": [parsed.category[i] for i in pick],
            "eo_model_id": self._model_ids(parsed, pick),
            "quantity": [parsed.quantity[i] for i in pick],
            "condition": None,
            "depth_cm": None,
            "disposal": None,
            "organisation_id": [parsed.organisation_id[i] for i in pick],
            "activity_id": [parsed.activity_id[i] for i in pick],
            "hazard_id": None,
            "admin_area_id": [parsed.admin_area_id[i] for i in pick],
            "geom": points,
        }
        if set(values) != set(self.findings.c.keys()):
            raise RuntimeError(
                "The bulk import of findings does not write the columns "
                f"{sorted(set(self.findings.c.keys()) ^ set(values))}: update bulk/writer.py."
            )
        self._insert(conn, self.findings, values, len(take))
        history = self._history(values, points, now)
        audit_chain.seal_columns(conn, history, len(take), history["after"])
        self._insert(conn, self.audit, history, len(take), as_json=("after",))
        return len(take)

    def _model_ids(self, parsed: ParsedFindings, pick: list[int]) -> list[int | None]:
        """Return each row's catalogue entry, adding new models as the service does."""
        out: list[int | None] = []
        for i in pick:
            model, category = parsed.model[i], parsed.category[i]
            if model is None or category is None:
                out.append(None)
                continue
            key = (category, model)
            if key not in self._models:
                self._models[key] = eo_model_id(self.session, category, model)
            out.append(self._models[key])
        return out

    def _next_ids(self, conn: Connection, n: int) -> list[int]:
        if self.dialect.name == "postgresql":
            return list(
                conn.execute(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('findings', 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"n": n},
                ).scalars()
            )
        start = int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM findings").scalar_one())
        return list(range(start + 1, start + 1 + n))

    def _history(self, values: dict[str, Any], points: Any, now: Any) -> dict[str, Any]:
        n = len(values["id"])
        wkt = np.full(n, None, dtype=object)
        placed = np.array([p is not None for p in points], dtype=bool)
        wkt[placed] = shapely.to_wkt(points[placed], rounding_precision=-1)
        columns = {k: _per_row(values[k], n) for k in SNAPSHOT_KEYS if k != "geom"}
        columns["found_date"] = [to_json_value(d) for d in columns["found_date"]]
        columns["geom"] = wkt.tolist()
        # Stored as the chain hashes it: canonical JSON text, written once.
        after = [
            audit_chain.json_text(dict(zip(SNAPSHOT_KEYS, row, strict=True)))
            for row in zip(*(columns[k] for k in SNAPSHOT_KEYS), strict=True)
        ]
        session_info = self.session.info
        return {
            "at": now,
            "actor": str(session_info.get("actor", "system")),
            "action": "create",
            "kind": "findings",
            "record_id": values["id"],
            "record_version": 1,
            "before": None,
            "after": after,
            "note": session_info.get("note"),
        }

    def _insert(
        self,
        conn: Connection,
        table: Table,
        values: dict[str, Any],
        n: int,
        as_json: Sequence[str] = (),
    ) -> None:
        """Insert ``n`` rows; the columns named in ``as_json`` hold JSON text already."""
        if self.dialect.name == "postgresql":
            _copy(conn, table, values, n, as_json)
        else:
            _executemany(conn, table, values, n, as_json)


def _floats(values: Any, placed: Any) -> list[float | None]:
    return [float(v) if p else None for v, p in zip(values.tolist(), placed.tolist(), strict=True)]


def _per_row(value: Any, n: int) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, np.ndarray):
        return list(value)
    return [value] * n


def _executemany(
    conn: Connection, table: Table, values: dict[str, Any], n: int, as_json: Sequence[str] = ()
) -> None:
    """Insert with multi-row INSERTs, values prepared by the columns' own bind processors.

    Hundreds of rows per statement, not one: with triggers on a table (the
    R*Tree's, the audit log's) SQLite opens a statement journal for every
    statement, and one per row made that dominate (bench/ measured it).
    """
    dialect = conn.dialect
    stmt = insert(table).values({name: bindparam(name) for name in values})
    compiled = stmt.compile(dialect=dialect)
    order = list(compiled.positiontup or [])
    prepared = []
    for name in order:
        process: Callable[[Any], Any] | None = (
            None if name in as_json else table.c[name].type._cached_bind_processor(dialect)
        )
        value = values[name]
        if name == "geom":
            value = shapely.to_wkb(value).tolist()
        if isinstance(value, list | np.ndarray):
            prepared.append([process(v) for v in value] if process else list(value))
        else:
            prepared.append([process(value) if process else value] * n)
    flat = [v for row in zip(*prepared, strict=True) for v in row]
    head, _values, group = str(compiled).rpartition(" VALUES ")
    step = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // len(order))) * len(order)
    for start in range(0, len(flat), step):
        part = flat[start : start + step]
        sql = f"{head} VALUES {', '.join([group] * (len(part) // len(order)))}"
        conn.exec_driver_sql(sql, tuple(part))


def _copy(
    conn: Connection, table: Table, values: dict[str, Any], n: int, as_json: Sequence[str] = ()
) -> None:
    """Insert with COPY FROM STDIN (geometries as hex EWKB, JSON as text)."""
    names = list(values)
    columns = []
    for name in names:
        value = values[name]
        if name == "geom":
            column = _point_ewkb_hex(value)
        elif name in as_json:
            column = _per_row(value, n)
        elif name in ("before", "after"):  # JSON null, as SQLAlchemy's JSON type stores None
            column = [json.dumps(v) for v in _per_row(value, n)]
        else:
            column = _per_row(value, n)
        columns.append(column)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in zip(*columns, strict=True):
            copy.write_row(row)


#: A 2D point as extended WKB: little-endian, type Point with the SRID flag, SRID, x, y.
_EWKB_POINT = np.dtype(
    [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
)


def _point_ewkb_hex(points: Any) -> list[str | None]:
    """Return each point as hex EWKB with SRID 4326 (what PostGIS reads in text COPY), or None.

    Built with numpy for the whole chunk: the bytes ``shapely.to_wkb(...,
    include_srid=True)`` gives for a 2D point, without a call per point.
    """
    placed = np.array([p is not None for p in points], dtype=bool)
    packed = np.zeros(int(placed.sum()), dtype=_EWKB_POINT)
    packed["order"], packed["type"], packed["srid"] = 1, 0x20000001, 4326
    packed["x"], packed["y"] = shapely.get_x(points[placed]), shapely.get_y(points[placed])
    text = packed.tobytes().hex().upper()
    size = 2 * _EWKB_POINT.itemsize
    out: list[str | None] = [None] * len(points)
    for slot, i in enumerate(np.flatnonzero(placed).tolist()):
        out[i] = text[slot * size : (slot + 1) * size]
    return out
