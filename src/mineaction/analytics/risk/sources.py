"""Where a grid comes from: the area (a district or where the evidence is), the user's layers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.analytics.risk.evidence import Evidence, load_evidence
from mineaction.analytics.risk.grid import Grid, build_grid
from mineaction.analytics.risk.rasters import parse_raster_option, read_raster
from mineaction.errors import ValidationError
from mineaction.services.admin_areas import find_area
from mineaction.store.tables.reference import AdminArea

__all__ = ["grid_from_database", "read_layer", "study_area"]


def study_area(session: Session, districts: list[str], evidence: Evidence) -> BaseGeometry:
    """Return the named districts, or else every district that holds evidence."""
    if districts:
        shapes = []
        for name in districts:
            area = find_area(session, name)
            if area.geom is None:
                raise ValidationError(
                    f"The area {area.name} has no polygon.",
                    hint="Load its boundary with `mineaction admin-areas load FILE`.",
                )
            shapes.append(area.geom)
        return shapely.union_all(shapes)
    extent = evidence.extent()
    if extent is None:
        raise ValidationError(
            "The database holds no findings, accidents, records, hazards or land releases "
            "with a position: there is nothing to build a risk grid from.",
            hint="Import findings and hazards first, or build the demo with `mineaction demo`.",
        )
    rows = session.execute(
        select(AdminArea.geom).where(AdminArea.level == "district", AdminArea.geom.is_not(None))
    ).all()
    geoms = np.array([r[0] for r in rows], dtype=object)
    everything = np.concatenate(
        [
            evidence.findings.geoms,
            evidence.accidents.geoms,
            evidence.minefield_records.geoms,
            evidence.hazards.geoms,
            evidence.releases.geoms,
        ]
    )
    if len(geoms) == 0:
        return shapely.envelope(shapely.union_all(everything)).buffer(0.05)
    tree = shapely.STRtree(geoms)
    touched = np.unique(tree.query(everything, predicate="intersects")[1])
    if len(touched) == 0:
        return shapely.envelope(shapely.union_all(everything)).buffer(0.05)
    return shapely.union_all(geoms[touched])


def read_layer(path: str | Path) -> tuple[str, NDArray[np.object_]]:
    """Read a user layer (GeoPackage, GeoJSON, Shapefile): its name and WGS84 geometries."""
    import pyogrio

    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"The layer {path} does not exist.", hint="Check the path.")
    try:
        meta, _, wkb, _ = pyogrio.raw.read(path, read_geometry=True, columns=[])
    except Exception as exc:  # pyogrio's own DataSourceError family
        raise ValidationError(
            f"{path.name} cannot be read as a GIS layer: {exc}",
            hint="Give a GeoPackage, GeoJSON or Shapefile of points, lines or polygons.",
        ) from exc
    geoms = shapely.from_wkb(wkb)
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(geoms) == 0:
        raise ValidationError(f"{path.name} holds no geometry.", hint="Give a layer with features.")
    crs = meta.get("crs")
    if crs and CRS.from_user_input(crs) != CRS.from_epsg(4326):
        to_wgs84 = Transformer.from_crs(crs, 4326, always_xy=True)
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))
        )
    name = re.sub(r"[^0-9a-z]+", "_", path.stem.lower()).strip("_") or "layer"
    return name, np.asarray(geoms, dtype=object)


def grid_from_database(
    session: Session,
    *,
    cell_m: float = 500.0,
    districts: list[str] | None = None,
    layers: list[Path] | None = None,
    rasters: list[str] | None = None,
    before: dt.date | None = None,
) -> Grid:
    """Build the risk grid from the database as it stood before ``before`` (everything if None).

    ``rasters`` are ``NAME=FILE`` options: GeoTIFF or XYZ/CSV grids sampled per cell.
    """
    read = [read_raster(*parse_raster_option(r)) for r in rasters or []]
    evidence = load_evidence(session).known_before(before)
    area = study_area(session, districts or [], evidence)
    named = dict(read_layer(p) for p in layers or [])
    return build_grid(evidence=evidence, area=area, cell_m=cell_m, layers=named, rasters=read)
