"""Valid example files, one per format, that the fuzzers mutate.

Each seed is the canonical header of ``mineaction template`` with a few good
rows (findings as points, hazards as WKT polygons), written as a real CSV,
XLSX, GeoJSON, GeoPackage, zipped Shapefile or zipped CSV: every seed imports
cleanly before it is mutated (``test_every_seed_imports_cleanly``).
"""

from __future__ import annotations

import csv
import io
import json
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from openpyxl import Workbook
from pyogrio import raw

from mineaction.intake.kinds import get_kind
from mineaction.intake.templates import header_and_example

#: Rows of findings: template columns, positions in Aghdam and Fuzuli.
FINDINGS = [
    {"id": "F-1", "date": "2024-04-29", "operator": "ANAMA", "district": "Aghdam",
     "category": "at_mine", "model": "TM-62M", "quantity": "2", "lon": "46.93", "lat": "39.99"},
    {"id": "F-2", "date": "2024-04-30", "operator": "ANAMA", "district": "",
     "category": "ap_mine", "model": "PMN-2", "quantity": "1", "lon": "47.12", "lat": "39.61"},
    {"id": "F-3", "date": "2024-05-01", "operator": "anama", "district": "Füzuli",
     "category": "uxo", "model": "122 mm shell", "quantity": "14", "lon": "47.13",
     "lat": "39.62"},
]  # fmt: skip
#: Rows of hazards: polygons well apart, so that no rule about overlaps is touched.
HAZARDS = [
    {"id": "H-1", "reference": "HA-AGD-0101", "name": "Orchard east of Kengerli",
     "hazard_type": "cha", "contamination": "ap_mines", "recorded_date": "2021-03-01",
     "operator": "ANAMA", "district": "Aghdam", "expected_beneficiaries": "250",
     "blockages": "road;agriculture",
     "geometry": "POLYGON((46.93 39.99, 46.935 39.99, 46.935 39.995, 46.93 39.995, 46.93 39.99))"},
    {"id": "H-2", "reference": "HA-FUZ-0102", "name": "Вокзал", "hazard_type": "sha",
     "contamination": "uxo", "recorded_date": "2022-07-15", "operator": "ANAMA",
     "district": "Fuzuli", "expected_beneficiaries": "",  "blockages": "",
     "geometry": "POLYGON((47.12 39.61, 47.125 39.61, 47.125 39.615, 47.12 39.615, 47.12 39.61))"},
]  # fmt: skip

SeedWriter = Callable[[Path], Path]


def header(kind: str) -> list[str]:
    """Return the canonical header of ``kind``, as `mineaction template` writes it."""
    return header_and_example(get_kind(kind))[0]


def table(kind: str) -> tuple[list[str], list[list[str]]]:
    """Return the header and rows of the seed of ``kind`` (findings or hazards)."""
    names = header(kind)
    rows = FINDINGS if kind == "findings" else HAZARDS
    return names, [[row.get(n, "") for n in names] for row in rows]


def csv_bytes(names: list[str], rows: list[list[object]], *, encoding: str = "utf-8") -> bytes:
    """Return a CSV table as bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    writer.writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def xlsx_bytes(names: list[str], rows: list[list[object]]) -> bytes:
    """Return a workbook with the table on its first sheet, as bytes."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(names)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def geojson_bytes(kind: str) -> bytes:
    """Return the seed of ``kind`` as a GeoJSON FeatureCollection."""
    names, rows = table(kind)
    features = []
    for row in rows:
        props = dict(zip(names, row, strict=True))
        if kind == "findings":
            geometry = {"type": "Point", "coordinates": [float(props["lon"]), float(props["lat"])]}
            props.pop("lon"), props.pop("lat")
        else:
            geometry = shapely.geometry.mapping(shapely.from_wkt(props.pop("geometry")))
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def write_layer(path: Path, kind: str, driver: str) -> Path:
    """Write the seed of ``kind`` as a GIS layer with ``driver`` (GPKG, ESRI Shapefile)."""
    names, rows = table(kind)
    geom_column = "geometry" if kind == "hazards" else None
    shapes = []
    for row in rows:
        props = dict(zip(names, row, strict=True))
        if geom_column:
            shapes.append(shapely.from_wkt(props[geom_column]))
        else:
            shapes.append(shapely.Point(float(props["lon"]), float(props["lat"])))
    keep = [n for n in names if n not in ("lon", "lat", "geometry", "date_precision")]
    fields = [np.array([dict(zip(names, r, strict=True))[n] for r in rows]) for n in keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Shapefile driver warns about field widths
        raw.write(
            str(path),
            shapely.to_wkb(np.array(shapes, dtype=object)),
            fields,
            keep,
            driver=driver,
            geometry_type=shapes[0].geom_type,
            crs="EPSG:4326",
        )
    return path


def shapefile_zip_bytes(tmp: Path) -> bytes:
    """Return the findings seed as a zipped Shapefile (.shp, .shx, .dbf, .prj, .cpg)."""
    folder = tmp / "shapefile"
    folder.mkdir(exist_ok=True)
    write_layer(folder / "findings.shp", "findings", "ESRI Shapefile")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for member in sorted(folder.glob("findings.*")):
            zf.writestr(member.name, member.read_bytes())
    return out.getvalue()


def csv_zip_bytes() -> bytes:
    """Return the findings seed as one CSV inside a zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("findings.csv", csv_bytes(*table("findings")))
    return out.getvalue()


#: Every seed: its name → (kind, file name, how to make its bytes).
SEEDS: dict[str, tuple[str, str, Callable[[Path], bytes]]] = {
    "csv-findings": ("findings", "findings.csv", lambda _: csv_bytes(*table("findings"))),
    "csv-hazards": ("hazards", "hazards.csv", lambda _: csv_bytes(*table("hazards"))),
    "xlsx-findings": ("findings", "findings.xlsx", lambda _: xlsx_bytes(*table("findings"))),
    "xlsx-hazards": ("hazards", "hazards.xlsx", lambda _: xlsx_bytes(*table("hazards"))),
    "geojson-findings": ("findings", "findings.geojson", lambda _: geojson_bytes("findings")),
    "geojson-hazards": ("hazards", "hazards.geojson", lambda _: geojson_bytes("hazards")),
    "gpkg-findings": (
        "findings",
        "findings.gpkg",
        lambda tmp: write_layer(tmp / "seed-findings.gpkg", "findings", "GPKG").read_bytes(),
    ),
    "gpkg-hazards": (
        "hazards",
        "hazards.gpkg",
        lambda tmp: write_layer(tmp / "seed-hazards.gpkg", "hazards", "GPKG").read_bytes(),
    ),
    "zip-shapefile": ("findings", "findings.zip", shapefile_zip_bytes),
    "zip-csv": ("findings", "findings.zip", lambda _: csv_zip_bytes()),
}
