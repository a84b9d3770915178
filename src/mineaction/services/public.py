"""What anyone may see: aggregate statistics of approved records, never a position or a person.

Land released is given by district and method in hectares; findings by
category; casualties as killed and injured totals.  Nothing here names a
record, a hazard's shape or a victim.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.store.tables import (
    Accident,
    AdminArea,
    FindingRollup,
    Hazard,
    ReleaseRollup,
    Victim,
)


def summary(session: Session) -> dict[str, Any]:
    """Return the public statistics of the approved records.

    Land released and items found are summed from the report roll-ups, which
    the database keeps exact on every write (``store/rollup_ddl.py``): every
    approved record counts once in each of a roll-up's dimensions, so one
    dimension's rows of every span add up to all of them (a million findings:
    tens of thousands of roll-up rows instead of the findings themselves).
    """
    released = session.execute(
        select(AdminArea.name, ReleaseRollup.method, func.sum(ReleaseRollup.area_m2))
        .join(AdminArea, AdminArea.id == ReleaseRollup.member_id, isouter=True)
        .where(ReleaseRollup.approval == "approved", ReleaseRollup.dimension == "district")
        .group_by(AdminArea.name, ReleaseRollup.method)
        .order_by(AdminArea.name, ReleaseRollup.method)
    ).all()
    by_district: dict[str, dict[str, float]] = {}
    for district, method, m2 in released:
        row = by_district.setdefault(district or "unknown", {})
        row[method] = round(float(m2 or 0) / 10_000, 1)
    findings = session.execute(
        select(FindingRollup.category, func.sum(FindingRollup.items))
        .where(FindingRollup.approval == "approved", FindingRollup.dimension == "operator")
        .group_by(FindingRollup.category)
        .order_by(FindingRollup.category)
    ).all()
    outcomes = session.execute(
        select(Victim.outcome, func.count())
        .join(Accident, Accident.id == Victim.accident_id)
        .where(Victim.approval == "approved", Accident.approval == "approved")
        .group_by(Victim.outcome)
    ).all()
    hazards = session.scalar(
        select(func.count()).select_from(Hazard).where(Hazard.approval == "approved")
    )
    return {
        "released_hectares_by_district": by_district,
        "released_hectares_total": round(sum(sum(m.values()) for m in by_district.values()), 1),
        "items_found_by_category": {c: int(q or 0) for c, q in findings},
        "casualties": {o: int(n) for o, n in outcomes},
        "hazardous_areas": int(hazards or 0),
    }
