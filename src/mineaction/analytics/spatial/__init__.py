"""Spatial analytics other features reuse: point-in-polygon and within-distance joins.

On PostGIS the joins can run in the database, driving from the polygons into
the points' GiST index (``postgis.py``); otherwise, and always on SQLite, they
run in this process on coordinate arrays sorted into a ``PointGrid``
(``grid.py``, ``inprocess.py``).  ``joins.py`` chooses, and makes both give
the same answer; ``metric.py`` is the metres they measure in; ``nearest.py``
the nearest polygon of millions of points, exact.  ``overlaps.py`` finds
polygons that overlap one another and near duplicates (e.g. hazards recorded
twice).
"""

from mineaction.analytics.spatial.joins import (
    Pairs,
    PointSet,
    PolygonSet,
    near_any,
    pairs_within,
    read_polygons,
)
from mineaction.analytics.spatial.metric import Metric
from mineaction.analytics.spatial.overlaps import Overlap, duplicates, overlaps

__all__ = [
    "Metric",
    "Overlap",
    "Pairs",
    "PointSet",
    "PolygonSet",
    "duplicates",
    "near_any",
    "overlaps",
    "pairs_within",
    "read_polygons",
]
