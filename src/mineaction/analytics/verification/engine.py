"""Verifying every minefield record against what clearance, survey and accidents found.

``verify_records`` is a pure function of the database and its parameters.
The joins are those of the spatial analytics service
(``mineaction.analytics.spatial``), run in process on both backends since
every point is in memory anyway: on coordinate arrays (a ``PointGrid``),
with no Shapely point per event and never a Python loop over records ×
points:

1. records are read with their perimeters and projected to metres;
2. mine findings and accidents of the period are read as numbers (on
   PostgreSQL packed into bytea, on SQLite as aggregates of id ranges; see
   ``spatial.py``) and projected;
3. one join per kind of point gives every (record, point) pair within the
   buffer and whether the point is inside; the figures of every record are
   sums over those pairs;
4. the part of each record surveyed or cleared comes from land releases and
   activities read through the spatial index around the records (one query of
   each for all records);
5. points outside every record are tested against every hazard, those
   outside both are clustered into proposed suspected areas, and each
   point outside gets its nearest record and the exact distance to it
   (``mineaction.analytics.spatial.nearest``, on the points in their
   grid's order).

A second thread takes the work that waits on nothing the caller's thread
does next: step 4's queries and the hazards', in a sibling connection at
the caller's commit (``mineaction.store.sibling``), then on SQLite a share
of step 2's findings, then step 4's geometry, all while the points are
read; the hazards' projection while the points are projected and joined
with the records, then step 5's nearest record and the outside layer while
the points are tested against the hazards and clustered.  NumPy, Shapely,
GEOS, PROJ and SQLite let go of the GIL in their loops, so two cores share
the work (bench/bench_records.py).  The thread is given plain values and
the sibling, never the caller's session.  Without a sibling (see
``sibling_session``) everything is read in the caller's thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.analytics.spatial import (
    Metric,
    Pairs,
    PointSet,
    PolygonSet,
    near_any,
    pairs_within,
    read_polygons,
)
from mineaction.analytics.spatial.grid import PointGrid
from mineaction.analytics.spatial.nearest import nearest_polygons_xy
from mineaction.analytics.spatial.pages import ordinary_pages
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
    Points,
    accident_filter,
    finding_filter,
    load_accidents,
    load_findings,
    worked_polygons,
)
from mineaction.domain.ledger import polygonal
from mineaction.errors import ValidationError
from mineaction.geo import geodesic_area_m2
from mineaction.geo.areas import geodesic_areas_m2
from mineaction.store.sibling import sibling_session
from mineaction.store.tables import Accident, AdminArea, Finding, Hazard, MinefieldRecord

__all__ = ["verify_records"]

Progress = Callable[[str, int, int], None]
#: The hazards a point outside every record is tested against.
APPROVED_HAZARDS = [Hazard.approval == "approved"]
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
    # A second thread takes the work that waits on nothing this one does next: the
    # polygons' reading (in a sibling connection at this session's commit, on SQLite a
    # share of the findings too) and geometry while the points are read, projected and
    # joined; then the nearest record of each point outside and the outside layer while
    # the points are tested against the hazards (NumPy, Shapely, GEOS, PROJ and SQLite
    # let go of the GIL in their loops). It is given plain values, and reads the database
    # only through the sibling, taken before this session reads anything (on SQLite a
    # session that has read gets none).
    # (The pool is left first: it waits for the thread, which may be reading the sibling.)
    # (Ordinary pages: numpy's huge pages cost this join more than they save; pages.py.)
    with (
        ordinary_pages(),
        sibling_session(session) as sibling,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify") as pool,
    ):
        records = list(
            session.scalars(
                select(MinefieldRecord)
                .where(MinefieldRecord.approval == "approved")
                .order_by(MinefieldRecord.reference)
            )
        )
        n = len(records)
        boxes = [r.geom.bounds for r in records]
        perimeters_lonlat = [(r.geom, r.area_m2) for r in records]
        if sibling is None:  # read here, measured there
            read = _read_polygons(session, boxes, end)
            polygons = pool.submit(_covered, read, perimeters_lonlat)
            finds = load_findings(session, rules.finding_categories, start, end)
        else:  # read there; then, on SQLite, a share of the findings too; then measured
            there = sibling
            reading = pool.submit(_read_polygons, there, boxes, end)
            finds = load_findings(
                session,
                rules.finding_categories,
                start,
                end,
                helper=lambda task: pool.submit(task, there),
            )
            polygons = pool.submit(lambda: _covered(reading.result(), perimeters_lonlat))
        accidents = load_accidents(session, rules.accident_devices, start, end)
        step("read records, findings and accidents", 1, 1)
        metric = _metric(records, finds, accidents)
        lonlat = np.array([r.geom for r in records], dtype=object)
        perimeters = metric.to_metres(lonlat)
        shapes = PolygonSet(
            MinefieldRecord, np.array([r.id for r in records], np.int64), lonlat, perimeters
        )
        hazards = pool.submit(lambda: polygons.result()[0].projected(metric))
        find_set = _point_set(
            Finding, finding_filter(rules.finding_categories, start, end), finds, metric
        )
        acc_set = _point_set(
            Accident, accident_filter(rules.accident_devices, start, end), accidents, metric
        )
        # The points are in memory: joining them here is faster than in PostGIS, which would
        # fetch each candidate point's row again (bench/bench_records.py measures both).
        f_pairs = pairs_within(session, shapes, find_set, rules.buffer_m, in_database=False)
        a_pairs = pairs_within(session, shapes, acc_set, rules.buffer_m, in_database=False)
        step("joined points and records", 1, 1)
        figures = _record_figures(finds, f_pairs, n)
        accidents_inside = np.bincount(a_pairs.polygon[a_pairs.inside], minlength=n)
        find_out = _outside(len(finds), f_pairs)
        acc_out = _outside(len(accidents), a_pairs)
        # The grids are kept for the thread after ``forget``.
        nearest = pool.submit(
            _nearest, [(find_set.grid(), find_out), (acc_set.grid(), acc_out)], perimeters
        )
        events = pool.submit(_outside_events, [(finds, find_out), (accidents, acc_out)])
        projected = hazards.result()
        find_unknown = _outside_hazards(
            session, find_set, find_out, rules.buffer_m, metric, projected
        )
        acc_unknown = _outside_hazards(session, acc_set, acc_out, rules.buffer_m, metric, projected)
        del hazards, projected
        find_set.forget()  # memory: the grids are done with, the points not yet
        acc_set.forget()
        step("tested points outside records against hazards", 1, 1)
        proposed = _proposed_areas(
            session,
            metric,
            rules,
            [(finds, find_out[find_unknown]), (accidents, acc_out[acc_unknown])],
        )
        step("clustered unknown contamination", 1, 1)
        results = []
        coverages = polygons.result()[1]
        for index, (record, coverage) in enumerate(zip(records, coverages, strict=True)):
            evidence = Evidence(
                coverage_share=coverage,
                expected_ap=record.expected_ap,
                expected_at=record.expected_at,
                found_ap=int(figures["found_ap"][index]),
                found_at=int(figures["found_at"][index]),
                mines_inside=int(figures["mines_inside"][index]),
                mines_buffer=int(figures["mines_buffer"][index]),
                accidents_inside=int(accidents_inside[index]),
            )
            klass, reason = classify(evidence, rules)
            results.append(
                RecordResult(
                    record_id=record.id,
                    reference=record.reference,
                    klass=klass,
                    reason=reason,
                    evidence=evidence,
                    findings_inside=int(figures["inside"][index]),
                    findings_buffer=int(figures["buffer"][index]),
                    area_m2=record.area_m2,
                    geom=record.geom,
                )
            )
            step("coverage of each record", index + 1, len(records))
        outside = events.result()
        outside.in_hazard = np.concatenate([~find_unknown, ~acc_unknown])
        _add_nearest(outside, records, nearest.result())
    step("nearest record of each point outside", 1, 1)
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


def _point_set(model: Any, where: list[Any], points: Points, metric: Metric) -> PointSet:
    """Return ``points`` as a set the spatial service joins, projected into ``metric``."""
    points.x, points.y = metric.xy(points.lon, points.lat)
    return PointSet(model, where, points.ids, points.lon, points.lat, points.x, points.y)


def _record_figures(finds: Points, pairs: Pairs, n: int) -> dict[str, Ints]:
    """Return, for each of ``n`` records, its finding counts and mines by place and category."""
    quantity = finds.quantity[pairs.point]
    category = finds.labels[finds.code[pairs.point]]

    def total(keep: npt.NDArray[np.bool_], weights: Ints | None = None) -> Ints:
        w = None if weights is None else weights[keep]
        counts = np.bincount(pairs.polygon[keep], weights=w, minlength=n)
        return np.rint(counts).astype(np.int64)

    inside = pairs.inside
    return {
        "inside": total(inside),
        "buffer": total(~inside),
        "mines_inside": total(inside, quantity),
        "mines_buffer": total(~inside, quantity),
        "found_ap": total(category == "ap_mine", quantity),
        "found_at": total(category == "at_mine", quantity),
    }


def _outside(count: int, pairs: Pairs) -> Ints:
    """Return the positions of the points in no pair (farther than the buffer from every record)."""
    outside = np.ones(count, dtype=bool)
    outside[pairs.point] = False
    return np.flatnonzero(outside).astype(np.int64)


def _read_polygons(
    reader: Session, boxes: list[tuple[float, float, float, float]], end: dt.date | None
) -> tuple[PolygonSet, list[list[BaseGeometry]]]:
    """Return the approved hazards (in lon/lat) and the polygons worked in each record's box."""
    return read_polygons(reader, Hazard, APPROVED_HAZARDS, None), worked_polygons(
        reader, boxes, end
    )


def _covered(
    read: tuple[PolygonSet, list[list[BaseGeometry]]], perimeters: list[tuple[BaseGeometry, float]]
) -> tuple[PolygonSet, list[float]]:
    """Return the hazards as read and each record's coverage by the polygons worked in it.

    ``perimeters``: each record's (perimeter, area in m²).
    """
    hazards, worked = read
    coverages = [
        _coverage(geom, area_m2, shapes)
        for (geom, area_m2), shapes in zip(perimeters, worked, strict=True)
    ]
    return hazards, coverages


def _coverage(geom: BaseGeometry, area_m2: float, shapes: list[BaseGeometry]) -> float:
    """Return the share of a record's area surveyed or cleared (0 to 1) by ``shapes``.

    ``geom`` is the record's perimeter in lon/lat, ``area_m2`` its area.
    """
    if not shapes or area_m2 <= 0:
        return 0.0
    worked = shapely.intersection(shapely.union_all(shapes), geom)
    return min(1.0, geodesic_area_m2(polygonal(worked)) / area_m2)


def _outside_hazards(
    session: Session,
    points: PointSet,
    index: Ints,
    buffer_m: float,
    metric: Metric,
    hazards: PolygonSet,
) -> npt.NDArray[np.bool_]:
    """Return, for each point ``index``, whether it is farther than the buffer from every hazard.

    ``hazards`` are the approved hazards, read and projected once for findings and accidents.
    """
    if len(index) == 0:
        return np.zeros(0, dtype=bool)
    # Every point of the period is in memory already (for the outside layer and the
    # nearest record): joining them with the hazards here is faster than in PostGIS,
    # which would fetch each point's row again (bench/bench_records.py measures both).
    among = np.zeros(len(points), dtype=bool)
    among[index] = True
    near = near_any(
        session,
        Hazard,
        APPROVED_HAZARDS,
        points,
        buffer_m,
        metric,
        in_database=False,
        among=among,
        polygons=hazards,
    )
    return ~near[index]


def _nearest(
    parts: list[tuple[PointGrid, Ints]], perimeters: npt.NDArray[np.object_]
) -> list[tuple[Ints, npt.NDArray[np.float64]]]:
    """Return, for each part's points ``index``, the nearest record and the distance in metres.

    The record as its position in ``perimeters``: -1, with a distance of NaN,
    for none.  Every part (the findings, the accidents) is measured in one go,
    so that the few accidents share the findings' cells, each in its grid's
    order: the first grid's strips are the rows of the cells, so they need
    next to no sorting.
    """
    xs, ys, places = [], [], []
    for grid, index in parts:
        wanted = np.zeros(len(grid), dtype=bool)
        wanted[index] = True
        keep = wanted[grid.order]
        position = np.empty(len(grid), dtype=np.int64)
        position[index] = np.arange(len(index))
        places.append(position[grid.order[keep]])
        xs.append(grid.xs[keep])
        ys.append(grid.ys[keep])
    first = parts[0][0]
    nearest, distance = nearest_polygons_xy(
        np.concatenate(xs),
        np.concatenate(ys),
        perimeters,
        cell=first.strip,
        origin=(first.x0, first.y0),
    )
    answers, start = [], 0
    for (_, index), at in zip(parts, places, strict=True):
        part_nearest, part_distance = np.empty(len(index), np.int64), np.empty(len(index))
        part_nearest[at] = nearest[start : start + len(at)]
        part_distance[at] = distance[start : start + len(at)]
        answers.append((part_nearest, part_distance))
        start += len(at)
    return answers


def _outside_events(parts: list[tuple[Points, Ints]]) -> OutsideEvents:
    """Return the findings then the accidents outside every record, as the outside layer.

    Each part: the points and the positions of those outside every record.
    Whether each lies near a hazard (``in_hazard``) and its nearest record
    (``_add_nearest``) are set afterwards.
    """
    chunks: dict[str, list[Any]] = {
        k: []
        for k in OutsideEvents.__dataclass_fields__
        if k not in ("nearest", "distance_m", "category_labels")
    }
    labels: list[Any] = []
    for kind, (points, index) in enumerate(parts):
        chunks["kind_code"].append(np.full(len(index), kind, dtype=np.int8))
        chunks["ids"].append(points.ids[index])
        chunks["category_code"].append(points.code[index] + len(labels))
        labels += list(points.labels)
        chunks["quantity"].append(points.quantity[index])
        chunks["day"].append(points.day[index])
        chunks["lon"].append(points.lon[index])
        chunks["lat"].append(points.lat[index])
        chunks["in_hazard"].append(np.zeros(len(index), dtype=bool))
    return OutsideEvents(
        **{k: np.concatenate(v) for k, v in chunks.items()},
        category_labels=np.array(labels, dtype=object),
        nearest=np.empty(0, dtype=object),
        distance_m=np.empty(0),
    )


def _add_nearest(
    outside: OutsideEvents,
    records: list[MinefieldRecord],
    parts: list[tuple[Ints, npt.NDArray[np.float64]]],
) -> None:
    """Set each outside event's nearest record (its reference) and the distance to it.

    ``parts``: ``_nearest``'s answers for the findings then the accidents, in the order
    of ``_outside_events``.
    """
    references = np.array([r.reference for r in records] + [None], dtype=object)
    outside.nearest = references[np.concatenate([nearest for nearest, _ in parts])]
    outside.distance_m = np.concatenate([distance for _, distance in parts])


def _proposed_areas(
    session: Session, metric: Metric, rules: Rules, unknown: list[tuple[Points, Ints]]
) -> list[ProposedArea]:
    """Cluster events outside every record and hazard; return each cluster as a proposed SHA.

    ``unknown``: the findings, then the accidents, each as the points and the
    positions of those outside every record and every hazard.
    """
    if sum(len(index) for _, index in unknown) == 0:
        return []
    (finds, find_at), (accidents, acc_at) = unknown
    if finds.x is None or finds.y is None or accidents.x is None or accidents.y is None:
        raise ValueError("the points are not projected")
    x = np.concatenate([finds.x[find_at], accidents.x[acc_at]])
    y = np.concatenate([finds.y[find_at], accidents.y[acc_at]])
    is_find = np.arange(len(x)) < len(find_at)
    quantity = np.concatenate([finds.quantity[find_at], accidents.quantity[acc_at]])
    day = np.concatenate([finds.day[find_at], accidents.day[acc_at]])
    labels = dbscan(x, y, eps=rules.cluster_eps_m, min_points=rules.cluster_min_points)
    clustered = labels >= 0
    if not clustered.any():
        return []
    order = np.argsort(labels[clustered], kind="stable")  # shapely wants sorted indices
    members_of = np.flatnonzero(clustered)[order]
    label_of = labels[clustered][order]
    coords = np.column_stack([x[members_of], y[members_of]])
    # The hull of a cluster's points as a line through them: the same coordinates, so the
    # same hull, without a Shapely point made for each member (a third of the time).
    if np.bincount(label_of).min() >= 2:
        hulls = shapely.convex_hull(shapely.linestrings(coords, indices=label_of))
    else:  # a cluster of one point (cluster_min_points = 1)
        hulls = shapely.convex_hull(shapely.multipoints(coords, indices=label_of))
    grown = metric.to_lonlat(shapely.buffer(hulls, max(rules.buffer_m, 25.0)))
    shapes = _multipolygons(grown)
    area_m2 = geodesic_areas_m2(np.array(shapes, dtype=object)).tolist()
    bounds = np.searchsorted(label_of, np.arange(len(shapes) + 1))
    parts = [members_of[bounds[k] : bounds[k + 1]] for k in range(len(shapes))]
    districts = _district_names(session, shapes)
    areas = []
    for number, (members, area, m2, district) in enumerate(
        zip(parts, shapes, area_m2, districts, strict=True), start=1
    ):
        found = is_find[members]
        days = day[members]
        areas.append(
            ProposedArea(
                number=number,
                findings=int(np.count_nonzero(found)),
                mines=int(quantity[members][found].sum()),
                accidents=int(np.count_nonzero(~found)),
                first_date=dt.date.fromordinal(int(days.min())),
                last_date=dt.date.fromordinal(int(days.max())),
                area_m2=m2,
                district=district,
                geom=area,
            )
        )
    return areas


def _multipolygons(grown: npt.NDArray[np.object_]) -> list[BaseGeometry]:
    """Return each grown hull as a MultiPolygon (as ``polygonal`` would), in one call if it can."""
    if len(grown) and (shapely.get_type_id(grown) == 3).all() and not shapely.is_empty(grown).any():
        return list(shapely.multipolygons(grown, indices=np.arange(len(grown))))
    return [polygonal(g) for g in grown]


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
