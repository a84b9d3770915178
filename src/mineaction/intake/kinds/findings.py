"""Explosive ordnance found, one row per item or group of identical items."""

from __future__ import annotations

from typing import Any

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
    link_id,
    lonlat,
    operator_of,
    precision_column,
)
from mineaction.services import findings
from mineaction.store.base import Record
from mineaction.store.tables import Activity, Finding


def _finding_args(ctx: Context, v: dict[str, Any], sid: str | None) -> dict[str, Any]:
    activity = ctx.by_source_id(Activity, v.get("activity_id"), "activity_id")
    return dict(
        found_date=v["date"],
        date_precision=v["date_precision"],
        category=v["category"],
        model=v["model"],
        quantity=v["quantity"],
        lon=v["lon"],
        lat=v["lat"],
        organisation_id=operator_of(ctx, v),
        admin_area_id=district_of(ctx, v),
        activity_id=activity.id if activity else None,
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _write_finding(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return findings.create_finding(session=ctx.session, **_finding_args(ctx, v, sid))


def _update_finding(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    args = _finding_args(ctx, v, record.source_id)
    return findings.update_finding(session=ctx.session, finding=record, **args)


def _finding_row(f: Finding) -> dict[str, Any]:
    lon, lat = lonlat(f.geom)
    return {
        "date": f.found_date,
        "date_precision": f.date_precision,
        "operator": f.organisation.code if f.organisation else None,
        "district": area_name_of_id(f),
        "category": f.category,
        "model": f.eo_model.model if f.eo_model else None,
        "quantity": f.quantity,
        "lon": lon,
        "lat": lat,
        "activity_id": link_id(f.activity),
    }


FINDINGS = Kind(
    "findings",
    Finding,
    (
        Column("date", parse_date, True, "2024-05-02", "day the item was found"),
        precision_column("finding"),
        Column("operator", parse_text, False, "ANAMA", "organisation code"),
        Column(
            "district",
            parse_text,
            False,
            "Aghdam",
            "name or alias of the district; taken from lon/lat when empty",
        ),
        Column(
            "category",
            parse_code,
            True,
            "at_mine",
            "ap_mine, at_mine, uxo, submunition, ied, abandoned_ordnance, other",
        ),
        Column("model", parse_text, False, "TM-62M", "model, e.g. PMN-2"),
        Column("quantity", parse_int, True, "1", "how many, at least 1"),
        Column("lon", parse_number, False, "46.93", "longitude, WGS84 degrees"),
        Column("lat", parse_number, False, "39.99", "latitude, WGS84 degrees"),
        Column("activity_id", parse_text, False, "", "id or reference of the activity"),
    ),
    _write_finding,
    _finding_row,
    geometry="point",
    update=_update_finding,
)
