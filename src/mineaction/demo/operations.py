"""Writing the planned operations, one year per transaction.

Activities (with their worked polygon and weekly progress reports) come
first, then the year's releases through ``hazards.release_land`` in date
order, then the year's finds.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.demo.context import Demo
from mineaction.demo.findings import FindingPlan
from mineaction.demo.plan import ActivityPlan, Schedule
from mineaction.demo.timeline import END
from mineaction.domain.ledger import polygonal
from mineaction.services import hazards as hazard_service
from mineaction.store.database import Database
from mineaction.store.tables import Activity, Finding, Hazard, ProgressReport

_CONDITION = {"armed": 0.5, "unarmed": 0.25, "damaged": 0.15, "unknown": 0.1}
_DISPOSAL = {"destroyed_in_situ": 0.6, "removed": 0.35, "rendered_safe": 0.05}


def write_operations(
    db: Database, demo: Demo, schedule: Schedule, finds: list[FindingPlan]
) -> None:
    """Record every planned activity, release and find, committing once per year."""
    rng = demo.rng("operations")
    years = sorted({a.start.year for a in schedule.activities})
    releases_by_year: dict[int, list[int]] = defaultdict(list)
    for index, release in enumerate(schedule.releases):
        releases_by_year[release.day.year].append(index)
    total = len(schedule.releases)
    done = 0
    for number, year in enumerate(years, start=1):
        with db.session(actor="demo") as session:
            starting = [a for a in schedule.activities if a.start.year == year]
            _write_activities(session, year, starting)
            # Load the year's hazards in one query rather than one per release (and hold
            # them: the session's identity map forgets objects nobody refers to).
            worked = sorted({schedule.releases[i].hazard.id for i in releases_by_year[year]})
            held = [
                h
                for chunk in range(0, len(worked), 500)
                for h in session.scalars(
                    select(Hazard).where(Hazard.id.in_(worked[chunk : chunk + 500]))
                )
            ]
            for index in releases_by_year[year]:
                plan = schedule.releases[index]
                assert plan.activity.db_id is not None
                hazard_service.release_land(
                    session=session,
                    method=plan.method,
                    release_date=plan.day,
                    organisation_id=plan.activity.organisation_id,
                    hazard_id=plan.hazard.id,
                    geom=plan.geom,
                    activity_id=plan.activity.db_id,
                    admin_area_id=plan.hazard.district.id,
                    depth_cm=plan.depth_cm,
                    country=demo.country,
                )
                done += 1
                if done % 250 == 0 or done == total:
                    demo.progress("land releases", done, total)
            session.add_all(_finding(rng, demo, f) for f in finds if f.day.year == year)
            del held
        demo.progress("years of operations", number, len(years))


def _write_activities(session: Session, year: int, activities: list[ActivityPlan]) -> None:
    rows = []
    for number, plan in enumerate(activities, start=1):
        drawn = [r.geom for r in plan.releases]
        row = Activity(
            reference=f"ACT-{year}-{number:05d}",
            activity_type=plan.activity_type,
            status=plan.status,
            organisation_id=plan.organisation_id,
            team_id=plan.team_id,
            hazard_id=plan.hazard.id if plan.hazard else None,
            admin_area_id=plan.district_id,
            start_date=plan.start,
            end_date=plan.end,
            geom=polygonal(shapely.union_all(drawn)) if drawn else None,
            progress=_progress(plan),
        )
        rows.append(row)
    session.add_all(rows)
    session.flush()
    for plan, row in zip(activities, rows, strict=True):
        plan.db_id = row.id


def _progress(plan: ActivityPlan) -> list[ProgressReport]:
    """Return weekly reports whose areas add up to the land the activity released.

    Each release's area is spread evenly over the weeks since the previous one
    (or since the start): the land was worked all along, released at the end.
    """
    if not plan.releases:
        return []
    area: dict[dt.date, float] = {}
    since = plan.start
    for release in plan.releases:
        ends = _week_ends(since, release.day) or [_week_end(release.day)]
        for week_end in ends:
            area[week_end] = area.get(week_end, 0.0) + release.area_m2 / len(ends)
        since = _week_end(release.day) + dt.timedelta(days=1)
    last = plan.end or END
    for week_end in _week_ends(since, last):  # weeks of work after the last release
        area.setdefault(week_end, 0.0)
    reports = []
    for week_end, m2 in sorted(area.items()):
        monday = week_end - dt.timedelta(days=week_end.weekday())
        days = (min(week_end, last) - max(monday, plan.start)).days + 1
        reports.append(
            ProgressReport(
                report_date=week_end, area_m2=round(m2, 1), team_days=float(max(1, min(6, days)))
            )
        )
    return reports


def _week_end(day: dt.date) -> dt.date:
    """Return the report date of the week of ``day``: its Sunday, or the demo's last day."""
    return min(day + dt.timedelta(days=6 - day.weekday()), END)


def _week_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Return the report dates of every week from ``first`` to ``last`` (none if first > last)."""
    dates = []
    day = first
    while day <= last:
        dates.append(_week_end(day))
        day = _week_end(day) + dt.timedelta(days=1)
    return dates


def _finding(rng: random.Random, demo: Demo, plan: FindingPlan) -> Finding:
    mine = plan.category in ("ap_mine", "at_mine")
    return Finding(
        found_date=plan.day,
        category=plan.category,
        eo_model_id=demo.eo_models[plan.category][plan.model],
        quantity=plan.quantity,
        condition=_pick(rng, _CONDITION),
        depth_cm=rng.randint(3, 25) if mine else rng.randint(0, 60),
        disposal=_pick(rng, _DISPOSAL),
        organisation_id=plan.activity.organisation_id,
        activity_id=plan.activity.db_id,
        hazard_id=plan.release.hazard.id if plan.release else None,
        admin_area_id=plan.district.id,
        geom=plan.point,
    )


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]
