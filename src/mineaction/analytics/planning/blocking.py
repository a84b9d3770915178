"""Which open hazards block which project, and which accidents happened near a hazard.

A project is blocked by every open hazard its shape intersects or that lies
within ``buffer_m`` metres of it (a road needs its verges, a power line its
pylons' footprint).  Distances are measured on a local metric plane
(:func:`.inputs.to_metres`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from shapely import STRtree

from mineaction.analytics.planning.inputs import PlanningData, middle_latitude, to_metres


def blocking(data: PlanningData, *, buffer_m: float) -> dict[int, np.ndarray]:
    """Return project id → positions (in ``data.hazards``) of the open hazards blocking it."""
    hazards = data.hazards.shapes
    if not data.projects:
        return {}
    lat0 = middle_latitude(hazards + [p.shape for p in data.projects])
    tree = STRtree(to_metres(hazards, lat0))
    out = {}
    for project, shape in zip(
        data.projects, to_metres([p.shape for p in data.projects], lat0), strict=True
    ):
        hits = tree.query(shape, predicate="dwithin", distance=buffer_m) if hazards else []
        out[project.id] = np.sort(np.asarray(hits, dtype=int))
    return out


def accidents_near(data: PlanningData, *, radius_m: float, years: float) -> np.ndarray:
    """Return, per open hazard, the accidents within ``radius_m`` in the last ``years``."""
    since = data.as_of - dt.timedelta(days=round(365.25 * years))
    points = [g for d, g in data.accidents if d >= since]
    counts = np.zeros(len(data.hazards))
    if not points or not len(data.hazards):
        return counts
    lat0 = middle_latitude(data.hazards.shapes)
    tree = STRtree(to_metres(data.hazards.shapes, lat0))
    found = tree.query(to_metres(points, lat0), predicate="dwithin", distance=radius_m)
    np.add.at(counts, found[1], 1)
    return counts


__all__ = ["accidents_near", "blocking"]
