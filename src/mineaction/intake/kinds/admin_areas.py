"""Administrative areas: districts, settlements and the areas above them, by code."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from mineaction.intake.columns import Column, parse_code, parse_text
from mineaction.intake.kinds.base import Context, Kind, lookup_errors, same_shape
from mineaction.services import admin_areas
from mineaction.store.base import Record
from mineaction.store.tables import AdminArea, AdminAreaAlias


def _aliases(text: str | None) -> list[str]:
    """Split the aliases cell: names separated by ``;`` or ``|``."""
    return [a.strip() for a in re.split(r"[;|]", text or "") if a.strip()]


def _area_args(v: dict[str, Any], ctx: Context, sid: str | None) -> dict[str, Any]:
    return dict(
        code=v["code"],
        name=v["name"],
        level=v["level"],
        parent=v["parent"],
        country=v["country"],
        geom=v["geometry"],
        name_az=v["name_az"],
        name_ru=v["name_ru"],
        aliases=_aliases(v["aliases"]),
        source_id=sid,
        approval=ctx.approval,
    )


def _write_area(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    area = admin_areas.create_area(session=ctx.session, **_area_args(v, ctx, sid or v["code"]))
    ctx.forget_areas()  # the new name must be found by the rows that follow
    return area


def _update_area(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    args = _area_args(v, ctx, record.source_id)
    if same_shape(record.geom, v["geometry"]):
        args["geom"] = record.geom
    area = admin_areas.update_area(session=ctx.session, area=record, **args)
    ctx.forget_areas()
    return area


def _area_row(a: AdminArea) -> dict[str, Any]:
    session = object_session(a)
    assert session is not None
    parent = session.get(AdminArea, a.parent_id) if a.parent_id else None
    own = {admin_areas.normalise_name(n) for n in (a.name, a.code, a.name_az, a.name_ru) if n}
    aliases = sorted(
        alias
        for alias in session.scalars(
            select(AdminAreaAlias.alias).where(AdminAreaAlias.area_id == a.id)
        )
        if alias not in own
    )
    return {
        "code": a.code,
        "name": a.name,
        "level": a.level,
        "parent": parent.code if parent else None,
        "country": a.country,
        "name_az": a.name_az,
        "name_ru": a.name_ru,
        "aliases": "; ".join(aliases) or None,
        "geometry": a.geom.wkt if a.geom is not None else None,
    }


def _same_parent(ctx: Context, area: AdminArea, new: str | None) -> bool:
    """Tell whether ``new`` (a code, name or alias, or empty) names the area's parent."""
    if not new:
        return area.parent_id is None
    parent = ctx.session.scalars(select(AdminArea).where(AdminArea.code == new)).first()
    return (
        parent.id if parent else lookup_errors(lambda: ctx.district_id(new), "parent", new)
    ) == area.parent_id


def _same(ctx: Context, area: AdminArea, name: str, new: Any) -> bool | None:
    """Compare the columns a row may give in several ways; None for the usual test."""
    if name == "parent":
        return _same_parent(ctx, area, new)
    if name == "country":  # empty: the parent's
        return new is None or new == area.country
    return None


def _same_area(ctx: Context, v: dict[str, Any]) -> Any:
    if not v.get("code"):
        return None
    return ctx.session.scalars(select(AdminArea).where(AdminArea.code == v["code"])).first()


ADMIN_AREAS = Kind(
    "admin-areas",
    AdminArea,
    (
        Column("code", parse_text, True, "AZE.KLB.ISTISU", "unique code; other areas name it"),
        Column("name", parse_text, True, "Istisu", "name in English (Latin letters)"),
        Column("level", parse_code, True, "settlement", "country, region, district or settlement"),
        Column("parent", parse_text, False, "Kalbajar", "code or name of the area above it"),
        Column("country", parse_text, False, "AZE", "ISO 3166 alpha-3; the parent's when empty"),
        Column("name_az", parse_text, False, "İstisu", "name in Azerbaijani"),
        Column("name_ru", parse_text, False, "Истису", "name in Russian"),
        Column("aliases", parse_text, False, "Istisu village", "other spellings, separated by ;"),
        Column(
            "geometry",
            parse_text,
            False,
            "POLYGON((46.00 40.00, 46.02 40.00, 46.02 40.02, 46.00 40.02, 46.00 40.00))",
            "boundary as WKT (WGS84); may be empty for a place known by name only",
        ),
    ),
    _write_area,
    _area_row,
    geometry="polygon",
    update=_update_area,
    natural_key=_same_area,
    same=_same,
)
