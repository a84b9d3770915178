"""The map's risk layer: the cells of a saved run in a view, riskiest first.

The cells are read through the spatial index (``browse.in_box``, as every
record layer is) and written by ``map_layer.encode_features``.  When more
cells than ``limit`` meet the view, the riskiest ``limit`` are sent and
``"truncated": true`` says so: a national view shows where risk is highest
rather than an arbitrary strip of cells.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import LargeBinary, func, select, type_coerce
from sqlalchemy.orm import Session

from mineaction.services.browse import in_box
from mineaction.services.map_layer import MAX_FEATURES, encode_features
from mineaction.store.tables.risk import RiskCell, RiskRun

__all__ = ["cells_in_view"]


def cells_in_view(
    session: Session,
    run: RiskRun,
    *,
    bbox: tuple[float, float, float, float],
    zoom: int,
    limit: int = MAX_FEATURES,
    min_probability: float = 0.0,
) -> bytes:
    """Return the run's cells meeting ``bbox`` as GeoJSON: probability, percentile, why."""
    postgis = session.get_bind().dialect.name == "postgresql"
    wkb = func.ST_AsBinary(RiskCell.geom) if postgis else RiskCell.geom
    query = (
        select(
            RiskCell.id,
            type_coerce(wkb, LargeBinary),
            RiskCell.probability,
            RiskCell.percentile,
            RiskCell.why,
        )
        .where(RiskCell.run_id == run.id, in_box(session, RiskCell, bbox))
        .order_by(RiskCell.probability.desc(), RiskCell.id)
        .limit(limit + 1)
    )
    if min_probability > 0:
        query = query.where(RiskCell.probability >= min_probability)
    rows = session.connection().execute(query).all()
    truncated = len(rows) > limit
    rows = rows[:limit]
    properties: list[dict[str, Any]] = []
    for row in rows:
        props: dict[str, Any] = {"probability": row[2], "percentile": row[3]}
        if row[4]:
            props["why"] = row[4]
        properties.append(props)
    return encode_features(
        [int(r[0]) for r in rows],
        [r[1] for r in rows],
        properties,
        zoom=zoom,
        truncated=truncated,
    )
