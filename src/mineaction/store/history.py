"""The append-only history of every change to every versioned record.

A session listener writes one audit row per inserted, updated or deleted
record in the same transaction as the change itself, so a change can never
land without its history (and history never lands without the change).
Inserts keep the whole record as ``after``; updates keep only the fields
that changed, before and after; deletes keep the whole record as ``before``.
Each audit row is chained to the one before it (see ``audit_chain``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from mineaction.store import audit_chain
from mineaction.store.base import Record, utcnow
from mineaction.store.tables.system import AuditEntry

#: Bookkeeping fields that change on every write and say nothing by themselves.
#: Columns the history leaves out of a snapshot (kept by the system, or derived).
NOT_IN_HISTORY = frozenset(
    {"version", "updated_at", "created_at", "min_x", "min_y", "max_x", "max_y"}
)
#: Secrets whose change is recorded, but never their value (not even a hash).
_REDACT = frozenset({"password_hash"})


def to_json_value(value: Any) -> Any:
    """Return ``value`` as a JSON-ready value (dates as ISO text, geometry as WKT)."""
    if isinstance(value, BaseGeometry):
        return shapely.to_wkt(value, rounding_precision=-1)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """Return every column of ``obj`` as a JSON-ready dict (bookkeeping left out)."""
    state = inspect(obj)
    return {
        attr.key: _redacted(attr.key, to_json_value(getattr(obj, attr.key)))
        for attr in state.mapper.column_attrs
        if attr.key not in NOT_IN_HISTORY
    }


def _redacted(key: str, value: Any) -> Any:
    return "<redacted>" if key in _REDACT and value is not None else value


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in NOT_IN_HISTORY:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if _same(old, new):
            continue
        before[attr.key] = _redacted(attr.key, to_json_value(old))
        after[attr.key] = _redacted(attr.key, to_json_value(new))
    return before, after


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, BaseGeometry) and isinstance(new, BaseGeometry):
        return bool(old.equals_exact(new, 0.0))
    return bool(old == new)


def _kind(obj: Any) -> str:
    return str(getattr(obj, "__kind__", None) or obj.__tablename__)


def _writes_records(session: Session) -> bool:
    return any(isinstance(o, Record) for o in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "before_flush")
def _lock_chain(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    # Before the records' own row locks: a writer waiting for the chain holds none.
    entries = [o for o in session.new if isinstance(o, AuditEntry) and o.hash is None]
    if entries or _writes_records(session):
        audit_chain.lock_session(session)
    if entries:
        _seal_entries(session, entries)


def _seal_entries(session: Session, entries: list[AuditEntry]) -> None:
    """Chain audit entries a service added itself (e.g. an API token's issue)."""
    columns = ("at", "actor", "action", "kind", "record_id", "record_version")
    rows = [
        {c: getattr(e, c) for c in columns} | {"before": e.before, "after": e.after, "note": e.note}
        for e in entries
    ]
    for row in rows:
        row["at"] = row["at"] or utcnow()
    audit_chain.seal(session.connection(), rows)
    for entry, row in zip(entries, rows, strict=True):
        entry.id, entry.at = row["id"], row["at"]
        entry.prev_hash, entry.hash = row["prev_hash"], row["hash"]


@event.listens_for(Session, "after_flush")
def _write_history(session: Session, _ctx: UOWTransaction) -> None:
    actor = str(session.info.get("actor", "system"))
    note = session.info.get("note")  # why, when a service says (e.g. "import of file.csv")
    at = utcnow()
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if isinstance(obj, Record):
            rows.append(_row(at, actor, note, "create", obj, None, snapshot(obj)))
    for obj in session.dirty:
        if isinstance(obj, Record) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                rows.append(_row(at, actor, note, "update", obj, before, after))
    for obj in session.deleted:
        if isinstance(obj, Record):
            rows.append(_row(at, actor, note, "delete", obj, snapshot(obj), None))
    if rows:
        audit_chain.lock_session(session)
        conn = session.connection()
        audit_chain.seal(conn, rows)
        conn.execute(insert(AuditEntry), rows)


def _row(
    at: dt.datetime,
    actor: str,
    note: str | None,
    action: str,
    obj: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "kind": _kind(obj),
        "record_id": obj.id,
        "record_version": obj.version,
        "before": before,
        "after": after,
        "note": note,
    }
