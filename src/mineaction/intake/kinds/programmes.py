"""Risk education sessions and victim assistance, with beneficiaries by sex × age band."""

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
)
from mineaction.services import programmes
from mineaction.store.base import Record
from mineaction.store.tables import Assistance, EORESession, Victim
from mineaction.store.tables.programmes import BENEFICIARY_COLUMNS

_EXAMPLE_COUNTS = {
    "female_child": "12",
    "male_child": "15",
    "female_adult": "8",
    "male_adult": "6",
    "female_elderly": "2",
    "male_elderly": "1",
}

_WHO = {
    "female_child": "girls (under 18)",
    "male_child": "boys (under 18)",
    "female_adult": "women (18 to 59)",
    "male_adult": "men (18 to 59)",
    "female_elderly": "women of 60 and over",
    "male_elderly": "men of 60 and over",
}

BENEFICIARIES = tuple(
    Column(name, parse_int, False, _EXAMPLE_COUNTS[name], f"number of {_WHO[name]}; 0 when empty")
    for name in BENEFICIARY_COLUMNS
)


def _counts(v: dict[str, Any]) -> dict[str, int | None]:
    return {name: v.get(name) for name in BENEFICIARY_COLUMNS}


def _counts_of(record: Any) -> dict[str, int]:
    return {name: getattr(record, name) for name in BENEFICIARY_COLUMNS}


# --- EORE sessions -------------------------------------------------------------------


def _eore_args(ctx: Context, v: dict[str, Any], sid: str | None) -> dict[str, Any]:
    return dict(
        session_date=v["date"],
        organisation_id=operator_of(ctx, v),
        method=v["method"] or "session",
        location=v["location"],
        lon=v["lon"],
        lat=v["lat"],
        admin_area_id=district_of(ctx, v),
        beneficiaries=_counts(v),
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _eore_row(s: EORESession) -> dict[str, Any]:
    lon, lat = lonlat(s.geom)
    return {
        "date": s.session_date,
        "operator": s.organisation.code,
        "method": s.method,
        "district": area_name_of_id(s),
        "location": s.location,
        "lon": lon,
        "lat": lat,
        **_counts_of(s),
    }


def _write_eore(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return programmes.create_eore_session(session=ctx.session, **_eore_args(ctx, v, sid))


def _update_eore(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    args = _eore_args(ctx, v, record.source_id)
    return programmes.update_eore_session(session=ctx.session, record=record, **args)


EORE = Kind(
    "eore",
    EORESession,
    (
        Column("date", parse_date, True, "2024-03-12", "day of the session"),
        Column("operator", parse_text, True, "ANAMA", "organisation code"),
        Column("method", parse_code, False, "school", "session, school, community or media"),
        Column("district", parse_text, False, "Fuzuli", "taken from lon/lat when empty"),
        Column("location", parse_text, False, "Fuzuli secondary school No. 1", "where it was held"),
        Column("lon", parse_number, False, "47.15", "longitude, WGS84 degrees"),
        Column("lat", parse_number, False, "39.60", "latitude, WGS84 degrees"),
        *BENEFICIARIES,
    ),
    _write_eore,
    _eore_row,
    geometry="point",
    update=_update_eore,
)


# --- victim assistance -----------------------------------------------------------------


def _assistance_args(ctx: Context, v: dict[str, Any], sid: str | None) -> dict[str, Any]:
    victim = ctx.by_source_id(Victim, v["victim_id"], "victim_id")
    return dict(
        assistance_date=v["date"],
        assistance_type=v["assistance_type"],
        organisation_id=operator_of(ctx, v),
        admin_area_id=district_of(ctx, v),
        victim_id=victim.id if victim else None,
        beneficiaries=_counts(v),
        notes=v["notes"],
        source_id=sid,
        approval=ctx.approval,
    )


def _assistance_row(a: Assistance) -> dict[str, Any]:
    return {
        "date": a.assistance_date,
        "operator": a.organisation.code,
        "assistance_type": a.assistance_type,
        "district": area_name_of_id(a),
        "victim_id": link_id(a.victim),
        **_counts_of(a),
        "notes": a.notes,
    }


def _write_assistance(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return programmes.create_assistance(session=ctx.session, **_assistance_args(ctx, v, sid))


def _update_assistance(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    args = _assistance_args(ctx, v, record.source_id)
    return programmes.update_assistance(session=ctx.session, record=record, **args)


ASSISTANCE = Kind(
    "assistance",
    Assistance,
    (
        Column("date", parse_date, True, "2024-02-20", "day the assistance was given"),
        Column("operator", parse_text, True, "ANAMA", "organisation code of the provider"),
        Column(
            "assistance_type",
            parse_code,
            True,
            "rehabilitation",
            "medical, rehabilitation, psychosocial, economic or education",
        ),
        Column("district", parse_text, False, "Tartar", "name or alias of the district"),
        Column("victim_id", parse_text, False, "", "id of the victim served, if one person"),
        *BENEFICIARIES,
        Column("notes", parse_text, False, "", "free text"),
    ),
    _write_assistance,
    _assistance_row,
    update=_update_assistance,
)
