"""Rashad adds an elevation model and a rainfall grid to the risk grid as features.

The rasters are written here: a GeoTIFF in UTM zone 39 (the grid is in zone
38, so every centre is reprojected) whose pixel (row, col) holds
1000·row + col, with a nodata block, and an XYZ grid in degrees.  The value
expected under each cell is found from the pixel arithmetic alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely
import tifffile
from pyproj import Transformer

from mineaction.analytics.risk.evidence import Evidence, Layer
from mineaction.analytics.risk.grid import build_grid
from mineaction.analytics.risk.rasters import parse_raster_option, read_raster
from mineaction.errors import ValidationError
from mineaction.store.database import Database

AREA = shapely.box(46.90, 39.96, 46.99, 40.02)
PIXEL_M = 300.0
NODATA = -9999.0
ROWS, COLS = 30, 25


def _evidence() -> Evidence:
    day = dt.date(2024, 5, 2)
    finds = Layer.of([(shapely.Point(46.93, 39.99), day, "uxo")])
    empty = Layer.of([])
    return Evidence(
        findings=finds, accidents=empty, minefield_records=empty, hazards=empty, releases=empty
    )


def _origin_zone39() -> tuple[float, float]:
    """The raster's top-left corner: a little west and north of the area, in UTM 39N."""
    x, y = Transformer.from_crs(4326, 32639, always_xy=True).transform(46.91, 40.015)
    return float(np.floor(x)), float(np.floor(y))


def write_geotiff(path: Path, *, epsg: int = 32639, georeferenced: bool = True) -> np.ndarray:
    """Write the test GeoTIFF and return its values (NODATA in rows 0-4, cols 0-4)."""
    values = (1000 * np.arange(ROWS)[:, None] + np.arange(COLS)[None, :]).astype("float32")
    values[:5, :5] = NODATA
    x0, y0 = _origin_zone39()
    extratags = []
    if georeferenced:
        geokeys = (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, epsg)
        extratags = [
            (33550, "d", 3, (PIXEL_M, PIXEL_M, 0.0), False),
            (33922, "d", 6, (0.0, 0.0, 0.0, x0, y0, 0.0), False),
            (34735, "H", len(geokeys), geokeys, False),
            (42113, "s", 0, f"{NODATA:g}", False),
        ]
    tifffile.imwrite(path, values, extratags=extratags, compression="zlib")
    return values


def test_a_geotiff_value_is_sampled_under_each_cell_centre(tmp_path: Path) -> None:
    values = write_geotiff(tmp_path / "dem.tif")
    raster = read_raster("elevation", tmp_path / "dem.tif")
    grid = build_grid(evidence=_evidence(), area=AREA, cell_m=500, rasters=[raster])

    to_39 = Transformer.from_crs(grid.epsg, 32639, always_xy=True)
    cx, cy = to_39.transform(*shapely.get_coordinates(shapely.centroid(grid.cells_utm)).T)
    x0, y0 = _origin_zone39()
    col = np.floor((np.asarray(cx) - x0) / PIXEL_M).astype(int)
    row = np.floor((y0 - np.asarray(cy)) / PIXEL_M).astype(int)
    inside = (col >= 0) & (col < COLS) & (row >= 0) & (row < ROWS)
    expected = np.full(len(col), np.nan)
    expected[inside] = values[row[inside], col[inside]]
    expected[expected == NODATA] = np.nan

    got = grid.frame["elevation"].to_numpy()
    assert np.isnan(expected).any() and np.isfinite(expected).sum() > 20  # both kinds present
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert got[~np.isnan(got)] == pytest.approx(expected[~np.isnan(expected)])


def test_an_xyz_grid_in_degrees_is_sampled_too(tmp_path: Path) -> None:
    lons = np.round(np.arange(46.895, 46.995, 0.01), 3)
    lats = np.round(np.arange(39.955, 40.025, 0.01), 3)
    lines = ["lon,lat,rain_mm"]
    for i, lon in enumerate(lons):
        for j, lat in enumerate(lats):
            lines.append(f"{lon},{lat},{100 * i + j}")
    (tmp_path / "rain.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    grid = build_grid(
        evidence=_evidence(),
        area=AREA,
        cell_m=500,
        rasters=[read_raster("rain", tmp_path / "rain.csv")],
    )
    lon, lat = grid.frame["cell_lon"].to_numpy(), grid.frame["cell_lat"].to_numpy()
    # Each value belongs to the pixel centred on its point: the nearest point within half a step.
    i = np.rint((lon - lons[0]) / 0.01).astype(int)
    j = np.rint((lat - lats[0]) / 0.01).astype(int)
    assert grid.frame["rain"].to_numpy() == pytest.approx(100.0 * i + j)


def test_it_refuses_a_tiff_without_georeferencing(tmp_path: Path) -> None:
    write_geotiff(tmp_path / "plain.tif", georeferenced=False)
    with pytest.raises(ValidationError, match="without georeferencing"):
        read_raster("x", tmp_path / "plain.tif")


def test_it_refuses_a_raster_named_like_a_grid_column(tmp_path: Path) -> None:
    write_geotiff(tmp_path / "dem.tif")
    raster = read_raster("label", tmp_path / "dem.tif")
    with pytest.raises(ValidationError, match="already a column"):
        build_grid(evidence=_evidence(), area=AREA, cell_m=500, rasters=[raster])


def test_the_option_is_name_equals_file() -> None:
    assert parse_raster_option("Elevation (m)=dem.tif")[0] == "elevation_m"
    with pytest.raises(ValidationError, match="NAME=FILE"):
        parse_raster_option("dem.tif")


def test_the_command_line_names_a_wrong_raster_without_a_traceback(
    run, sqlite_db: Database, tmp_path: Path
) -> None:
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    (tmp_path / "notes.txt").write_text("x,y\nnot,numbers\n", encoding="utf-8")
    result = run(
        "risk",
        "build-grid",
        "-d",
        url,
        "--raster",
        f"rain={tmp_path / 'notes.txt'}",
        "--output",
        str(tmp_path / "never.gpkg"),
    )
    assert result.code == 1
    assert "notes.txt needs three numeric columns" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "never.gpkg").exists()
