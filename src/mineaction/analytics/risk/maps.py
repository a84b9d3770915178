"""From cell risk to decisions: risk per hazard, candidate new suspected hazardous areas.

A candidate is a group of touching cells among the riskiest ``top_share`` of
the grid's area that lie outside every recorded hazard: places where the
evidence around says "look here" but no hazard has been recorded yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.analytics.risk.grid import Grid
from mineaction.analytics.risk.model import RiskModel
from mineaction.analytics.risk.output import with_explanations, write_table
from mineaction.analytics.risk.table import read_table
from mineaction.errors import ValidationError
from mineaction.geo.areas import round_ha
from mineaction.store.tables.operations import Hazard

#: Share of cells, the riskiest, whose explanation (why_1 ...) the map carries.
EXPLAINED_SHARE = 0.05

__all__ = [
    "EXPLAINED_SHARE",
    "RiskMap",
    "candidate_areas",
    "hazard_risk",
    "score_map",
    "write_map",
]


def _to_utm(geoms: NDArray[np.object_], epsg: int) -> NDArray[np.object_]:
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    return np.asarray(
        shapely.transform(geoms, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1]))),
        dtype=object,
    )


def _hazards(session: Session) -> pd.DataFrame:
    rows = session.execute(
        select(
            Hazard.id,
            Hazard.reference,
            Hazard.status,
            Hazard.contamination,
            Hazard.geom,
            Hazard.remaining_geom,
        )
    ).all()
    return pd.DataFrame(
        rows, columns=["id", "reference", "status", "contamination", "geom", "remaining_geom"]
    )


def hazard_risk(
    session: Session, grid: Grid, risk: NDArray[np.float64]
) -> tuple[pd.DataFrame, NDArray[np.object_]]:
    """Return per hazard in the grid the highest and area-weighted mean risk of its cells.

    The still-contaminated part (``remaining_geom``) is used where the ledger
    has one, else the recorded polygon.  Returns the table and WGS84 polygons.
    """
    hazards = _hazards(session)
    columns = [
        "hazard_id",
        "reference",
        "status",
        "contamination",
        "cells",
        "risk_max",
        "risk_mean",
    ]
    if hazards.empty:
        return pd.DataFrame(columns=columns), np.array([], dtype=object)
    shapes = np.array(
        [
            r if r is not None and not r.is_empty else g
            for g, r in zip(hazards["geom"], hazards["remaining_geom"], strict=True)
        ],
        dtype=object,
    )
    shapes_utm = shapely.make_valid(_to_utm(shapes, grid.epsg))
    tree = shapely.STRtree(grid.cells_utm)
    hz, cell = tree.query(shapes_utm, predicate="intersects")
    overlap = shapely.area(shapely.intersection(shapes_utm[hz], grid.cells_utm[cell]))
    # A cell that only touches the hazard's edge is not one of its cells.
    keep = overlap > 0
    hz, cell, overlap = hz[keep], cell[keep], overlap[keep]
    n = len(hazards)
    weight = np.bincount(hz, weights=overlap, minlength=n)
    weighted = np.bincount(hz, weights=overlap * risk[cell], minlength=n)
    highest = np.full(n, np.nan)
    np.fmax.at(highest, hz, risk[cell])
    table = pd.DataFrame(
        {
            "hazard_id": hazards["id"],
            "reference": hazards["reference"],
            "status": hazards["status"],
            "contamination": hazards["contamination"],
            "cells": np.bincount(hz, minlength=n),
            "risk_max": np.round(highest, 4),
            "risk_mean": np.round(
                np.divide(weighted, weight, out=np.full(n, np.nan), where=weight > 0), 4
            ),
        }
    )
    # Hazards outside the grid have no cells and no risk here: left out.
    inside = np.flatnonzero(table["cells"].to_numpy() > 0)
    order = inside[np.argsort(-table["risk_mean"].to_numpy()[inside], kind="stable")]
    return table.iloc[order].reset_index(drop=True), shapes[order]


def candidate_areas(
    session: Session, grid: Grid, risk: NDArray[np.float64], top_share: float = 0.05
) -> tuple[pd.DataFrame, NDArray[np.object_]]:
    """Return groups of touching high-risk cells outside every recorded hazard, riskiest first.

    High risk: among the ``top_share`` of cells with the highest risk.
    """
    columns = ["candidate", "cells", "area_ha", "risk_max", "risk_mean", "centre_lon", "centre_lat"]
    if len(risk) == 0:
        return pd.DataFrame(columns=columns), np.array([], dtype=object)
    threshold = np.quantile(risk, 1.0 - top_share)
    high = risk >= threshold
    hazards = _hazards(session)
    if not hazards.empty:
        recorded = shapely.make_valid(_to_utm(hazards["geom"].to_numpy(dtype=object), grid.epsg))
        inside_any = np.zeros(len(risk), dtype=bool)
        _, cell = shapely.STRtree(grid.cells_utm).query(recorded, predicate="intersects")
        inside_any[cell] = True
        high &= ~inside_any
    chosen = np.flatnonzero(high)
    if len(chosen) == 0:
        return pd.DataFrame(columns=columns), np.array([], dtype=object)
    # Touching cells form one candidate: union them, split into parts, map cells to parts.
    parts = shapely.get_parts(shapely.union_all(grid.cells_utm[chosen]))
    part_of, cell_of = shapely.STRtree(parts).query(
        shapely.centroid(grid.cells_utm[chosen]), predicate="within"
    )[::-1]
    label = np.empty(len(chosen), dtype=np.intp)
    label[cell_of] = part_of
    n = len(parts)
    cell_risk = risk[chosen]
    highest = np.full(n, -np.inf)
    np.maximum.at(highest, label, cell_risk)
    counts = np.bincount(label, minlength=n)
    mean = np.bincount(label, weights=cell_risk, minlength=n) / np.maximum(counts, 1)
    back = Transformer.from_crs(grid.epsg, 4326, always_xy=True)
    parts_wgs = np.asarray(
        shapely.transform(parts, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1]))),
        dtype=object,
    )
    centres = shapely.get_coordinates(shapely.centroid(parts_wgs))
    order = np.lexsort((-mean, -highest))
    table = pd.DataFrame(
        {
            "candidate": np.arange(1, n + 1),
            "cells": counts[order],
            "area_ha": [round_ha(a) for a in shapely.area(parts)[order]],
            "risk_max": np.round(highest[order], 4),
            "risk_mean": np.round(mean[order], 4),
            "centre_lon": centres[order, 0].round(6),
            "centre_lat": centres[order, 1].round(6),
        }
    )
    return table, parts_wgs[order]


@dataclass
class RiskMap:
    """A grid scored by a model: risk per cell, why for the riskiest, per hazard, candidates."""

    grid: Grid
    frame: pd.DataFrame  # the grid's table with ``risk``
    risk: NDArray[np.float64]
    why: dict[int, list[list[Any]]]  # row position -> [[feature, log-odds], ...]
    hazards: pd.DataFrame
    hazard_shapes: NDArray[np.object_]
    candidates: pd.DataFrame
    candidate_shapes: NDArray[np.object_]
    missing: list[str]
    model: RiskModel


def score_map(
    session: Session, *, model: Path, grid: Path, top_share: float = 0.05, explain: int = 3
) -> RiskMap:
    """Score the grid file with the model file; derive per-hazard risk and candidate areas."""
    if not 0 < top_share < 1:
        raise ValidationError(
            f"--top-share {top_share:g} is not a share of the cells.",
            hint="Give a number between 0 and 1, e.g. 0.05 for the riskiest 5%.",
        )
    trained = RiskModel.load(model)
    table = read_table(grid)
    if table.geometry is None:
        raise ValidationError(
            f"{table.source} has no cells (no geometry).",
            hint="Give the .gpkg grid written by `mineaction risk build-grid`.",
        )
    cells = Grid.from_table(table.frame, table.geometry)
    risk, missing = trained.predict(table.frame)
    out = table.frame.copy()
    out["risk"] = risk.round(5)
    why: dict[int, list[list[Any]]] = {}
    if explain > 0 and len(out):
        # Contributions cost up to ~1 ms of CPU a cell: explain the cells a planner looks at.
        chosen = np.flatnonzero(risk >= np.quantile(risk, 1.0 - EXPLAINED_SHARE))
        subset = table.frame.iloc[chosen]
        explained = with_explanations(
            subset.iloc[:, :0], trained.contributions(subset), trained.features, explain
        )
        for column in explained.columns:
            out[column] = explained[column]
        names = [c for c in explained.columns if not c.endswith("_logodds")]
        for position, row in zip(chosen, explained.itertuples(index=False), strict=True):
            values = row._asdict()
            why[int(position)] = [[values[n], float(values[f"{n}_logodds"])] for n in names]
    hazards, hazard_shapes = hazard_risk(session, cells, risk)
    candidates, candidate_shapes = candidate_areas(session, cells, risk, top_share)
    return RiskMap(
        grid=cells,
        frame=out,
        risk=risk,
        why=why,
        hazards=hazards,
        hazard_shapes=hazard_shapes,
        candidates=candidates,
        candidate_shapes=candidate_shapes,
        missing=missing,
        model=trained,
    )


def write_map(scored: RiskMap, output: Path) -> None:
    """Write the scored map as a GeoPackage: risk_cells, hazard_risk and candidate_areas."""
    output.unlink(missing_ok=True)
    write_table(scored.frame, output, geometry=scored.grid.wkb(), layer="risk_cells")
    for frame, shapes, name in (
        (scored.hazards, scored.hazard_shapes, "hazard_risk"),
        (scored.candidates, scored.candidate_shapes, "candidate_areas"),
    ):
        if len(frame):
            write_table(frame, output, geometry=shapely.to_wkb(shapes), layer=name, append=True)
