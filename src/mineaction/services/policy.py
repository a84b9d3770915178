"""Who may do what: the one place that answers "may this user do ACTION on KIND/record".

Every route of the API, the map, /ogc and the pages asks ``require`` (or
``read_scope`` for lists); nothing else decides.  The roles are those of
the issue:

- ``admin``: everything, and user administration;
- ``im_officer``: national, all data; creates, edits, approves and rejects;
- ``operator_officer``: own organisation only: creates, edits its drafts,
  submits; reads approved national data and its own organisation's records;
- ``qa_officer``: reads everything, inspects and accepts released land;
- ``viewer``: reads everything, changes nothing;
- ``public`` (not signed in): aggregates and district boundaries only.
"""

from __future__ import annotations

from dataclasses import dataclass

from mineaction.domain import workflow
from mineaction.errors import MineActionError
from mineaction.services.catalogue import KINDS

ROLES = ("admin", "im_officer", "operator_officer", "qa_officer", "viewer", "public")
#: Roles a user account may have (``public`` is whoever is not signed in).
USER_ROLES = ROLES[:-1]
ACTIONS = (
    "read",
    "create",
    "update",
    "submit",
    "approve",
    "reject",
    "import",
    "accept_release",
    "read_aggregates",
    "manage_users",
)
#: Approval states anyone who may read a kind sees, whatever their organisation.
PUBLISHED = frozenset({"approved", "superseded"})
_NATIONAL = frozenset({"admin", "im_officer"})
_READERS = frozenset({"admin", "im_officer", "qa_officer", "viewer"})


class AuthenticationRequired(MineActionError):
    """The request needs a signed-in user and has none."""

    code = "unauthenticated"
    http_status = 401


class Forbidden(MineActionError):
    """The signed-in user's role does not allow the request."""

    code = "forbidden"
    http_status = 403


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (by name, role and organisation) or the anonymous public."""

    username: str
    role: str
    organisation_id: int | None = None
    user_id: int | None = None

    @property
    def signed_in(self) -> bool:
        """Tell whether this is a user rather than the public."""
        return self.role != "public"


ANONYMOUS = Principal(username="anonymous", role="public")


@dataclass(frozen=True)
class RecordFacts:
    """What the policy needs to know about one record: its state and its organisation."""

    approval: str
    organisation_id: int | None


@dataclass(frozen=True)
class ReadScope:
    """Which records of a kind a list may show: all, none, or published + one organisation's."""

    everything: bool
    organisation_id: int | None = None
    nothing: bool = False


def refusal(
    who: Principal, action: str, kind: str | None = None, record: RecordFacts | None = None
) -> str | None:
    """Return why ``who`` may not do ``action`` (on ``kind``/``record``), or None if they may."""
    if action not in ACTIONS:
        return f"{action!r} is not an action."
    if kind is not None and kind not in KINDS:
        return f"{kind!r} is not a kind of record."
    role = who.role
    if action == "read_aggregates":
        return None
    if action == "manage_users":
        return None if role == "admin" else "Only an administrator manages users."
    if action == "read":
        return _read_refusal(who, kind, record)
    if action in ("approve", "reject"):
        return None if role in _NATIONAL else "Only an IM officer approves or rejects records."
    if action == "accept_release":
        ok = role in _NATIONAL or role == "qa_officer"
        return None if ok else "Only a QA or IM officer accepts released land."
    return _write_refusal(who, action, kind, record)


def _read_refusal(who: Principal, kind: str | None, record: RecordFacts | None) -> str | None:
    if kind is not None and KINDS[kind].public:
        return None
    if who.role == "public":
        return "Only aggregate statistics are public; sign in to see records."
    if who.role in _READERS or record is None or record.approval in PUBLISHED:
        return None
    if record.organisation_id is not None and record.organisation_id == who.organisation_id:
        return None
    return "This record is not published and belongs to another organisation."


def _write_refusal(
    who: Principal, action: str, kind: str | None, record: RecordFacts | None
) -> str | None:
    role = who.role
    if role not in _NATIONAL and role != "operator_officer":
        return f"A {role.replace('_', ' ')} may not change records."
    if kind is not None and KINDS[kind].writable is None:
        return f"Records of {kind} cannot be created or changed through the application yet."
    if role == "operator_officer":
        if kind == "organisations":
            return "Only an IM officer adds organisations."
        if who.organisation_id is None:
            return "This operator officer's account names no organisation."
        if action == "import" and kind is not None and not KINDS[kind].rows_name_operator:
            return f"Files of {kind} name no operator; an IM officer imports them."
        if record is not None:
            if record.organisation_id != who.organisation_id:
                return "The record belongs to another organisation."
            if action in ("update", "submit") and not workflow.can_edit(record.approval):
                return f"A {record.approval} record can no longer be changed by its operator."
    elif record is not None and action == "update" and record.approval == "superseded":
        return "A superseded record is history; change the record that superseded it."
    return None


def may(
    who: Principal, action: str, kind: str | None = None, record: RecordFacts | None = None
) -> bool:
    """Tell whether ``who`` may do ``action`` on ``kind`` (and ``record``)."""
    return refusal(who, action, kind, record) is None


def require(
    who: Principal, action: str, kind: str | None = None, record: RecordFacts | None = None
) -> None:
    """Raise AuthenticationRequired (public) or Forbidden (a user) unless ``who`` may."""
    reason = refusal(who, action, kind, record)
    if reason is None:
        return
    if not who.signed_in:
        raise AuthenticationRequired(reason, hint="Sign in at /login, or send an API token.")
    raise Forbidden(reason, hint="Ask an administrator if your role should allow it.")


def read_scope(who: Principal, kind: str) -> ReadScope:
    """Return which records of ``kind`` a list shown to ``who`` may hold."""
    if refusal(who, "read", kind) is not None:
        return ReadScope(everything=False, nothing=True)
    if KINDS[kind].public or who.role in _READERS:
        return ReadScope(everything=True)
    return ReadScope(everything=False, organisation_id=who.organisation_id)


#: Reports of aggregates only: anyone may read them over approved records.
PUBLIC_REPORTS = frozenset(
    {"operations", "casualties", "eore", "assistance", "landmine-monitor", "article7"}
)


def report_refusal(who: Principal, report: str, *, include_unapproved: bool = False) -> str | None:
    """Return why ``who`` may not read ``report`` (with unapproved records), or None.

    Aggregate reports of approved records are public; per-hazard and per-operator
    detail, and any figure with unapproved records, are for signed-in users.
    """
    if who.signed_in:
        return None
    if include_unapproved:
        return "A report that counts unapproved records is shown to signed-in users only."
    if report not in PUBLIC_REPORTS:
        return f"The {report} report is shown to signed-in users only."
    return None


def require_report(who: Principal, report: str, *, include_unapproved: bool = False) -> None:
    """Raise AuthenticationRequired unless ``who`` may read ``report``."""
    reason = report_refusal(who, report, include_unapproved=include_unapproved)
    if reason is not None:
        raise AuthenticationRequired(reason, hint="Sign in at /login, or send an API token.")


def require_signed_in(who: Principal, what: str) -> None:
    """Raise AuthenticationRequired for the public: ``what`` (an analysis) is for users."""
    if not who.signed_in:
        raise AuthenticationRequired(
            f"{what} is shown to signed-in users only.",
            hint="Sign in at /login, or send an API token.",
        )


def planning_refusal(who: Principal) -> str | None:
    """Return why ``who`` may not read planning (priorities, forecasts, projects), or None.

    Planning shows live hazards ranked and where the teams go next: every signed-in
    role reads it; the public does not.
    """
    if who.signed_in:
        return None
    return "Planning (priorities and forecasts) is shown to signed-in users only."


def require_planning(who: Principal) -> None:
    """Raise AuthenticationRequired unless ``who`` may read planning."""
    reason = planning_refusal(who)
    if reason is not None:
        raise AuthenticationRequired(reason, hint="Sign in at /login, or send an API token.")


def risk_refusal(who: Principal) -> str | None:
    """Return why ``who`` may not read the risk map (cells, per hazard, candidates), or None.

    Risk is operational data: it shows where live hazards probably are.  Every
    signed-in role reads it; the public does not.
    """
    if who.signed_in:
        return None
    return "The contamination-risk map is shown to signed-in users only."


def require_risk(who: Principal) -> None:
    """Raise AuthenticationRequired unless ``who`` may read the risk map."""
    reason = risk_refusal(who)
    if reason is not None:
        raise AuthenticationRequired(reason, hint="Sign in at /login, or send an API token.")
