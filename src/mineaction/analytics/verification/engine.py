"""Verifying every minefield record against what clearance, survey and accidents found.

``verify_records`` is a pure function of the database and its parameters.
The joins run in-process on Shapely 2's STRtree over arrays, never a Python
loop over records × points:

1. records are read with their perimeters and projected to metres;
2. mine findings and accidents of the period are read as numbers (their
   bounding-box columns) and projected;
3. one STRtree over the perimeters answers "inside" and "within the buffer"
   for every point at once, and "nearest record" for the points outside;
4. the part of each record surveyed or cleared comes from land releases and
   activities read through the spatial index around that record;
5. points outside every record are tested against every hazard (one STRtree)
   and those outside both are clustered into proposed suspected areas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.analytics.verification.clusters import dbscan
from mineaction.analytics.verification.result import (
    Distances,
    OutsideEvents,
    ProposedArea,
    RecordResult,
    Verification,
)
from mineaction.analytics.verification.rules import Evidence, Rules, classify
from mineaction.analytics.verification.spatial import (
    Metric,
    Points,
    load_accidents,
    load_findings,
    load_hazards,
    nearest_polygons,
    worked_polygons,
)
from mineaction.domain.ledger import polygonal
from mineaction.errors import ValidationError
from mineaction.geo import geodesic_area_m2
from mineaction.store.tables import AdminArea, MinefieldRecord

__all__ = ["verify_records"]

Progress = Callable[[str, int, int], None]
Ints = npt.NDArray[np.int64]


def verify_records(
    session: Session,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    rules: Rules | None = None,
    progress: Progress | None = None,
) -> Verification:
    """Return the verification of every approved record and the national picture.

    Findings and accidents count when they happened between ``start`` and
    ``end`` (inclusive; open when None); land surveyed or cleared counts when
    it was by ``end``.
    """
    rules = rules or Rules()
    if start and end and start > end:
        raise ValidationError(
            f"The period starts ({start}) after it ends ({end}).",
            hint="Give --from before --to.",
        )
    step = progress or (lambda _s, _d, _t: None)
    records = list(
        session.scalars(
            select(MinefieldRecord)
            .where(MinefieldRecord.approval == "approved")
            .order_by(MinefieldRecord.reference)
        )
    )
    finds = load_findings(session, rules.finding_categories, start, end)
    accidents = load_accidents(session, rules.accident_devices, start, end)
    step("read records, findings and accidents", 1, 1)
    metric = _metric(records, finds, accidents)
    perimeters = metric.to_metres(np.array([r.geom for r in records], dtype=object))
    tree = shapely.STRtree(perimeters)
    find_pts, acc_pts = finds.project(metric), accidents.project(metric)
    f_in, f_near = _joins(tree, find_pts, rules.buffer_m)
    a_in, a_near = _joins(tree, acc_pts, rules.buffer_m)
    step("joined points and records", 1, 1)

    results = []
    for index, record in enumerate(records):
        coverage = _coverage(session, record, end)
        inside = f_in[1][f_in[0] == index]
        near = np.setdiff1d(f_near[1][f_near[0] == index], inside)
        found = _by_category(finds, np.concatenate([inside, near]))
        evidence = Evidence(
            coverage_share=coverage,
            expected_ap=record.expected_ap,
            expected_at=record.expected_at,
            found_ap=found.get("ap_mine", 0),
            found_at=found.get("at_mine", 0),
            mines_inside=int(finds.quantity[inside].sum()),
            mines_buffer=int(finds.quantity[near].sum()),
            accidents_inside=int(np.count_nonzero(a_in[0] == index)),
        )
        klass, reason = classify(evidence, rules)
        results.append(
            RecordResult(
                record_id=record.id,
                reference=record.reference,
                klass=klass,
                reason=reason,
                evidence=evidence,
                findings_inside=len(inside),
                findings_buffer=len(near),
                area_m2=record.area_m2,
                geom=record.geom,
            )
        )
        step("coverage of each record", index + 1, len(records))

    find_out = np.setdiff1d(np.arange(len(finds)), f_near[1])
    acc_out = np.setdiff1d(np.arange(len(accidents)), a_near[1])
    hazards_tree = _hazards_tree(session, metric) if len(find_out) + len(acc_out) else None
    find_unknown = _outside_hazards(hazards_tree, find_pts[find_out], rules.buffer_m)
    acc_unknown = _outside_hazards(hazards_tree, acc_pts[acc_out], rules.buffer_m)
    step("tested points outside records against hazards", 1, 1)

    outside = _outside_events(
        perimeters,
        records,
        [(finds, find_pts, find_out, find_unknown), (accidents, acc_pts, acc_out, acc_unknown)],
    )
    step("nearest record of each point outside", 1, 1)
    proposed = _proposed_areas(session, metric, rules, outside, finds, accidents)
    step("clustered unknown contamination", 1, 1)
    return Verification(
        start=start,
        end=end,
        rules=rules,
        records=results,
        findings=len(finds),
        findings_outside=len(find_out),
        accidents=len(accidents),
        accidents_outside=len(acc_out),
        accidents_outside_hazards=int(np.count_nonzero(acc_unknown)),
        distances=Distances.of(outside.distance_m[: len(find_out)]),
        outside=outside,
        proposed=proposed,
    )


def _metric(records: list[MinefieldRecord], *points: Points) -> Metric:
    """Return a projection centred on everything verified (records and points)."""
    lons = [r.min_x for r in records if r.min_x is not None] + [
        r.max_x for r in records if r.max_x is not None
    ]
    lats = [r.min_y for r in records if r.min_y is not None] + [
        r.max_y for r in records if r.max_y is not None
    ]
    for p in points:
        if len(p):
            lons += [float(p.lon.min()), float(p.lon.max())]
            lats += [float(p.lat.min()), float(p.lat.max())]
    if not lons:
        return Metric(0.0, 0.0)
    return Metric((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)


def _joins(
    tree: shapely.STRtree, points: npt.NDArray[np.object_], buffer_m: float
) -> tuple[tuple[Ints, Ints], tuple[Ints, Ints]]:
    """Return (record, point) index pairs: point inside record, and within the buffer of it."""
    if len(points) == 0 or len(tree) == 0:
        empty = np.empty(0, np.int64)
        return (empty, empty), (empty, empty)
    p_in, r_in = tree.query(points, predicate="intersects")
    if buffer_m > 0:
        p_near, r_near = tree.query(points, predicate="dwithin", distance=buffer_m)
    else:
        p_near, r_near = p_in, r_in
    return (r_in, p_in), (r_near, p_near)


def _by_category(points: Points, index: Ints) -> dict[str, int]:
    totals: dict[str, int] = {}
    for category, quantity in zip(
        points.category[index].tolist(), points.quantity[index].tolist(), strict=True
    ):
        totals[category] = totals.get(category, 0) + int(quantity)
    return totals


def _coverage(session: Session, record: MinefieldRecord, end: dt.date | None) -> float:
    """Return the share of the record's area surveyed or cleared by ``end`` (0 to 1)."""
    shapes = worked_polygons(session, record.geom.bounds, end)
    if not shapes or record.area_m2 <= 0:
        return 0.0
    worked = shapely.intersection(shapely.union_all(shapes), record.geom)
    return min(1.0, geodesic_area_m2(polygonal(worked)) / record.area_m2)


def _hazards_tree(session: Session, metric: Metric) -> shapely.STRtree:
    _references, shapes = load_hazards(session)
    return shapely.STRtree(metric.to_metres(np.array(shapes, dtype=object)))


def _outside_hazards(
    tree: shapely.STRtree | None, points: npt.NDArray[np.object_], buffer_m: float
) -> npt.NDArray[np.bool_]:
    """Return, for each point, whether it lies farther than the buffer from every hazard."""
    unknown = np.ones(len(points), dtype=bool)
    if tree is None or len(points) == 0 or len(tree) == 0:
        return unknown
    hits, _ = tree.query(points, predicate="dwithin", distance=max(buffer_m, 0.0))
    unknown[hits] = False
    return unknown


def _outside_events(
    perimeters: npt.NDArray[np.object_],
    records: list[MinefieldRecord],
    parts: list[tuple[Points, npt.NDArray[np.object_], Ints, npt.NDArray[np.bool_]]],
) -> OutsideEvents:
    """Return the findings then the accidents outside every record, with the nearest record."""
    references = np.array([r.reference for r in records] + [None], dtype=object)
    chunks: dict[str, list[Any]] = {
        k: [] for k in OutsideEvents.__dataclass_fields__ if k not in ("x", "y")
    }
    for (points, geoms, index, unknown), kind in zip(parts, ("finding", "accident"), strict=True):
        nearest = np.full(len(index), -1, np.int64)
        distance = np.full(len(index), np.nan)
        if len(index) and len(perimeters):
            nearest, distance = nearest_polygons(geoms[index], perimeters)
        chunks["kind"].append(np.full(len(index), kind, dtype=object))
        chunks["ids"].append(points.ids[index])
        chunks["category"].append(points.category[index])
        chunks["quantity"].append(points.quantity[index])
        chunks["day"].append(points.day[index])
        chunks["lon"].append(points.lon[index])
        chunks["lat"].append(points.lat[index])
        chunks["nearest"].append(references[nearest])
        chunks["distance_m"].append(distance)
        chunks["in_hazard"].append(~unknown)
        chunks.setdefault("_x", []).append(points.x[index] if points.x is not None else [])
        chunks.setdefault("_y", []).append(points.y[index] if points.y is not None else [])
    x, y = np.concatenate(chunks.pop("_x")), np.concatenate(chunks.pop("_y"))
    return OutsideEvents(**{k: np.concatenate(v) for k, v in chunks.items()}, x=x, y=y)


def _proposed_areas(
    session: Session,
    metric: Metric,
    rules: Rules,
    outside: OutsideEvents,
    finds: Points,
    accidents: Points,
) -> list[ProposedArea]:
    """Cluster events outside every record and hazard; return each cluster as a proposed SHA."""
    unknown = np.flatnonzero(~outside.in_hazard)
    if len(unknown) == 0:
        return []
    x, y = outside.x[unknown], outside.y[unknown]
    labels = dbscan(x, y, eps=rules.cluster_eps_m, min_points=rules.cluster_min_points)
    clustered = labels >= 0
    if not clustered.any():
        return []
    order = np.argsort(labels[clustered], kind="stable")  # shapely wants sorted indices
    members_of = unknown[clustered][order]
    label_of = labels[clustered][order]
    hulls = shapely.convex_hull(
        shapely.multipoints(
            np.column_stack([outside.x[members_of], outside.y[members_of]]), indices=label_of
        )
    )
    grown = metric.to_lonlat(shapely.buffer(hulls, max(rules.buffer_m, 25.0)))
    shapes = [polygonal(g) for g in grown]
    bounds = np.searchsorted(label_of, np.arange(len(shapes) + 1))
    parts = [members_of[bounds[k] : bounds[k + 1]] for k in range(len(shapes))]
    districts = _district_names(session, shapes)
    areas = []
    for number, (members, area, district) in enumerate(
        zip(parts, shapes, districts, strict=True), start=1
    ):
        is_find = outside.kind[members] == "finding"
        days = outside.day[members]
        areas.append(
            ProposedArea(
                number=number,
                findings=int(np.count_nonzero(is_find)),
                mines=int(outside.quantity[members][is_find].sum()),
                accidents=int(np.count_nonzero(~is_find)),
                first_date=dt.date.fromordinal(int(days.min())),
                last_date=dt.date.fromordinal(int(days.max())),
                area_m2=geodesic_area_m2(area),
                district=district,
                geom=area,
            )
        )
    return areas


def _district_names(session: Session, shapes: list[BaseGeometry]) -> list[str | None]:
    """Return the name of the district holding each shape (at a point surely inside it)."""
    if not shapes:
        return []
    areas = list(
        session.execute(select(AdminArea.name, AdminArea.geom).where(AdminArea.level == "district"))
    )
    names: list[str | None] = [None] * len(shapes)
    if not areas:
        return names
    tree = shapely.STRtree([g for _, g in areas])
    inside = shapely.point_on_surface(np.array(shapes, dtype=object))
    point_idx, area_idx = tree.query(inside, predicate="within")
    for p, a in zip(point_idx.tolist(), area_idx.tolist(), strict=True):
        names[p] = names[p] or areas[a][0]
    return names
