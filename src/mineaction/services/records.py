"""Reading and changing any versioned record, with lost updates refused."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from mineaction.errors import ConflictError, NotFoundError
from mineaction.store.base import Record

R = TypeVar("R", bound=Record)


#: The largest id a record can have: record tables' ids are 32-bit integers on PostgreSQL.
MAX_RECORD_ID = 2**31 - 1


def get_record(session: Session, model: type[R], record_id: int) -> R:
    """Return the record ``record_id`` of ``model``; raise NotFoundError when there is none."""
    # An id past the database's integers names no record (and would overflow the query).
    record = session.get(model, record_id) if 1 <= record_id <= MAX_RECORD_ID else None
    if record is None:
        kind = getattr(model, "__kind__", model.__name__)
        raise NotFoundError(f"There is no record {record_id} in {kind}.")
    return record


def check_version(record: Record, expected_version: int) -> None:
    """Refuse a change that was based on an older (or newer) version of ``record``."""
    if record.version != expected_version:
        kind = getattr(record, "__kind__", type(record).__name__)
        raise ConflictError(
            f"Record {record.id} in {kind} is at version {record.version}, but the change was "
            f"made to version {expected_version}: someone else changed it in the meantime.",
            hint="Reload the record, look at what changed, and apply your change again.",
        )


def update_record(
    session: Session,
    model: type[R],
    record_id: int,
    *,
    expected_version: int,
    changes: dict[str, Any],
) -> R:
    """Apply ``changes`` to the record if it is still at ``expected_version``; return it.

    The version check here catches stale edits; SQLAlchemy's version column
    catches a writer that commits between this check and the flush.
    """
    record = get_record(session, model, record_id)
    check_version(record, expected_version)
    for name, value in changes.items():
        if name in ("id", "version", "created_at", "updated_at"):
            raise ValueError(f"{name} is managed by the system")
        setattr(record, name, value)
    session.flush()
    return record


def apply_fields(record: Record, fields: dict[str, Any]) -> list[str]:
    """Set the fields of ``record`` that differ from ``fields``; return their names.

    Only changed columns are set, so an unchanged record keeps its version and
    leaves no history.
    """
    changed = []
    for name, value in fields.items():
        if name in ("id", "version", "created_at", "updated_at"):
            raise ValueError(f"{name} is managed by the system")
        current = getattr(record, name)
        same = (
            current.equals(value)
            if hasattr(current, "equals") and hasattr(value, "equals")
            else current == value
        )
        if not same:
            setattr(record, name, value)
            changed.append(name)
    return changed
