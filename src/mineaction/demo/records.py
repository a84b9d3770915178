"""Minefield records handed over by the former adversary: about a quarter of them right.

The brief: only about 25% of the maps proved correct.  So about a quarter of
the records are drawn over hazards where AP/AT mines were actually found;
the rest are offset by a few kilometres from real minefields or drawn over
land where nothing was found, and none of those holds a mine find.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from sqlalchemy.orm import Session

from mineaction.demo.context import Demo, District
from mineaction.demo.findings import FindingPlan
from mineaction.demo.shapes import M_PER_DEG_LAT, m_per_deg_lon, offset, point_in, rectangle
from mineaction.geo import geodesic_area_m2
from mineaction.store.tables import MinefieldRecord, RecordMineType

FULL_SCALE_RECORDS = 30
CORRECT_SHARE = 0.27
#: Batches in which records were handed over (synthetic dates, 2021–2023).
_RECEIVED = (
    dt.date(2021, 6, 12),
    dt.date(2021, 7, 3),
    dt.date(2022, 3, 15),
    dt.date(2022, 11, 2),
    dt.date(2023, 5, 20),
)


def create_records(
    session: Session, demo: Demo, finds: list[FindingPlan]
) -> list[tuple[District, Polygon]]:
    """Record the minefield records; return their districts and perimeters (for accidents)."""
    rng = demo.rng("records")
    mines = [f for f in finds if f.category in ("ap_mine", "at_mine")]
    by_hazard: dict[int, list[FindingPlan]] = {}
    for find in mines:
        if find.release is not None:
            by_hazard.setdefault(find.release.hazard.id, []).append(find)
    mined = sorted(by_hazard.values(), key=lambda fs: (-len(fs), fs[0].point.x))
    total = demo.count(FULL_SCALE_RECORDS, minimum=8)
    correct = min(max(2, round(total * CORRECT_SHARE)), len(mined))
    tree = shapely.STRtree([f.point for f in mines]) if mines else None
    perimeters = []
    for number in range(1, total + 1):
        if number <= correct:
            found = mined[number - 1]
            polygon = _around(found)
            district = found[0].district
        else:
            district, polygon = _wrong(rng, demo, mined, tree)
        perimeters.append((district, polygon))
        session.add(_record(rng, demo, number, district, polygon, correct=number <= correct))
    session.flush()
    demo.progress("minefield records", total, total)
    return perimeters


def _around(finds: list[FindingPlan]) -> Polygon:
    """Return the rectangle, 60 m wider all round, that holds the mines found in one hazard."""
    hull = shapely.minimum_rotated_rectangle(MultiPoint([f.point for f in finds]))
    centre = hull.centroid
    # Buffer in metres: move to a local metric frame, buffer, and move back.
    kx, ky = m_per_deg_lon(centre.y), M_PER_DEG_LAT
    local = shapely.transform(hull, lambda c: (c - [centre.x, centre.y]) * [kx, ky])
    grown = shapely.minimum_rotated_rectangle(local.buffer(60))
    back = shapely.transform(grown, lambda c: c / [kx, ky] + [centre.x, centre.y])
    assert isinstance(back, Polygon)
    return back


def _wrong(
    rng: random.Random, demo: Demo, mined: list[list[FindingPlan]], tree: shapely.STRtree | None
) -> tuple[District, Polygon]:
    """Return a perimeter holding no mine find: offset from a real minefield, or on clean land."""
    while True:
        if mined and rng.random() < 0.5:
            found = rng.choice(mined)
            district = found[0].district
            real = _around(found).centroid
            turn, distance = rng.uniform(0, 2 * math.pi), rng.uniform(1_500, 4_000)
            lon, lat = offset(real.x, real.y, distance * math.cos(turn), distance * math.sin(turn))
        else:
            district = demo.district(rng)
            spot = point_in(rng, district.geom)
            lon, lat = spot.x, spot.y
        polygon = rectangle(
            lon, lat, rng.uniform(300, 1_200), rng.uniform(150, 600), rng.uniform(0, math.pi)
        )
        inside = tree is not None and len(tree.query(polygon, predicate="intersects")) > 0
        if district.geom.contains(polygon) and not inside:
            return district, polygon


def _record(
    rng: random.Random,
    demo: Demo,
    number: int,
    district: District,
    polygon: Polygon,
    *,
    correct: bool,
) -> MinefieldRecord:
    at_share = rng.choice((0.0, 0.3, 0.6, 1.0))
    expected = rng.randint(40, 600)
    expected_at = round(expected * at_share)
    types = []
    if expected - expected_at:
        types += [("ap_mine", m) for m in rng.sample(["PMN-2", "PMN-4", "OZM-72"], 2)]
    if expected_at:
        types += [("at_mine", rng.choice(["TM-62M", "TM-57"]))]
    laid = dt.date(rng.randint(1992, 1999), rng.randint(1, 12), rng.randint(1, 28))
    return MinefieldRecord(
        reference=f"MFR-{number:04d}",
        source="Minefield record handed over by the former adversary (synthetic)",
        received_date=rng.choice(_RECEIVED),
        laid_date=laid,
        laying_method=rng.choice(("hand", "hand", "mechanical", "unknown")),
        expected_ap=expected - expected_at,
        expected_at=expected_at,
        fuzes="MUV-4 pull fuzes on OZM-72" if rng.random() < 0.3 else None,
        anti_handling=rng.random() < 0.15,
        notes=None if correct else "Verification pending: no mines found where the record shows.",
        admin_area_id=district.id,
        geom=MultiPolygon([polygon]),
        reference_points=_landmarks(rng, polygon),
        mine_rows=_rows(polygon),
        area_m2=geodesic_area_m2(polygon),
        mine_types=[
            RecordMineType(
                eo_model_id=demo.eo_models[c][m],
                expected_count=max(1, expected // max(len(types), 1)),
            )
            for c, m in types
        ],
    )


def _landmarks(rng: random.Random, polygon: Polygon) -> MultiPoint:
    """Return two or three landmarks the record measures from, near its corners."""
    corners = list(polygon.exterior.coords)[:4]
    picked = rng.sample(corners, rng.randint(2, 3))
    return MultiPoint(
        [offset(x, y, rng.uniform(-150, 150), rng.uniform(-150, 150)) for x, y in picked]
    )


def _rows(polygon: Polygon) -> MultiLineString:
    """Return three rows of mines across the record, parallel to two of its sides."""
    a, b, c, _d, _e = polygon.exterior.coords
    rows = []
    for share in (0.25, 0.5, 0.75):
        start = Point(a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share)
        end = Point(start.x + (c[0] - b[0]), start.y + (c[1] - b[1]))
        line = LineString([start, end])
        rows.append(shapely.intersection(line, polygon.buffer(-1e-6)))
    return MultiLineString([r for r in rows if isinstance(r, LineString) and not r.is_empty])
