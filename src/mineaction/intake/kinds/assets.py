"""Equipment (with its status history) and the development projects that hazards block."""

from __future__ import annotations

from typing import Any

from mineaction.errors import Problem, ValidationError
from mineaction.intake.columns import Column, parse_code, parse_date, parse_int, parse_text
from mineaction.intake.kinds.base import Context, Kind, operator_of, same_shape
from mineaction.services import equipment, projects
from mineaction.store.base import Record
from mineaction.store.tables import Equipment, Project

# --- equipment ---------------------------------------------------------------------------


def _equipment_args(ctx: Context, v: dict[str, Any], sid: str | None) -> dict[str, Any]:
    return dict(
        equipment_type=v["equipment_type"],
        model=v["model"],
        serial=v["serial"],
        organisation_id=operator_of(ctx, v),
        status=v["status"] or "operational",
        status_date=v["status_date"],
        acquired_date=v["acquired_date"],
        notes=v["notes"],
        source_id=sid,
        approval=ctx.approval,
    )


def _equipment_row(e: Equipment) -> dict[str, Any]:
    return {
        "equipment_type": e.equipment_type,
        "model": e.model,
        "serial": e.serial,
        "operator": e.organisation.code,
        "status": e.status,
        "status_date": e.status_date,
        "acquired_date": e.acquired_date,
        "notes": e.notes,
    }


def _write_equipment(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return equipment.create_equipment(session=ctx.session, **_equipment_args(ctx, v, sid))


#: What identifies an item: an approved item may change status and owner, never these.
_IDENTITY = ("equipment_type", "serial", "model", "acquired_date")


def _update_equipment(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    if record.approval == "approved":
        stored = _equipment_row(record)
        changed = [n for n in _IDENTITY if stored[n] != v[n]]
        if changed:
            raise ValidationError(
                f"The row changes {', '.join(changed)} of the approved item "
                f"{record.equipment_type} {record.serial}.",
                hint="An approved item changes only its status, status date, owner and notes; "
                "record a different item under a new id.",
                problems=[
                    Problem(reason=f"{n} of an approved item cannot change", field=n, value=v[n])
                    for n in changed
                ],
            )
        args = _equipment_args(ctx, v, record.source_id)
        args["approval"] = "approved"  # a new status step of an approved item stays approved
        return equipment.update_equipment(session=ctx.session, item=record, **args)
    args = _equipment_args(ctx, v, record.source_id)
    return equipment.update_equipment(session=ctx.session, item=record, **args)


EQUIPMENT = Kind(
    "equipment",
    Equipment,
    (
        Column(
            "equipment_type",
            parse_code,
            True,
            "detector",
            "detector, machine, ppe, vehicle, dog or other",
        ),
        Column("model", parse_text, False, "Vallon VMH4", "make and model"),
        Column("serial", parse_text, True, "VMH4-0012345", "serial number (or a dog's name)"),
        Column("operator", parse_text, True, "ANAMA", "code of the owning organisation"),
        Column(
            "status", parse_code, False, "operational", "operational, damaged, destroyed or lost"
        ),
        Column("status_date", parse_date, True, "2024-01-15", "day the status took effect"),
        Column("acquired_date", parse_date, False, "2021-06-01", "day the item was acquired"),
        Column("notes", parse_text, False, "", "free text"),
    ),
    _write_equipment,
    _equipment_row,
    update=_update_equipment,
    changes_approved=True,
)


# --- development projects -----------------------------------------------------------------


def _project_args(ctx: Context, v: dict[str, Any], sid: str | None) -> dict[str, Any]:
    return dict(
        name=v["name"],
        project_type=v["project_type"],
        owner=v["owner"],
        priority=v["priority"],
        planned_start=v["planned_start"],
        geom=v["geometry"],
        notes=v["notes"],
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _project_row(p: Project) -> dict[str, Any]:
    return {
        "name": p.name,
        "project_type": p.project_type,
        "owner": p.owner,
        "priority": p.priority,
        "planned_start": p.planned_start,
        "geometry": p.geom.wkt if p.geom is not None else None,
        "notes": p.notes,
    }


def _write_project(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return projects.create_project(session=ctx.session, **_project_args(ctx, v, sid))


def _update_project(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    args = _project_args(ctx, v, record.source_id)
    if same_shape(record.geom, v["geometry"]):
        args["geom"] = record.geom  # the same route, whatever its vertex order or precision
    return projects.update_project(session=ctx.session, project=record, **args)


PROJECTS = Kind(
    "projects",
    Project,
    (
        Column("name", parse_text, True, "Fuzuli–Hadrut road", "name of the project"),
        Column(
            "project_type",
            parse_code,
            True,
            "road",
            "road, railway, power_line, solar, wind, settlement, agriculture or other",
        ),
        Column("owner", parse_text, False, "Ministry of Digital Development and Transport"),
        Column("priority", parse_int, False, "2", "1 (most urgent) to 5; 3 when empty"),
        Column("planned_start", parse_date, False, "2026-04-01", "day building should start"),
        Column(
            "geometry",
            parse_text,
            True,
            "LINESTRING(47.15 39.60, 47.05 39.55)",
            "route (LINESTRING), site (POLYGON) or place (POINT) as WKT, WGS84",
        ),
        Column("notes", parse_text, False, "", "free text"),
    ),
    _write_project,
    _project_row,
    geometry="any",
    update=_update_project,
)
