"""Polygons that overlap one another, and those that are near duplicates (e.g. hazards).

Two polygons *overlap* when their interiors share an area (touching along an
edge or at a corner is not overlapping).  Which pairs overlap is decided by
the DE-9IM pattern ``2********`` — in the database on PostGIS (a LATERAL join
from each polygon into the table's GiST index), with Shapely's STRtree in
process on SQLite; both use GEOS, so both find the same pairs.  The shared
area and its share of the smaller polygon are then measured here, in
``Metric`` metres, so that both backends give the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from mineaction.analytics.spatial.joins import read_polygons
from mineaction.analytics.spatial.metric import Metric

__all__ = ["Overlap", "duplicates", "overlaps"]

#: Share of the smaller polygon's area above which two polygons are near duplicates.
DUPLICATE_SHARE = 0.95


@dataclass(frozen=True)
class Overlap:
    """Two polygons (``first`` id < ``second`` id) and the area they share."""

    first: int
    second: int
    overlap_m2: float
    #: The shared area ÷ the smaller polygon's area (0 to 1).
    share: float


def overlaps(
    session: Session, model: Any, where: list[Any], *, min_share: float = 0.0
) -> list[Overlap]:
    """Return every pair of polygons of ``model`` (chosen by ``where``) whose interiors overlap."""
    pairs = _pairs_sql(session, model, where) if _postgis(session) else None
    polygons = read_polygons(session, model, where, None)
    if len(polygons) == 0:
        return []
    lon0, lat0, lon1, lat1 = shapely.total_bounds(polygons.lonlat)
    metric = Metric((lon0 + lon1) / 2, (lat0 + lat1) / 2)
    metres = metric.to_metres(polygons.lonlat)
    if pairs is None:
        a, b = shapely.STRtree(polygons.lonlat).query(polygons.lonlat, predicate="intersects")
        keep = a < b
        a, b = a[keep], b[keep]
        overlapping = shapely.relate_pattern(polygons.lonlat[a], polygons.lonlat[b], "2********")
        a, b = a[overlapping], b[overlapping]
    else:
        a, b = np.searchsorted(polygons.ids, pairs[0]), np.searchsorted(polygons.ids, pairs[1])
    shared = shapely.area(shapely.intersection(metres[a], metres[b]))
    smaller = np.minimum(shapely.area(metres[a]), shapely.area(metres[b]))
    share = np.where(smaller > 0, shared / np.where(smaller > 0, smaller, 1.0), 0.0)
    found = [
        Overlap(int(polygons.ids[i]), int(polygons.ids[j]), round(float(m2), 1), round(float(s), 4))
        for i, j, m2, s in zip(a, b, shared, share, strict=True)
        if s >= min_share
    ]
    return sorted(found, key=lambda o: (o.first, o.second))


def duplicates(
    session: Session, model: Any, where: list[Any], *, min_share: float = DUPLICATE_SHARE
) -> list[Overlap]:
    """Return the pairs that overlap by at least ``min_share`` of the smaller one."""
    return overlaps(session, model, where, min_share=min_share)


def _postgis(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _pairs_sql(session: Session, model: Any, where: list[Any]) -> tuple[Any, Any]:
    """Return the ids (first, second) of the overlapping pairs, found in PostGIS."""
    table = model.__tablename__
    query = select(model.id.label("id"), literal_column(f"{table}.geom").label("geom"))
    chosen = str(
        query.where(*where).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
    )
    rows = (
        session.connection()
        .exec_driver_sql(
            f"SELECT a.id, o.id FROM ({chosen}) AS a CROSS JOIN LATERAL ("
            f"SELECT b.id FROM ({chosen}) AS b WHERE b.geom && a.geom AND b.id > a.id "
            "AND ST_Relate(a.geom, b.geom, '2********')) AS o ORDER BY 1, 2"
        )
        .all()
    )
    first = np.array([r[0] for r in rows], dtype=np.int64)
    second = np.array([r[1] for r in rows], dtype=np.int64)
    return first, second
