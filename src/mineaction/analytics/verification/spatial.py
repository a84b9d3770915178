"""Reading the points and polygons a verification needs, and measuring them in metres.

Points (findings, accidents) are read as plain numbers from their bounding-box
columns (a point's box is the point), never as geometries, so that millions
of them load in seconds on either backend.  Polygons that only matter near a
record (land releases, activities) are read through the spatial index: the
SQLite R*Tree, or the PostGIS GiST index, one bounded query per record.

Distances and buffers are in metres in one transverse Mercator projection
centred on the data (``Metric``): within 250 km of its central meridian a
metre there is a metre on the ground to better than 0.1 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, func, literal, select, text
from sqlalchemy.orm import Session

from mineaction.store.spatial_ddl import rtree_name
from mineaction.store.tables import Accident, Activity, Finding, Hazard, LandRelease

__all__ = ["Metric", "Points", "bbox_filter", "load_accidents", "load_findings", "load_hazards"]

#: Activity types whose worked polygon has been searched on the ground.
SEARCHING_ACTIVITIES = ("ts", "clearance_manual", "clearance_mechanical", "clearance_dogs", "bac")

Floats = npt.NDArray[np.float64]


class Metric:
    """A transverse Mercator projection centred on ``lon0``/``lat0``: lon/lat ↔ metres."""

    def __init__(self, lon0: float, lat0: float) -> None:
        crs = f"+proj=tmerc +lon_0={lon0:.6f} +lat_0={lat0:.6f} +k=1 +datum=WGS84 +units=m"
        self._fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def xy(self, lon: Floats, lat: Floats) -> tuple[Floats, Floats]:
        """Return arrays of lon/lat as arrays of metres."""
        x, y = self._fwd.transform(lon, lat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_metres(self, geoms: Any) -> Any:
        """Return a geometry (or an array of them) in metres."""
        return shapely.transform(geoms, self._apply(self._fwd))

    def to_lonlat(self, geoms: Any) -> Any:
        """Return a geometry (or an array of them) in metres back in lon/lat."""
        return shapely.transform(geoms, self._apply(self._inv))

    @staticmethod
    def _apply(t: Transformer) -> Any:
        def move(coords: Floats) -> Floats:
            if len(coords) == 0:
                return coords
            x, y = t.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return move


@dataclass
class Points:
    """Point events as arrays: ids, lon/lat, metres, category, quantity, date (days)."""

    ids: npt.NDArray[np.int64]
    lon: Floats
    lat: Floats
    category: npt.NDArray[np.object_]
    quantity: npt.NDArray[np.int64]
    day: npt.NDArray[np.int64]
    x: Floats | None = None
    y: Floats | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def project(self, metric: Metric) -> shapely.Geometry:
        """Project into ``metric`` and return the points as an array of shapely points."""
        self.x, self.y = metric.xy(self.lon, self.lat)
        return shapely.points(self.x, self.y)

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


#: Rows read from the database at a time (memory stays flat however many points there are).
BATCH_ROWS = 100_000


def _points(session: Session, query: Any, labels: Sequence[str]) -> Points:
    """Read (id, lon, lat, category, quantity, date) rows into arrays, a batch at a time.

    On PostgreSQL the rows come as one binary COPY read straight into numpy
    (no Python object per row); elsewhere as plain tuples in batches.
    """
    if session.get_bind().dialect.name == "postgresql":
        return _points_copy(session, query, labels)
    ids, lon, lat, codes, quantity, day = [], [], [], [], [], []
    names: dict[str, int] = {}
    # A Core result (no ORM row handling): plain tuples, streamed in batches.
    result = session.connection().execute(query.execution_options(yield_per=BATCH_ROWS))
    for batch in result.partitions():
        i, x, y, c, q, d = zip(*batch, strict=True)
        n = len(batch)
        ids.append(np.fromiter(i, np.int64, n))
        lon.append(np.fromiter(x, np.float64, n))
        lat.append(np.fromiter(y, np.float64, n))
        codes.append(np.fromiter((names.setdefault(k, len(names)) for k in c), np.int16, n))
        quantity.append(np.fromiter(q, np.int64, n))
        day.append(np.fromiter((v.toordinal() for v in d), np.int64, n))
    seen = np.array(list(names), dtype=object)
    code = np.concatenate(codes) if codes else np.empty(0, np.int16)
    return Points(
        ids=np.concatenate(ids) if ids else np.empty(0, np.int64),
        lon=np.concatenate(lon) if lon else np.empty(0),
        lat=np.concatenate(lat) if lat else np.empty(0),
        category=seen[code] if len(seen) else np.empty(0, object),
        quantity=np.concatenate(quantity) if quantity else np.empty(0, np.int64),
        day=np.concatenate(day) if day else np.empty(0, np.int64),
    )


#: One row of the binary COPY of ``_points_copy``: a field count, then each field's
#: length and value (big-endian): id int8, x float8, y float8, code int2, quantity
#: int4, day int4.
_COPY_ROW = np.dtype(
    [
        ("n", ">i2"),
        ("l0", ">i4"), ("id", ">i8"),
        ("l1", ">i4"), ("x", ">f8"),
        ("l2", ">i4"), ("y", ">f8"),
        ("l3", ">i4"), ("code", ">i2"),
        ("l4", ">i4"), ("quantity", ">i4"),
        ("l5", ">i4"), ("day", ">i4"),
    ]
)  # fmt: skip
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def _points_copy(session: Session, query: Any, labels: Sequence[str]) -> Points:
    """Read the rows of ``query`` with PostgreSQL's binary COPY into arrays."""
    if not all(label.replace("_", "").isalnum() for label in labels):
        raise ValueError("category codes are letters and underscores")
    inner = query.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    codes = ", ".join(f"'{label}'" for label in labels)
    sql = (
        "COPY (SELECT q.id::int8, q.x::float8, q.y::float8, "
        f"(array_position(ARRAY[{codes}]::text[], q.cat::text) - 1)::int2, q.qty::int4, "
        f"(q.day - DATE '0001-01-01')::int4 FROM ({inner}) AS q(id, x, y, cat, qty, day)) "
        "TO STDOUT (FORMAT BINARY)"
    )
    raw = session.connection().connection.driver_connection
    blocks = []
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for block in copy:
            blocks.append(bytes(block))
    data = b"".join(blocks)
    if not data.startswith(_COPY_SIGNATURE):
        raise ValueError("not a PostgreSQL binary COPY")
    start = 19 + int.from_bytes(data[15:19], "big")
    rows = np.frombuffer(data[start:-2], dtype=_COPY_ROW)
    if len(rows) and (rows["n"] != 6).any():
        raise ValueError("unexpected COPY row layout")
    names = np.array(list(labels), dtype=object)
    return Points(
        ids=rows["id"].astype(np.int64),
        lon=rows["x"].astype(np.float64),
        lat=rows["y"].astype(np.float64),
        category=names[rows["code"].astype(np.int64)] if len(rows) else np.empty(0, object),
        quantity=rows["quantity"].astype(np.int64),
        day=rows["day"].astype(np.int64) + 1,  # 0001-01-01 is ordinal 1
    )


def load_findings(
    session: Session, categories: Sequence[str], start: dt.date | None, end: dt.date | None
) -> Points:
    """Return approved findings of ``categories`` found in the period, with a position."""
    query = select(
        Finding.id,
        Finding.min_x,
        Finding.min_y,
        Finding.category,
        Finding.quantity,
        Finding.found_date,
    ).where(
        Finding.category.in_(list(categories)),
        Finding.approval == "approved",
        Finding.min_x.is_not(None),
        *_period(Finding.found_date, start, end),
    )
    return _points(session, query.order_by(Finding.id), categories)


def load_accidents(
    session: Session, devices: Sequence[str], start: dt.date | None, end: dt.date | None
) -> Points:
    """Return approved accidents by ``devices`` in the period, with a position (quantity 1)."""
    query = select(
        Accident.id,
        Accident.min_x,
        Accident.min_y,
        Accident.device_category,
        literal(1),
        Accident.accident_date,
    ).where(
        Accident.device_category.in_(list(devices)),
        Accident.approval == "approved",
        Accident.min_x.is_not(None),
        *_period(Accident.accident_date, start, end),
    )
    return _points(session, query.order_by(Accident.id), devices)


def load_hazards(session: Session) -> tuple[list[str], list[BaseGeometry]]:
    """Return every approved hazard's reference and recorded polygon (any status)."""
    rows = session.execute(
        select(Hazard.reference, Hazard.geom)
        .where(Hazard.approval == "approved")
        .order_by(Hazard.id)
        .execution_options(yield_per=5000)
    )
    references, shapes = [], []
    for reference, geom in rows:
        references.append(reference)
        shapes.append(geom)
    return references, shapes


def bbox_filter(session: Session, model: Any, bounds: tuple[float, ...]) -> Any:
    """Return a WHERE clause keeping rows of ``model`` whose box meets ``bounds``, by index."""
    minx, miny, maxx, maxy = bounds
    if session.get_bind().dialect.name == "postgresql":
        envelope = func.ST_MakeEnvelope(minx, miny, maxx, maxy, 4326)
        return model.geom.op("&&")(envelope)
    table = model.__tablename__
    return model.id.in_(
        text(
            f"SELECT id FROM {rtree_name(table)} WHERE max_x >= :minx AND min_x <= :maxx "
            "AND max_y >= :miny AND min_y <= :maxy"
        ).bindparams(minx=minx, maxx=maxx, miny=miny, maxy=maxy)
    )


def worked_polygons(
    session: Session, bounds: tuple[float, ...], end: dt.date | None
) -> list[BaseGeometry]:
    """Return the polygons surveyed or cleared by ``end`` whose box meets ``bounds``.

    Land releases give their counted polygon (what the ledger counted, any
    method); activities that search the ground (TS, clearance, BAC) and have
    started give their worked polygon.
    """
    releases = select(LandRelease.counted_geom).where(
        bbox_filter(session, LandRelease, bounds),
        LandRelease.approval == "approved",
        LandRelease.counted_geom.is_not(None),
        *_period(LandRelease.release_date, None, end),
    )
    activities = select(Activity.geom).where(
        bbox_filter(session, Activity, bounds),
        and_(Activity.activity_type.in_(SEARCHING_ACTIVITIES), Activity.status != "planned"),
        Activity.approval == "approved",
        Activity.geom.is_not(None),
        *_period(Activity.start_date, None, end),
    )
    shapes = [g for (g,) in session.execute(releases)] + [g for (g,) in session.execute(activities)]
    return [g for g in shapes if g is not None and not g.is_empty]


def nearest_polygons(
    points: npt.NDArray[np.object_], polygons: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.int64], Floats]:
    """Return, for each point, the index of the nearest polygon and the distance to it.

    Exact, and much faster than ``STRtree.query_nearest`` for millions of points
    far from a few hundred polygons: the nearest *centre* (a KD-tree over the
    polygons' centroids) gives a candidate whose exact distance is computed;
    no other polygon can be nearer when that distance is at most the centre's
    distance less the largest polygon radius.  The few points for which that
    does not prove it (those close to a polygon) are settled by the STRtree.
    """
    from scipy.spatial import cKDTree

    n = len(points)
    nearest = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    if n == 0 or len(polygons) == 0:
        return nearest, distance
    centres = shapely.get_coordinates(shapely.centroid(polygons))
    coords, owner = shapely.get_coordinates(polygons, return_index=True)
    radius = float(np.hypot(*(coords - centres[owner]).T).max())
    centre_distance, candidate = cKDTree(centres).query(shapely.get_coordinates(points))
    nearest[:] = candidate
    distance[:] = shapely.distance(points, polygons[candidate])
    unsure = np.flatnonzero(distance > centre_distance - radius)
    if len(unsure):
        # The nearest polygon lies within the candidate's distance: ask the STRtree for
        # those only (a bounded query per point), then keep the nearest of them.
        p_idx, r_idx = shapely.STRtree(polygons).query(
            points[unsure], predicate="dwithin", distance=distance[unsure] + 1e-6
        )
        exact = shapely.distance(points[unsure[p_idx]], polygons[r_idx])
        order = np.lexsort((exact, p_idx))
        first = order[np.r_[True, p_idx[order][1:] != p_idx[order][:-1]]]
        nearest[unsure[p_idx[first]]] = r_idx[first]
        distance[unsure[p_idx[first]]] = exact[first]
    return nearest, distance
