"""Explosive ordnance found, week by week: mostly where teams worked, some reported elsewhere.

Quantities follow the brief: about 50 AT mines, 25 AP mines and 350 UXO a
week in 2024, fewer before.  A find made during survey or clearance lies in
the slice of the hazard released that week; the rest are EOD spot tasks on
land that no hazard covers (real life: ordnance turns up everywhere).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from shapely.geometry import Point

from mineaction.demo.context import Demo, District
from mineaction.demo.plan import ActivityPlan, ReleasePlan, Schedule
from mineaction.demo.reference import team_for
from mineaction.demo.shapes import point_in
from mineaction.demo.timeline import (
    AP_PER_WEEK,
    AT_PER_WEEK,
    UXO_PER_WEEK,
    mine_factor,
    uxo_factor,
    week_days,
)

# (quantity, weight) of one find of each kind.
_QUANTITY = {
    "at_mine": ((1, 0.6), (2, 0.25), (3, 0.1), (4, 0.05)),
    "ap_mine": ((1, 0.75), (2, 0.2), (3, 0.05)),
    "uxo": ((1, 0.45), (2, 0.18), (3, 0.12), (4, 0.08), (6, 0.09), (10, 0.08)),
}
# How likely a kind of find is in a hazard of each contamination type.
_AFFINITY = {
    "at_mine": {"at_mines": 5.0, "mixed_mines": 4.0, "ap_mines": 0.3},
    "ap_mine": {"ap_mines": 5.0, "mixed_mines": 4.0, "at_mines": 0.3},
    "uxo": {"uxo": 5.0, "cluster_munitions": 4.0},
}
# Share of finds made outside any hazard (EOD spot tasks).
_OUTSIDE = {"at_mine": 0.05, "ap_mine": 0.08, "uxo": 0.15}
_AP_MODELS = {"PMN-2": 0.45, "PMN-4": 0.15, "OZM-72": 0.25, "POM-2": 0.15}
_AT_MODELS = {"TM-62M": 0.6, "TM-57": 0.2, "TM-62P": 0.2}
_UXO_MODELS = {
    "122 mm shell": 0.25,
    "152 mm shell": 0.15,
    "BM-21 rocket": 0.15,
    "Mortar bomb 82 mm": 0.25,
    "RGD-5 grenade": 0.2,
}


@dataclass
class FindingPlan:
    """One find to write."""

    day: dt.date
    category: str
    model: str
    quantity: int
    point: Point
    district: District
    activity: ActivityPlan
    release: ReleasePlan | None


def plan_findings(demo: Demo, schedule: Schedule) -> list[FindingPlan]:
    """Plan every find of every week; EOD activities for finds outside hazards are added."""
    rng = demo.rng("findings")
    eod: dict[tuple[int, int, int, int], ActivityPlan] = {}
    finds: list[FindingPlan] = []
    for monday, week in schedule.by_week.items():
        days = week_days(monday)
        share = len(days) / 7 * demo.scale
        worked = [r for r in week if r.method != "cancelled"]
        for kind, base, factor in (
            ("at_mine", AT_PER_WEEK, mine_factor(monday)),
            ("ap_mine", AP_PER_WEEK, mine_factor(monday)),
            ("uxo", UXO_PER_WEEK, uxo_factor(monday)),
        ):
            remaining = _round(rng, base * factor * share * rng.uniform(0.8, 1.2))
            while remaining > 0:
                quantity = min(remaining, _quantity(rng, kind))
                remaining -= quantity
                finds.append(_find(rng, demo, kind, quantity, worked, days, eod))
    schedule.activities.extend(
        sorted(eod.values(), key=lambda a: (a.start, a.district_id, a.organisation_id))
    )
    return finds


def _find(
    rng: random.Random,
    demo: Demo,
    kind: str,
    quantity: int,
    worked: list[ReleasePlan],
    days: list[dt.date],
    eod: dict[tuple[int, int, int, int], ActivityPlan],
) -> FindingPlan:
    weights = [_AFFINITY[kind].get(r.hazard.contamination, 0.5) for r in worked]
    if worked and rng.random() >= _OUTSIDE[kind]:
        release = rng.choices(worked, weights=weights)[0]
        category, model = _model(rng, kind, release.hazard.contamination)
        return FindingPlan(
            release.day,
            category,
            model,
            quantity,
            point_in(rng, release.geom),
            release.hazard.district,
            release.activity,
            release,
        )
    district = demo.district(rng)
    point = point_in(rng, district.geom)
    while demo.in_any_hazard(point):
        point = point_in(rng, district.geom)
    day = rng.choice(days)
    category, model = _model(rng, kind, "uxo")
    return FindingPlan(
        day,
        category,
        model,
        quantity,
        point,
        district,
        _eod_activity(rng, demo, eod, district, day),
        None,
    )


def _eod_activity(
    rng: random.Random,
    demo: Demo,
    eod: dict[tuple[int, int, int, int], ActivityPlan],
    district: District,
    day: dt.date,
) -> ActivityPlan:
    """Return the EOD spot-task activity of one operator in one district and quarter."""
    weights = {"ANAMA": 0.6, "MES": 0.25, "MOD": 0.15}
    operator = rng.choices(list(weights), weights=list(weights.values()))[0]
    organisation_id = demo.orgs[operator]
    quarter = (day.month - 1) // 3
    key = (organisation_id, district.id, day.year, quarter)
    if key not in eod:
        first = dt.date(day.year, quarter * 3 + 1, 1)
        nxt = dt.date(day.year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1)
        eod[key] = ActivityPlan(
            "eod",
            organisation_id,
            team_for(demo, rng.random(), organisation_id, "eod"),
            district.id,
            None,
            max(first, day),
            end=min(nxt - dt.timedelta(days=1), dt.date(2024, 12, 31)),
            status="completed",
        )
    activity = eod[key]
    activity.start = min(activity.start, day)
    return activity


def _model(rng: random.Random, kind: str, contamination: str) -> tuple[str, str]:
    if kind == "at_mine":
        return "at_mine", _pick(rng, _AT_MODELS)
    if kind == "ap_mine":
        return "ap_mine", _pick(rng, _AP_MODELS)
    if contamination == "cluster_munitions" and rng.random() < 0.6:
        return "submunition", "M095"
    if contamination == "ied" and rng.random() < 0.3:
        return "ied", "IED"
    if rng.random() < 0.04:
        return "abandoned_ordnance", "Small-arms ammunition cache"
    return "uxo", _pick(rng, _UXO_MODELS)


def _quantity(rng: random.Random, kind: str) -> int:
    options = _QUANTITY[kind]
    return rng.choices([q for q, _w in options], weights=[w for _q, w in options])[0]


def _round(rng: random.Random, value: float) -> int:
    """Round up or down at random so that small scales keep the expected total."""
    whole = int(value)
    return whole + (1 if rng.random() < value - whole else 0)


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]
