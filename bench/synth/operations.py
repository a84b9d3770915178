"""Operations: hazards and their blockages, activities, land releases, EO findings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import shapely

from mineaction.domain import vocab
from synth.layout import (
    CONTAMINATION,
    Activities,
    Hazards,
    cut_sectors,
    during,
    end_dates,
    lay_out_releases,
    place_hazards,
    release_counts,
    release_method,
    remaining_shapes,
    schedule_activities,
)
from synth.sink import Batch
from synth.space import (
    IntArray,
    K,
    bounds,
    fans,
    metres_to_degrees,
    points_in_sectors,
    strip_order,
)
from synth.world import World, chunks, nullable

#: EO categories found in each contamination type (rows follow layout.CONTAMINATION).
CATEGORIES = ["ap_mine", "at_mine", "uxo", "submunition", "ied", "abandoned_ordnance", "other"]
FOUND_IN = np.array(
    [
        [0.80, 0.02, 0.12, 0.01, 0.00, 0.04, 0.01],  # ap_mines
        [0.05, 0.75, 0.14, 0.01, 0.00, 0.04, 0.01],  # at_mines
        [0.55, 0.30, 0.10, 0.01, 0.00, 0.03, 0.01],  # mixed_mines
        [0.03, 0.01, 0.75, 0.06, 0.00, 0.14, 0.01],  # uxo
        [0.02, 0.01, 0.25, 0.67, 0.00, 0.04, 0.01],  # cluster_munitions
        [0.10, 0.05, 0.20, 0.00, 0.60, 0.04, 0.01],  # ied
    ]
)
FOUND_AT_EOD = np.array([0.05, 0.02, 0.70, 0.08, 0.00, 0.14, 0.01])
#: Share of findings made inside hazards (the rest at EOD spot tasks).
IN_HAZARDS = 0.85


def hazards(world: World) -> Iterator[Batch]:
    """Lay out hazards, activities and releases; write the hazards, ledger already applied."""
    plan = world.plan
    hz = place_hazards(world, world.take_ids("hazards", plan.hazards))
    counts = release_counts(world, len(hz.ids), plan.land_releases)
    owner, first, stop, used = cut_sectors(world, counts)
    acts = schedule_activities(world, hz, counts)
    releases = lay_out_releases(world, hz, acts, owner, first, stop)
    world.links.update(hazards=hz, activities=acts, releases=releases)
    n = len(hz.ids)
    released = np.bincount(owner, weights=releases.area_m2, minlength=n)
    assert (released <= hz.area_m2).all(), "the releases of a hazard exceed its area"
    closed = used >= K
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, owner, releases.date.astype(np.int64))
    handed_over = world.rng.uniform(0, 1, n) < 0.2
    remaining = remaining_shapes(hz, used)
    columns: dict[str, Any] = {
        "reference": np.array([f"SYN-HA-{i:07d}" for i in hz.ids], dtype=object),
        "hazard_type": world.pick(["sha", "cha"], n, [0.6, 0.4]),
        "contamination": np.asarray(CONTAMINATION, dtype=object)[hz.contamination],
        "status": np.where(closed, np.where(handed_over, "handed_over", "closed"), "open"),
        "evidence": world.pick(list(vocab.EVIDENCE), n, [30, 35, 5, 5, 25]),
        "expected_beneficiaries": world.rng.poisson(120, n),
        "recorded_date": hz.recorded,
        "closed_date": np.where(closed, last.astype("datetime64[D]"), np.datetime64("NaT")),
        "organisation_id": acts.organisation[acts.first_of_hazard],
        "admin_area_id": world.districts.ids[hz.district],
        "geom": hz.geoms,
        "remaining_geom": remaining,
        "benchmark_point": shapely.points(hz.centres),
        "area_m2": hz.area_m2,
        "released_m2": released,
        **bounds(hz.geoms),
    }
    for part in chunks(n):
        yield Batch("hazards", {**world.record(hz.ids[part]), **_slice(columns, part)})


def blockages(world: World) -> Iterator[Batch]:
    """Write what each hazard blocks: each of the six kinds with a chance of one in eight."""
    hz: Hazards = world.links["hazards"]
    kinds = list(vocab.BLOCKAGE)
    blocked = world.rng.uniform(0, 1, (len(hz.ids), len(kinds))) < 0.125
    hazard, kind = np.nonzero(blocked)
    yield Batch(
        "hazard_blockages",
        {
            "id": world.take_ids("hazard_blockages", len(hazard)),
            "hazard_id": hz.ids[hazard],
            "blockage": np.asarray(kinds, dtype=object)[kind],
        },
    )


def activities(world: World) -> Iterator[Batch]:
    """Write the activities: hazard-linked ones work the hazard's polygon, EOD tasks a 40 m box."""
    hz: Hazards = world.links["hazards"]
    acts: Activities = world.links["activities"]
    n = len(acts.kind)
    ids = world.take_ids("activities", n)
    world.links["activity_ids"] = ids
    linked = acts.hazard >= 0
    eod = np.flatnonzero(~linked)
    x, y, district = world.districts.sample(world.rng, len(eod))
    world.links["eod"] = {"index": eod, "x": x, "y": y, "district": district}
    dx, dy = metres_to_degrees(np.full(len(eod), 20.0), np.full(len(eod), 20.0), y)
    geoms = np.empty(n, dtype=object)
    geoms[linked] = hz.geoms[acts.hazard[linked]]
    geoms[eod] = shapely.multipolygons(shapely.box(x - dx, y - dy, x + dx, y + dy)[:, None])
    areas = np.empty(n, dtype=np.int64)
    areas[linked] = world.districts.ids[hz.district[acts.hazard[linked]]]
    areas[eod] = world.districts.ids[district]
    columns: dict[str, Any] = {
        "reference": np.array([f"SYN-AC-{i:07d}" for i in ids], dtype=object),
        "activity_type": acts.kind,
        "status": np.where(acts.completed, "completed", "ongoing").astype(object),
        "organisation_id": acts.organisation,
        "team_id": acts.team,
        "hazard_id": np.where(linked, hz.ids[acts.hazard], -1),
        "admin_area_id": areas,
        "start_date": acts.start,
        "end_date": np.where(acts.completed, end_dates(acts), np.datetime64("NaT")),
        "geom": geoms,
        **bounds(geoms),
    }
    for part in chunks(n):
        batch = _slice(columns, part)
        batch["hazard_id"] = nullable(batch["hazard_id"], batch["hazard_id"] >= 0)
        yield Batch("activities", {**world.record(ids[part]), **batch})


def land_releases(world: World) -> Iterator[Batch]:
    """Write the releases: runs of their hazard's sectors, so they never overlap."""
    hz: Hazards = world.links["hazards"]
    acts: Activities = world.links["activities"]
    rel = world.links["releases"]
    act_ids = world.links["activity_ids"]
    n = len(rel.owner)
    ids = world.take_ids("land_releases", n)
    for part in chunks(n):
        owner, activity = rel.owner[part], rel.activity[part]
        geoms = fans(hz.centres, hz.verts, owner, rel.first[part], rel.stop[part])
        method = release_method(acts.kind[activity])
        depth = world.rng.choice([13, 15, 20, 25, 30], len(owner))
        yield Batch(
            "land_releases",
            {
                **world.record(ids[part]),
                "method": method,
                "release_date": rel.date[part],
                "organisation_id": acts.organisation[activity],
                "hazard_id": hz.ids[owner],
                "activity_id": act_ids[activity],
                "admin_area_id": world.districts.ids[hz.district[owner]],
                "depth_cm": nullable(depth, np.asarray(method) != "cancelled"),
                "geom": geoms,
                "counted_geom": geoms,
                "reported_area_m2": np.round(rel.area_m2[part]),
                "area_m2": rel.area_m2[part],
                "overlap_m2": 0.0,
                **bounds(geoms),
            },
        )


def findings(world: World) -> Iterator[Batch]:
    """Write the EO findings: most inside hazards during an activity, the rest at EOD tasks."""
    ids = world.take_ids("findings", world.plan.findings)
    for part in chunks(len(ids)):
        yield Batch("findings", _findings_chunk(world, ids[part]))


def _findings_chunk(world: World, ids: IntArray) -> dict[str, Any]:
    rng = world.rng
    hz: Hazards = world.links["hazards"]
    acts: Activities = world.links["activities"]
    eod = world.links["eod"]
    n = len(ids)
    inside = rng.uniform(0, 1, n) < IN_HAZARDS
    hazard = np.where(inside, rng.choice(len(hz.ids), n, p=hz.area_m2 / hz.area_m2.sum()), -1)
    x, y = points_in_sectors(rng, hz.centres, hz.verts, hz.cumulative[:, 1:], hazard.clip(0))
    spot = rng.integers(0, len(eod["index"]), n)
    dx, dy = metres_to_degrees(rng.normal(0, 10, n), rng.normal(0, 10, n), eod["y"][spot])
    x = np.where(inside, x, eod["x"][spot] + dx)
    y = np.where(inside, y, eod["y"][spot] + dy)
    district = np.where(inside, hz.district[hazard.clip(0)], eod["district"][spot])
    astray = ~inside & ~shapely.contains_xy(world.districts.geoms[district], x, y)
    x[astray], y[astray] = eod["x"][spot][astray], eod["y"][spot][astray]  # across a border
    activity = np.where(
        inside,
        world.uniform_index(
            acts.first_of_hazard[hazard.clip(0)], acts.count_of_hazard[hazard.clip(0)]
        ),
        eod["index"][spot],
    )
    probabilities = np.where(
        inside[:, None], FOUND_IN[hz.contamination[hazard.clip(0)]], FOUND_AT_EOD
    )
    category = (probabilities.cumsum(axis=1) < rng.uniform(0, 1, (n, 1))).sum(axis=1).clip(0, 6)
    columns = {
        "found_date": during(world, acts, activity),
        "category": np.asarray(CATEGORIES, dtype=object)[category],
        "eo_model_id": _models(world, category),
        "quantity": np.where(category >= 2, rng.geometric(0.6, n), 1),
        "condition": world.pick(list(vocab.FINDING_CONDITION), n, [30, 40, 15, 15]),
        "depth_cm": nullable(rng.integers(0, 40, n), rng.uniform(0, 1, n) < 0.8),
        "disposal": world.pick(list(vocab.DISPOSAL), n, [60, 35, 5]),
        "organisation_id": acts.organisation[activity],
        "activity_id": world.links["activity_ids"][activity],
        "hazard_id": nullable(hz.ids[hazard.clip(0)], inside),
        "admin_area_id": world.districts.ids[district],
        "geom": shapely.points(x, y),
        "min_x": x,
        "min_y": y,
        "max_x": x,
        "max_y": y,
    }
    order = strip_order(x, y)
    return {**world.record(ids), **{k: _take(v, order) for k, v in columns.items()}}


def _take(values: Any, order: IntArray) -> Any:
    """Return ``values`` (an array, a list or a scalar) in ``order``."""
    if isinstance(values, np.ndarray):
        return values[order]
    if isinstance(values, list):
        return [values[i] for i in order.tolist()]
    return values


def _models(world: World, category: IntArray) -> list[Any]:
    """Return an EO model id of each category (unknown, None, for one finding in seven)."""
    eo = world.links["eo"]
    index = np.array([eo["categories"].index(c) for c in CATEGORIES])[category]
    model = world.uniform_index(eo["first"][index], eo["count"][index])
    return nullable(model, world.rng.uniform(0, 1, len(category)) < 6 / 7)


def _slice(columns: dict[str, Any], part: slice) -> dict[str, Any]:
    return {k: v[part] if isinstance(v, np.ndarray) else v for k, v in columns.items()}
