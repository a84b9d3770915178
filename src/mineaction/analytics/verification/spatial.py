"""Reading the points and polygons a verification needs, and measuring them in metres.

Points (findings, accidents) are read as plain numbers from their bounding-box
columns (a point's box is the point), never as geometries, so that millions
of them load in seconds on either backend.  Polygons that only matter near a
record (land releases, activities) are read through the spatial index: the
SQLite R*Tree, or the PostGIS GiST index, joined with every record's box in one query.

Distances and buffers are in metres in one transverse Mercator projection
centred on the data (``Metric``): within 250 km of its central meridian a
metre there is a metre on the ground to better than 0.1 %.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Float,
    Integer,
    LargeBinary,
    column,
    func,
    literal,
    literal_column,
    select,
    values,
)
from sqlalchemy.orm import Session

from mineaction.analytics.spatial.metric import Metric
from mineaction.analytics.spatial.nearest import nearest_polygons_xy
from mineaction.analytics.spatial.postgis import packed_rows
from mineaction.store.spatial_ddl import rtree_name
from mineaction.store.tables import Accident, Activity, Finding, LandRelease

__all__ = [
    "Helper",
    "Metric",
    "Points",
    "accident_filter",
    "finding_filter",
    "load_accidents",
    "load_findings",
]

#: Activity types whose worked polygon has been searched on the ground.
SEARCHING_ACTIVITIES = ("ts", "clearance_manual", "clearance_mechanical", "clearance_dogs", "bac")

Floats = npt.NDArray[np.float64]
#: Runs ``read(sibling)`` in the thread beside the caller's and returns its future: ``read``
#: gets a session at the caller's commit on a connection of its own.
Helper = Callable[[Callable[[Session], Any]], "Future[Any]"]
T = TypeVar("T")


@dataclass
class Points:
    """Point events as arrays: ids, lon/lat, metres, category, quantity, date (days).

    The category is kept as a code, its position in ``labels``: no Python
    object per point.
    """

    ids: npt.NDArray[np.int64]
    lon: Floats
    lat: Floats
    code: npt.NDArray[np.int64]
    labels: npt.NDArray[np.object_]
    quantity: npt.NDArray[np.int64]
    day: npt.NDArray[np.int64]
    x: Floats | None = None
    y: Floats | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def category(self) -> npt.NDArray[np.object_]:
        """Return each point's category (a string each)."""
        return self.labels[self.code] if len(self.code) else np.empty(0, dtype=object)

    def date(self, index: int) -> dt.date:
        """Return the date of event ``index``."""
        return dt.date.fromordinal(int(self.day[index]))


def _period(column: Any, start: dt.date | None, end: dt.date | None) -> list[Any]:
    clauses = []
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column <= end)
    return clauses


def _points(
    session: Session, query: Any, labels: Sequence[str], helper: Helper | None = None
) -> Points:
    """Read (id, lon, lat, category, quantity, date) rows into arrays.

    On PostgreSQL the rows come packed into bytea, read straight into numpy;
    on SQLite as aggregates of id ranges (``_run``).  Either way the ranges
    are shared with ``helper``'s thread when one is given, the category
    comes as its position in ``labels`` and the date as a day number,
    computed in SQL.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _points_copy(session, query, labels, helper)
    return _points_sqlite(session, query, labels, helper)


#: One row of ``_points_sqlite``: id, lon, lat, quantity, day number × 16 + category code.
_SQLITE_ROW = np.dtype(
    [("id", "i8"), ("x", "f8"), ("y", "f8"), ("quantity", "i8"), ("daycode", "i8")]
)
#: A point's position as SQLite holds it (little-endian 2-D WKB, ``shapely.to_wkb``).
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
#: Ids in one range on SQLite, so at most that many rows in one of ``_run``'s aggregates (a few
#: MB of text and WKB) while the ids are dense, as the database gives them.
RUN_ROWS = 65_536
#: The most id ranges a table's read is cut into: ranges are wider (and may hold more rows)
#: only when the ids are spread over more than RUN_ROWS × MAX_RANGES (268 million) numbers.
MAX_RANGES = 4_096
#: Ids in one range read from PostgreSQL (a few MB packed; ``packed_rows`` cuts a range too
#: wide for one bytea).
PACK_RANGE = 262_144
#: julianday() of a date less its proleptic Gregorian ordinal (``date.toordinal``).
_JULIAN_OFFSET = 1721424.5


def _literal_sql(session: Session, query: Any) -> str:
    """Return ``query`` as SQL text with its values written in (they are ours, not a user's)."""
    return str(
        query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    )


def _labels_sql(labels: Sequence[str]) -> str:
    if not all(label.replace("_", "").isalnum() for label in labels):
        raise ValueError("category codes are letters and underscores")
    return ", ".join(f"'{label}'" for label in labels)


def _driver(session: Session) -> Any:
    """Return the sqlite3 connection under ``session``."""
    return session.connection().connection.driver_connection


def _points_sqlite(
    session: Session, query: Any, labels: Sequence[str], helper: Helper | None
) -> Points:
    """Read the rows of ``query`` on SQLite into arrays: id, place, quantity, day and category.

    The table's ids are cut into ranges that this thread and ``helper``'s
    (its own connection at the same commit: ``mineaction.store.sibling``)
    take in turn, whichever is free, each read as one row of aggregates
    (``_run``): a few Python objects a range instead of five a point, and
    SQLite works in both threads at once.  Should a range not add up (a
    position stored other than as a 2-D point), the rows are read one by
    one instead (``_row_by_row``): the same arrays, slower.
    """
    if len(labels) > 15:
        raise ValueError("at most 15 categories")
    _labels_sql(labels)
    column = {c.name: _literal_sql(session, c.element) for c in query.selected_columns}
    daycode = _daycode(column["day"], column["cat"], labels)
    table = session.get_bind().dialect.identifier_preparer.format_table(query.get_final_froms()[0])
    where = _literal_sql(session, query.whereclause)
    sql = (
        f"SELECT count(*), CAST(group_concat({column['g']}, '') AS BLOB), "
        f"group_concat({column['id']}), group_concat({column['qty']}), group_concat({daycode}) "
        f"FROM {table} WHERE ({where}) AND {column['id']} >= ? AND {column['id']} <= ?"
    )
    ranges = IdRanges(*(_id_span(session, query) or (0, -1)), RUN_ROWS)
    runs = _in_turn(session, ranges, helper, lambda reader, ids: _run(_driver(reader), sql, ids))
    rows = None if runs is None else _joined(runs)
    if rows is None:
        inner = _literal_sql(session, query)
        rows = _row_by_row(_driver(session), inner, _daycode("q.day", "q.cat", labels))
    names = np.array(list(labels), dtype=object)
    return Points(
        ids=rows["id"],
        lon=rows["x"],
        lat=rows["y"],
        code=rows["daycode"] & 15,
        labels=names,
        quantity=rows["quantity"],
        day=rows["daycode"] >> 4,
    )


def _id_span(session: Session, query: Any) -> tuple[int, int] | None:
    """Return the least and greatest id of the table ``query`` reads (None when it is empty).

    Two subqueries: SQLite answers each from the end of the primary key, but
    ``min`` and ``max`` in one SELECT make it scan every row.
    """
    table = query.get_final_froms()[0]
    least = select(func.min(table.c.id)).scalar_subquery()
    greatest = select(func.max(table.c.id)).scalar_subquery()
    row = session.execute(select(least, greatest)).one()
    return None if row[0] is None else (int(row[0]), int(row[1]))


def _daycode(day: str, category: str, labels: Sequence[str]) -> str:
    """Return SQL for the day number × 16 + the category's position in ``labels``."""
    codes = " ".join(f"WHEN '{label}' THEN {n}" for n, label in enumerate(labels))
    return (
        f"(CAST(julianday({day}) - {_JULIAN_OFFSET} AS INTEGER) << 4) + CASE {category} {codes} END"
    )


def _row_by_row(raw: Any, inner: str, daycode: str) -> npt.NDArray[Any]:
    """Return the rows of ``inner`` by id, five numbers a row (a Python tuple each)."""
    sql = f"SELECT q.id, q.x, q.y, q.qty, {daycode} FROM ({inner}) AS q ORDER BY q.id"
    return np.fromiter(raw.execute(sql), dtype=_SQLITE_ROW)


class IdRanges:
    """The ids from ``least`` to ``greatest`` in ranges, handed out in turn to the threads reading.

    At least ``width`` ids a range, and at most ``MAX_RANGES`` ranges.
    ``stop`` hands out no more (a reader found a run that does not add up).
    """

    def __init__(self, least: int, greatest: int, width: int) -> None:
        self._next = least
        self._greatest = greatest
        self._width = max(width, (greatest - least) // MAX_RANGES + 1)
        self._lock = threading.Lock()

    def take(self) -> tuple[int, int] | None:
        """Return the next range's first and last id, or None when all are taken."""
        with self._lock:
            if self._next > self._greatest:
                return None
            first = self._next
            self._next = first + self._width
            return first, min(self._next - 1, self._greatest)

    def stop(self) -> None:
        """Hand out no more ranges."""
        with self._lock:
            self._next = self._greatest + 1


class Run(NamedTuple):
    """One run as SQLite gives it: the WKB of its points, their ids, quantities and codes."""

    rows: int
    wkb: bytes
    ids: str  # decimal lists
    quantities: str
    codes: str


def _in_turn(
    session: Session,
    ranges: IdRanges,
    helper: Helper | None,
    read: Callable[[Session, tuple[int, int]], T | None],
) -> list[T] | None:
    """Return ``read(reader, ids)`` of every range, by range; None if a read gave None.

    This thread reads with ``session`` and ``helper``'s (if given) with its
    sibling, each taking the next range whenever it is free.
    """

    def take(reader: Session) -> list[tuple[int, T]] | None:
        got = []
        while (ids := ranges.take()) is not None:
            value = read(reader, ids)
            if value is None:
                ranges.stop()  # the other thread takes no more
                return None
            got.append((ids[0], value))
        return got

    theirs = helper(take) if helper is not None else None
    try:
        mine = take(session)
    except BaseException:
        ranges.stop()
        raise
    helped = [] if theirs is None else theirs.result()
    if mine is None or helped is None:
        return None
    return [value for _, value in sorted(mine + helped, key=lambda got: got[0])]


def _run(raw: Any, sql: str, ids: tuple[int, int]) -> Run | None:
    """Return the run ``sql`` gives for a range of ids; None if it does not add up.

    The run is the table's rows in the range, read through the primary key
    in id order, as one row: its count, its points' WKB joined (21 bytes a
    2-D point, whose x and y are the exact doubles stored) and its ids,
    quantities and day codes as decimal lists, which numpy parses exactly.
    The four aggregates see the rows in the same order, so the n-th of each
    list belongs to the same row.  Anything that does not add up — a point
    stored with a Z, a NULL the filter let through — gives None, and the
    caller reads row by row.
    """
    count, blob, *texts = raw.execute(sql, ids).fetchone()
    if count == 0:
        return Run(0, b"", "", "", "")
    if blob is None or len(blob) != count * _WKB_POINT.itemsize or None in texts:
        return None
    return Run(count, blob, *texts)


def _joined(runs: list[Run]) -> npt.NDArray[Any] | None:
    """Return the rows of ``runs`` (in id order) by id; None if they do not add up."""
    runs = [run for run in runs if run.rows]
    total = sum(run.rows for run in runs)
    wkb = np.frombuffer(b"".join(run.wkb for run in runs), dtype=_WKB_POINT)
    if not ((wkb["order"] == 1).all() and (wkb["type"] == 1).all()):
        return None
    ids, quantity, code = (
        (
            np.fromstring(",".join(texts), sep=",", dtype=np.int64)
            for texts in zip(*((run.ids, run.quantities, run.codes) for run in runs), strict=True)
        )
        if runs
        else (np.empty(0, np.int64),) * 3
    )
    if not len(ids) == len(quantity) == len(code) == total:
        return None
    rows = np.empty(total, dtype=_SQLITE_ROW)
    rows["id"], rows["x"], rows["y"] = ids, wkb["x"], wkb["y"]
    rows["quantity"], rows["daycode"] = quantity, code
    if total > 1 and not (ids[1:] > ids[:-1]).all():
        rows = rows[np.argsort(rows["id"], kind="stable")]  # by id, whatever SQLite's order
    return rows


def _points_copy(
    session: Session, query: Any, labels: Sequence[str], helper: Helper | None
) -> Points:
    """Read the rows of ``query`` on PostgreSQL into arrays, packed into bytea in the database.

    The table's ids are cut into ranges that this connection and ``helper``'s
    sibling (the same snapshot) take in turn: two server processes pack the
    rows at once.
    """
    inner = _literal_sql(session, query)
    codes = _labels_sql(labels)
    sql = (
        "SELECT q.id::int8, q.x::float8, q.y::float8, "
        f"(array_position(ARRAY[{codes}]::text[], q.cat::text) - 1)::int2, q.qty::int4, "
        f"(q.day - DATE '0001-01-01')::int4 FROM ({inner}) AS q"
    )
    fields = [("id", ">i8"), ("x", ">f8"), ("y", ">f8"), ("code", ">i2"), ("quantity", ">i4")]
    fields.append(("day", ">i4"))
    ranges = IdRanges(*(_id_span(session, query) or (0, -1)), PACK_RANGE)
    parts = _in_turn(
        session,
        ranges,
        helper,
        lambda reader, ids: packed_rows(
            reader,
            f"{sql} WHERE q.id BETWEEN {ids[0]:d} AND {ids[1]:d}",
            fields,
            key=(0, *ids),
        ),
    )
    rows = np.concatenate(parts) if parts else np.empty(0, dtype=np.dtype(fields))
    if len(rows) > 1 and not (rows["id"][1:] > rows["id"][:-1]).all():
        rows = rows[np.argsort(rows["id"], kind="stable")]  # by id, as on SQLite
    names = np.array(list(labels), dtype=object)
    return Points(
        ids=rows["id"].astype(np.int64),
        lon=rows["x"].astype(np.float64),
        lat=rows["y"].astype(np.float64),
        code=rows["code"].astype(np.int64),
        labels=names,
        quantity=rows["quantity"].astype(np.int64),
        day=rows["day"].astype(np.int64) + 1,  # 0001-01-01 is ordinal 1
    )


def finding_filter(
    categories: Sequence[str], start: dt.date | None, end: dt.date | None
) -> list[Any]:
    """Return the WHERE clauses of approved findings of ``categories`` in the period, placed."""
    return [
        Finding.category.in_(list(categories)),
        Finding.approval == "approved",
        Finding.min_x.is_not(None),
        *_period(Finding.found_date, start, end),
    ]


def accident_filter(
    devices: Sequence[str], start: dt.date | None, end: dt.date | None
) -> list[Any]:
    """Return the WHERE clauses of approved accidents by ``devices`` in the period, placed."""
    return [
        Accident.device_category.in_(list(devices)),
        Accident.approval == "approved",
        Accident.min_x.is_not(None),
        *_period(Accident.accident_date, start, end),
    ]


def load_findings(
    session: Session,
    categories: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
    helper: Helper | None = None,
) -> Points:
    """Return approved findings of ``categories`` found in the period, with a position.

    On SQLite ``helper``'s thread, if given, reads part of them (``_points_sqlite``).
    """
    query = select(
        Finding.id.label("id"),
        Finding.min_x.label("x"),
        Finding.min_y.label("y"),
        literal_column("findings.geom", LargeBinary).label("g"),
        Finding.category.label("cat"),
        Finding.quantity.label("qty"),
        Finding.found_date.label("day"),
    ).where(*finding_filter(categories, start, end))
    return _points(session, query, categories, helper)


def load_accidents(
    session: Session, devices: Sequence[str], start: dt.date | None, end: dt.date | None
) -> Points:
    """Return approved accidents by ``devices`` in the period, with a position (quantity 1)."""
    query = select(
        Accident.id.label("id"),
        Accident.min_x.label("x"),
        Accident.min_y.label("y"),
        literal_column("accidents.geom", LargeBinary).label("g"),
        Accident.device_category.label("cat"),
        literal(1).label("qty"),
        Accident.accident_date.label("day"),
    ).where(*accident_filter(devices, start, end))
    return _points(session, query, devices)


def _box_pairs(
    session: Session, model: Any, boxes: Sequence[tuple[float, float, float, float]]
) -> list[tuple[int, int]]:
    """Return (box, id) pairs: rows of ``model`` whose box meets each box, by the spatial index.

    On PostGIS the GiST index on ``geom`` (``&&`` an envelope of each box), on
    SQLite the table's R*Tree; one query for all boxes, given as a VALUES list.
    """
    rows = [(k, *map(float, b)) for k, b in enumerate(boxes)]
    if session.get_bind().dialect.name == "postgresql":
        given = values(
            column("k", Integer),
            *(column(c, Float) for c in ("minx", "miny", "maxx", "maxy")),
            name="boxes",
        ).data(rows)
        envelope = func.ST_MakeEnvelope(
            given.c.minx, given.c.miny, given.c.maxx, given.c.maxy, 4326
        )
        query = (
            select(given.c.k, model.id)
            .select_from(given)
            .join(model, model.geom.op("&&")(envelope))
        )
        return [(k, i) for k, i in session.execute(query)]
    # CROSS JOIN keeps the boxes outside, so that SQLite asks the R*Tree once per box.
    raw = session.connection().connection.driver_connection
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(rows), 1_000):  # within SQLite's limit of bound values
        chunk = rows[start : start + 1_000]
        listed = ", ".join("(?, ?, ?, ?, ?)" for _ in chunk)
        sql = (
            f"WITH boxes(k, minx, miny, maxx, maxy) AS (VALUES {listed}) "
            f"SELECT boxes.k, r.id FROM boxes CROSS JOIN {rtree_name(model.__tablename__)} AS r "
            "WHERE r.max_x >= boxes.minx AND r.min_x <= boxes.maxx "
            "AND r.max_y >= boxes.miny AND r.min_y <= boxes.maxy"
        )
        flat = [v for row in chunk for v in row]
        pairs += [(int(k), int(i)) for k, i in raw.execute(sql, flat)]  # type: ignore[union-attr]
    return pairs


def worked_polygons(
    session: Session, boxes: Sequence[tuple[float, float, float, float]], end: dt.date | None
) -> list[list[BaseGeometry]]:
    """Return, for each box, the polygons surveyed or cleared by ``end`` whose box meets it.

    Land releases give their counted polygon (what the ledger counted, any
    method); activities that search the ground (TS, clearance, BAC) and have
    started give their worked polygon.  One query of each for all boxes
    (boxes joined with the spatial index, then the polygons by id), not one
    per box; each box's polygons come releases first, each kind by id.
    """
    found: list[list[BaseGeometry]] = [[] for _ in boxes]
    if not boxes:
        return found
    kinds: list[tuple[Any, Any, list[Any]]] = [
        (
            LandRelease,
            LandRelease.counted_geom,
            [
                LandRelease.approval == "approved",
                LandRelease.counted_geom.is_not(None),
                *_period(LandRelease.release_date, None, end),
            ],
        ),
        (
            Activity,
            Activity.geom,
            [
                Activity.activity_type.in_(SEARCHING_ACTIVITIES),
                Activity.status != "planned",
                Activity.approval == "approved",
                Activity.geom.is_not(None),
                *_period(Activity.start_date, None, end),
            ],
        ),
    ]
    for model, geom, where in kinds:
        pairs = sorted(_box_pairs(session, model, boxes))  # by box, then id
        ids = sorted({i for _, i in pairs})
        shapes: dict[int, BaseGeometry] = {}
        for part in range(0, len(ids), 30_000):  # bounded IN lists
            chosen = model.id.in_(ids[part : part + 30_000])
            shapes.update(
                (i, g) for i, g in session.execute(select(model.id, geom).where(chosen, *where))
            )
        for k, i in pairs:
            g = shapes.get(i)
            if g is not None and not g.is_empty:
                found[k].append(g)
    return found


def nearest_polygons(
    points: npt.NDArray[np.object_], polygons: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.int64], Floats]:
    """Return, for each Shapely point, the index of the nearest polygon and the distance to it.

    Exact (the distance ``shapely.distance`` gives); see
    ``mineaction.analytics.spatial.nearest``, which works on coordinates.
    """
    xy = shapely.get_coordinates(points)
    return nearest_polygons_xy(xy[:, 0], xy[:, 1], polygons)
