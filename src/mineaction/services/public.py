"""What anyone may see: aggregate statistics of approved records, never a position or a person.

Land released is given by district and method in hectares; findings by
category; casualties as killed and injured totals.  Nothing here names a
record, a hazard's shape or a victim.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.store.tables import Accident, AdminArea, Finding, Hazard, LandRelease, Victim


def summary(session: Session) -> dict[str, Any]:
    """Return the public statistics of the approved records."""
    released = session.execute(
        select(AdminArea.name, LandRelease.method, func.sum(LandRelease.area_m2))
        .join(AdminArea, AdminArea.id == LandRelease.admin_area_id, isouter=True)
        .where(LandRelease.approval == "approved")
        .group_by(AdminArea.name, LandRelease.method)
        .order_by(AdminArea.name, LandRelease.method)
    ).all()
    by_district: dict[str, dict[str, float]] = {}
    for district, method, m2 in released:
        row = by_district.setdefault(district or "unknown", {})
        row[method] = round(float(m2 or 0) / 10_000, 1)
    findings = session.execute(
        select(Finding.category, func.sum(Finding.quantity))
        .where(Finding.approval == "approved")
        .group_by(Finding.category)
        .order_by(Finding.category)
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
