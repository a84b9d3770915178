"""A grid of square cells over an area, with features and labels from the evidence.

Everything is computed in the local UTM zone (metres) with NumPy, shapely 2
array functions, STRtree and a k-d tree: no per-cell query, no per-cell loop.

Per cell (centre-based distances in metres, densities per radius):

- ``dist_finding_m``, ``findings_2km``: distance to the nearest finding and the
  findings within 2 km, **not counting the cell's own findings** (they are
  its label; counting them would hand the model the answer);
- ``dist_accident_m``, ``accidents_5km``;
- ``dist_minefield_record_m``, ``minefield_record_share`` (share of the cell
  inside a record's perimeter), the same for ``hazard`` and ``released``;
- ``dist_<layer>_m`` for each user layer (front line, roads, settlements …);
- ``<raster>``: a user raster's value under the cell's centre (``rasters``).

Label: 1 where the cell holds a finding, 0 where land in it was released
(cancelled, reduced or cleared) and nothing was found, -1 elsewhere.
``cell_suspected`` is 1 where the cell touches a recorded hazard or minefield
record: an unlabelled cell there is unknown land under suspicion, never
background when a model is trained (``model._labels``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from mineaction.analytics.risk.evidence import Evidence
from mineaction.analytics.risk.rasters import Raster
from mineaction.analytics.risk.table import SUSPECTED
from mineaction.errors import ValidationError
from mineaction.geo.areas import utm_epsg

__all__ = ["FINDINGS_RADIUS_M", "Grid", "build_grid", "cell_index"]

FINDINGS_RADIUS_M = 2000.0
ACCIDENTS_RADIUS_M = 5000.0
#: A cell counts as searched (label 0) when at least this share of it was released.
RELEASED_SHARE_FOR_LABEL = 0.1
MAX_CELLS = 2_000_000
_NO_EVIDENCE_M = 1.0e6  # distance reported when a kind of evidence is absent
_CELL_COLUMNS = frozenset(
    {
        "cell_id",
        "cell_lon",
        "cell_lat",
        "cell_area_m2",
        "cell_epsg",
        "cell_findings",
        SUSPECTED,
        "label",
    }
)


@dataclass
class Grid:
    """Cells (WGS84 polygons and their UTM twins), their feature table and the UTM zone."""

    frame: pd.DataFrame
    cells: NDArray[np.object_]
    cells_utm: NDArray[np.object_]
    epsg: int
    origin: NDArray[np.float64]
    cell_m: float

    def cell_of(self, points: NDArray[np.object_]) -> NDArray[np.intp]:
        """Return the index of the cell holding each WGS84 point, -1 outside the grid."""
        forward = Transformer.from_crs(4326, self.epsg, always_xy=True)
        xy = shapely.get_coordinates(_project(np.asarray(points, dtype=object), forward))
        return cell_index(xy, self.cells_utm, self.origin, self.cell_m)

    @classmethod
    def from_table(cls, frame: pd.DataFrame, wkb: NDArray[np.object_]) -> Grid:
        """Return the grid written by ``build-grid`` (its cells as WKB, ``cell_epsg`` column)."""
        if "cell_epsg" not in frame.columns or len(frame) == 0:
            raise ValidationError(
                "This table is not a grid written by `mineaction risk build-grid`.",
                hint="Build the grid with `mineaction risk build-grid --output GRID.gpkg`.",
            )
        epsg = int(frame["cell_epsg"].iloc[0])
        cells = np.asarray(shapely.from_wkb(wkb), dtype=object)
        forward = Transformer.from_crs(4326, epsg, always_xy=True)
        cells_utm = _project(cells, forward)
        cell_m = float(np.sqrt(np.median(shapely.area(cells_utm))))
        origin = np.round(shapely.bounds(cells_utm)[:, :2].min(axis=0), 3)
        return cls(frame, cells, cells_utm, epsg, origin, cell_m)

    def wkb(self) -> NDArray[np.object_]:
        """Return the cells as WKB, for writing a GeoPackage."""
        return np.asarray(shapely.to_wkb(self.cells), dtype=object)


def _project(geoms: NDArray[np.object_], transformer: Transformer) -> NDArray[np.object_]:
    if len(geoms) == 0:
        return geoms
    return np.asarray(
        shapely.transform(
            geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        ),
        dtype=object,
    )


def _cells_over(area_utm: BaseGeometry, cell_m: float) -> NDArray[np.object_]:
    minx, miny, maxx, maxy = area_utm.bounds
    x0, y0 = np.floor(minx / cell_m) * cell_m, np.floor(miny / cell_m) * cell_m
    nx, ny = int(np.ceil((maxx - x0) / cell_m)), int(np.ceil((maxy - y0) / cell_m))
    if nx * ny > MAX_CELLS:
        raise ValidationError(
            f"A {cell_m:g} m grid over this area would have {nx * ny:,} cells "
            f"(at most {MAX_CELLS:,}).",
            hint="Give a larger --cell-m or one --district.",
        )
    xs, ys = np.meshgrid(x0 + cell_m * np.arange(nx), y0 + cell_m * np.arange(ny))
    boxes = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + cell_m, ys.ravel() + cell_m)
    shapely.prepare(area_utm)
    return np.asarray(boxes[shapely.intersects(area_utm, boxes)], dtype=object)


def _point_features(
    centres: NDArray[np.float64],
    cell_of_point: NDArray[np.intp],
    points: NDArray[np.float64],
    radius: float,
    *,
    exclude_own: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return per cell the distance to the nearest point and the points within ``radius``.

    With ``exclude_own`` the cell's own points are skipped for both figures.
    """
    n = len(centres)
    if len(points) == 0:
        return np.full(n, _NO_EVIDENCE_M), np.zeros(n)
    tree = cKDTree(points)
    counts = np.asarray(tree.query_ball_point(centres, radius, return_length=True), dtype=float)
    if not exclude_own:
        distance, _ = tree.query(centres, k=1)
        return np.asarray(distance, dtype=float), counts
    own = np.bincount(cell_of_point[cell_of_point >= 0], minlength=n)
    # The nearest point of another cell is among the first own+1 neighbours.
    distance = np.full(n, _NO_EVIDENCE_M)
    k = 1
    pending = np.arange(n)
    while len(pending) and k <= len(points):
        kk = min(k, len(points))
        d, idx = tree.query(centres[pending], k=kk)
        d, idx = d.reshape(len(pending), kk), idx.reshape(len(pending), kk)
        foreign = cell_of_point[idx] != pending[:, None]
        found = foreign.any(axis=1)
        first = np.argmax(foreign, axis=1)
        distance[pending[found]] = d[found, first[found]]
        pending = pending[~found & (own[pending] >= kk)]
        k *= 4
    return distance, counts - own


def _polygon_features(
    cells_utm: NDArray[np.object_], centres: NDArray[np.object_], polygons: NDArray[np.object_]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return per cell the distance from its centre to the nearest polygon and its covered share."""
    n = len(cells_utm)
    if len(polygons) == 0:
        return np.full(n, _NO_EVIDENCE_M), np.zeros(n)
    polygons = shapely.make_valid(polygons)
    tree = shapely.STRtree(polygons)
    (cell_idx, _), distance = tree.query_nearest(centres, return_distance=True, all_matches=False)
    nearest = np.full(n, _NO_EVIDENCE_M)
    nearest[cell_idx] = distance
    # Covered share: union the polygons touching each cell, once per cell.
    pair_cell, pair_poly = tree.query(cells_utm, predicate="intersects")
    share = np.zeros(n)
    if len(pair_cell):
        pieces = shapely.intersection(cells_utm[pair_cell], polygons[pair_poly])
        order = np.argsort(pair_cell, kind="stable")
        cells_sorted = pair_cell[order]
        starts = np.flatnonzero(np.r_[True, cells_sorted[1:] != cells_sorted[:-1]])
        groups = np.split(pieces[order], starts[1:])
        merged = np.array(
            [shapely.union_all(g) if len(g) > 1 else g[0] for g in groups], dtype=object
        )
        share[cells_sorted[starts]] = shapely.area(merged) / shapely.area(
            cells_utm[cells_sorted[starts]]
        )
    return nearest, np.clip(share, 0.0, 1.0)


def build_grid(
    *,
    evidence: Evidence,
    area: BaseGeometry,
    cell_m: float = 500.0,
    layers: dict[str, NDArray[np.object_]] | None = None,
    rasters: list[Raster] | None = None,
) -> Grid:
    """Return the grid of ``cell_m`` cells over ``area`` (WGS84) with features and labels.

    ``layers`` maps a name to WGS84 geometries (points, lines or polygons) whose
    distance becomes the feature ``dist_<name>_m``; each raster's value under a
    cell's centre becomes the feature named after the raster (NaN: missing).
    """
    if cell_m < 10:
        raise ValidationError(
            f"A cell of {cell_m:g} m is too small.", hint="Give --cell-m 10 or more."
        )
    centre = area.centroid
    epsg = utm_epsg(centre.x, centre.y)
    forward = Transformer.from_crs(4326, epsg, always_xy=True)
    back = Transformer.from_crs(epsg, 4326, always_xy=True)
    area_utm = _project(np.array([area], dtype=object), forward)[0]
    cells_utm = _cells_over(area_utm, cell_m)
    if len(cells_utm) == 0:
        raise ValidationError("The area holds no grid cell.", hint="Check the district's polygon.")
    centres = shapely.centroid(cells_utm)
    xy = shapely.get_coordinates(centres)
    origin = np.array(area_utm.bounds[:2])
    origin = np.floor(origin / cell_m) * cell_m

    columns: dict[str, NDArray[np.float64]] = {}
    finding_pts = shapely.get_coordinates(_project(evidence.findings.geoms, forward))
    cell_of_find = cell_index(finding_pts, cells_utm, origin, cell_m)
    columns["dist_finding_m"], columns["findings_2km"] = _point_features(
        xy, cell_of_find, finding_pts, FINDINGS_RADIUS_M, exclude_own=True
    )
    accident_pts = shapely.get_coordinates(_project(evidence.accidents.geoms, forward))
    columns["dist_accident_m"], columns["accidents_5km"] = _point_features(
        xy, np.zeros(0, dtype=np.intp), accident_pts, ACCIDENTS_RADIUS_M, exclude_own=False
    )
    for name, layer in (
        ("minefield_record", evidence.minefield_records),
        ("hazard", evidence.hazards),
        ("released", evidence.releases),
    ):
        columns[f"dist_{name}_m"], columns[f"{name}_share"] = _polygon_features(
            cells_utm, centres, _project(layer.geoms, forward)
        )
    for name, geoms in (layers or {}).items():
        columns[f"dist_{name}_m"], _ = _polygon_features(
            cells_utm, centres, _project(np.asarray(geoms, dtype=object), forward)
        )

    lonlat = shapely.get_coordinates(_project(centres, back))
    for raster in rasters or []:
        if raster.name in columns or raster.name in _CELL_COLUMNS:
            raise ValidationError(
                f"The raster name {raster.name!r} is already a column of the grid.",
                hint="Give the raster another NAME in --raster NAME=FILE.",
            )
        columns[raster.name] = raster.sample(lonlat[:, 0], lonlat[:, 1])

    finds_in_cell = np.bincount(cell_of_find[cell_of_find >= 0], minlength=len(cells_utm))
    label = np.full(len(cells_utm), -1)
    label[columns["released_share"] >= RELEASED_SHARE_FOR_LABEL] = 0
    label[finds_in_cell > 0] = 1

    cells = _project(cells_utm, back)
    frame = pd.DataFrame(
        {
            "cell_id": np.arange(1, len(cells_utm) + 1),
            "cell_lon": lonlat[:, 0].round(6),
            "cell_lat": lonlat[:, 1].round(6),
            "cell_area_m2": shapely.area(cells_utm).round(1),
            "cell_epsg": epsg,
            "cell_findings": finds_in_cell,
            SUSPECTED: (
                (columns["hazard_share"] > 0) | (columns["minefield_record_share"] > 0)
            ).astype(np.int8),
            "label": label,
            **{k: np.round(v, 4) for k, v in columns.items()},
        }
    )
    return Grid(
        frame=frame, cells=cells, cells_utm=cells_utm, epsg=epsg, origin=origin, cell_m=cell_m
    )


def cell_index(
    points: NDArray[np.float64],
    cells_utm: NDArray[np.object_],
    origin: NDArray[np.float64],
    cell_m: float,
) -> NDArray[np.intp]:
    """Return the index of the cell holding each point, -1 outside the grid."""
    if len(points) == 0:
        return np.zeros(0, dtype=np.intp)
    lower = shapely.bounds(cells_utm)[:, :2]
    cell_ij = np.floor((lower - origin) / cell_m + 0.5).astype(np.intp)
    lookup = np.full(tuple(cell_ij.max(axis=0) + 1), -1, dtype=np.intp)
    lookup[cell_ij[:, 0], cell_ij[:, 1]] = np.arange(len(cells_utm))
    ij = np.floor((points - origin) / cell_m).astype(np.intp)
    inside = (ij >= 0).all(axis=1) & (ij < np.array(lookup.shape)).all(axis=1)
    found = np.full(len(points), -1, dtype=np.intp)
    found[inside] = lookup[ij[inside, 0], ij[inside, 1]]
    return found
