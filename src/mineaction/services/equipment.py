"""Equipment: detectors, machines, protective kit, vehicles and dogs, with a dated status history.

An item's status (operational, damaged, destroyed, lost) only changes through
``change_status`` or an update here, and every change is a dated step of its
history, so that "how many detectors were destroyed in the period" has an answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.rules import Problems
from mineaction.errors import Problem, ValidationError
from mineaction.services.records import apply_fields
from mineaction.store.tables import Equipment, EquipmentStatusChange, Organisation


def equipment_fields(
    session: Session,
    *,
    equipment_type: str | None,
    serial: str | None,
    organisation_id: int | None,
    status: str | None = "operational",
    status_date: dt.date | None = None,
    acquired_date: dt.date | None = None,
    model: str | None = None,
    notes: str | None = None,
    source_id: str | None = None,
    approval: str = "approved",
    record_id: int | None = None,
) -> dict[str, Any]:
    """Check an item of equipment and return its columns; raise ValidationError if wrong.

    ``record_id`` is the item being changed, so that its own serial is not a duplicate.
    """
    problems = Problems()
    problems.code(vocab.EQUIPMENT_TYPE, equipment_type, "equipment_type")
    problems.code(vocab.EQUIPMENT_STATUS, status, "status")
    problems.code(vocab.APPROVAL, approval, "approval")
    problems.date(status_date, "status_date")
    problems.date(acquired_date, "acquired_date", required=False)
    if acquired_date and status_date and status_date < acquired_date:
        problems.add(
            "status_date",
            status_date,
            "The status date is before the item was acquired.",
            "Check both dates.",
        )
    if not serial:
        problems.add("serial", serial, "serial is required.", "Write the serial number.")
    elif equipment_type:
        other = session.scalar(
            select(Equipment.id).where(
                Equipment.equipment_type == equipment_type, Equipment.serial == serial
            )
        )
        if other is not None and other != record_id:
            problems.add(
                "serial",
                serial,
                f"A {equipment_type} with serial {serial!r} is recorded already.",
                "Check the serial; one item is recorded once and changes status over time.",
            )
    if organisation_id is None:
        problems.add("operator", None, "operator is required: who owns the item.")
    elif session.get(Organisation, organisation_id) is None:
        problems.add("operator", organisation_id, "There is no such organisation.")
    problems.raise_if_any(f"equipment {serial or ''}".strip())
    return {
        "equipment_type": equipment_type,
        "model": model,
        "serial": serial,
        "organisation_id": organisation_id,
        "status": status,
        "status_date": status_date,
        "acquired_date": acquired_date,
        "notes": notes,
        "source_id": source_id,
        "approval": approval,
    }


def create_equipment(*, session: Session, **values: Any) -> Equipment:
    """Record an item (the arguments of :func:`equipment_fields`) with its first status step."""
    fields = equipment_fields(session, **values)
    item = Equipment(**fields)
    item.status_history.append(
        EquipmentStatusChange(
            changed_date=fields["status_date"],
            status=fields["status"],
            organisation_id=fields["organisation_id"],
        )
    )
    session.add(item)
    return item


def update_equipment(*, session: Session, item: Equipment, **values: Any) -> Equipment:
    """Give an item its new state; a new status or owner adds a dated step to its history."""
    fields = equipment_fields(session, record_id=item.id, **values)
    moved = (fields["status"], fields["organisation_id"], fields["status_date"]) != (
        item.status,
        item.organisation_id,
        item.status_date,
    )
    if moved and fields["status_date"] < item.status_date:
        raise _backwards(item, fields["status_date"])
    apply_fields(item, fields)
    if moved:
        item.status_history.append(
            EquipmentStatusChange(
                changed_date=fields["status_date"],
                status=fields["status"],
                organisation_id=fields["organisation_id"],
            )
        )
    session.flush()
    return item


def _backwards(item: Equipment, day: dt.date) -> ValidationError:
    return ValidationError(
        f"The new status of {item.equipment_type} {item.serial} is dated {day.isoformat()}, "
        f"before its current status of {item.status_date.isoformat()}.",
        hint="A status history only moves forward: date the change on or after the last one.",
        problems=[
            Problem(
                reason="status date before the last change",
                field="status_date",
                value=day.isoformat(),
            )
        ],
    )
