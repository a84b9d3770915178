"""Risk education sessions and victim assistance: beneficiaries by sex × age band.

Validated once here for imports, the API and the web.  Field names in problems
are the canonical import columns (docs/import-formats.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.rules import Problems
from mineaction.services import admin_areas
from mineaction.services.country import CONFIGURED, CountryChoice
from mineaction.services.records import apply_fields
from mineaction.store.tables import Assistance, EORESession, Organisation, Victim
from mineaction.store.tables.programmes import BENEFICIARY_COLUMNS


def check_beneficiaries(problems: Problems, counts: dict[str, int | None]) -> dict[str, int]:
    """Return the six beneficiary counts (empty = 0); a negative count is a problem."""
    checked = {}
    for column in BENEFICIARY_COLUMNS:
        value = counts.get(column)
        if value is not None and value < 0:
            problems.add(column, value, f"{column} cannot be negative.", "Write 0 when none.")
        checked[column] = max(value or 0, 0)
    return checked


def _check_organisation(session: Session, problems: Problems, organisation_id: int | None) -> None:
    if organisation_id is None:
        problems.add("operator", None, "operator is required.", "Give the organisation code.")
    elif session.get(Organisation, organisation_id) is None:
        problems.add("operator", organisation_id, "There is no such organisation.")


def eore_fields(
    session: Session,
    *,
    session_date: dt.date | None,
    organisation_id: int | None,
    method: str | None = "session",
    location: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    admin_area_id: int | None = None,
    beneficiaries: dict[str, int | None] | None = None,
    country: CountryChoice = CONFIGURED,
    source_id: str | None = None,
    approval: str = "approved",
) -> dict[str, Any]:
    """Check a risk education session and return its columns; raise ValidationError if wrong.

    A session needs a place: a position, a district or at least a location name.
    """
    problems = Problems()
    problems.date(session_date, "date")
    problems.code(vocab.EORE_METHOD, method, "method")
    problems.code(vocab.APPROVAL, approval, "approval")
    _check_organisation(session, problems, organisation_id)
    counts = check_beneficiaries(problems, beneficiaries or {})
    if not sum(counts.values()):
        problems.add(
            "female_child",
            0,
            "A session needs at least one beneficiary.",
            "Count the people who attended by sex and age band.",
        )
    problems.position(
        lon, lat, has_district=admin_area_id is not None or bool(location), what="A session"
    )
    problems.raise_if_any(f"EORE session {source_id or ''}".strip())
    point, admin_area_id = admin_areas.place_point(session, lon, lat, admin_area_id, country)
    return {
        "session_date": session_date,
        "organisation_id": organisation_id,
        "method": method,
        "location": location,
        "admin_area_id": admin_area_id,
        "geom": point,
        "source_id": source_id,
        "approval": approval,
        **counts,
    }


def create_eore_session(*, session: Session, **values: Any) -> EORESession:
    """Validate and record a risk education session (the arguments of :func:`eore_fields`)."""
    record = EORESession(**eore_fields(session, **values))
    session.add(record)
    return record


def update_eore_session(*, session: Session, record: EORESession, **values: Any) -> EORESession:
    """Give a session that is not approved yet its new state; the change is versioned."""
    apply_fields(record, eore_fields(session, **values))
    session.flush()
    return record


def assistance_fields(
    session: Session,
    *,
    assistance_date: dt.date | None,
    assistance_type: str | None,
    organisation_id: int | None,
    admin_area_id: int | None = None,
    victim_id: int | None = None,
    beneficiaries: dict[str, int | None] | None = None,
    notes: str | None = None,
    source_id: str | None = None,
    approval: str = "approved",
) -> dict[str, Any]:
    """Check assistance delivered and return its columns; raise ValidationError if wrong.

    Assistance serves one victim (``victim_id``) or the beneficiaries a programme
    counts by sex × age band; one of the two is needed.
    """
    problems = Problems()
    problems.date(assistance_date, "date")
    problems.code(vocab.ASSISTANCE_TYPE, assistance_type, "assistance_type")
    problems.code(vocab.APPROVAL, approval, "approval")
    _check_organisation(session, problems, organisation_id)
    counts = check_beneficiaries(problems, beneficiaries or {})
    if victim_id is not None and session.get(Victim, victim_id) is None:
        problems.add("victim_id", victim_id, "There is no such victim.")
    if victim_id is None and not sum(counts.values()):
        problems.add(
            "victim_id",
            None,
            "Assistance needs a victim or at least one beneficiary.",
            "Give the victim's id, or the beneficiary counts of the programme.",
        )
    problems.raise_if_any(f"assistance {source_id or ''}".strip())
    return {
        "assistance_date": assistance_date,
        "assistance_type": assistance_type,
        "organisation_id": organisation_id,
        "admin_area_id": admin_area_id,
        "victim_id": victim_id,
        "notes": notes,
        "source_id": source_id,
        "approval": approval,
        **counts,
    }


def create_assistance(*, session: Session, **values: Any) -> Assistance:
    """Validate and record assistance (the arguments of :func:`assistance_fields`)."""
    record = Assistance(**assistance_fields(session, **values))
    session.add(record)
    return record


def update_assistance(*, session: Session, record: Assistance, **values: Any) -> Assistance:
    """Give assistance that is not approved yet its new state; the change is versioned."""
    apply_fields(record, assistance_fields(session, **values))
    session.flush()
    return record
