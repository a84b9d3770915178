"""Accidents and their victims (IMAS 10.60), validated once for every face."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.rules import Problems
from mineaction.services import admin_areas
from mineaction.services.country import CONFIGURED, CountryChoice
from mineaction.services.records import apply_fields
from mineaction.store.tables import Accident, Victim


def create_accident(*, session: Session, **values: Any) -> Accident:
    """Validate and record an accident (the arguments of :func:`accident_fields`)."""
    accident = Accident(**accident_fields(session, **values))
    session.add(accident)
    return accident


def update_accident(*, session: Session, accident: Accident, **values: Any) -> Accident:
    """Give an accident that is not approved yet its new state; the change is versioned."""
    apply_fields(accident, accident_fields(session, **values))
    session.flush()
    return accident


def accident_fields(
    session: Session,
    *,
    accident_date: dt.date | None,
    accident_type: str | None,
    device_category: str | None,
    lon: float | None = None,
    lat: float | None = None,
    admin_area_id: int | None = None,
    description: str | None = None,
    country: CountryChoice = CONFIGURED,
    source_id: str | None = None,
    approval: str = "approved",
    date_precision: str = "day",
) -> dict[str, Any]:
    """Check an accident's values and return its columns; its district comes from its position.

    ``date_precision`` says how much of ``accident_date`` is known: day, month or year.
    """
    problems = Problems()
    problems.date(accident_date, "date")
    problems.code(vocab.DATE_PRECISION, date_precision, "date_precision")
    problems.code(vocab.ACCIDENT_TYPE, accident_type, "accident_type")
    problems.code(vocab.EO_CATEGORY, device_category, "device_category")
    problems.code(vocab.APPROVAL, approval, "approval")
    problems.position(lon, lat, has_district=admin_area_id is not None, what="An accident")
    problems.raise_if_any(f"accident {source_id or ''}".strip())
    point, admin_area_id = admin_areas.place_point(session, lon, lat, admin_area_id, country)
    assert accident_date is not None and accident_type and device_category
    return {
        "accident_date": accident_date,
        "date_precision": date_precision,
        "accident_type": accident_type,
        "device_category": device_category,
        "admin_area_id": admin_area_id,
        "description": description,
        "geom": point,
        "source_id": source_id,
        "approval": approval,
    }


def add_victim(*, session: Session, accident: Accident, **values: Any) -> Victim:
    """Validate and record a victim of ``accident`` (the arguments of :func:`victim_fields`)."""
    victim = Victim(accident=accident, **victim_fields(**values))
    session.add(victim)
    return victim


def update_victim(*, session: Session, victim: Victim, accident: Accident, **values: Any) -> Victim:
    """Give a victim record that is not approved yet its new state; the change is versioned."""
    fields = victim_fields(**values)
    fields["accident_id"] = accident.id
    apply_fields(victim, fields)
    session.flush()
    return victim


def victim_fields(
    *,
    outcome: str | None,
    sex: str | None = "unknown",
    age: int | None = None,
    group: str | None = "unknown",
    activity_at_time: str | None = None,
    tampering: bool | None = None,
    source_id: str | None = None,
    approval: str = "approved",
) -> dict[str, Any]:
    """Check a victim's values and return the columns; the age band follows from the age."""
    problems = Problems()
    problems.code(vocab.OUTCOME, outcome, "outcome")
    problems.code(vocab.SEX, sex or "unknown", "sex")
    problems.code(vocab.VICTIM_GROUP, group or "unknown", "group")
    problems.code(vocab.VICTIM_ACTIVITY, activity_at_time, "activity_at_time", required=False)
    problems.code(vocab.APPROVAL, approval, "approval")
    if age is not None and not 0 <= age <= 110:
        problems.add(
            "age",
            age,
            "The age must be between 0 and 110 years.",
            "Leave it empty when the age is not known.",
        )
    problems.raise_if_any(f"victim {source_id or ''}".strip())
    assert outcome is not None
    return {
        "outcome": outcome,
        "sex": sex or "unknown",
        "age": age,
        "age_band": vocab.age_band(age),
        "victim_group": group or "unknown",
        "activity_at_time": activity_at_time,
        "tampering": tampering,
        "source_id": source_id,
        "approval": approval,
    }
