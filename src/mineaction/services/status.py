"""What the database holds: one count per kind of record, and facts about the data set."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.store.tables import (
    Accident,
    Activity,
    AdminArea,
    Assistance,
    DatasetFact,
    EORESession,
    Equipment,
    Finding,
    Hazard,
    LandRelease,
    MinefieldRecord,
    Organisation,
    Project,
    Victim,
)

#: The keys of ``mineaction status --format json``, in order (a documented contract).
STATUS_KINDS: dict[str, Any] = {
    "organisations": Organisation,
    "admin_areas": AdminArea,
    "hazards": Hazard,
    "activities": Activity,
    "land_releases": LandRelease,
    "findings": Finding,
    "accidents": Accident,
    "victims": Victim,
    "minefield_records": MinefieldRecord,
    "eore_sessions": EORESession,
    "assistance": Assistance,
    "equipment": Equipment,
    "projects": Project,
}

#: How people call each kind (the CLI table and the web page use these).
KIND_LABELS: dict[str, str] = {
    "organisations": "Organisations",
    "admin_areas": "Administrative areas",
    "hazards": "Hazardous areas",
    "activities": "Activities",
    "land_releases": "Land releases",
    "findings": "EO findings",
    "accidents": "Accidents",
    "victims": "Victims",
    "minefield_records": "Minefield records",
    "eore_sessions": "EORE sessions",
    "assistance": "Victim assistance",
    "equipment": "Equipment",
    "projects": "Development projects",
}

SYNTHETIC_FACT = "synthetic"


def counts(session: Session) -> dict[str, int]:
    """Return the number of records of each kind, keyed as in STATUS_KINDS."""
    parts = [
        select(func.count()).select_from(model).scalar_subquery().label(key)
        for key, model in STATUS_KINDS.items()
    ]
    row = session.execute(select(*parts)).one()
    return {key: int(value) for key, value in zip(STATUS_KINDS, row, strict=True)}


def facts(session: Session) -> dict[str, str]:
    """Return the data set's facts (e.g. ``synthetic``)."""
    return {f.key: f.value for f in session.scalars(select(DatasetFact))}


def set_fact(session: Session, key: str, value: str) -> None:
    """Record a fact about the data set."""
    fact = session.get(DatasetFact, key)
    if fact is None:
        session.add(DatasetFact(key=key, value=value))
    else:
        fact.value = value
    session.flush()


def is_synthetic(session: Session) -> bool:
    """Tell whether the data set is the synthetic demo (every output must say so)."""
    return facts(session).get(SYNTHETIC_FACT) == "true"
