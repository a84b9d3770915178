"""The findings layer of an export, read as rows of columns instead of as records.

A national database holds millions of findings, and the layer every other
kind takes (``layers.kind_layer``: one ORM record per row, its references
loaded per batch, then ``Kind.row_of``) spent 50 µs a finding: a million
took about a minute to reach a CSV file.  Here the canonical columns come from one
query that joins the operator's code, the model's name and the activity's
source id or reference (as ``kinds.base.link_id`` names it); districts are
named from a dictionary read once; the points of a batch are decoded from
WKB together.  The features are the ones the generic
layer gives, value for value (``tests/intake/test_export_finding_rows.py``
compares the two on both databases).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.intake.export.base import Feature, export_name
from mineaction.store.tables import Activity, AdminArea, EOModel, Finding, Organisation
from mineaction.store.types import as_wkb

__all__ = ["finding_features"]


def finding_features(
    session: Session, *, include_unapproved: bool, batch_rows: int
) -> Iterator[Feature]:
    """Yield every finding (approved ones only, unless asked) as its export feature, by id."""
    areas = {i: name for i, name in session.execute(select(AdminArea.id, AdminArea.name))}
    query = (
        select(
            Finding.id,
            Finding.source_id,
            Finding.found_date,
            Finding.date_precision,
            Organisation.code,
            Finding.admin_area_id,
            Finding.category,
            EOModel.model,
            Finding.quantity,
            func.coalesce(Activity.source_id, Activity.reference),
            as_wkb(Finding.__table__.c.geom),
        )
        .outerjoin(Organisation, Organisation.id == Finding.organisation_id)
        .outerjoin(EOModel, EOModel.id == Finding.eo_model_id)
        .outerjoin(Activity, Activity.id == Finding.activity_id)
        .order_by(Finding.id)
    )
    if not include_unapproved:
        query = query.where(Finding.approval == "approved")
    result = session.execute(query.execution_options(yield_per=batch_rows))
    for rows in result.partitions():
        points = shapely.from_wkb(np.array([r[10] for r in rows], dtype=object))
        lons = shapely.get_x(points).tolist()
        lats = shapely.get_y(points).tolist()
        for (id_, source, day, precision, operator, area, category, model, quantity, activity,
             _), point, lon, lat in zip(rows, points, lons, lats, strict=True):  # fmt: skip
            values = {
                "id": export_name("findings", source, id_),
                "date": day,
                "date_precision": precision,
                "operator": operator,
                "district": None if area is None else areas[area],
                "category": category,
                "model": model,
                "quantity": quantity,
                "lon": None if point is None else lon,
                "lat": None if point is None else lat,
                "activity_id": activity,
            }
            yield Feature(values, point)
