"""Point–polygon joins inside PostgreSQL/PostGIS, driving from the polygons.

Each query walks the polygons and, for each one, asks the points' GiST index
for the points in the polygon's box grown by the distance (a LATERAL join):
PostGIS then tests one polygon against many points in a row, and keeps that
polygon prepared between them.  The planner's own form of "points outside
every polygon" (``NOT EXISTS``) walks the points instead, one index probe
and one unprepared test per point; ``bench/bench_records.py`` measures both.

Distances in the database are planar in metres local to each polygon (its
lon/lat scaled by the metres in a degree at its centre: no projection per
point, which PostGIS would do slowly); the rest of the verification
measures in the projected metres of ``metric.py``.  So
that both backends give the same answer, a query reports a pair as *sure*
when the point lies in the polygon or within the distance less the
projection's relative error, and as *to settle* when it lies within the
band around the distance: the caller settles those few in metres.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

__all__ = [
    "box_margin",
    "candidate_pairs",
    "copy_rows",
    "near_polygons",
    "outside_default_form",
    "packed_rows",
]

#: Metres in a degree of latitude (its least value, at the equator).
M_PER_DEGREE_LAT = 110_574.0
#: Metres in a degree of longitude at the equator.
M_PER_DEGREE_LON = 111_320.0

_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


def box_margin(distance_m: float, max_abs_lat: float) -> tuple[float, float]:
    """Return (dx, dy) in degrees that surely hold ``distance_m`` metres up to ``max_abs_lat``."""
    lat = min(abs(max_abs_lat) + 1.0, 89.0)
    dx = distance_m / (M_PER_DEGREE_LON * math.cos(math.radians(lat)))
    return dx * 1.01, distance_m / M_PER_DEGREE_LAT * 1.01


def copy_rows(session: Session, sql: str, fields: list[tuple[str, str]]) -> npt.NDArray[Any]:
    """Run ``sql`` as a binary COPY and return its rows as a numpy record array.

    ``fields`` names each column with its big-endian numpy type (``>i8``,
    ``>f8``, ``>i4``, ``>i2``, ``?`` for boolean); no column may be NULL.
    """
    layout: list[tuple[str, str]] = [("_n", ">i2")]
    for n, (name, kind) in enumerate(fields):
        layout += [(f"_l{n}", ">i4"), (name, kind)]
    row = np.dtype(layout)
    raw = session.connection().connection.driver_connection
    blocks = []
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)") as copy:  # type: ignore[union-attr]
        for block in copy:
            blocks.append(bytes(block))
    data = b"".join(blocks)
    if not data.startswith(_COPY_SIGNATURE):
        raise ValueError("not a PostgreSQL binary COPY")
    start = 19 + int.from_bytes(data[15:19], "big")
    rows = np.frombuffer(data[start:-2], dtype=row)
    if len(rows) and (rows["_n"] != len(fields)).any():
        raise ValueError("unexpected COPY row layout")
    return rows


#: The function that writes each numpy type as PostgreSQL's binary form (big-endian).
_SEND = {">i8": "int8send", ">f8": "float8send", ">i4": "int4send", ">i2": "int2send"}
#: Rows packed into one value at most (a bytea holds at most 1 GB).
PACK_ROWS = 4_194_304


def packed_rows(
    session: Session,
    sql: str,
    fields: list[tuple[str, str]],
    *,
    key: tuple[int, int, int] | None = None,
) -> npt.NDArray[Any]:
    """Run ``sql`` and return its rows as a numpy record array, packed in the database.

    Each row is written as its values' binary forms one after the other
    (``int8send(a) || float8send(b) || …``) and ``string_agg`` joins the rows
    into one ``bytea`` that numpy reads in place: the client makes no
    Python object per row (a binary ``COPY`` makes one per row, which for
    millions of rows is seconds of client CPU).  Rows come in no particular
    order.  ``fields`` names each column with its big-endian numpy type
    (``>i8``, ``>f8``, ``>i4``, ``>i2``); no column may be NULL.

    A ``bytea`` holds at most 1 GB: with ``key`` = (position of an integer
    column, its least and its greatest value), e.g. the ids, the rows are
    read in runs of at most ``PACK_ROWS`` consecutive key values, one query
    each (one query for up to ``PACK_ROWS`` ids, as at national scale).
    """
    names = [f"c{n}" for n in range(len(fields))]
    kinds = [kind for _, kind in fields]
    packed = " || ".join(f"{_SEND[k]}(q.{n})" for n, k in zip(names, kinds, strict=True))
    query = f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) AS q({', '.join(names)})"
    queries = [query]
    if key is not None and key[2] - key[1] >= PACK_ROWS:
        column, least, greatest = key
        queries = [
            f"{query} WHERE q.{names[column]} BETWEEN {start} AND {start + PACK_ROWS - 1}"
            for start in range(int(least), int(greatest) + 1, PACK_ROWS)
        ]
    raw = session.connection().connection.driver_connection
    values = []
    with raw.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        for text in queries:
            cursor.execute(text)
            values += [value for (value,) in cursor.fetchall() if value is not None]
    data = b"".join(bytes(value) for value in values)
    return np.frombuffer(data, dtype=np.dtype(fields))


#: Metres per degree at the polygon's centre on the WGS84 ellipsoid: along a parallel
#: (N cos φ) and along a meridian (M), with φ in radians as ``phi``.
_PER_DEGREE_LON = "(6378137.0 * cos(phi) / sqrt(1 - 0.00669437999014 * sin(phi)^2) * pi() / 180)"
_PER_DEGREE_LAT = (
    "(6378137.0 * (1 - 0.00669437999014) / (1 - 0.00669437999014 * sin(phi)^2)^1.5 * pi() / 180)"
)


def _local(polygons: str) -> str:
    """Return ``polygons`` with each one's scale to local metres and its shape in them."""
    return (
        "SELECT q.id, q.geom, s.kx, s.ky, ST_Scale(q.geom, s.kx, s.ky) AS gm "
        f"FROM ({polygons}) AS q CROSS JOIN LATERAL (SELECT {_PER_DEGREE_LON} AS kx, "
        f"{_PER_DEGREE_LAT} AS ky FROM (SELECT radians(ST_Y(ST_Centroid(q.geom))) AS phi) AS f"
        ") AS s"
    )


def _lateral(polygons: str, points: str, margin: tuple[float, float], reach_m: float) -> str:
    """Return the FROM … WHERE of "points within ``reach_m`` of each polygon", polygon-driven.

    Distances are planar in metres local to each polygon (lon/lat scaled by
    the metres in a degree at its centre): within a few kilometres of the
    centre that is the ground distance to about 0.02 %.
    """
    dx, dy = margin
    return (
        f"FROM ({_local(polygons)}) AS g CROSS JOIN LATERAL ("
        "SELECT p.id, p.geom, ST_Intersects(p.geom, g.geom) AS inside "
        f"FROM ({points}) AS p WHERE p.geom && ST_Expand(g.geom, {dx!r}, {dy!r}) OFFSET 0"
        ") AS c "
        f"WHERE c.inside OR ST_DWithin(ST_Scale(c.geom, g.kx, g.ky), g.gm, {reach_m!r})"
    )


def candidate_pairs(
    session: Session, polygons: str, points: str, distance_m: float, error: float, max_lat: float
) -> npt.NDArray[Any]:
    """Return (polygon id, point id, inside, local metres) of every pair that may be near.

    ``polygons`` and ``points`` are SELECTs of ``id, geom``.  A pair comes
    back when the point is in the polygon or within ``distance_m`` × (1 +
    ``error``) of it in local metres.
    """
    reach = distance_m * (1 + error)
    sql = (
        "SELECT g.id::int8 AS polygon, c.id::int8 AS point, c.inside, "
        "CASE WHEN c.inside THEN 0.0 ELSE "
        "ST_Distance(ST_Scale(c.geom, g.kx, g.ky), g.gm) END::float8 AS metres "
        + _lateral(polygons, points, box_margin(reach, max_lat), reach)
    )
    return copy_rows(
        session, sql, [("polygon", ">i8"), ("point", ">i8"), ("inside", "?"), ("metres", ">f8")]
    )


def near_polygons(
    session: Session, polygons: str, points: str, distance_m: float, error: float, max_lat: float
) -> npt.NDArray[Any]:
    """Return (point id, polygon id) for the points within ``distance_m`` of some polygon.

    The polygon id is 0 when the pair is sure (the point is in the polygon,
    or nearer than the distance less the error); otherwise it names the
    polygon whose distance is too close to call in local metres.  A point
    may come back more than once.
    """
    reach, sure = distance_m * (1 + error), distance_m * (1 - error)
    sql = (
        "SELECT c.id::int8 AS point, CASE WHEN c.inside OR "
        f"ST_DWithin(ST_Scale(c.geom, g.kx, g.ky), g.gm, {sure!r}) THEN 0 ELSE g.id END::int8 "
        + _lateral(polygons, points, box_margin(reach, max_lat), reach)
    )
    return copy_rows(session, sql, [("point", ">i8"), ("polygon", ">i8")])


def outside_default_form(
    session: Session, polygons: str, points: str, distance_m: float, max_lat: float
) -> npt.NDArray[Any]:
    """Return the ids of points farther than ``distance_m`` from every polygon, plainly.

    The planner's form (``NOT EXISTS``): kept to measure the polygon-driven
    join against (``bench/bench_records.py``), not used by the verification.
    """
    dx, dy = box_margin(distance_m, max_lat)
    sql = (
        f"SELECT p.id::int8 AS point FROM ({points}) AS p WHERE NOT EXISTS (SELECT 1 FROM "
        f"({_local(polygons)}) AS g WHERE g.geom && ST_Expand(p.geom, {dx!r}, {dy!r}) AND "
        f"(ST_Intersects(p.geom, g.geom) OR "
        f"ST_DWithin(ST_Scale(p.geom, g.kx, g.ky), g.gm, {distance_m!r})))"
    )
    return copy_rows(session, sql, [("point", ">i8")])
