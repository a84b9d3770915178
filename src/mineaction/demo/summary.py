"""What the demo built: counts of records and the 2024 weekly figures, read back from the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.demo.timeline import WEEKS_2024
from mineaction.services import status
from mineaction.store.tables import Finding, LandRelease, Victim

_YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


@dataclass(frozen=True)
class DemoSummary:
    """Counts of the demo's records and its 2024 weekly averages (as the agency reports them).

    ``uxo_per_week`` counts every find that is not an AP or AT mine (shells,
    rockets, submunitions, IEDs, abandoned ordnance), as ANAMA's summaries do.
    """

    seed: int
    scale: float
    counts: dict[str, int]
    at_mines_per_week: float
    ap_mines_per_week: float
    uxo_per_week: float
    ha_released_per_week: float
    victims_killed: int
    victims_injured: int


def summarise(session: Session, *, seed: int, scale: float) -> DemoSummary:
    """Return the summary of the data set in ``session``, computed from its records."""
    first, last = _YEAR_2024
    quantities = {
        category: int(total or 0)
        for category, total in session.execute(
            select(Finding.category, func.sum(Finding.quantity))
            .where(Finding.found_date.between(first, last))
            .group_by(Finding.category)
        )
    }
    released = (
        session.scalar(
            select(func.coalesce(func.sum(LandRelease.area_m2), 0.0)).where(
                LandRelease.release_date.between(first, last)
            )
        )
        or 0.0
    )
    outcomes = {
        outcome: int(n)
        for outcome, n in session.execute(
            select(Victim.outcome, func.count()).group_by(Victim.outcome)
        )
    }
    at = quantities.pop("at_mine", 0)
    ap = quantities.pop("ap_mine", 0)
    uxo = sum(quantities.values())
    return DemoSummary(
        seed=seed,
        scale=scale,
        counts=status.counts(session),
        at_mines_per_week=round(at / WEEKS_2024, 1),
        ap_mines_per_week=round(ap / WEEKS_2024, 1),
        uxo_per_week=round(uxo / WEEKS_2024, 1),
        ha_released_per_week=round(float(released) / 10_000 / WEEKS_2024, 1),
        victims_killed=int(outcomes.get("killed", 0)),
        victims_injured=int(outcomes.get("injured", 0)),
    )
