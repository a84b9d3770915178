"""Land cancelled, reduced or cleared, through the land-release ledger."""

from __future__ import annotations

from typing import Any

from mineaction.domain.ledger import reported_area_gap
from mineaction.errors import Problem, ValidationError
from mineaction.geo import geodesic_area_m2
from mineaction.intake.columns import Column, parse_code, parse_date, parse_number, parse_text
from mineaction.intake.kinds.base import (
    Context,
    Kind,
    area_name_of_id,
    district_of,
    link_id,
    operator_of,
    precision_column,
    same_shape,
)
from mineaction.services import admin_areas, hazards
from mineaction.store.base import Record
from mineaction.store.tables import Hazard, LandRelease


def _write_release(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    hazard = ctx.by_source_id(Hazard, v["hazard_id"], "hazard_id")
    operator = operator_of(ctx, v)
    if operator is None:
        raise ValidationError(
            "operator is required.",
            problems=[
                Problem(
                    reason="operator is required for a land release",
                    field="operator",
                    hint="Give the organisation code, e.g. ANAMA.",
                )
            ],
        )
    district = district_of(ctx, v)
    release = hazards.release_land(
        session=ctx.session,
        method=v["method"],
        release_date=v["date"],
        date_precision=v["date_precision"],
        organisation_id=operator,
        hazard_id=hazard.id if hazard else None,
        geom=v["geometry"],
        reported_area_m2=v["area_m2"],
        admin_area_id=district,
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )
    if district is not None and release.geom is not None:
        # A row that names its district and draws its polygon elsewhere is a mistake in one
        # of them; the whole row is refused (the transaction of the import rolls back).
        admin_areas.check_inside(ctx.session, district, release.geom, field="district")
    _flag_reported_area(ctx, release)
    return release


def _flag_reported_area(ctx: Context, release: LandRelease) -> None:
    """Warn when a reported area is more than 5 % off the polygon's (which is what counts)."""
    if release.geom is None:
        return
    measured = geodesic_area_m2(release.geom)
    gap = reported_area_gap(measured, release.reported_area_m2)
    if gap is not None:
        ctx.warn(
            "area_m2",
            release.reported_area_m2,
            f"The reported area {release.reported_area_m2:,.0f} m² is {gap:.0%} off the "
            f"polygon's {measured:,.0f} m²; the polygon's area is counted.",
            "Check the polygon and the reported figure with the operator.",
        )


#: Columns of a release that the ledger does not depend on: these may change by import.
_FREELY_CHANGED = ("date", "date_precision", "operator", "district", "method")


def _update_release(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    stored = _release_row(record)
    ledger_changes = [
        name
        for name in ("area_m2", "geometry", "hazard_id")
        if not _same_ledger_value(name, stored[name], v[name])
    ]
    if ledger_changes:
        raise ValidationError(
            f"The row with id {record.source_id!r} changes {', '.join(ledger_changes)} of a "
            "land release that the hazard's ledger has counted already.",
            hint="Ask the IM officer to reject the release, then import the correction with a "
            "new id; the released area is then counted from the corrected polygon.",
            problems=[
                Problem(
                    reason=f"{name} of a counted release cannot change by import",
                    field=name,
                    value=v[name],
                )
                for name in ledger_changes
            ],
        )
    operator = operator_of(ctx, v)
    fields = {
        "release_date": v["date"],
        "date_precision": v["date_precision"],
        "method": v["method"],
        "organisation_id": operator or record.organisation_id,
        "approval": ctx.approval,
    }
    if v["district"]:
        fields["admin_area_id"] = district_of(ctx, v)
    return hazards.update_release(session=ctx.session, release=record, **fields)


def _same_ledger_value(name: str, stored: Any, new: Any) -> bool:
    if name == "geometry":
        return same_shape(stored, new)
    if name == "hazard_id":
        return (stored or "").casefold() == (new or "").casefold()
    if stored is None or new is None:
        return stored is None and new is None
    return abs(float(stored) - float(new)) <= 1e-6 * max(1.0, abs(float(stored)))


def _release_row(r: LandRelease) -> dict[str, Any]:
    return {
        "date": r.release_date,
        "date_precision": r.date_precision,
        "operator": r.organisation.code,
        "district": area_name_of_id(r),
        "method": r.method,
        "area_m2": r.reported_area_m2,
        "geometry": r.geom.wkt if r.geom else None,
        "hazard_id": link_id(r.hazard),
    }


LAND_RELEASES = Kind(
    "land-releases",
    LandRelease,
    (
        Column("date", parse_date, True, "2024-05-03", "day the land was released"),
        precision_column("release"),
        Column("operator", parse_text, True, "ANAMA", "organisation code"),
        Column(
            "district",
            parse_text,
            False,
            "Aghdam",
            "taken from the geometry when empty; when given, the polygon must lie in it",
        ),
        Column("method", parse_code, True, "cleared", "cancelled, reduced or cleared"),
        Column(
            "area_m2",
            parse_number,
            False,
            "12500",
            "reported area in m², when there is no polygon (or to compare with it)",
        ),
        Column(
            "geometry",
            parse_text,
            False,
            "POLYGON((46.93 39.99, 46.94 39.99, 46.94 40.0, 46.93 39.99))",
            "the released polygon as WKT (WGS84)",
        ),
        Column("hazard_id", parse_text, False, "HA-AGD-0001", "id or reference of the hazard"),
    ),
    _write_release,
    _release_row,
    geometry="polygon",
    update=_update_release,
)
