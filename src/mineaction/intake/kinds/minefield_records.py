"""Minefield records handed over by the party that laid the mines: a perimeter polygon each.

The polygon is the file's own geometry (GeoJSON, GeoPackage, Shapefile) or a
WKT ``geometry`` column (CSV, XLSX).  A record's reference is its ``id``,
unless a ``reference`` column gives another (an exported record whose id is
the export's own keeps its reference that way).
"""

from __future__ import annotations

from typing import Any

from mineaction.errors import Problem, ValidationError
from mineaction.intake.columns import Column, parse_code, parse_date, parse_int, parse_text
from mineaction.intake.kinds.base import Context, Kind
from mineaction.services import minefield_records
from mineaction.store.base import Record
from mineaction.store.tables import MinefieldRecord


def _write_record(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    reference = v["reference"] or sid
    if not reference:
        raise ValidationError(
            "A minefield record needs its id.",
            problems=[
                Problem(
                    reason="id is required for a minefield record",
                    field="id",
                    hint="Give each record the reference it has on the handed-over map.",
                )
            ],
        )
    return minefield_records.register_record(
        session=ctx.session,
        reference=reference,
        source=v["source"],
        received_date=v["received_date"],
        laid_date=v["laid_date"],
        laying_method=v["laying_method"],
        expected_ap=v["expected_ap"],
        expected_at=v["expected_at"],
        notes=v["notes"],
        geom=v["geometry"],
        country=ctx.country,
        source_id=sid,
        approval=ctx.approval,
    )


def _record_row(r: MinefieldRecord) -> dict[str, Any]:
    return {
        "source": r.source,
        "received_date": r.received_date,
        "laid_date": r.laid_date,
        "expected_ap": r.expected_ap,
        "expected_at": r.expected_at,
        "notes": r.notes,
        "reference": r.reference if r.reference != r.source_id else None,
        "laying_method": r.laying_method,
        "geometry": r.geom.wkt if r.geom is not None else None,
    }


MINEFIELD_RECORDS = Kind(
    "minefield-records",
    MinefieldRecord,
    (
        Column(
            "source",
            parse_text,
            True,
            "Handed over by the former adversary",
            "who handed the record over, and how",
        ),
        Column("received_date", parse_date, True, "2021-06-12", "day the record was received"),
        Column("laid_date", parse_date, False, "1994-05-01", "day the mines were laid"),
        Column("expected_ap", parse_int, False, "120", "anti-personnel mines the record lists"),
        Column("expected_at", parse_int, False, "40", "anti-tank mines the record lists"),
        Column("notes", parse_text, False, "", "anything else the record says"),
        Column(
            "reference",
            parse_text,
            False,
            "",
            "the record's reference when it is not its id (empty: the id)",
        ),
        Column("laying_method", parse_code, False, "hand", "hand, mechanical, remote or unknown"),
        Column(
            "geometry",
            parse_text,
            False,
            "POLYGON((46.93 39.99, 46.94 39.99, 46.94 40.0, 46.93 39.99))",
            "the perimeter as WKT (WGS84); GeoJSON and GeoPackage files use their own geometry",
        ),
    ),
    _write_record,
    _record_row,
    geometry="polygon",
)
