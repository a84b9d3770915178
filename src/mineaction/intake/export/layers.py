"""The layers an export holds, streamed from the database in batches.

A kind's layer has the canonical import columns (``id`` first, then the
kind's columns as ``Kind.row_of`` gives them), so an exported file imports
back unchanged.  Records are read ``BATCH_ROWS`` at a time with their
many-to-one references loaded per batch, so memory stays flat however many
records there are.  Victims' names are never exported: they are not among
the canonical columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import RelationshipDirection, Session, selectinload

from mineaction.domain.ledger import polygonal
from mineaction.intake.columns import parse_date, parse_int, parse_number
from mineaction.intake.export.base import Feature, Field, FieldType, Layer, export_name
from mineaction.intake.export.finding_rows import finding_features
from mineaction.intake.kinds import Kind
from mineaction.store.tables import AdminArea, Hazard

__all__ = ["BATCH_ROWS", "export_id", "hazards_layer", "kind_layer"]

#: Records read from the database at a time.
BATCH_ROWS = 1000

_GEOMETRY_TYPES = {"point": "Point", "polygon": "MultiPolygon", "any": "Unknown"}


def export_id(kind_name: str, record: Any) -> str:
    """Return the ``id`` a record is exported with: its source id, else KIND-NUMBER."""
    return export_name(kind_name, record.source_id, record.id)


def field_type(kind: Kind, column: str) -> FieldType:
    """Return how the canonical ``column`` of ``kind`` is typed in a file."""
    parse = next(c.parse for c in kind.columns if c.name == column)
    if parse is parse_date:
        return "date"
    if parse is parse_int:
        return "int"
    if parse is parse_number:
        return "real"
    return "text"


def kind_layer(session: Session, kind: Kind, *, include_unapproved: bool = False) -> Layer:
    """Return the layer of every record of ``kind`` (approved ones only, unless asked)."""
    fields = [Field("id"), *(Field(c, field_type(kind, c)) for c in kind.column_names)]
    if kind.name == "findings":  # millions of rows: read as columns (``finding_rows.py``)
        features = finding_features(
            session, include_unapproved=include_unapproved, batch_rows=BATCH_ROWS
        )
    else:
        features = _kind_features(session, kind, include_unapproved)
    return Layer(
        name=kind.name,
        fields=fields,
        features=features,
        geometry_type=_GEOMETRY_TYPES.get(kind.geometry or ""),
        wkt_field="geometry" if kind.geometry in ("polygon", "any") else None,
        description=f"mineaction {kind.name}: the columns of `mineaction import {kind.name}`",
    )


def _kind_features(session: Session, kind: Kind, include_unapproved: bool) -> Iterator[Feature]:
    model = kind.model
    # Held for the whole export: row_of looks districts up by id, and a held area is
    # found in the session instead of being read again (with its polygon) for every row.
    areas = session.scalars(select(AdminArea)).all()
    many_to_one = [
        selectinload(getattr(model, r.key))
        for r in inspect(model).relationships
        if r.direction is RelationshipDirection.MANYTOONE
    ]
    query = select(model).options(*many_to_one).order_by(model.id)
    if not include_unapproved:
        query = query.where(model.approval == "approved")
    spatial = getattr(model, "__spatial__", None) if kind.geometry else None
    for record in session.scalars(query.execution_options(yield_per=BATCH_ROWS)):
        # Linked records are named by kind.row_of (kinds.base.link_id), export ids included.
        values = {"id": export_id(kind.name, record), **kind.row_of(record)}
        yield Feature(values, getattr(record, spatial) if spatial else None)
    del areas


def hazards_layer(session: Session, *, include_unapproved: bool = False) -> Layer:
    """Return the hazardous areas with what remains of each to release as the geometry."""
    fields = [
        Field("reference"),
        Field("hazard_type"),
        Field("contamination"),
        Field("status"),
        Field("area_ha", "real"),
        Field("released_ha", "real"),
        Field("remaining_ha", "real"),
    ]

    def features() -> Iterator[Feature]:
        query = select(Hazard).order_by(Hazard.id)
        if not include_unapproved:
            query = query.where(Hazard.approval == "approved")
        for h in session.scalars(query.execution_options(yield_per=BATCH_ROWS)):
            values = {
                "reference": h.reference,
                "hazard_type": h.hazard_type,
                "contamination": h.contamination,
                "status": h.status,
                "area_ha": h.area_m2 / 10_000,
                "released_ha": h.released_m2 / 10_000,
                "remaining_ha": h.remaining_m2 / 10_000,
            }
            yield Feature(values, _multipolygon(h.remaining_geom))

    return Layer(
        name="hazards_remaining",  # "hazards" is the hazards kind's layer (recorded shapes)
        fields=fields,
        features=features(),
        geometry_type="MultiPolygon",
        description="Hazardous areas; the geometry is the part still to be released",
    )


def _multipolygon(geom: Any) -> Any:
    """Return ``geom`` as a MultiPolygon, or None when nothing polygonal is left."""
    shape = polygonal(geom)
    return None if shape.is_empty else shape
