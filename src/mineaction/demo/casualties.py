"""Accidents, their victims, and assistance to survivors (IMAS 10.60, Landmine Monitor method).

The split follows the brief: by October 2023, 334 victims, 65 killed and
269 injured; civilians 50 killed and 105 injured, military 15 killed and
164 injured.  The demo runs on to December 2024 and adds a few deminers.
More than half of the 2023–24 mine accidents happen outside the minefield
records, as the agency reported.
"""

from __future__ import annotations

import datetime as dt
import random

from shapely.geometry import Point, Polygon
from sqlalchemy.orm import Session

from mineaction.demo.context import Demo, District
from mineaction.demo.plan import ActivityPlan, Schedule
from mineaction.demo.shapes import point_in
from mineaction.demo.timeline import END, START, random_date
from mineaction.domain.vocab import age_band
from mineaction.store.tables import Accident, Assistance, Victim

#: (victim group, outcome) → victims, November 2020 – December 2024, full scale.
VICTIMS = {
    ("civilian", "killed"): 53,
    ("civilian", "injured"): 112,
    ("military", "killed"): 16,
    ("military", "injured"): 172,
    ("deminer", "killed"): 3,
    ("deminer", "injured"): 12,
}
# When each group's accidents happened: (share, first, last).
_WHEN = {
    "military": (
        (0.7, START, dt.date(2021, 12, 31)),
        (0.2, dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        (0.1, dt.date(2023, 1, 1), END),
    ),
    "civilian": (
        (0.38, START, dt.date(2021, 12, 31)),
        (0.28, dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        (0.34, dt.date(2023, 1, 1), END),
    ),
    "deminer": ((1.0, dt.date(2021, 3, 1), END),),
}
_GROUP_SIZE = {
    "military": {1: 0.5, 2: 0.3, 3: 0.15, 4: 0.05},
    "civilian": {1: 0.75, 2: 0.2, 3: 0.05},
    "deminer": {1: 0.9, 2: 0.1},
}
_DEVICE = {
    "military": {"at_mine": 0.45, "ap_mine": 0.35, "uxo": 0.2},
    "civilian": {"ap_mine": 0.45, "at_mine": 0.2, "uxo": 0.3, "submunition": 0.05},
    "deminer": {"ap_mine": 0.7, "uxo": 0.2, "at_mine": 0.1},
}
_CIVILIAN_ACTIVITY = {
    "farming": 0.35,
    "travelling": 0.2,
    "collecting": 0.15,
    "tampering": 0.1,
    "reconstruction": 0.15,
    "unknown": 0.05,
}
_ASSISTANCE = (
    ("medical", 0.6, 0, 3),
    ("rehabilitation", 0.35, 30, 150),
    ("psychosocial", 0.15, 20, 200),
    ("economic", 0.1, 120, 400),
)


def create_casualties(
    session: Session, demo: Demo, schedule: Schedule, records: list[tuple[District, Polygon]]
) -> None:
    """Record accidents with their victims, then assistance to many of the survivors."""
    rng = demo.rng("casualties")
    worked = [a for a in schedule.activities if a.hazard is not None and a.db_id is not None]
    accidents = []
    for (group, outcome), full in VICTIMS.items():
        people = [outcome] * demo.count(full, minimum=1 if full > 10 else 0)
        while people:
            sizes = _GROUP_SIZE[group]
            size = min(len(people), rng.choices(list(sizes), weights=list(sizes.values()))[0])
            taken, people = people[:size], people[size:]
            accidents.append(_accident(rng, demo, group, taken, worked, records))
    accidents.sort(key=lambda a: (a.accident_date, a.admin_area_id or 0))
    session.add_all(accidents)
    session.flush()
    session.add_all(_assistance(rng, demo, accidents))
    demo.progress("accidents", len(accidents), len(accidents))


def _accident(
    rng: random.Random,
    demo: Demo,
    group: str,
    outcomes: list[str],
    worked: list[ActivityPlan],
    records: list[tuple[District, Polygon]],
) -> Accident:
    _share, first, last = rng.choices(_WHEN[group], weights=[w[0] for w in _WHEN[group]])[0]
    day = random_date(rng.random(), first, last)
    category = _pick(rng, _DEVICE[group])
    activity = None
    if group == "deminer":
        running = [a for a in worked if a.start <= day <= (a.end or END)] or worked
        activity = rng.choice(running)
        assert activity.hazard is not None
        district, point = activity.hazard.district, point_in(rng, activity.hazard.geom)
    else:
        district, point = _where(rng, demo, day, records)
    models = demo.eo_models[category]
    return Accident(
        accident_date=day,
        accident_type="demining" if activity else "mine",
        device_category=category,
        eo_model_id=models[rng.choice(sorted(models))],
        admin_area_id=district.id,
        activity_id=activity.db_id if activity else None,
        organisation_id=activity.organisation_id if activity else None,
        description=f"Synthetic {category.replace('_', ' ')} accident",
        geom=point,
        victims=[_victim(rng, group, o) for o in outcomes],
    )


def _where(
    rng: random.Random, demo: Demo, day: dt.date, records: list[tuple[District, Polygon]]
) -> tuple[District, Point]:
    """Return where a mine accident happened: a record, a hazard, or unrecorded land."""
    # About a third of recent accidents inside a record: well over half happen outside.
    if records and day.year >= 2023 and rng.random() < 0.3:
        district, polygon = rng.choice(records)
        return district, point_in(rng, polygon)
    known = [h for h in demo.hazards if h.recorded_date <= day]
    if known and rng.random() < 0.5:
        hazard = rng.choice(known)
        return hazard.district, point_in(rng, hazard.geom)
    district = demo.district(rng)
    return district, point_in(rng, district.geom)


def _victim(rng: random.Random, group: str, outcome: str) -> Victim:
    if group == "civilian":
        roll = rng.random()
        age: int | None = (
            rng.randint(7, 17)
            if roll < 0.14
            else rng.randint(60, 78)
            if roll < 0.22
            else None
            if roll < 0.27
            else rng.randint(18, 59)
        )
        sex = "female" if rng.random() < 0.12 else "male"
        doing = _pick(rng, _CIVILIAN_ACTIVITY)
    else:
        age = rng.randint(19, 45) if group == "military" else rng.randint(22, 50)
        sex = "female" if group == "deminer" and rng.random() < 0.05 else "male"
        doing = "military_duty" if group == "military" else "demining"
    return Victim(
        sex=sex,
        age=age,
        age_band=age_band(age),
        victim_group=group,
        outcome=outcome,
        activity_at_time=doing,
        tampering=doing == "tampering",
    )


def _assistance(rng: random.Random, demo: Demo, accidents: list[Accident]) -> list[Assistance]:
    rows = []
    for accident in accidents:
        for victim in accident.victims:
            if victim.outcome != "injured":
                continue
            for kind, share, earliest, latest in _ASSISTANCE:
                if rng.random() >= share:
                    continue
                day = min(accident.accident_date + dt.timedelta(rng.randint(earliest, latest)), END)
                band = victim.age_band if victim.age_band != "unknown" else "adult"
                column = f"{'female' if victim.sex == 'female' else 'male'}_{band}"
                rows.append(
                    Assistance(
                        assistance_date=day,
                        assistance_type=kind,
                        organisation_id=demo.orgs["MES" if kind == "medical" else "ANAMA"],
                        admin_area_id=accident.admin_area_id,
                        victim_id=victim.id,
                        **{column: 1},
                    )
                )
    return rows


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]
