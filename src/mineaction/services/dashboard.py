"""The dashboard's figures: approved work this week, month and year, and the review queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.services.catalogue import KINDS
from mineaction.store.tables import Accident, Finding, LandRelease, Victim


def periods(today: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    """Return this week (Monday to Sunday), month and year around ``today``.

    >>> periods(dt.date(2024, 5, 2))["week"]
    (datetime.date(2024, 4, 29), datetime.date(2024, 5, 5))
    """
    monday = today - dt.timedelta(days=today.weekday())
    month = today.replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    return {
        "week": (monday, monday + dt.timedelta(days=6)),
        "month": (month, next_month - dt.timedelta(days=1)),
        "year": (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
    }


def figures(session: Session, *, today: dt.date) -> dict[str, Any]:
    """Return approved items found, hectares released, accidents and casualties per period."""
    out: dict[str, Any] = {}
    for name, (start, end) in periods(today).items():
        items = session.scalar(
            select(func.coalesce(func.sum(Finding.quantity), 0)).where(
                Finding.approval == "approved", Finding.found_date.between(start, end)
            )
        )
        by_category = dict(
            session.execute(
                select(Finding.category, func.sum(Finding.quantity))
                .where(Finding.approval == "approved", Finding.found_date.between(start, end))
                .group_by(Finding.category)
                .order_by(Finding.category)
            ).all()
        )
        m2 = session.scalar(
            select(func.coalesce(func.sum(LandRelease.area_m2), 0.0)).where(
                LandRelease.approval == "approved",
                LandRelease.release_date.between(start, end),
            )
        )
        accidents = session.scalar(
            select(func.count())
            .select_from(Accident)
            .where(Accident.approval == "approved", Accident.accident_date.between(start, end))
        )
        victims = session.scalar(
            select(func.count())
            .select_from(Victim)
            .join(Accident, Accident.id == Victim.accident_id)
            .where(Victim.approval == "approved", Accident.accident_date.between(start, end))
        )
        out[name] = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "items_found": int(items or 0),
            "items_by_category": {k: int(v) for k, v in by_category.items()},
            "hectares_released": round(float(m2 or 0) / 10_000, 1),
            "accidents": int(accidents or 0),
            "victims": int(victims or 0),
        }
    out["awaiting_review"] = {
        info.name: int(
            session.scalar(
                select(func.count())
                .select_from(info.model)
                .where(info.model.approval == "submitted")
            )
            or 0
        )
        for info in KINDS.values()
        if info.writable is not None
    }
    return out
