"""The map's risk layer: the cells of a saved run in a view, riskiest first.

When more cells than ``limit`` meet the view, the riskiest ``limit`` are sent
and ``"truncated": true`` says so: a national view shows where risk is
highest rather than an arbitrary strip of cells.  Two ways to find them,
chosen by how many cells the view probably holds (its share of the run's
extent): a small view reads its cells through the spatial index
(``browse.in_box``, as every record layer does) and sorts them; a wide view
walks the run's cells by falling probability (the index on run and
probability) and stops at the limit, so that a view of the whole country
does not read and sort every cell.  Both give the same cells.  The GeoJSON
is written by ``map_layer.encode_features``.
"""

from __future__ import annotations

import json

from sqlalchemy import ColumnElement, LargeBinary, Text, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from mineaction.services.browse import in_box
from mineaction.services.map_layer import MAX_FEATURES, encode_features, kept
from mineaction.store.tables.risk import RiskCell, RiskRun

__all__ = ["cells_in_view", "expected_cells"]

#: A view expected to hold this many times the limit walks the cells by probability.
_WIDE = 4


def expected_cells(run: RiskRun, bbox: tuple[float, float, float, float]) -> float:
    """Return about how many of the run's cells meet ``bbox`` (its share of the run's extent).

    >>> run = RiskRun(cells=1000, summary={"extent": [0.0, 0.0, 10.0, 10.0]})
    >>> expected_cells(run, (5.0, 5.0, 20.0, 20.0))
    250.0
    """
    extent = (run.summary or {}).get("extent")
    if not extent:
        return 0.0
    x0, y0, x1, y1 = extent
    area = (x1 - x0) * (y1 - y0)
    if area <= 0:
        return float(run.cells)
    width = max(0.0, min(x1, bbox[2]) - max(x0, bbox[0]))
    height = max(0.0, min(y1, bbox[3]) - max(y0, bbox[1]))
    return run.cells * width * height / area


def cells_in_view(
    session: Session,
    run: RiskRun,
    *,
    bbox: tuple[float, float, float, float],
    zoom: int,
    limit: int = MAX_FEATURES,
    min_probability: float = 0.0,
) -> bytes:
    """Return the run's cells meeting ``bbox`` as GeoJSON: probability, percentile, why.

    A saved run never changes, so the answer is kept (in the map layers'
    memory, ``map_layer.kept``) under the run and the view alone; the run's
    creation time is part of the key, so a pruned run whose id is used again
    is not mistaken for the new one.
    """
    key = (
        "risk",
        str(session.get_bind().engine.url),
        run.id,
        run.created_at,
        bbox,
        zoom,
        limit,
        min_probability,
    )
    return kept(
        key,
        lambda: _cells_in_view(
            session, run, bbox=bbox, zoom=zoom, limit=limit, min_probability=min_probability
        ),
    )


def _cells_in_view(
    session: Session,
    run: RiskRun,
    *,
    bbox: tuple[float, float, float, float],
    zoom: int,
    limit: int,
    min_probability: float,
) -> bytes:
    postgis = session.get_bind().dialect.name == "postgresql"
    wkb = func.ST_AsBinary(RiskCell.geom) if postgis else RiskCell.geom
    x0, y0, x1, y1 = bbox
    if expected_cells(run, bbox) > _WIDE * limit:
        # The plain box test on the cell's bounds, no spatial index: walk by probability.
        where: list[ColumnElement[bool]] = [RiskCell.max_x >= x0, RiskCell.min_x <= x1]
        where += [RiskCell.max_y >= y0, RiskCell.min_y <= y1]
    else:
        where = [in_box(session, RiskCell, bbox)]
    query = (
        select(
            RiskCell.id,
            type_coerce(wkb, LargeBinary),
            RiskCell.probability,
            RiskCell.percentile,
            cast(RiskCell.why, Text),  # the JSON text, decoded only where present
        )
        .where(RiskCell.run_id == run.id, *where)
        .order_by(RiskCell.probability.desc(), RiskCell.id)
        .limit(limit + 1)
    )
    if min_probability > 0:
        query = query.where(RiskCell.probability >= min_probability)
    rows = session.connection().execute(query).all()
    truncated = len(rows) > limit
    rows = rows[:limit]
    return encode_features(
        [int(r[0]) for r in rows],
        [r[1] for r in rows],
        [_properties(r[2], r[3], r[4]) for r in rows],
        zoom=zoom,
        truncated=truncated,
    )


def _properties(probability: float, percentile: float, why: str | None) -> str:
    """Return a cell's properties as JSON text (numbers written directly: 5,000 a view)."""
    text = f'{{"probability":{probability!r},"percentile":{percentile!r}'
    if why is not None and why not in ("null", ""):
        text += f',"why":{json.dumps(json.loads(why))}'  # checked, and written compactly
    return text + "}"
