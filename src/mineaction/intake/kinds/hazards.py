"""Hazardous areas (SHA/CHA): recorded through the service that keeps the ledger.

A hazard's ``id`` is the file's own key (its source id: importing the file
again changes nothing); its ``reference`` is the national reference that
other files (land releases, activities) name it by.  Either may stand for the
other: a row without a reference takes its id as reference, and a land
release's ``hazard_id`` accepts both.
"""

from __future__ import annotations

import re
from typing import Any

from mineaction.domain.rules import Problems
from mineaction.errors import Problem, ValidationError
from mineaction.intake.columns import Column, parse_code, parse_date, parse_int, parse_text
from mineaction.intake.kinds.base import (
    Context,
    Kind,
    area_name_of_id,
    district_of,
    operator_of,
    same_shape,
)
from mineaction.services import hazards
from mineaction.store.base import Record
from mineaction.store.tables import Hazard


def parse_blockages(value: Any, column: str, problems: Problems) -> str | None:
    """Return blockage codes as ``a;b`` (sorted, once each) from ``;``, ``,`` or spaces.

    ODK writes a select_multiple as codes separated by spaces; the service checks them.

    >>> parse_blockages("road  agriculture;road", "blockages", Problems())
    'agriculture;road'
    """
    text = parse_text(value, column, problems)
    if not text:
        return None
    codes = {c.lower().replace("-", "_") for c in re.split(r"[;,\s]+", text) if c}
    return ";".join(sorted(codes)) or None


def _parse_status(value: Any, column: str, problems: Problems) -> str:
    """Return the hazard status code; an empty cell is ``open``."""
    return parse_code(value, column, problems) or "open"


def blockage_codes(value: str | None) -> list[str]:
    """Return the codes of a parsed ``blockages`` cell."""
    return value.split(";") if value else []


def _reference(v: dict[str, Any], sid: str | None) -> str | None:
    return v["reference"] or sid


def _attributes(ctx: Context, v: dict[str, Any]) -> dict[str, Any]:
    return dict(
        name=v["name"],
        hazard_type=v["hazard_type"],
        contamination=v["contamination"],
        status=v["status"],
        evidence=v["evidence"],
        recorded_date=v["recorded_date"],
        organisation_id=operator_of(ctx, v),
        admin_area_id=district_of(ctx, v),
        expected_beneficiaries=v["expected_beneficiaries"],
        blockages=blockage_codes(v["blockages"]),
        approval=ctx.approval,
    )


def _write_hazard(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    if v["geometry"] is None:
        raise ValidationError(
            "A hazard needs its polygon.",
            problems=[
                Problem(
                    reason="a hazard needs its polygon",
                    field="geometry",
                    hint="Give the boundary as WKT in the geometry column, or import a GIS file.",
                )
            ],
        )
    return hazards.create_hazard(
        session=ctx.session,
        reference=_reference(v, sid) or "",
        geom=v["geometry"],
        country=ctx.country,
        source_id=sid,
        **_attributes(ctx, v),
    )


def _update_hazard(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    reference = _reference(v, record.source_id)
    if reference and reference.casefold() != record.reference.casefold():
        raise ValidationError(
            f"The row with id {record.source_id!r} changes the reference of hazard "
            f"{record.reference!r}; references are how other files name it and cannot change.",
            hint="Keep the reference, or record the hazard under a new id.",
            problems=[
                Problem(reason="reference cannot change", field="reference", value=reference)
            ],
        )
    if v["geometry"] is not None and not same_shape(record.geom, v["geometry"]):
        hazards.reshape_hazard(
            session=ctx.session,
            hazard_id=record.id,
            geom=v["geometry"],
            expected_version=record.version,
            country=ctx.country,
        )
    return hazards.update_hazard(session=ctx.session, hazard=record, **_attributes(ctx, v))


def _hazard_row(h: Hazard) -> dict[str, Any]:
    return {
        # empty when it is the id: a file without references imports back the same
        "reference": None if h.reference == h.source_id else h.reference,
        "name": h.name,
        "hazard_type": h.hazard_type,
        "contamination": h.contamination,
        "status": h.status,
        "evidence": h.evidence,
        "recorded_date": h.recorded_date,
        "operator": h.organisation.code if h.organisation else None,
        "district": area_name_of_id(h),
        "expected_beneficiaries": h.expected_beneficiaries,
        "blockages": ";".join(sorted(b.blockage for b in h.blockages)) or None,
        "geometry": h.geom.wkt,
    }


HAZARDS = Kind(
    "hazards",
    Hazard,
    (
        Column(
            "reference",
            parse_text,
            False,
            "HA-AGD-0001",
            "national reference; the id when empty (land releases name either)",
        ),
        Column("name", parse_text, False, "Orchard east of Kengerli", "a short name"),
        Column("hazard_type", parse_code, True, "cha", "sha (suspected) or cha (confirmed)"),
        Column(
            "contamination",
            parse_code,
            True,
            "ap_mines",
            "ap_mines, at_mines, mixed_mines, uxo, cluster_munitions, ied",
        ),
        Column(
            "status", _parse_status, False, "open", "open, closed or handed_over (open if empty)"
        ),
        Column(
            "evidence",
            parse_code,
            False,
            "direct",
            "direct, indirect, accident, minefield_record, informant",
        ),
        Column("recorded_date", parse_date, True, "2021-03-01", "day the hazard was recorded"),
        Column("operator", parse_text, False, "ANAMA", "organisation code of who recorded it"),
        Column("district", parse_text, False, "Aghdam", "taken from the polygon when empty"),
        Column(
            "expected_beneficiaries",
            parse_int,
            False,
            "250",
            "people who will use the land once released",
        ),
        Column(
            "blockages",
            parse_blockages,
            False,
            "road;agriculture",
            "road, agriculture, housing, infrastructure, water, pasture; separated by ; or spaces",
        ),
        Column(
            "geometry",
            parse_text,
            False,
            "POLYGON((46.93 39.99, 46.94 39.99, 46.94 40.0, 46.93 39.99))",
            "the hazard's polygon as WKT (WGS84), or the GIS file's own polygon",
        ),
    ),
    _write_hazard,
    _hazard_row,
    geometry="polygon",
    update=_update_hazard,
)
