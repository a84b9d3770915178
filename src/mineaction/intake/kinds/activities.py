"""Survey and clearance activities, and their progress reports.

An activity's ``id`` is the file's key and its ``reference`` the national
task reference (the id when empty); ``activity_id`` columns accept either.
Teams are named by their code within the operator.  Progress reports also
read the clearance-progress form's submissions (``mineaction import progress``
takes an ODK Central or KoboToolbox export as it is).
"""

from __future__ import annotations

from typing import Any

from mineaction.domain.rules import Problems
from mineaction.errors import Problem, ValidationError
from mineaction.intake.columns import (
    Column,
    parse_code,
    parse_date,
    parse_int,
    parse_number,
    parse_text,
)
from mineaction.intake.kinds.base import (
    Context,
    Kind,
    area_name_of_id,
    district_of,
    lonlat,
    lookup_errors,
)
from mineaction.services import activities
from mineaction.store.base import Record
from mineaction.store.tables import Activity, Hazard, ProgressReport


def _parse_status(value: Any, column: str, problems: Problems) -> str:
    """Return the activity status code; an empty cell is ``planned``."""
    return parse_code(value, column, problems) or "planned"


def _operator(ctx: Context, code: str | None, *, required: bool) -> int | None:
    operator = lookup_errors(lambda: ctx.organisation_id(code), "operator", code)
    if operator is None and required:
        raise ValidationError(
            "operator is required.",
            problems=[
                Problem(
                    reason="operator is required for an activity",
                    field="operator",
                    hint="Give the organisation code, e.g. ANAMA.",
                )
            ],
        )
    return operator


def team_of(ctx: Context, operator: int, code: str | None, capability: str) -> int | None:
    """Return the id of the operator's team ``code``; a new code is added, with a warning."""
    if not code:
        return None
    found, created = activities.team_id(
        ctx.session, organisation_id=operator, code=code, capability=capability
    )
    if created:
        ctx.warn(
            "team",
            code,
            f"Team {code} was not recorded for this operator; it was added.",
            "Check the team code; give the team its name and size in the national database.",
        )
    return found


def activity_key(a: Activity) -> str:
    """Return what an exported file names an activity by: its national reference.

    A row may name it by its id too; :func:`same_reference` takes either.
    """
    return a.reference


def same_reference(ctx: Context, record: Any, column: str, new: Any) -> bool | None:
    """Tell whether a row's ``activity_id`` or ``hazard_id`` names what ``record`` is linked to.

    Either the id or the reference names a record; None leaves other columns to the
    usual comparison.
    """
    if column == "activity_id":
        linked = record.activity
        return new is not None and new in (linked.source_id, linked.reference)
    if column == "hazard_id" and isinstance(record, Activity):
        if record.hazard is None or new is None:
            return record.hazard is None and new is None
        return new in (record.hazard.source_id, record.hazard.reference)
    return None


def _activity_args(ctx: Context, v: dict[str, Any], sid: str | None) -> dict[str, Any]:
    operator = _operator(ctx, v["operator"], required=True)
    assert operator is not None
    hazard = ctx.by_source_id(Hazard, v["hazard_id"], "hazard_id")
    return dict(
        reference=v["reference"] or sid,
        activity_type=v["activity_type"],
        status=v["status"],
        organisation_id=operator,
        team_id=team_of(ctx, operator, v["team"], v["activity_type"] or "nts"),
        hazard_id=hazard.id if hazard else None,
        admin_area_id=district_of(ctx, v),
        start_date=v["start_date"],
        end_date=v["end_date"],
        geom=v["geometry"],
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _write_activity(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return activities.create_activity(session=ctx.session, **_activity_args(ctx, v, sid))


def _update_activity(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    args = _activity_args(ctx, v, record.source_id)
    if args["geom"] is None:
        args["geom"] = record.geom  # an empty geometry cell keeps the worked polygon
    return activities.update_activity(session=ctx.session, activity=record, **args)


def _activity_row(a: Activity) -> dict[str, Any]:
    return {
        "reference": None if a.reference == a.source_id else a.reference,
        "activity_type": a.activity_type,
        "status": a.status,
        "operator": a.organisation.code,
        "team": a.team.code if a.team else None,
        "hazard_id": a.hazard.reference if a.hazard else None,
        "district": area_name_of_id(a),
        "start_date": a.start_date,
        "end_date": a.end_date,
        "geometry": a.geom.wkt if a.geom is not None else None,
    }


ACTIVITIES = Kind(
    "activities",
    Activity,
    (
        Column("reference", parse_text, False, "CL-2024-0153", "task reference; the id when empty"),
        Column(
            "activity_type",
            parse_code,
            True,
            "clearance_manual",
            "nts, ts, clearance_manual, clearance_mechanical, clearance_dogs, bac, eod",
        ),
        Column(
            "status",
            _parse_status,
            False,
            "ongoing",
            "planned, ongoing, suspended, completed (planned if empty)",
        ),
        Column("operator", parse_text, True, "ANAMA", "organisation code"),
        Column("team", parse_text, False, "MC-07", "the team's code within the operator"),
        Column("hazard_id", parse_text, False, "HA-AGD-0001", "id or reference of the hazard"),
        Column("district", parse_text, False, "Aghdam", "from the polygon or hazard when empty"),
        Column("start_date", parse_date, True, "2024-04-01", "first day of work"),
        Column("end_date", parse_date, False, "", "last day of work; not before start_date"),
        Column(
            "geometry",
            parse_text,
            False,
            "",
            "the worked polygon as WKT (WGS84), or the GIS file's own polygon",
        ),
    ),
    _write_activity,
    _activity_row,
    geometry="polygon",
    update=_update_activity,
    same=same_reference,
)


def progress_args(
    ctx: Context, v: dict[str, Any], sid: str | None, *, area: str = "area_m2"
) -> dict[str, Any]:
    """Return the service arguments of a progress row (also an NTS submission's report)."""
    activity = activities.require_activity(ctx.session, v["activity_id"])
    operator = _operator(ctx, v.get("operator"), required=False)
    hazard = ctx.by_source_id(Hazard, v.get("hazard_id"), "hazard_id")
    return dict(
        activity_id=activity.id,
        report_date=v["date"],
        area_m2=v[area],
        team_days=v["team_days"],
        status=v.get("status"),
        notes=v.get("notes"),
        depth_cm=v.get("depth_cm"),
        eo_found=v.get("eo_found"),
        lon=v.get("lon"),
        lat=v.get("lat"),
        organisation_id=operator,
        team_id=team_of(
            ctx, operator or activity.organisation_id, v.get("team"), activity.activity_type
        ),
        hazard_id=hazard.id if hazard else None,
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _write_progress(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return activities.add_progress(session=ctx.session, **progress_args(ctx, v, sid))


def _update_progress(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    args = progress_args(ctx, v, record.source_id)
    return activities.update_progress(session=ctx.session, report=record, **args)


def _progress_row(p: ProgressReport) -> dict[str, Any]:
    # operator, team and hazard_id are checked against the activity, not stored:
    # they are left out here, so they are never compared and export empty.
    lon, lat = lonlat(p.geom)
    return {
        "activity_id": activity_key(p.activity),
        "date": p.report_date,
        "area_m2": p.area_m2,
        "team_days": p.team_days,
        "status": p.status,
        "notes": p.notes,
        "depth_cm": p.depth_cm,
        "eo_found": p.eo_found,
        "lon": lon,
        "lat": lat,
    }


PROGRESS = Kind(
    "progress",
    ProgressReport,
    (
        Column("activity_id", parse_text, True, "CL-2024-0153", "id or reference of the activity"),
        Column("date", parse_date, True, "2024-05-02", "day (or last day) reported"),
        Column("area_m2", parse_number, True, "1250", "area worked in m²"),
        Column("team_days", parse_number, True, "1", "working days of the team; 0.5 for half"),
        Column(
            "status",
            parse_code,
            False,
            "ongoing",
            "the task's status at the end of the day: ongoing, suspended or completed",
        ),
        Column("notes", parse_text, False, "", "free text"),
        Column("operator", parse_text, False, "ANAMA", "checked against the activity's"),
        Column("team", parse_text, False, "MC-07", "checked against the activity's team"),
        Column("hazard_id", parse_text, False, "", "checked against the activity's hazard"),
        Column("depth_cm", parse_int, False, "13", "clearance depth in cm"),
        Column("eo_found", parse_int, False, "0", "number of EO items found that day"),
        Column("lon", parse_number, False, "46.93", "where the report was made"),
        Column("lat", parse_number, False, "39.99", "where the report was made"),
    ),
    _write_progress,
    _progress_row,
    update=_update_progress,
    form="clearance_progress",
    same=same_reference,
)
