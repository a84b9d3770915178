"""Laying out the operations before any row is written.

Hazards, the activities worked on them and the releases that came of them
depend on each other (a closed hazard's closing date is its last release's
date, a release's method follows its activity's type), so their shapes, links
and dates are drawn here, as arrays, and the builders only slice them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from mineaction.geo import geodesic_area_m2
from synth.reference import operator_and_team
from synth.space import FloatArray, IntArray, K, fans, sector_areas, star_vertices, strip_order
from synth.world import LAST_DAY, World, weighted

#: Share of hazards with at least one release, and of those, the share fully released.
WORKED = 0.7
CLOSED = 0.45
#: Share of activities that are EOD spot tasks (no hazard).
EOD_SHARE = 0.1
FOLLOW_UP_TYPES = ["ts", "clearance_manual", "clearance_mechanical", "clearance_dogs", "bac"]
FOLLOW_UP_WEIGHTS = [0.3, 0.3, 0.2, 0.1, 0.1]
METHOD_OF_TYPE = {"nts": "cancelled", "ts": "reduced"}  # every other type clears
CONTAMINATION = ["ap_mines", "at_mines", "mixed_mines", "uxo", "cluster_munitions", "ied"]
CONTAMINATION_WEIGHTS = [0.25, 0.15, 0.25, 0.2, 0.1, 0.05]


@dataclass
class Hazards:
    """Shapes, places and dates of the hazards, indexed 0..n-1 (ids in ``ids``)."""

    ids: IntArray
    centres: FloatArray
    verts: npt.NDArray[np.float64]
    cumulative: FloatArray  # (n, K + 1) cumulative sector shares, first column 0
    geoms: npt.NDArray[np.object_]
    area_m2: FloatArray
    district: IntArray
    recorded: npt.NDArray[np.datetime64]
    contamination: IntArray


@dataclass
class Releases:
    """Each release: its hazard, its run of sectors, its activity, area and date."""

    owner: IntArray
    first: IntArray
    stop: IntArray
    area_m2: FloatArray
    activity: IntArray  # index into Activities
    date: npt.NDArray[np.datetime64]


@dataclass
class Activities:
    """Each activity: its hazard (-1 for EOD spot tasks), type, operator, team and dates."""

    hazard: IntArray
    first_of_hazard: IntArray  # per hazard: index of its first activity
    count_of_hazard: IntArray  # per hazard: how many activities it has
    kind: npt.NDArray[np.object_]
    organisation: IntArray
    team: IntArray
    start: npt.NDArray[np.datetime64]
    duration: IntArray
    completed: npt.NDArray[np.bool_]


def place_hazards(world: World, ids: IntArray) -> Hazards:
    """Return ``len(ids)`` irregular hazards of 1–50 ha, each inside its district."""
    n = len(ids)
    rng = world.rng

    def make(x: FloatArray, y: FloatArray) -> npt.NDArray[np.object_]:
        area = np.clip(rng.lognormal(np.log(80_000), 0.8, len(x)), 10_000, 500_000)
        verts = star_vertices(rng, x, y, area)
        whole = np.full(len(x), K)
        return fans(np.column_stack([x, y]), verts, np.arange(len(x)), whole - K, whole)

    geoms, district, x, y = world.districts.place(rng, n, make)
    order = strip_order(x, y)
    geoms, district, x, y = geoms[order], district[order], x[order], y[order]
    centres = np.column_stack([x, y])
    verts = shapely.get_coordinates(geoms).reshape(n, K + 1, 2)[:, :K]
    shares = sector_areas(centres, verts)
    shares /= shares.sum(axis=1, keepdims=True)
    return Hazards(
        ids=ids,
        centres=centres,
        verts=verts,
        cumulative=np.concatenate([np.zeros((n, 1)), np.cumsum(shares, axis=1)], axis=1),
        geoms=geoms,
        area_m2=np.array([geodesic_area_m2(g) for g in geoms]),
        district=district,
        recorded=world.days(n, np.datetime64("2021-01-01"), np.datetime64("2024-06-30")),
        contamination=weighted(rng, n, np.asarray(CONTAMINATION_WEIGHTS)),
    )


def release_counts(world: World, n_hazards: int, total: int) -> IntArray:
    """Return how many releases each hazard has: ``total`` in all, at most K each."""
    rng = world.rng
    worked = rng.uniform(0, 1, n_hazards) < WORKED
    if worked.sum() * K < total:
        worked[:] = True
    mean = total / worked.sum()
    counts = np.where(worked, 1 + rng.poisson(max(mean - 1, 0), n_hazards), 0).clip(0, K)
    while (gap := total - int(counts.sum())) != 0:
        room = np.flatnonzero(worked & (counts < K) if gap > 0 else counts > 1)
        if len(room) == 0:
            room = np.flatnonzero(counts < K if gap > 0 else counts > 0)
        pick = rng.choice(room, size=min(abs(gap), len(room)), replace=False)
        counts[pick] += 1 if gap > 0 else -1
    return counts


def cut_sectors(world: World, counts: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Cut each hazard's sectors into runs, one per release.

    Returns (owner, first, stop) of every release and the number of sectors
    released per hazard (K when the hazard is fully released).
    """
    rng = world.rng
    n = len(counts)
    closed = (counts == K) | ((counts > 0) & (rng.uniform(0, 1, n) < CLOSED))
    used = np.where(closed, K, counts + (rng.uniform(0, 1, n) * (K - counts)).astype(np.int64))
    owner = np.repeat(np.arange(n), counts)
    first = np.empty(int(counts.sum()), dtype=np.int64)
    stop = np.empty_like(first)
    at = 0
    for h in np.flatnonzero(counts):
        c, s = int(counts[h]), int(used[h])
        inner = np.sort(rng.choice(np.arange(1, s), size=c - 1, replace=False))
        edges = np.concatenate([[0], inner, [s]])
        first[at : at + c], stop[at : at + c] = edges[:-1], edges[1:]
        at += c
    return owner, first, stop, np.where(counts > 0, used, 0)


def schedule_activities(world: World, hazards: Hazards, counts: IntArray) -> Activities:
    """Give every hazard an NTS and, where it was worked, follow-up activities; add EOD tasks."""
    rng = world.rng
    n_h = len(hazards.ids)
    n_eod = max(1, round(EOD_SHARE * world.plan.activities))
    n_linked = max(world.plan.activities - n_eod, n_h)
    extra = np.bincount(
        weighted(rng, n_linked - n_h, (counts + 0.2).astype(np.float64)), minlength=n_h
    )
    per_hazard = 1 + extra
    first = np.concatenate([[0], np.cumsum(per_hazard)[:-1]])
    hazard = np.repeat(np.arange(n_h), per_hazard)
    order = np.arange(n_linked) - first[hazard]
    kind = np.where(order == 0, "nts", world.pick(FOLLOW_UP_TYPES, n_linked, FOLLOW_UP_WEIGHTS))
    lead = rng.integers(0, 120, n_linked) + order * rng.integers(20, 90, n_linked)
    start = hazards.recorded[hazard] + lead.astype("timedelta64[D]")
    all_kinds = np.concatenate([kind.astype(object), np.full(n_eod, "eod", dtype=object)])
    all_starts = np.concatenate([start, world.days(n_eod)])
    all_starts = np.minimum(all_starts, LAST_DAY - np.timedelta64(10, "D"))
    organisation, team = operator_and_team(world, n_linked + n_eod)
    return Activities(
        hazard=np.concatenate([hazard, np.full(n_eod, -1)]),
        first_of_hazard=first,
        count_of_hazard=per_hazard,
        kind=all_kinds,
        organisation=organisation,
        team=team,
        start=all_starts,
        duration=rng.integers(3, 90, n_linked + n_eod),
        completed=rng.uniform(0, 1, n_linked + n_eod) < 0.9,
    )


def end_dates(activities: Activities) -> npt.NDArray[np.datetime64]:
    """Return each activity's last day (its start plus duration, no later than LAST_DAY)."""
    end = activities.start + activities.duration.astype("timedelta64[D]")
    return np.minimum(end, LAST_DAY)


def during(world: World, activities: Activities, which: IntArray) -> npt.NDArray[np.datetime64]:
    """Return a random day within each of the activities ``which``."""
    return world.days(len(which), activities.start[which], end_dates(activities)[which])


def lay_out_releases(
    world: World,
    hazards: Hazards,
    activities: Activities,
    owner: IntArray,
    first: IntArray,
    stop: IntArray,
) -> Releases:
    """Link each release to an activity of its hazard; give it its area and date.

    A release's area is its share of the hazard's geodesic area, rounded down
    to 0.01 m², so the releases of a hazard never add up to more than it.
    """
    share = hazards.cumulative[owner, stop] - hazards.cumulative[owner, first]
    area = np.floor(hazards.area_m2[owner] * share * 100) / 100
    activity = world.uniform_index(
        activities.first_of_hazard[owner], activities.count_of_hazard[owner]
    )
    return Releases(owner, first, stop, area, activity, during(world, activities, activity))


def release_method(kinds: npt.NDArray[np.object_]) -> list[str]:
    """Return the release method that each activity type produces."""
    return [METHOD_OF_TYPE.get(k, "cleared") for k in kinds.tolist()]


def remaining_shapes(hazards: Hazards, used: IntArray) -> npt.NDArray[np.object_]:
    """Return what is left of each hazard once its first ``used`` sectors are released."""
    n = len(hazards.ids)
    remaining = hazards.geoms.copy()
    partial = np.flatnonzero((used > 0) & (used < K))
    remaining[partial] = fans(
        hazards.centres, hazards.verts, partial, used[partial], np.full(len(partial), K)
    )
    remaining[used >= K] = shapely.from_wkt("MULTIPOLYGON EMPTY")
    assert len(remaining) == n
    return remaining
