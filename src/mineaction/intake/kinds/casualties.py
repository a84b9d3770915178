"""Accidents and their victims (IMAS 10.60)."""

from __future__ import annotations

from typing import Any

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
    link_id,
    lonlat,
    precision_column,
)
from mineaction.services import casualties
from mineaction.store.base import Record
from mineaction.store.tables import Accident, Victim


def _accident_args(ctx: Context, v: dict[str, Any], sid: str | None) -> dict[str, Any]:
    return dict(
        accident_date=v["date"],
        date_precision=v["date_precision"],
        accident_type=v["accident_type"],
        device_category=v["device_category"],
        lon=v["lon"],
        lat=v["lat"],
        admin_area_id=district_of(ctx, v),
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _write_accident(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return casualties.create_accident(session=ctx.session, **_accident_args(ctx, v, sid))


def _update_accident(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    args = _accident_args(ctx, v, record.source_id)
    return casualties.update_accident(session=ctx.session, accident=record, **args)


def _accident_row(a: Accident) -> dict[str, Any]:
    lon, lat = lonlat(a.geom)
    return {
        "date": a.accident_date,
        "date_precision": a.date_precision,
        "lon": lon,
        "lat": lat,
        "district": area_name_of_id(a),
        "device_category": a.device_category,
        "accident_type": a.accident_type,
    }


ACCIDENTS = Kind(
    "accidents",
    Accident,
    (
        Column("date", parse_date, True, "2023-08-14", "day of the accident"),
        precision_column("accident"),
        Column("lon", parse_number, False, "47.12", "longitude, WGS84 degrees"),
        Column("lat", parse_number, False, "39.61", "latitude, WGS84 degrees"),
        Column("district", parse_text, False, "Fuzuli", "taken from lon/lat when empty"),
        Column("device_category", parse_code, True, "ap_mine", "as the finding categories"),
        Column("accident_type", parse_code, True, "mine", "mine or demining"),
    ),
    _write_accident,
    _accident_row,
    geometry="point",
    update=_update_accident,
)


def _victim_accident(ctx: Context, v: dict[str, Any]) -> Accident:
    accident = ctx.by_source_id(Accident, v["accident_id"], "accident_id")
    if accident is None:
        raise ValidationError(
            "accident_id is required.",
            problems=[Problem(reason="accident_id is required", field="accident_id")],
        )
    return accident


def _victim_args(ctx: Context, v: dict[str, Any], sid: str | None) -> dict[str, Any]:
    return dict(
        outcome=v["outcome"],
        sex=v["sex"],
        age=v["age"],
        group=v["group"],
        source_id=sid,
        approval=ctx.approval,
    )


def _write_victim(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    accident = _victim_accident(ctx, v)
    return casualties.add_victim(
        session=ctx.session, accident=accident, **_victim_args(ctx, v, sid)
    )


def _update_victim(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    return casualties.update_victim(
        session=ctx.session,
        victim=record,
        accident=_victim_accident(ctx, v),
        **_victim_args(ctx, v, record.source_id),
    )


VICTIMS = Kind(
    "victims",
    Victim,
    (
        Column("accident_id", parse_text, True, "ACC-2023-014", "id of the accident"),
        Column("sex", parse_code, False, "male", "male, female, unknown"),
        Column("age", parse_int, False, "34", "age in years; empty when not known"),
        Column("group", parse_code, False, "civilian", "civilian, military, deminer, unknown"),
        Column("outcome", parse_code, True, "injured", "killed or injured"),
    ),
    _write_victim,
    lambda v: {
        "accident_id": link_id(v.accident),
        "sex": v.sex,
        "age": v.age,
        "group": v.victim_group,
        "outcome": v.outcome,
    },
    update=_update_victim,
)
