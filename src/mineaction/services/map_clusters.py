"""Counts of records per screen cell: how the map draws a dense layer at a low zoom.

A zoom-10 view of national data holds tens of thousands of findings; no one
reads them one by one, and sending them costs megabytes.  The map shows
instead one circle per cell, with the number of records in it, drawn at the
mean position of those records.  A cell of a view at zoom z is the web-map
tile at zoom z + 2 (64 screen pixels square), so the cells of neighbouring
tiles line up, and a cell keeps its id (``"Z/X/Y"``) in every view.

A record belongs to the view and the cell that hold the centre of its
bounding box (the west and south edges in, the east and north edges out), so
each record is counted once in a view, and once among tiles that share an
edge.  The counts take the same scope and filters as every list; a whole
tile of what a national reader sees, unfiltered, is added up from the
pre-aggregated grid of ``services.cluster_grid`` instead of from the rows.
"""

from __future__ import annotations

import json
import math
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.services import cluster_grid
from mineaction.services.browse import Filters, filtered, in_box, scoped
from mineaction.services.catalogue import KindInfo
from mineaction.services.cluster_grid import Cells, Cluster, tile_index
from mineaction.services.policy import ReadScope

#: A cell is a tile this many zooms deeper than the view (2: 4 × 4 cells of 64 px a tile).
CELL_ZOOMS = 2


def tile_bounds(zoom: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Return the west, south, east and north of the tile ``zoom/x/y`` in degrees."""
    n = 1 << zoom

    def lat_of(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat_of(y + 1), (x + 1) / n * 360.0 - 180.0, lat_of(y)


def tile_of(box: tuple[float, float, float, float], zoom: int) -> tuple[int, int] | None:
    """Return the column and row of the tile at ``zoom`` that ``box`` is (to 1e-5°), or None.

    >>> tile_of(tile_bounds(10, 645, 387), 10)
    (645, 387)
    """
    x0, y0, x1, y1 = box
    xs, ys = tile_index(np.array([(x0 + x1) / 2]), np.array([(y0 + y1) / 2]), zoom)
    x, y = int(xs[0]), int(ys[0])
    exact = tile_bounds(zoom, x, y)
    if all(abs(a - b) <= 1e-5 for a, b in zip(box, exact, strict=True)):
        return x, y
    return None


def clusters_in_view(
    session: Session,
    info: KindInfo,
    *,
    scope: ReadScope,
    filters: Filters,
    zoom: int,
    version: str,
) -> list[Cluster]:
    """Return the non-empty cells of the view ``filters.bbox`` at ``zoom``, by column then row.

    The other filters narrow the records as a list would.  ``version`` is the
    data version the answer is for (``services.data_version``).
    """
    assert filters.bbox is not None, "a cluster view needs a box"
    cell_zoom = min(zoom + CELL_ZOOMS, cluster_grid.GRID_ZOOM)
    tile = tile_of(filters.bbox, zoom)
    only_box = filters == Filters(bbox=filters.bbox)
    if tile is not None and scope.everything and only_box and cell_zoom == zoom + CELL_ZOOMS:
        grid = cluster_grid.fine_counts(session, info, version=version)
        if grid is not None:
            return grid.within(zoom, tile[0], tile[1], cell_zoom).clusters()
    model = info.model
    cx = (model.min_x + model.max_x) / 2.0
    cy = (model.min_y + model.max_y) / 2.0
    x0, y0, x1, y1 = tile_bounds(zoom, *tile) if tile is not None else filters.bbox
    query = select(cx, cy).where(
        in_box(session, model, (x0, y0, x1, y1)), cx >= x0, cx < x1, cy >= y0, cy < y1
    )
    query = filtered(session, scoped(query, info, scope), info, Filters(**_but_box(filters)))
    # Each row's two values straight into one array: ``np.array`` of the rows themselves
    # asks every row for the array interfaces first, and a row answers each missing
    # attribute by raising an exception (16 µs a row: a country's million findings 23 s).
    flat = np.fromiter(chain.from_iterable(session.connection().execute(query)), np.float64)
    if not len(flat):
        return []
    points = flat.reshape(-1, 2)
    return Cells.of_points(points[:, 0], points[:, 1], cell_zoom).clusters()


def _but_box(filters: Filters) -> dict[str, Any]:
    return {k: v for k, v in vars(filters).items() if k != "bbox"}


def as_geojson(clusters: list[Cluster]) -> bytes:
    """Return the clusters as a GeoJSON FeatureCollection of points with ``count``."""
    features = [
        {
            "type": "Feature",
            "id": f"{c.zoom}/{c.x}/{c.y}",
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
            "features": features,
        },
        separators=(",", ":"),
    ).encode()
