"""Counts of records per screen cell: how the map draws a dense layer at a low zoom.

A zoom-10 view of national data holds tens of thousands of findings; no one
reads them one by one, and sending them costs megabytes.  The map shows
instead one circle per cell of a grid laid over the view (cells of about
``CELL_PIXELS`` screen pixels), with the number of records in it, drawn at
the mean position of those records.

A record belongs to the cell holding the centre of its bounding box, and
cells are half-open (west and south edges in, east and north edges out), so
each record is counted once in one view, and in one of the tiles that share
an edge.  The counts take the same scope and filters as every list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, cast, func, literal_column, select
from sqlalchemy.orm import Session

from mineaction.services.browse import Filters, filtered, scoped
from mineaction.services.catalogue import KindInfo
from mineaction.services.policy import ReadScope

#: The edge of a cluster cell in screen pixels (a 256-pixel tile holds 4 × 4 or so).
CELL_PIXELS = 64


@dataclass(frozen=True)
class Cluster:
    """The records of one cell: how many, and their mean position."""

    column: int
    row: int
    count: int
    lon: float
    lat: float


@dataclass(frozen=True)
class Grid:
    """The cells laid over a view: ``columns`` × ``rows`` from its south-west corner."""

    west: float
    south: float
    east: float
    north: float
    columns: int
    rows: int

    @classmethod
    def over(cls, box: tuple[float, float, float, float], zoom: int) -> Grid:
        """Return the grid of cells about ``CELL_PIXELS`` wide over ``box`` at ``zoom``.

        >>> g = Grid.over((0.0, 0.0, 0.3515625, 0.3515625), 10)
        >>> (g.columns, g.rows)
        (4, 4)
        """
        x0, y0, x1, y1 = box
        degrees = 360.0 / (256 * 2**zoom) * CELL_PIXELS
        columns = max(1, min(64, round((x1 - x0) / degrees)))
        rows = max(1, min(64, round((y1 - y0) / degrees)))
        return cls(x0, y0, x1, y1, columns, rows)


def clusters_in_view(
    session: Session,
    info: KindInfo,
    *,
    scope: ReadScope,
    filters: Filters,
    zoom: int,
) -> tuple[Grid, list[Cluster]]:
    """Return the grid over ``filters.bbox`` and its non-empty cells, in column then row order.

    ``filters.bbox`` is the view; the other filters narrow the records as a
    list would.  A record counts in the cell holding its bounding box's centre.
    """
    assert filters.bbox is not None, "a cluster view needs a box"
    grid = Grid.over(filters.bbox, zoom)
    model = info.model
    cx = (model.min_x + model.max_x) / 2.0
    cy = (model.min_y + model.max_y) / 2.0
    dx = (grid.east - grid.west) / grid.columns
    dy = (grid.north - grid.south) / grid.rows
    column = _whole((cx - grid.west) / dx, session)
    row = _whole((cy - grid.south) / dy, session)
    query = (
        select(column.label("c"), row.label("r"), func.count(), func.sum(cx), func.sum(cy))
        .where(cx >= grid.west, cx < grid.east, cy >= grid.south, cy < grid.north)
        .group_by(literal_column("c"), literal_column("r"))
    )
    query = filtered(session, scoped(query, info, scope), info, filters)
    cells: dict[tuple[int, int], list[float]] = {}
    for c, r, count, sx, sy in session.connection().execute(query):
        # A centre a hair inside the east or north edge may divide out to the edge itself.
        key = (min(int(c), grid.columns - 1), min(int(r), grid.rows - 1))
        acc = cells.setdefault(key, [0, 0.0, 0.0])
        acc[0] += int(count)
        acc[1] += float(sx)
        acc[2] += float(sy)
    found = [Cluster(c, r, int(n), sx / n, sy / n) for (c, r), (n, sx, sy) in sorted(cells.items())]
    return grid, found


def as_geojson(grid: Grid, clusters: list[Cluster]) -> bytes:
    """Return the clusters as a GeoJSON FeatureCollection of points with ``count``."""
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "id": f"{c.column}/{c.row}",
            "geometry": {"type": "Point", "coordinates": [round(c.lon, 6), round(c.lat, 6)]},
            "properties": {"cluster": True, "count": c.count},
        }
        for c in clusters
    ]
    return json.dumps(
        {
            "type": "FeatureCollection",
            "clustered": True,
            "numberMatched": sum(c.count for c in clusters),
            "numberReturned": len(features),
            "truncated": False,
            "grid": {"columns": grid.columns, "rows": grid.rows},
            "features": features,
        },
        separators=(",", ":"),
    ).encode()


def _whole(value: Any, session: Session) -> Any:
    """Return the SQL for the whole part of a non-negative ``value`` (a cell index)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(cast(value, Float)), Integer)
    return cast(value, Integer)  # SQLite's cast truncates, which is floor for values >= 0
