"""The kinds of record an import file can hold: their columns and how a row is written.

Each kind is a ``Kind``: its canonical columns (docs/import-formats.md), a
``write`` that turns one parsed row into one call of the service that owns
the rule, and a ``row_of`` that reads a stored record back as a row (so a
re-imported row can be compared with what is stored).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from mineaction.domain.rules import Problems
from mineaction.errors import NotFoundError, Problem, ValidationError
from mineaction.geo import Country
from mineaction.intake.columns import (
    Column,
    parse_code,
    parse_date,
    parse_int,
    parse_number,
    parse_text,
)
from mineaction.services import admin_areas, casualties, findings, hazards, organisations
from mineaction.store.base import Record
from mineaction.store.tables import (
    Accident,
    Activity,
    AdminArea,
    Finding,
    Hazard,
    LandRelease,
    Organisation,
    Victim,
)


@dataclass
class Context:
    """What every row of one import shares: the session, lookups and the approval state."""

    session: Session
    approval: str
    country: Country | None
    _orgs: dict[str, int] = field(default_factory=dict)
    _areas: dict[str, int] = field(default_factory=dict)

    def organisation_id(self, code: str | None) -> int | None:
        """Return the id of the organisation ``code`` (refused with the known codes)."""
        if not code:
            return None
        key = code.casefold()
        if key not in self._orgs:
            self._orgs[key] = organisations.require_by_code(self.session, code).id
        return self._orgs[key]

    def district_id(self, name: str | None) -> int | None:
        """Return the id of the administrative area called ``name`` (any alias)."""
        if not name:
            return None
        key = admin_areas.normalise_name(name)
        if key not in self._areas:
            self._areas[key] = admin_areas.find_area(self.session, name).id
        return self._areas[key]

    def by_source_id(self, model: type[Record], source_id: str | None, column: str) -> Any:
        """Return the record of ``model`` imported with ``source_id``; refuse if none."""
        if not source_id:
            return None
        record = self.session.scalars(
            select(model).where(model.source_id == source_id)
        ).one_or_none()
        if record is None and model is Hazard:
            record = self.session.scalars(
                select(Hazard).where(Hazard.reference == source_id)
            ).one_or_none()
        if record is None:
            kind = getattr(model, "__kind__", model.__name__)
            raise ValidationError(
                f"{column} {source_id!r} names no record in {kind}.",
                hint=f"Import the {kind} first, or check the id.",
                problems=[
                    Problem(
                        reason=f"no {kind} with id {source_id!r}", field=column, value=source_id
                    )
                ],
            )
        return record


Writer = Callable[[Context, dict[str, Any], str | None], Record]
Reader = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    """One kind of record an import or template deals with."""

    name: str
    model: type[Record]
    columns: tuple[Column, ...]
    write: Writer
    row_of: Reader
    geometry: str | None = None  # "point" (lon/lat columns) or "polygon" (a WKT column)

    @property
    def column_names(self) -> list[str]:
        """Return the canonical column names in order."""
        return [c.name for c in self.columns]


def _lonlat(geom: BaseGeometry | None) -> tuple[float | None, float | None]:
    return (geom.x, geom.y) if geom is not None else (None, None)


def _parse_precision(value: Any, column: str, problems: Problems) -> str:
    """Return how much of the date is known (day when the cell is empty); the service checks it."""
    return parse_code(value, column, problems) or "day"


def _precision_column(what: str) -> Column:
    return Column(
        "date_precision",
        _parse_precision,
        False,
        "day",
        f"day, month or year: how much of the {what} date is known (day when empty)",
    )


def _lookup_errors(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except NotFoundError as exc:
        raise ValidationError(exc.message, hint=exc.hint) from exc


# --- organisations ---------------------------------------------------------------


def _write_organisation(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return organisations.create_organisation(
        session=ctx.session,
        code=v["code"],
        name=v["name"],
        type=v["type"],
        source_id=sid or v["code"],
        approval=ctx.approval,
    )


ORGANISATIONS = Kind(
    "organisations",
    Organisation,
    (
        Column("code", parse_text, True, "ANAMA", "short unique code, used in other files"),
        Column("name", parse_text, True, "Mine Action Agency of the Republic of Azerbaijan"),
        Column(
            "type",
            parse_code,
            True,
            "national_authority",
            "national_authority, military, civil_protection, border_service, ngo, commercial",
        ),
    ),
    _write_organisation,
    lambda o: {"code": o.code, "name": o.name, "type": o.type},
)


# --- findings --------------------------------------------------------------------


def _write_finding(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    activity = ctx.by_source_id(Activity, v.get("activity_id"), "activity_id")
    return findings.create_finding(
        session=ctx.session,
        found_date=v["date"],
        date_precision=v["date_precision"],
        category=v["category"],
        model=v["model"],
        quantity=v["quantity"],
        lon=v["lon"],
        lat=v["lat"],
        organisation_id=_lookup_errors(lambda: ctx.organisation_id(v["operator"])),
        admin_area_id=_lookup_errors(lambda: ctx.district_id(v["district"])),
        activity_id=activity.id if activity else None,
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _finding_row(f: Finding) -> dict[str, Any]:
    lon, lat = _lonlat(f.geom)
    return {
        "date": f.found_date,
        "date_precision": f.date_precision,
        "operator": f.organisation.code if f.organisation else None,
        "district": _area_name_of_id(f),
        "category": f.category,
        "model": f.eo_model.model if f.eo_model else None,
        "quantity": f.quantity,
        "lon": lon,
        "lat": lat,
        "activity_id": f.activity.source_id if f.activity else None,
    }


def _area_name_of_id(record: Any) -> str | None:
    """Return the name of the record's administrative area (by id: not every kind maps it)."""
    session = object_session(record)
    if session is None or record.admin_area_id is None:
        return None
    return str(session.get_one(AdminArea, record.admin_area_id).name)


FINDINGS = Kind(
    "findings",
    Finding,
    (
        Column("date", parse_date, True, "2024-05-02", "day the item was found"),
        _precision_column("finding"),
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
        Column("activity_id", parse_text, False, "", "id of the activity that found it"),
    ),
    _write_finding,
    _finding_row,
    geometry="point",
)


# --- accidents and victims ---------------------------------------------------------


def _write_accident(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return casualties.create_accident(
        session=ctx.session,
        accident_date=v["date"],
        date_precision=v["date_precision"],
        accident_type=v["accident_type"],
        device_category=v["device_category"],
        lon=v["lon"],
        lat=v["lat"],
        admin_area_id=_lookup_errors(lambda: ctx.district_id(v["district"])),
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _accident_row(a: Accident) -> dict[str, Any]:
    lon, lat = _lonlat(a.geom)
    return {
        "date": a.accident_date,
        "date_precision": a.date_precision,
        "lon": lon,
        "lat": lat,
        "district": _area_name_of_id(a),
        "device_category": a.device_category,
        "accident_type": a.accident_type,
    }


ACCIDENTS = Kind(
    "accidents",
    Accident,
    (
        Column("date", parse_date, True, "2023-08-14", "day of the accident"),
        _precision_column("accident"),
        Column("lon", parse_number, False, "47.12", "longitude, WGS84 degrees"),
        Column("lat", parse_number, False, "39.61", "latitude, WGS84 degrees"),
        Column("district", parse_text, False, "Fuzuli", "taken from lon/lat when empty"),
        Column("device_category", parse_code, True, "ap_mine", "as the finding categories"),
        Column("accident_type", parse_code, True, "mine", "mine or demining"),
    ),
    _write_accident,
    _accident_row,
    geometry="point",
)


def _write_victim(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    accident = ctx.by_source_id(Accident, v["accident_id"], "accident_id")
    if accident is None:
        raise ValidationError(
            "accident_id is required.",
            problems=[Problem(reason="accident_id is required", field="accident_id")],
        )
    return casualties.add_victim(
        session=ctx.session,
        accident=accident,
        outcome=v["outcome"],
        sex=v["sex"],
        age=v["age"],
        group=v["group"],
        source_id=sid,
        approval=ctx.approval,
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
        "accident_id": v.accident.source_id,
        "sex": v.sex,
        "age": v.age,
        "group": v.victim_group,
        "outcome": v.outcome,
    },
)


# --- land releases -----------------------------------------------------------------


def _write_release(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    hazard = ctx.by_source_id(Hazard, v["hazard_id"], "hazard_id")
    operator = _lookup_errors(lambda: ctx.organisation_id(v["operator"]))
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
        admin_area_id=_lookup_errors(lambda: ctx.district_id(v["district"])),
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _release_row(r: LandRelease) -> dict[str, Any]:
    return {
        "date": r.release_date,
        "date_precision": r.date_precision,
        "operator": r.organisation.code,
        "district": _area_name_of_id(r),
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
        _precision_column("release"),
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

KINDS: dict[str, Kind] = {
    k.name: k for k in (ORGANISATIONS, FINDINGS, ACCIDENTS, VICTIMS, LAND_RELEASES)
}


def get_kind(name: str, *, purpose: str = "imported", hint: str = "") -> Kind:
    """Return the kind called ``name``; refuse with the list of kinds.

    ``purpose`` ("imported", "exported") and ``hint`` only shape the message.
    """
    if name not in KINDS:
        raise ValidationError(
            f"{name!r} is not a kind of record that can be {purpose}.",
            hint=f"Use one of: {', '.join(KINDS)}{hint}.",
        )
    return KINDS[name]
