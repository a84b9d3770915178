"""Land cancelled, reduced or cleared, through the land-release ledger."""

from __future__ import annotations

from typing import Any

from mineaction.errors import Problem, ValidationError
from mineaction.intake.columns import Column, parse_code, parse_date, parse_number, parse_text
from mineaction.intake.kinds.base import (
    Context,
    Kind,
    area_name_of_id,
    lookup_errors,
    precision_column,
)
from mineaction.services import hazards
from mineaction.store.base import Record
from mineaction.store.tables import Hazard, LandRelease


def _write_release(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    hazard = ctx.by_source_id(Hazard, v["hazard_id"], "hazard_id")
    operator = lookup_errors(lambda: ctx.organisation_id(v["operator"]))
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
    return hazards.release_land(
        session=ctx.session,
        method=v["method"],
        release_date=v["date"],
        date_precision=v["date_precision"],
        organisation_id=operator,
        hazard_id=hazard.id if hazard else None,
        geom=v["geometry"],
        reported_area_m2=v["area_m2"],
        admin_area_id=lookup_errors(lambda: ctx.district_id(v["district"])),
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _release_row(r: LandRelease) -> dict[str, Any]:
    return {
        "date": r.release_date,
        "date_precision": r.date_precision,
        "operator": r.organisation.code,
        "district": area_name_of_id(r),
        "method": r.method,
        "area_m2": r.reported_area_m2,
        "geometry": r.geom.wkt if r.geom else None,
        "hazard_id": (r.hazard.source_id or r.hazard.reference) if r.hazard else None,
    }


LAND_RELEASES = Kind(
    "land-releases",
    LandRelease,
    (
        Column("date", parse_date, True, "2024-05-03", "day the land was released"),
        precision_column("release"),
        Column("operator", parse_text, True, "ANAMA", "organisation code"),
        Column("district", parse_text, False, "Aghdam", "taken from the geometry when empty"),
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
)
