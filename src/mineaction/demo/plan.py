"""The release schedule: which slice of which hazard each operator releases, week by week.

Planned in memory first (pure Python, no database), so that activities can
be written with their dates and worked polygons before the releases that
point at them.  Each week releases slices of hazards until that week's
target area is reached; a hazard is cut into vertical bands and released
band by band, so the land-release ledger counts every square metre once.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from mineaction.demo.context import Demo, HazardInfo
from mineaction.demo.reference import NGO_WITHDRAWN, team_for
from mineaction.demo.shapes import bands
from mineaction.demo.timeline import release_ha_per_week, week_days, weeks
from mineaction.geo import geodesic_area_m2

#: Typical size of one release, in hectares: a hazard is cut into slices of about this.
SLICE_HA = 70.0
_METHODS = {
    "sha": {"cancelled": 0.5, "reduced": 0.3, "cleared": 0.2},
    "cha": {"cancelled": 0.1, "reduced": 0.35, "cleared": 0.55},
}
_SURVEY_FIRST = {"cancelled": 0, "reduced": 1, "cleared": 2}
# How each contamination type is cleared: (activity type, weight).
_CLEARANCE = {
    "ap_mines": {"clearance_manual": 0.5, "clearance_mechanical": 0.3, "clearance_dogs": 0.2},
    "mixed_mines": {"clearance_manual": 0.5, "clearance_mechanical": 0.3, "clearance_dogs": 0.2},
    "at_mines": {"clearance_mechanical": 0.6, "clearance_manual": 0.4},
    "uxo": {"bac": 0.7, "clearance_manual": 0.3},
    "cluster_munitions": {"bac": 0.6, "clearance_manual": 0.4},
    "ied": {"clearance_manual": 1.0},
}
_DEPTH = {
    "clearance_manual": 20,
    "clearance_mechanical": 30,
    "clearance_dogs": 15,
    "bac": 30,
    "ts": 15,
}


@dataclass
class ActivityPlan:
    """An activity to write: one operator's team working one hazard with one method."""

    activity_type: str
    organisation_id: int
    team_id: int
    district_id: int
    hazard: HazardInfo | None
    start: dt.date
    releases: list[ReleasePlan] = field(default_factory=list)
    end: dt.date | None = None
    status: str = "ongoing"
    db_id: int | None = None


@dataclass
class ReleasePlan:
    """One release to record with release_land."""

    hazard: HazardInfo
    activity: ActivityPlan
    method: str
    day: dt.date
    geom: BaseGeometry
    area_m2: float

    @property
    def depth_cm(self) -> int | None:
        """Return the clearance depth reported with the release (none for cancelled land)."""
        return _DEPTH.get(self.activity.activity_type) if self.method != "cancelled" else None


@dataclass
class _Work:
    hazard: HazardInfo
    organisation_id: int
    clearance: str
    pending: list[tuple[str, BaseGeometry, float]]
    activities: dict[str, ActivityPlan] = field(default_factory=dict)


@dataclass
class Schedule:
    """Every planned release in date order and every activity, by week."""

    releases: list[ReleasePlan] = field(default_factory=list)
    activities: list[ActivityPlan] = field(default_factory=list)
    by_week: dict[dt.date, list[ReleasePlan]] = field(default_factory=dict)


def plan_releases(demo: Demo) -> Schedule:
    """Plan the releases of every week so the released area follows the ramp of the brief."""
    rng = demo.rng("releases")
    schedule = Schedule()
    backlog = sorted(demo.hazards, key=lambda h: -h.priority)
    active: list[_Work] = []
    carry = 0.0  # area over or under target so far: the next week makes up for it
    for monday in weeks():
        days = week_days(monday)
        target = carry + (
            release_ha_per_week(monday)
            * 10_000
            * demo.scale
            * len(days)
            / 7
            * rng.uniform(0.85, 1.15)
        )
        done = 0.0
        visited: set[int] = set()
        week: list[ReleasePlan] = []
        while True:
            work = next((w for w in active if w.hazard.id not in visited), None)
            if work is None:
                work = _start(rng, demo, backlog, monday)
                if work is None:
                    break  # nothing left that has been recorded by now
                active.append(work)
            # Release the next slice only if that brings the week nearer its target.
            if done + work.pending[0][2] - target > target - done:
                break
            visited.add(work.hazard.id)
            release = _release_next(rng, demo, work, days)
            week.append(release)
            done += release.area_m2
            if not work.pending:
                active.remove(work)
        carry = target - done
        # Shuffle the order of visits so the same hazards do not always come first.
        rng.shuffle(active)
        week.sort(key=lambda r: (r.day, r.hazard.id))
        schedule.by_week[monday] = week
        schedule.releases.extend(week)
    for work in active:  # hazards still being worked at the end of 2024
        for activity in work.activities.values():
            if activity.status != "completed":
                activity.end = None
    schedule.activities = sorted(
        {id(a): a for r in schedule.releases for a in [r.activity]}.values(),
        key=lambda a: (a.start, a.releases[0].hazard.id, a.activity_type),
    )
    return schedule


def _start(
    rng: random.Random, demo: Demo, backlog: list[HazardInfo], monday: dt.date
) -> _Work | None:
    hazard = next((h for h in backlog if h.recorded_date < monday), None)
    if hazard is None:
        return None
    backlog.remove(hazard)
    weights = {
        "ANAMA": 0.45,
        "MOD": 0.25,
        "MES": 0.15,
        "SBS": 0.12 if hazard.district.border else 0.0,
        "FORMER-NGO": 0.08 if monday < NGO_WITHDRAWN else 0.0,
    }
    operator = rng.choices(list(weights), weights=list(weights.values()))[0]
    count = max(1, min(6, round(hazard.area_m2 / 10_000 / SLICE_HA)))
    methods = sorted(
        (_pick(rng, _METHODS[hazard.hazard_type]) for _ in range(count)),
        key=_SURVEY_FIRST.__getitem__,
    )
    slices = bands(hazard.geom, count)
    pending = [(m, s, geodesic_area_m2(s)) for m, s in zip(methods, slices, strict=False)]
    return _Work(hazard, demo.orgs[operator], _pick(rng, _CLEARANCE[hazard.contamination]), pending)


def _release_next(rng: random.Random, demo: Demo, work: _Work, days: list[dt.date]) -> ReleasePlan:
    method, geom, area = work.pending.pop(0)
    activity_type = {"cancelled": "nts", "reduced": "ts"}.get(method, work.clearance)
    day = rng.choice(days[:6] or days)
    activity = work.activities.get(activity_type)
    if activity is None:
        # Work starts some days before the first release: preparation, marking, survey.
        start = max(
            day - dt.timedelta(days=rng.randint(3, 20)),
            work.hazard.recorded_date + dt.timedelta(days=1),
        )
        activity = ActivityPlan(
            activity_type,
            work.organisation_id,
            team_for(demo, rng.random(), work.organisation_id, activity_type),
            work.hazard.district.id,
            work.hazard,
            min(start, day),
        )
        work.activities[activity_type] = activity
    release = ReleasePlan(work.hazard, activity, method, day, geom, area)
    activity.releases.append(release)
    activity.end = day
    # An activity is complete when none of the hazard's pending slices is its own.
    waiting = {"cancelled": "nts", "reduced": "ts"}
    if not any(waiting.get(m, work.clearance) == activity_type for m, _g, _a in work.pending):
        activity.status = "completed"
    return release


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]
