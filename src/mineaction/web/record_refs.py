"""A record page's references as people read them: by name or reference, linked to their page.

A record stores other records by number (``organisation_id`` 1,
``hazard_id`` 45); its page shows the organisation's name, the area's
name, the hazard's reference, each linked to the record it names.  One
small query per reference; a number that names nothing stays a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from mineaction.store.tables import Activity, Hazard
from mineaction.store.tables.casualties import Accident, Victim
from mineaction.store.tables.reference import AdminArea, EOModel, Organisation, Team

__all__ = ["Reference", "references"]


@dataclass(frozen=True)
class Reference:
    """How a referenced record is shown: its text, and its page when it has one."""

    text: str
    href: str | None


#: field -> (model, columns whose values make the text, kind of its page or None)
_FIELDS: dict[str, tuple[Any, tuple[InstrumentedAttribute[Any], ...], str | None]] = {
    "organisation_id": (Organisation, (Organisation.name,), "organisations"),
    "admin_area_id": (AdminArea, (AdminArea.name,), "districts"),
    "parent_id": (AdminArea, (AdminArea.name,), "districts"),
    "team_id": (Team, (Team.code,), None),
    "eo_model_id": (EOModel, (EOModel.model,), None),
    "hazard_id": (Hazard, (Hazard.reference,), "hazards"),
    "activity_id": (Activity, (Activity.reference,), "activities"),
    "accident_id": (Accident, (), "accidents"),
    "victim_id": (Victim, (), "victims"),
}


def references(session: Session, record: dict[str, Any]) -> dict[str, Reference]:
    """Return, for each reference field of ``record`` that names a record, how to show it."""
    found: dict[str, Reference] = {}
    for field, (model, columns, kind) in _FIELDS.items():
        number = record.get(field)
        if not isinstance(number, int):
            continue
        href = f"/records/{kind}/{number}" if kind else None
        if not columns:
            found[field] = Reference(f"#{number}", href)
            continue
        row = session.execute(select(*columns).where(model.id == number)).first()
        if row is not None and row[0]:
            found[field] = Reference(str(row[0]), href)
    return found
