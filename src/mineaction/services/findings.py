"""Explosive ordnance found: validated once here for imports, the API and the web.

Field names in problems are the canonical import columns (docs/import-formats.md),
so an importer can point at the file's column without translating.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.rules import Problems
from mineaction.services import admin_areas
from mineaction.services.country import CONFIGURED, CountryChoice
from mineaction.services.records import apply_fields
from mineaction.store.tables import EOModel, Finding


def eo_model_id(session: Session, category: str, model: str | None) -> int | None:
    """Return the catalogue id of ``model`` in ``category``, adding it when it is new."""
    if not model:
        return None
    found = session.scalar(
        select(EOModel.id).where(EOModel.category == category, EOModel.model == model)
    )
    if found is not None:
        return int(found)
    entry = EOModel(category=category, model=model)
    session.add(entry)
    session.flush()
    return entry.id


def create_finding(*, session: Session, **values: Any) -> Finding:
    """Validate and record one EO finding; its district comes from its position if not given.

    Takes the keyword arguments of :func:`finding_fields`.
    """
    finding = Finding(**finding_fields(session, **values))
    session.add(finding)
    return finding


def update_finding(*, session: Session, finding: Finding, **values: Any) -> Finding:
    """Validate new values for a finding that is not approved yet; the change is versioned.

    Takes the keyword arguments of :func:`finding_fields` (the finding's full new state).
    """
    apply_fields(finding, finding_fields(session, **values))
    session.flush()
    return finding


def finding_fields(
    session: Session,
    *,
    found_date: dt.date | None,
    category: str | None,
    quantity: int | None = 1,
    lon: float | None = None,
    lat: float | None = None,
    model: str | None = None,
    organisation_id: int | None = None,
    admin_area_id: int | None = None,
    activity_id: int | None = None,
    hazard_id: int | None = None,
    condition: str | None = None,
    depth_cm: int | None = None,
    disposal: str | None = None,
    country: CountryChoice = CONFIGURED,
    source_id: str | None = None,
    approval: str = "approved",
    date_precision: str = "day",
) -> dict[str, Any]:
    """Check a finding's values and return its columns; raise ValidationError listing problems.

    ``date_precision`` says how much of ``found_date`` is known: day, month or year.
    """
    problems = Problems()
    problems.date(found_date, "date")
    problems.code(vocab.DATE_PRECISION, date_precision, "date_precision")
    problems.code(vocab.EO_CATEGORY, category, "category")
    problems.code(vocab.FINDING_CONDITION, condition, "condition", required=False)
    problems.code(vocab.DISPOSAL, disposal, "disposal", required=False)
    problems.code(vocab.APPROVAL, approval, "approval")
    if quantity is None or quantity < 1:
        problems.add(
            "quantity",
            quantity,
            "The quantity must be a whole number of at least 1.",
            "Write how many items were found, e.g. 1.",
        )
    if depth_cm is not None and depth_cm < 0:
        problems.add("depth_cm", depth_cm, "The depth cannot be negative.")
    problems.position(lon, lat, has_district=admin_area_id is not None, what="A finding")
    problems.raise_if_any(f"finding {source_id or ''}".strip())
    point, admin_area_id = admin_areas.place_point(session, lon, lat, admin_area_id, country)
    assert category is not None and found_date is not None and quantity is not None
    return {
        "found_date": found_date,
        "date_precision": date_precision,
        "category": category,
        "eo_model_id": eo_model_id(session, category, model),
        "quantity": quantity,
        "condition": condition,
        "depth_cm": depth_cm,
        "disposal": disposal,
        "organisation_id": organisation_id,
        "activity_id": activity_id,
        "hazard_id": hazard_id,
        "admin_area_id": admin_area_id,
        "geom": point,
        "source_id": source_id,
        "approval": approval,
    }
