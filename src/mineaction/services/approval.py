"""The approval workflow as a service: create, edit, submit, approve, reject, supersede.

Every function asks the policy first (``policy.require``) and takes the
rules of the steps from ``mineaction.domain.workflow``.  Each step is an
update of the record's ``approval``, so the append-only history keeps who
took it, when, and (in the note) why.  An approved record is never edited:
a change becomes a new record that supersedes it, and approving that one
marks the old one ``superseded``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mineaction.domain import workflow
from mineaction.errors import ConflictError, Problem, ValidationError
from mineaction.services import browse, entry, hazards, records
from mineaction.services.catalogue import KindInfo
from mineaction.services.policy import Forbidden, Principal, require
from mineaction.store.base import Record
from mineaction.store.tables import AuditEntry, Organisation, Submission


def _own_operator(session: Session, who: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """Return ``row`` with an operator officer's organisation as its operator."""
    if who.role != "operator_officer" or who.organisation_id is None:
        return row
    code = session.get_one(Organisation, who.organisation_id).code
    given = row.get("operator")
    if given and str(given).strip().casefold() != code.casefold():
        raise Forbidden(
            f"An officer of {code} records only {code}'s work, not {given}'s.",
            hint=f"Leave operator empty or write {code}.",
        )
    return {**row, "operator": code}


def _submission(session: Session, info: KindInfo, record: Record) -> Submission | None:
    return session.scalars(
        select(Submission).where(Submission.kind == info.name, Submission.record_id == record.id)
    ).one_or_none()


def _with_note(session: Session, note: str) -> None:
    session.flush()  # what came before keeps its own note
    session.info["note"] = note


def create(
    *,
    session: Session,
    info: KindInfo,
    row: dict[str, Any],
    who: Principal,
    submit: bool = False,
    supersedes: Record | None = None,
) -> Record:
    """Write a new draft from a canonical ``row`` (submitted at once with ``submit``)."""
    require(who, "create", info.name)
    assert info.writable is not None
    if info.rows_name_operator:
        row = _own_operator(session, who, row)
    _with_note(session, f"created by {who.username}")
    record = entry.write_row(session, info.writable, row, approval="draft")
    session.flush()
    org = who.organisation_id
    if info.has_organisation:
        if record.organisation_id is None and org is not None:  # type: ignore[attr-defined]
            record.organisation_id = org  # type: ignore[attr-defined]
        org = record.organisation_id or org  # type: ignore[attr-defined]
    session.add(
        Submission(
            kind=info.name,
            record_id=record.id,
            organisation_id=org,
            created_by=who.username,
            supersedes_id=supersedes.id if supersedes is not None else None,
        )
    )
    if submit:
        step(session=session, info=info, record=record, who=who, action="submit")
    return record


def update(
    *,
    session: Session,
    info: KindInfo,
    record: Record,
    row: dict[str, Any],
    who: Principal,
    version: int,
    submit: bool = False,
) -> Record:
    """Change a draft or rejected record in place; for an approved one, make a superseding draft.

    Returns the record that now holds the change (the same one, or the new one).
    """
    require(who, "update", info.name, browse.facts(session, info, record))
    records.check_version(record, version)
    if record.approval == "approved":
        return create(
            session=session, info=info, row=row, who=who, submit=submit, supersedes=record
        )
    if not workflow.can_edit(record.approval):
        raise ConflictError(
            f"Record {record.id} in {info.name} is {record.approval}; it cannot be changed now.",
            hint="Wait for the IM officer's decision; a rejected record can be edited again.",
        )
    assert info.writable is not None
    if info.rows_name_operator:
        row = _own_operator(session, who, row)
    _with_note(session, f"edited by {who.username}")
    entry.rewrite(session, info.writable, record, row)
    if submit:
        step(session=session, info=info, record=record, who=who, action="submit")
    return record


def step(
    *,
    session: Session,
    info: KindInfo,
    record: Record,
    who: Principal,
    action: str,
    reason: str | None = None,
    version: int | None = None,
) -> Record:
    """Take one workflow step (submit, approve, reject); a rejection needs a reason."""
    if action not in workflow.STEPS:
        raise ValidationError(
            f"{action!r} is not a step of the approval workflow.",
            hint=f"Use one of: {', '.join(workflow.STEPS)}.",
        )
    require(who, action, info.name, browse.facts(session, info, record))
    if version is not None:
        records.check_version(record, version)
    state = workflow.next_state(record.approval, action)
    if state is None:
        allowed = workflow.allowed_steps(record.approval)
        raise ConflictError(
            f"Record {record.id} in {info.name} is {record.approval}; the step {action!r} "
            "cannot be taken from there.",
            hint=f"From {record.approval} the steps are: {', '.join(allowed) or 'none'}.",
        )
    reason = (reason or "").strip() or None
    if action == "reject" and reason is None:
        raise ValidationError(
            "A rejection needs a reason.",
            hint="Say what the operator must correct, e.g. 'position is 2 km outside the task'.",
            problems=[Problem(reason="reason is required", field="reason")],
        )
    _with_note(session, f"{action} by {who.username}" + (f": {reason}" if reason else ""))
    record.approval = state
    submission = _submission(session, info, record)
    if submission is None:
        submission = Submission(
            kind=info.name,
            record_id=record.id,
            organisation_id=getattr(record, "organisation_id", None),
            created_by=who.username,
        )
        session.add(submission)
    if action == "reject":
        submission.reason = reason
    settle = {getattr(record, "hazard_id", None)} if info.name == "land-releases" else set()
    if action == "approve" and submission.supersedes_id is not None:
        old = records.get_record(session, info.model, submission.supersedes_id)
        old.approval = "superseded"
        settle.add(getattr(old, "hazard_id", None))
    session.flush()
    if action in ("approve", "reject"):
        # Land is taken from a hazard by approved releases only: its ledger follows the decision.
        for hazard_id in sorted(h for h in settle if h is not None):
            hazards.settle_releases(session, hazard_id)
    return record


def history_query(kind: str, record_id: int) -> Select[AuditEntry]:
    """Return the query of one record's audit entries, oldest first.

    The log's index on ``record_id`` answers it (a record id names at most one
    record of each kind, so few entries are left for the kind to sift); a
    national database's log holds millions of entries (migration 0020).
    """
    return (
        select(AuditEntry)
        .where(AuditEntry.kind == kind, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.id)
    )


def history(session: Session, info: KindInfo, record: Record) -> list[dict[str, Any]]:
    """Return every change of ``record``, oldest first: when, who, what and why."""
    entries = session.scalars(
        history_query(info.model.__kind__ or info.model.__tablename__, record.id)
    )
    return [
        {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "version": e.record_version,
            "changes": e.after,
            "note": e.note,
        }
        for e in entries
    ]


def review_queue(session: Session, info: KindInfo) -> list[Record]:
    """Return the submitted records of ``info`` waiting for an IM officer, oldest first."""
    return list(
        session.scalars(
            select(info.model).where(info.model.approval == "submitted").order_by(info.model.id)
        )
    )
