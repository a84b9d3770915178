"""Point–polygon joins for any feature: in PostGIS when the database is PostGIS, else in process.

``PointSet`` is a set of point events read as arrays (ids ascending, lon/lat
and metres) together with the SELECT they came from; ``PolygonSet`` a set of
polygons with their ids and their shapes in lon/lat and in metres.

- ``pairs_within``: every (polygon, point) pair with the point within a
  distance of the polygon, and whether it is inside (point-in-polygon and
  within-distance joins in one);
- ``near_any``: whether each point lies within a distance of any polygon of
  a table (e.g. the findings outside every hazard are its complement).

Both give the same answer on both backends: *inside* is the point in the
polygon as stored (lon/lat), *near* is the distance in ``Metric`` metres.
On PostGIS the joins run in the database (``postgis.py``) and only pairs
too close to call in local metres are settled here, in ``Metric`` metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from mineaction.analytics.spatial import inprocess, postgis
from mineaction.analytics.spatial.grid import PointGrid
from mineaction.analytics.spatial.metric import Metric, relative_error

__all__ = ["Pairs", "PointSet", "PolygonSet", "near_any", "pairs_within", "read_polygons"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Geoms = npt.NDArray[np.object_]


@dataclass
class PointSet:
    """Points of ``model`` chosen by ``where``, as arrays: ids (ascending), lon/lat, metres."""

    model: Any
    where: list[Any]
    ids: Ints
    lon: Floats
    lat: Floats
    x: Floats
    y: Floats
    _grid: PointGrid | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def grid(self) -> PointGrid:
        """Return the points in metres as a ``PointGrid`` (sorted once), for joins in process."""
        if self._grid is None:
            self._grid = PointGrid(self.x, self.y)
        return self._grid

    def forget(self) -> None:
        """Free the grid (its sorted copy of the coordinates)."""
        self._grid = None

    def positions(self, ids: Ints) -> Ints:
        """Return the position of each of ``ids`` in this set."""
        return np.searchsorted(self.ids, ids).astype(np.int64)

    def sql(self, session: Session) -> str:
        """Return the SELECT of these points' ``id, geom`` as SQL text."""
        table = self.model.__tablename__
        query = select(self.model.id.label("id"), literal_column(f"{table}.geom").label("geom"))
        return _sql(session, query.where(*self.where))


@dataclass
class PolygonSet:
    """Polygons of ``model`` with their ids, in lon/lat and in metres (the same order)."""

    model: Any
    ids: Ints
    lonlat: Geoms
    metres: Geoms

    def __len__(self) -> int:
        return len(self.ids)

    def projected(self, metric: Metric) -> PolygonSet:
        """Return these polygons with their shapes in ``metric``'s metres."""
        return PolygonSet(self.model, self.ids, self.lonlat, metric.to_metres(self.lonlat))

    def positions(self, ids: Ints) -> Ints:
        """Return the position of each of ``ids`` in this set (its ids need not be sorted)."""
        order = np.argsort(self.ids, kind="stable")
        return order[np.searchsorted(self.ids, ids, sorter=order)].astype(np.int64)

    def sql(self, session: Session) -> str:
        """Return the SELECT of these polygons' ``id, geom`` as SQL text."""
        table = self.model.__tablename__
        query = select(self.model.id.label("id"), literal_column(f"{table}.geom").label("geom"))
        return _sql(session, query.where(self.model.id.in_(self.ids.tolist())))


@dataclass(frozen=True)
class Pairs:
    """(polygon, point) pairs as positions in the sets given, and whether the point is inside."""

    polygon: Ints
    point: Ints
    inside: Bools


def _sql(session: Session, query: Any) -> str:
    dialect = session.get_bind().dialect
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _postgis(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def read_polygons(
    session: Session, model: Any, where: list[Any], metric: Metric | None
) -> PolygonSet:
    """Return the polygons of ``model`` chosen by ``where`` (by id), read as WKB in one go.

    Without a ``metric`` they are not projected (``metres`` is empty).
    """
    table = model.__tablename__
    column = f"ST_AsBinary({table}.geom)" if _postgis(session) else f"{table}.geom"
    wkb: Any = literal_column(column)
    query = (
        select(model.id, wkb)
        .where(*where, literal_column(f"{table}.geom").is_not(None))
        .order_by(model.id)
    )
    # Straight from the driver: tens of thousands of (id, WKB) rows, no result objects.
    raw: Any = session.connection().connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.execute(_sql(session, query))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    lonlat = shapely.from_wkb(np.array([bytes(r[1]) for r in rows], dtype=object))
    metres = metric.to_metres(lonlat) if metric else np.empty(0, dtype=object)
    return PolygonSet(model, ids, lonlat, metres)


def pairs_within(
    session: Session,
    polygons: PolygonSet,
    points: PointSet,
    distance_m: float,
    *,
    in_database: bool = True,
) -> Pairs:
    """Return every (polygon, point) pair with the point within ``distance_m`` metres.

    On PostGIS the join runs in the database unless ``in_database`` is
    False: then here, as on SQLite (faster when the points are in memory
    anyway: the database fetches each candidate point's row at random).
    """
    if len(polygons) == 0 or len(points) == 0:
        empty = np.empty(0, np.int64)
        return Pairs(empty, empty, np.empty(0, bool))
    if not (in_database and _postgis(session)):
        poly, point = inprocess.pairs_within(points.grid(), polygons.metres, distance_m)
        lonlat = shapely.points(points.lon[point], points.lat[point])
        return Pairs(poly, point, shapely.intersects(polygons.lonlat[poly], lonlat))
    error = relative_error(points.x)
    rows = postgis.candidate_pairs(
        session,
        polygons.sql(session),
        points.sql(session),
        distance_m,
        error,
        float(np.abs(points.lat).max()),
    )
    poly = polygons.positions(rows["polygon"].astype(np.int64))
    point = points.positions(rows["point"].astype(np.int64))
    inside = rows["inside"].astype(bool)
    metres = rows["metres"].astype(np.float64)
    near = inside | (metres <= distance_m * (1 - error))
    unsure = np.flatnonzero(~near)
    if len(unsure):
        near[unsure] = _within_metres(
            points, point[unsure], polygons.metres[poly[unsure]], distance_m
        )
    return Pairs(poly[near], point[near], inside[near])


def near_any(
    session: Session,
    model: Any,
    where: list[Any],
    points: PointSet,
    distance_m: float,
    metric: Metric,
    *,
    in_database: bool = True,
    among: Bools | None = None,
    polygons: PolygonSet | None = None,
) -> Bools:
    """Return, for each point, whether it lies within ``distance_m`` of a polygon of ``model``.

    On PostGIS the join runs in the database unless ``in_database`` is False:
    then the polygons are read and joined here as on SQLite, which is faster
    when the points are already in memory and are most of their table (the
    database must fetch every point's row at random from the heap).  In
    process, only the points ``among`` marks are tested (the others are
    False), and ``polygons`` — ``read_polygons(session, model, where,
    metric)`` read once for several sets of points — are not read again.
    """
    if len(points) == 0:
        return np.zeros(0, dtype=bool)
    if not (in_database and _postgis(session)):
        if polygons is None:
            polygons = read_polygons(session, model, where, metric)
        return inprocess.near_any(points.grid(), polygons.metres, distance_m, among)
    table = model.__tablename__
    query = select(model.id.label("id"), literal_column(f"{table}.geom").label("geom"))
    error = relative_error(points.x)
    rows = postgis.near_polygons(
        session,
        _sql(session, query.where(*where)),
        points.sql(session),
        distance_m,
        error,
        float(np.abs(points.lat).max()),
    )
    near = np.zeros(len(points), dtype=bool)
    position = points.positions(rows["point"].astype(np.int64))
    polygon = rows["polygon"].astype(np.int64)
    near[position[polygon == 0]] = True
    unsure = np.flatnonzero((polygon != 0) & ~near[position])
    if len(unsure):
        shapes = read_polygons(
            session, model, [model.id.in_(np.unique(polygon[unsure]).tolist())], metric
        )
        index = np.searchsorted(shapes.ids, polygon[unsure])
        hit = _within_metres(points, position[unsure], shapes.metres[index], distance_m)
        near[position[unsure][hit]] = True
    return near


def _within_metres(points: PointSet, index: Ints, polygons: Geoms, distance_m: float) -> Bools:
    """Return whether each point ``index`` lies within ``distance_m`` of its polygon, in metres."""
    where = shapely.points(points.x[index], points.y[index])
    return np.asarray(shapely.dwithin(where, polygons, distance_m), dtype=bool)
