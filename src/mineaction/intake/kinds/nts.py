"""Non-technical survey submissions: one form, up to three records.

``mineaction import nts FILE`` reads the ODK Central or KoboToolbox export of
the NTS form (intake/forms/definitions.py).  Each submission becomes

* a progress report of the survey activity (``activity_id``, an NTS task):
  ``surveyed_m2`` worked in ``team_days``, with the position and notes;
* a hazard when a ``hazard_type`` is given: its reference is ``hazard_id``
  (else the task reference and the submission id), its polygon the ``boundary``
  geoshape, with evidence, blockages and expected beneficiaries;
* a cancelled land release of ``cancelled_m2`` when it is above zero (area
  only, through the land-release ledger): from the hazard ``hazard_id`` names
  when no new hazard is recorded, otherwise from no hazard (the cancelled land
  lies outside the new hazard's boundary).

All three carry the submission's ``id`` as their source id, so importing the
export again changes nothing; an edited submission updates the records that
are not approved yet (see ``_update_nts``).  A kind for import only: its records are
exported as progress, hazards and land-releases.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import select
from sqlalchemy.orm import object_session

from mineaction.domain.ledger import polygonal
from mineaction.domain.rules import Problems
from mineaction.errors import Problem, ValidationError
from mineaction.geo import validate_polygon
from mineaction.intake.columns import (
    Column,
    parse_code,
    parse_date,
    parse_int,
    parse_number,
    parse_text,
)
from mineaction.intake.kinds.activities import activity_key, progress_args, same_reference
from mineaction.intake.kinds.base import (
    Context,
    Kind,
    district_of,
    lonlat,
    same_shape,
)
from mineaction.intake.kinds.hazards import blockage_codes, parse_blockages
from mineaction.services import activities, admin_areas, hazards
from mineaction.store.base import Record
from mineaction.store.tables import Activity, Hazard, LandRelease, ProgressReport

_GEOSHAPE_HINT = (
    "An ODK geoshape is 'lat lon alt acc' corners separated by ';'; re-export the "
    "submissions without editing them, or give the boundary as a WKT POLYGON."
)


def parse_boundary(value: Any, column: str, problems: Problems) -> str | None:
    """Return an ODK geoshape (or WKT polygon) as the WKT of a normalised MultiPolygon.

    The geoshape ``"lat lon alt acc;lat lon alt acc;…"`` lists the corners
    latitude first; the ring is closed when the last corner is not the first.
    Validity, swapped coordinates and the country are checked when it is written.

    >>> shape = "40.0 47.0 0 5;40.0 47.01 0 5;40.01 47.01 0 5;40.0 47.0 0 5"
    >>> parse_boundary(shape, "boundary", Problems())
    'MULTIPOLYGON (((47 40, 47.01 40.01, 47.01 40, 47 40)))'
    """
    text = parse_text(value, column, problems)
    if not text:
        return None
    if text[:1].isalpha():  # WKT
        try:
            shape = shapely.from_wkt(text)
        except shapely.errors.GEOSException:
            problems.add(
                column, text[:60], "The boundary is neither a geoshape nor WKT.", _GEOSHAPE_HINT
            )
            return None
        return str(shapely.normalize(polygonal(shape)).wkt) if not shape.is_empty else None
    corners: list[tuple[float, float]] = []
    for number, part in enumerate((p.strip() for p in text.split(";") if p.strip()), start=1):
        numbers = part.split()
        try:
            values = [float(n) for n in numbers]
        except ValueError:
            values = []
        if not 2 <= len(values) <= 4:
            problems.add(
                column,
                part,
                f"Corner {number} of the boundary, {part!r}, is not 'lat lon alt acc'.",
                _GEOSHAPE_HINT,
            )
            return None
        corners.append((values[1], values[0]))
    if corners and corners[0] != corners[-1]:
        corners.append(corners[0])
    distinct = len(set(corners))
    if distinct < 3:
        problems.add(
            column,
            text[:60],
            f"The boundary has {distinct} distinct corner(s); an area needs at least 3.",
            "Walk or draw the whole outline of the area in the form.",
        )
        return None
    return str(shapely.normalize(MultiPolygon([Polygon(corners)])).wkt)


def _refuse(field: str, value: Any, reason: str, hint: str) -> ValidationError:
    return ValidationError(
        reason, hint=hint, problems=[Problem(reason=reason, field=field, value=value, hint=hint)]
    )


def _survey_activity(ctx: Context, v: dict[str, Any]) -> Activity:
    activity = activities.require_activity(ctx.session, v["activity_id"])
    if activity.activity_type != "nts":
        raise _refuse(
            "activity_id",
            v["activity_id"],
            f"Activity {activity.reference} is a {activity.activity_type} task, not a "
            "non-technical survey.",
            "Give the reference of the NTS task the team worked on.",
        )
    cancelled, surveyed = v["cancelled_m2"], v["surveyed_m2"]
    if cancelled is not None and surveyed is not None and cancelled > surveyed:
        raise _refuse(
            "cancelled_m2",
            cancelled,
            f"{cancelled:,.0f} m² cancelled is more than the {surveyed:,.0f} m² surveyed.",
            "Land can only be cancelled where it was surveyed.",
        )
    return activity


def _write_nts(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    activity = _survey_activity(ctx, v)
    # The survey's hazard_id names the hazard it records or re-visits, not the task's.
    report_values = {**v, "hazard_id": None, "status": None}
    report = activities.add_progress(
        session=ctx.session, **progress_args(ctx, report_values, sid, area="surveyed_m2")
    )
    district = district_of(ctx, v)
    released_from = None
    if v["hazard_type"]:
        _record_hazard(ctx, v, sid, activity, district)
    elif v["hazard_id"]:
        released_from = ctx.by_source_id(Hazard, v["hazard_id"], "hazard_id")
    if v["cancelled_m2"]:
        where = district or (released_from.admin_area_id if released_from else None)
        where = where or activity.admin_area_id
        if where is None and report.geom is not None:
            where = admin_areas.district_id_of(ctx.session, report.geom)
        hazards.release_land(
            session=ctx.session,
            method="cancelled",
            release_date=v["date"],
            organisation_id=activity.organisation_id,
            hazard_id=released_from.id if released_from else None,
            reported_area_m2=v["cancelled_m2"],
            activity_id=activity.id,
            admin_area_id=where,
            country=ctx.country,
            source_id=sid,
            approval=ctx.approval,
        )
    return report


def _record_hazard(
    ctx: Context, v: dict[str, Any], sid: str | None, activity: Activity, district: int | None
) -> Hazard:
    if v["boundary"] is None:
        raise _refuse(
            "boundary",
            None,
            "A survey that records a hazard needs the hazard's boundary.",
            "Walk or draw the boundary in the form, or leave hazard_type empty when the survey "
            "found no evidence.",
        )
    if v["hazard_id"]:
        known = ctx.session.scalar(
            select(Hazard.reference).where(
                (Hazard.reference == v["hazard_id"]) | (Hazard.source_id == v["hazard_id"])
            )
        )
        if known is not None:
            raise _refuse(
                "hazard_id",
                v["hazard_id"],
                f"Hazard {known} is recorded already; the NTS form records new hazards.",
                "To cancel land of a known hazard, leave hazard_type empty (the cancelled area "
                "is then released from it); change the hazard itself with `import hazards`.",
            )
    shape = validate_polygon(v["boundary"], country=ctx.country, field="boundary")
    return hazards.create_hazard(
        session=ctx.session,
        reference=v["hazard_id"] or _new_reference(ctx, activity, sid, v["date"]),
        hazard_type=v["hazard_type"],
        contamination=v["contamination"],
        geom=shape,
        recorded_date=v["date"],
        country=ctx.country,
        organisation_id=activity.organisation_id,
        admin_area_id=district,
        evidence=v["evidence"],
        evidence_notes=v["evidence_notes"],
        blockages=blockage_codes(v["blockages"]),
        expected_beneficiaries=v["expected_beneficiaries"],
        source_id=sid,
        approval=ctx.approval,
    )


def _update_nts(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    """Apply an edited submission (same id) whose records are not approved yet.

    The report and the hazard take the new values (a new polygon through the
    ledger); a hazard is added when the edit gives a hazard type.  What the
    ledger counted stays: a changed cancelled area, or a hazard the edit no
    longer records, is refused.
    """
    sid = record.source_id
    activity = _survey_activity(ctx, v)
    if activity.id != record.activity_id:
        raise _refuse(
            "activity_id",
            v["activity_id"],
            f"The submission {sid!r} was imported for task {record.activity.reference}; "
            "a submission cannot move to another task.",
            "Send the survey of the other task as a new submission.",
        )
    stored = _nts_row(record)
    if not _same_area(stored["cancelled_m2"], v["cancelled_m2"]):
        raise _refuse(
            "cancelled_m2",
            v["cancelled_m2"],
            f"The submission {sid!r} changes the cancelled area the ledger has counted "
            f"({stored['cancelled_m2']:,.0f} m²).",
            "Ask the IM officer to reject the release, then send the correction as a new "
            "submission.",
        )
    report_values = {**v, "hazard_id": None, "status": None}
    activities.update_progress(
        session=ctx.session,
        report=record,
        **progress_args(ctx, report_values, sid, area="surveyed_m2"),
    )
    district = district_of(ctx, v)
    hazard = ctx.session.scalars(select(Hazard).where(Hazard.source_id == sid)).one_or_none()
    if hazard is None and v["hazard_type"]:
        _record_hazard(ctx, v, sid, activity, district)
    elif hazard is not None and not v["hazard_type"]:
        raise _refuse(
            "hazard_type",
            None,
            f"The submission {sid!r} recorded hazard {hazard.reference}; the edit records none.",
            "Ask the IM officer to reject the hazard, or keep its hazard type.",
        )
    elif hazard is not None:
        _update_hazard(ctx, hazard, v, district)
    release = ctx.session.scalars(
        select(LandRelease).where(LandRelease.source_id == sid)
    ).one_or_none()
    if release is not None:
        hazards.update_release(
            session=ctx.session,
            release=release,
            release_date=v["date"],
            method="cancelled",
            organisation_id=activity.organisation_id,
            approval=ctx.approval,
            admin_area_id=district,
        )
    return record


def _same_area(stored: float | None, new: float | None) -> bool:
    return abs((stored or 0.0) - (new or 0.0)) <= 1e-6 * max(1.0, abs(stored or 0.0))


def _update_hazard(ctx: Context, hazard: Hazard, v: dict[str, Any], district: int | None) -> None:
    if v["hazard_id"] and v["hazard_id"].casefold() != hazard.reference.casefold():
        raise _refuse(
            "hazard_id",
            v["hazard_id"],
            f"The submission recorded hazard {hazard.reference}; references cannot change.",
            "Keep the reference, or send the survey as a new submission.",
        )
    if v["boundary"] is None:
        raise _refuse(
            "boundary",
            None,
            "A survey that records a hazard needs the hazard's boundary.",
            "Keep the boundary in the edited submission.",
        )
    shape = validate_polygon(v["boundary"], country=ctx.country, field="boundary")
    if not same_shape(hazard.geom, shape):
        hazards.reshape_hazard(
            session=ctx.session,
            hazard_id=hazard.id,
            geom=shape,
            expected_version=hazard.version,
            country=ctx.country,
        )
    hazards.update_hazard(
        session=ctx.session,
        hazard=hazard,
        hazard_type=v["hazard_type"],
        contamination=v["contamination"],
        recorded_date=v["date"],
        status=hazard.status,
        approval=ctx.approval,
        name=hazard.name,
        evidence=v["evidence"],
        evidence_notes=v["evidence_notes"],
        blockages=blockage_codes(v["blockages"]),
        expected_beneficiaries=v["expected_beneficiaries"],
        organisation_id=hazard.organisation_id,
        admin_area_id=district,
    )


def _new_reference(ctx: Context, activity: Activity, sid: str | None, day: Any) -> str:
    """Return the task reference and 8 characters of the submission id (all, if taken)."""
    if not sid:
        return f"{activity.reference}-{day.isoformat()}"
    short = f"{activity.reference}-{sid[:8]}"
    taken = ctx.session.scalar(select(Hazard.id).where(Hazard.reference == short))
    return short if taken is None else f"{activity.reference}-{sid}"[:60]


def _nts_row(report: ProgressReport) -> dict[str, Any]:
    """Return what a stored submission gave: its report, hazard and cancelled area."""
    session = object_session(report)
    hazard = release = None
    if session is not None and report.source_id:
        hazard = session.scalars(
            select(Hazard).where(Hazard.source_id == report.source_id)
        ).one_or_none()
        release = session.scalars(
            select(LandRelease).where(LandRelease.source_id == report.source_id)
        ).one_or_none()
    lon, lat = lonlat(report.geom)
    row = {
        "activity_id": activity_key(report.activity),
        "date": report.report_date,
        "surveyed_m2": report.area_m2,
        "team_days": report.team_days,
        "notes": report.notes,
        "lon": lon,
        "lat": lat,
        "cancelled_m2": release.reported_area_m2 if release else 0.0,
        "hazard_type": None,
        "contamination": None,
        "evidence": None,
        "evidence_notes": None,
        "expected_beneficiaries": None,
        "blockages": None,
        "boundary": None,
    }
    if hazard is not None:
        row.update(
            hazard_type=hazard.hazard_type,
            contamination=hazard.contamination,
            evidence=hazard.evidence,
            evidence_notes=hazard.evidence_notes,
            expected_beneficiaries=hazard.expected_beneficiaries,
            blockages=";".join(sorted(b.blockage for b in hazard.blockages)) or None,
            boundary=str(shapely.normalize(polygonal(hazard.geom)).wkt),
        )
    return row


NTS = Kind(
    "nts",
    ProgressReport,
    (
        Column("activity_id", parse_text, True, "NTS-2024-0042", "id or reference of the NTS task"),
        Column("operator", parse_text, True, "ANAMA", "checked against the task's operator"),
        Column("team", parse_text, True, "NTS-03", "the team's code within the operator"),
        Column("date", parse_date, True, "2024-05-02", "day of the survey"),
        Column("district", parse_text, False, "Aghdam", "of the hazard and the cancelled land"),
        Column(
            "hazard_id",
            parse_text,
            False,
            "",
            "reference of the hazard recorded (with hazard_type) or re-visited (without)",
        ),
        Column("hazard_type", parse_code, False, "sha", "sha or cha; empty: no hazard recorded"),
        Column("contamination", parse_code, False, "ap_mines", "as for hazards"),
        Column("evidence", parse_code, False, "informant", "as for hazards"),
        Column("evidence_notes", parse_text, False, "", "what was seen or reported"),
        Column("blockages", parse_blockages, False, "agriculture road", "codes, space separated"),
        Column("expected_beneficiaries", parse_int, False, "120", "people who will use the land"),
        Column("lon", parse_number, True, "46.93", "the survey team's position"),
        Column("lat", parse_number, True, "39.99", "the survey team's position"),
        Column(
            "boundary",
            parse_boundary,
            False,
            "39.99 46.93 0 5;39.99 46.94 0 5;40.0 46.94 0 5;39.99 46.93 0 5",
            "the hazard's outline: an ODK geoshape (lat lon alt acc;…) or a WKT polygon",
        ),
        Column("surveyed_m2", parse_number, True, "250000", "area surveyed in m²"),
        Column("cancelled_m2", parse_number, True, "180000", "area cancelled, ≤ surveyed_m2"),
        Column("team_days", parse_number, True, "1", "working days of the team"),
        Column("notes", parse_text, False, "", "free text"),
    ),
    _write_nts,
    _nts_row,
    update=_update_nts,
    form="nts",
    same=same_reference,
)
