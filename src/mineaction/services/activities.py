"""Survey and clearance activities, their teams and their progress reports.

Validated once here for imports, field-form submissions, the API and the web.
Field names in problems are the canonical import columns
(docs/import-formats.md).  An activity's status follows its latest progress
report: a report that says "completed" completes the task (and ends it on the
report's day when no end date was given).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.ledger import polygonal
from mineaction.domain.rules import Problems
from mineaction.errors import Problem, ValidationError
from mineaction.geo import validate_polygon
from mineaction.services import admin_areas
from mineaction.services.country import CONFIGURED, CountryChoice, resolve_country
from mineaction.services.records import apply_fields
from mineaction.store.tables import Activity, Hazard, Organisation, ProgressReport, Team

#: Statuses a progress report may give: a report says work was done, so not "planned".
REPORT_STATUSES = ("ongoing", "suspended", "completed")


def find_activity(session: Session, key: str) -> Activity | None:
    """Return the activity whose source id (else reference) is ``key``, or None."""
    found = session.scalars(select(Activity).where(Activity.source_id == key)).one_or_none()
    if found is None:
        found = session.scalars(select(Activity).where(Activity.reference == key)).one_or_none()
    return found


def require_activity(session: Session, key: str | None, *, field: str = "activity_id") -> Activity:
    """Return the activity ``key`` names (source id or reference); refuse when there is none."""
    activity = find_activity(session, key) if key else None
    if activity is None:
        reason = f"{field} is required." if not key else f"There is no activity {key!r}."
        raise ValidationError(
            reason,
            hint="Give the id or reference of a recorded activity (import the activities first).",
            problems=[Problem(reason=reason, field=field, value=key)],
        )
    return activity


def team_id(
    session: Session, *, organisation_id: int, code: str, capability: str
) -> tuple[int, bool]:
    """Return the id of the operator's team ``code`` and whether it was created just now.

    Teams are named by their code within their operator; a code the operator
    has not used yet is added as a team with ``capability`` (an activity type),
    as field forms name teams before the national database has them.
    """
    problems = Problems()
    problems.code(vocab.ACTIVITY_TYPE, capability, "activity_type")
    if session.get(Organisation, organisation_id) is None:
        problems.add("operator", organisation_id, "no such organisation")
    if not code.strip():
        problems.add("team", code, "A team code cannot be blank.")
    problems.raise_if_any(f"team {code}")
    found = session.scalar(
        select(Team.id).where(Team.organisation_id == organisation_id, Team.code == code.strip())
    )
    if found is not None:
        return int(found), False
    team = Team(organisation_id=organisation_id, code=code.strip(), capability=capability)
    session.add(team)
    session.flush()
    return team.id, True


def create_activity(*, session: Session, **values: Any) -> Activity:
    """Validate and record an activity; takes the keyword arguments of :func:`activity_fields`."""
    activity = Activity(**activity_fields(session, **values))
    session.add(activity)
    session.flush()
    return activity


def update_activity(*, session: Session, activity: Activity, **values: Any) -> Activity:
    """Give an activity that is not approved yet its new state (versioned, with history).

    Takes the keyword arguments of :func:`activity_fields` (the full new state).
    """
    apply_fields(activity, activity_fields(session, activity=activity, **values))
    session.flush()
    return activity


def activity_fields(
    session: Session,
    *,
    reference: str | None,
    activity_type: str | None,
    organisation_id: int | None,
    start_date: dt.date | None,
    status: str | None = "planned",
    team_id: int | None = None,
    hazard_id: int | None = None,
    admin_area_id: int | None = None,
    end_date: dt.date | None = None,
    geom: object | None = None,
    country: CountryChoice = CONFIGURED,
    source_id: str | None = None,
    approval: str = "approved",
    activity: Activity | None = None,
) -> dict[str, Any]:
    """Check an activity's values and return its columns; raise ValidationError listing problems.

    ``activity`` is the record being updated (its own reference is not a duplicate).
    The district is the one named, else the worked polygon's, else the hazard's.
    """
    problems = Problems()
    if not reference:
        problems.add("reference", reference, "An activity needs a reference.", "e.g. CL-2024-0153")
    elif _reference_taken(session, reference, activity):
        problems.add(
            "reference",
            reference,
            f"An activity with the reference {reference!r} is recorded already.",
            "Give the activity its own reference.",
        )
    problems.code(vocab.ACTIVITY_TYPE, activity_type, "activity_type")
    problems.code(vocab.ACTIVITY_STATUS, status, "status")
    problems.code(vocab.APPROVAL, approval, "approval")
    problems.date(start_date, "start_date")
    problems.date(end_date, "end_date", required=False)
    if start_date and end_date and end_date < start_date:
        problems.add(
            "end_date",
            end_date,
            f"The activity ends ({end_date}) before it starts ({start_date}).",
            "Check the two dates (day and month swapped?).",
        )
    if organisation_id is None:
        problems.add("operator", None, "An activity needs its operator.", "e.g. ANAMA")
    elif session.get(Organisation, organisation_id) is None:
        problems.add("operator", organisation_id, "no such organisation")
    team = session.get(Team, team_id) if team_id is not None else None
    if team_id is not None and (team is None or team.organisation_id != organisation_id):
        problems.add("team", team_id, "The team is not a team of the activity's operator.")
    hazard = session.get(Hazard, hazard_id) if hazard_id is not None else None
    if hazard_id is not None and hazard is None:
        problems.add("hazard_id", hazard_id, "no such hazard")
    problems.raise_if_any(f"activity {reference or ''}".strip())
    shape = None
    if geom is not None:
        shape = polygonal(validate_polygon(geom, country=resolve_country(session, country)))
    if admin_area_id is None and shape is not None:
        admin_area_id = admin_areas.district_id_of(session, shape)
    if admin_area_id is None and hazard is not None:
        admin_area_id = hazard.admin_area_id
    return {
        "reference": reference,
        "activity_type": activity_type,
        "status": status,
        "organisation_id": organisation_id,
        "team_id": team_id,
        "hazard_id": hazard_id,
        "admin_area_id": admin_area_id,
        "start_date": start_date,
        "end_date": end_date,
        "geom": shape,
        "source_id": source_id,
        "approval": approval,
    }


def _reference_taken(session: Session, reference: str, activity: Activity | None) -> bool:
    query = select(Activity.id).where(Activity.reference == reference)
    if activity is not None:
        query = query.where(Activity.id != activity.id)
    return session.scalar(query) is not None


def add_progress(*, session: Session, **values: Any) -> ProgressReport:
    """Validate and record a progress report; the activity's status follows it.

    Takes the keyword arguments of :func:`progress_fields`.
    """
    fields, follow = progress_fields(session, **values)
    report = ProgressReport(**fields)
    session.add(report)
    session.flush()
    _follow(session, report, follow)
    return report


def update_progress(*, session: Session, report: ProgressReport, **values: Any) -> ProgressReport:
    """Give a report that is not approved yet its new state; the activity follows it again."""
    fields, follow = progress_fields(session, report=report, **values)
    apply_fields(report, fields)
    session.flush()
    _follow(session, report, follow)
    return report


def progress_fields(
    session: Session,
    *,
    activity_id: int,
    report_date: dt.date | None,
    area_m2: float | None = 0.0,
    team_days: float | None = 0.0,
    status: str | None = None,
    notes: str | None = None,
    depth_cm: int | None = None,
    eo_found: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    organisation_id: int | None = None,
    team_id: int | None = None,
    hazard_id: int | None = None,
    country: CountryChoice = CONFIGURED,
    source_id: str | None = None,
    approval: str = "approved",
    report: ProgressReport | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check a progress report; return its columns and what its activity takes from it.

    The operator, team and hazard a field form names are checked against the
    activity's (an activity without a team or hazard takes the report's).  One
    report per activity and day.
    """
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise ValidationError(
            f"There is no activity {activity_id}.",
            problems=[Problem(reason="no such activity", field="activity_id", value=activity_id)],
        )
    problems = Problems()
    problems.date(report_date, "date")
    if report_date and report_date < activity.start_date:
        problems.add(
            "date",
            report_date,
            f"The report is dated {report_date}, before activity {activity.reference} started "
            f"({activity.start_date}).",
            "Check the date, or the activity's start date.",
        )
    for name, value in (("area_m2", area_m2), ("team_days", team_days)):
        if value is None:
            problems.add(name, value, f"{name} is required.", "Write 0 when there was none.")
        elif value < 0:
            problems.add(name, value, f"{name} cannot be negative.")
    for name, count in (("depth_cm", depth_cm), ("eo_found", eo_found)):
        if count is not None and count < 0:
            problems.add(name, count, f"{name} cannot be negative.")
    if status is not None and status not in REPORT_STATUSES:
        problems.code(vocab.ACTIVITY_STATUS, status, "status")
        if status in vocab.ACTIVITY_STATUS:
            problems.add(
                "status",
                status,
                "A progress report cannot say the task is planned: work was reported.",
                f"Use one of: {', '.join(REPORT_STATUSES)}.",
            )
    problems.code(vocab.APPROVAL, approval, "approval")
    follow = _check_against_activity(
        session, activity, problems, organisation_id=organisation_id, team_id=team_id
    )
    if hazard_id is not None and activity.hazard is not None and activity.hazard_id != hazard_id:
        problems.add(
            "hazard_id",
            hazard_id,
            f"Activity {activity.reference} works on another hazard "
            f"({activity.hazard.reference}) than the one the report names.",
            "Check the hazard reference and the task reference.",
        )
    elif hazard_id is not None and activity.hazard_id is None:
        follow["hazard_id"] = hazard_id
    if report_date and _report_exists(session, activity.id, report_date, report):
        problems.add(
            "date",
            report_date,
            f"Activity {activity.reference} has a progress report for {report_date} already.",
            "Send one report per task and day; correct the existing report instead.",
        )
    problems.position(lon, lat, has_district=True, what="A progress report")
    problems.raise_if_any(f"progress report {source_id or ''}".strip())
    point, _area = admin_areas.place_point(session, lon, lat, activity.admin_area_id, country)
    fields = {
        "activity_id": activity.id,
        "report_date": report_date,
        "area_m2": float(area_m2 or 0.0),
        "team_days": float(team_days or 0.0),
        "status": status,
        "notes": notes,
        "depth_cm": depth_cm,
        "eo_found": eo_found,
        "geom": point,
        "source_id": source_id,
        "approval": approval,
    }
    return fields, follow


def _check_against_activity(
    session: Session,
    activity: Activity,
    problems: Problems,
    *,
    organisation_id: int | None,
    team_id: int | None,
) -> dict[str, Any]:
    follow: dict[str, Any] = {}
    if organisation_id is not None and organisation_id != activity.organisation_id:
        problems.add(
            "operator",
            organisation_id,
            f"Activity {activity.reference} is a task of {activity.organisation.code}, not of "
            "the operator the report names.",
            "Check the task reference and the operator code.",
        )
    if team_id is not None and activity.team_id not in (None, team_id):
        team = session.get(Team, team_id)
        assigned = activity.team.code if activity.team else activity.team_id
        problems.add(
            "team",
            team.code if team else team_id,
            f"Activity {activity.reference} is assigned to team {assigned}.",
            "Check the team code and the task reference.",
        )
    elif team_id is not None and activity.team_id is None:
        follow["team_id"] = team_id
    return follow


def _report_exists(
    session: Session, activity_id: int, day: dt.date, report: ProgressReport | None
) -> bool:
    query = select(ProgressReport.id).where(
        ProgressReport.activity_id == activity_id, ProgressReport.report_date == day
    )
    if report is not None:
        query = query.where(ProgressReport.id != report.id)
    return session.scalar(query) is not None


def _follow(session: Session, report: ProgressReport, follow: dict[str, Any]) -> None:
    """Let the activity take the team, hazard and (from its latest report) status."""
    activity = report.activity
    changes = dict(follow)
    if report.status is not None:
        latest = session.scalar(
            select(func.max(ProgressReport.report_date)).where(
                ProgressReport.activity_id == activity.id
            )
        )
        if latest is None or report.report_date >= latest:
            changes["status"] = report.status
            if report.status == "completed" and activity.end_date is None:
                changes["end_date"] = report.report_date
    if changes:
        apply_fields(activity, changes)
        session.flush()
