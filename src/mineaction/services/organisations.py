"""Organisations: operators and authorities, found by their code."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.rules import Problems
from mineaction.errors import NotFoundError
from mineaction.services.records import apply_fields
from mineaction.store.tables import Organisation


def create_organisation(
    *,
    session: Session,
    code: str | None,
    name: str | None,
    type: str | None,
    country: str | None = None,
    source_id: str | None = None,
    approval: str = "approved",
) -> Organisation:
    """Validate and record an organisation; its code must be new."""
    problems = Problems()
    if not code or not code.strip():
        problems.add("code", code, "The organisation needs a short code, e.g. ANAMA.")
    elif find_by_code(session, code) is not None:
        problems.add(
            "code",
            code,
            f"An organisation with the code {code!r} exists already.",
            "Use another code, or leave the existing organisation as it is.",
        )
    if not name or not name.strip():
        problems.add("name", name, "The organisation needs a name.")
    problems.code(vocab.ORGANISATION_TYPE, type, "type")
    problems.code(vocab.APPROVAL, approval, "approval")
    problems.raise_if_any(f"organisation {code or ''}".strip())
    assert code and name and type
    org = Organisation(
        code=code.strip(),
        name=name.strip(),
        type=type,
        country=country,
        source_id=source_id,
        approval=approval,
    )
    session.add(org)
    return org


def update_organisation(
    *, session: Session, organisation: Organisation, name: str | None, type: str | None
) -> Organisation:
    """Give an organisation that is not approved yet a new name or type (its code stays)."""
    problems = Problems()
    if not name or not name.strip():
        problems.add("name", name, "The organisation needs a name.")
    problems.code(vocab.ORGANISATION_TYPE, type, "type")
    problems.raise_if_any(f"organisation {organisation.code}")
    assert name and type
    apply_fields(organisation, {"name": name.strip(), "type": type})
    session.flush()
    return organisation


def find_by_code(session: Session, code: str) -> Organisation | None:
    """Return the organisation with ``code`` (case-insensitive), or None."""
    # Equality, not ILIKE: a code holding % or _ must not match other organisations.
    return session.scalars(
        select(Organisation).where(func.lower(Organisation.code) == code.strip().lower())
    ).one_or_none()


def require_by_code(session: Session, code: str) -> Organisation:
    """Return the organisation with ``code``; raise NotFoundError naming the known codes."""
    org = find_by_code(session, code)
    if org is None:
        known = ", ".join(session.scalars(select(Organisation.code).order_by(Organisation.code)))
        raise NotFoundError(
            f"There is no organisation with the code {code!r}.",
            hint=f"Known codes: {known or 'none yet'}; add it first with "
            "`mineaction import organisations FILE`.",
        )
    return org
