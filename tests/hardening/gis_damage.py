"""Damage to GIS files: a GeoJSON feature or collection, the SQLite tables of a GeoPackage."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.hardening.damage import Mutation, byte_damage
from tests.hardening.table_damage import cell_values, csv_damage

# --- GeoJSON ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
BAD_GEOMETRIES = [
    None,
    {},
    {"type": "Point"},
    {"type": "Point", "coordinates": []},
    {"type": "Point", "coordinates": ["46.93", "39.99"]},
    {"type": "Point", "coordinates": [46.93]},
    {"type": "Point", "coordinates": [1e308, -1e308]},
    {"type": "Polygon", "coordinates": [[[46.93, 39.99], [46.94, 39.99]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[]]},
    {"type": "LineString", "coordinates": [[46.93, 39.99], [47, 40]]},
    {"type": "GeometryCollection", "geometries": []},
    {"type": "Triangle", "coordinates": [[0, 0], [1, 0], [0, 1]]},
    {"type": "Point", "coordinates": [39.99, 46.93]},
    {"type": "Point", "coordinates": [0, 0]},
    {"type": "MultiPoint", "coordinates": [[46.93, 39.99], [47.12, 39.61]]},
]


@st.composite
def geojson_damage(draw: st.DrawFn) -> Mutation:
    """Break a feature's geometry or properties, or the collection itself."""
    how = draw(st.sampled_from(["geometry", "geometry", "property", "structure", "text"]))
    index = draw(st.integers(0, 10))
    if how == "geometry":
        geometry = draw(st.sampled_from(BAD_GEOMETRIES) | json_values)
        return Mutation(
            "geojson geometry",
            repr(geometry)[:60],
            lambda d: _edit_json(d, lambda c: _feature(c, index).__setitem__("geometry", geometry)),
        )
    if how == "property":
        key = draw(st.sampled_from(["id", "date", "category", "quantity", "operator"]) | st.text())
        value = draw(json_values | cell_values())
        return Mutation(
            "geojson properties",
            f"{key!r}={value!r}"[:60],
            lambda d: _edit_json(
                d, lambda c: _feature(c, index).setdefault("properties", {}).__setitem__(key, value)
            ),
        )
    if how == "structure":
        change = draw(
            st.sampled_from(
                [
                    "no features",
                    "features not a list",
                    "type wrong",
                    "feature not object",
                    "crs unknown",
                    "crs projected",
                    "nested deep",
                    "no properties",
                ]
            )
        )
        return Mutation("geojson structure", change, lambda d: _edit_json(d, _STRUCTURE[change]))
    damage = draw(csv_damage().filter(lambda m: m.family in ("csv encoding", "csv quotes")))
    return Mutation("geojson text", damage.describe, damage.apply)


def _feature(collection: dict[str, Any], index: int) -> dict[str, Any]:
    features = collection["features"]
    feature: dict[str, Any] = features[index % len(features)]
    return feature


def _edit_json(data: bytes, change: Callable[[dict[str, Any]], Any]) -> bytes:
    collection = json.loads(data)
    change(collection)
    return json.dumps(collection, allow_nan=True).encode()


_STRUCTURE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "no features": lambda c: c.pop("features"),
    "features not a list": lambda c: c.__setitem__("features", {"a": 1}),
    "type wrong": lambda c: c.__setitem__("type", "Feature"),
    "feature not object": lambda c: c["features"].__setitem__(0, [1, 2, 3]),
    "crs unknown": lambda c: c.__setitem__(
        "crs", {"type": "name", "properties": {"name": "EPSG:999999"}}
    ),
    "crs projected": lambda c: c.__setitem__(
        "crs", {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32638"}}
    ),
    "nested deep": lambda c: c["features"][0]["properties"].__setitem__(
        "deep", json.loads("[" * 500 + "]" * 500)
    ),
    "no properties": lambda c: [f.pop("properties", None) for f in c["features"]],
}


# --- GeoPackage: the SQLite database inside ------------------------------------------------

GPKG_STATEMENTS = [
    "DELETE FROM gpkg_contents",
    "DELETE FROM gpkg_geometry_columns",
    "UPDATE gpkg_geometry_columns SET srs_id = 999999",
    "UPDATE gpkg_spatial_ref_sys SET definition = 'garbage' WHERE srs_id = 4326",
    "DROP TABLE gpkg_spatial_ref_sys",
    "UPDATE gpkg_contents SET table_name = 'nowhere'",
    "UPDATE gpkg_geometry_columns SET geometry_type_name = 'CIRCLE'",
    "UPDATE {layer} SET quantity = 'many'",
    "UPDATE {layer} SET id = NULL",
    "UPDATE {layer} SET date = X'00FF00'",
    "UPDATE {layer} SET {geom} = NULL",
    "UPDATE {layer} SET {geom} = X'4750000100000000'",
    "UPDATE {layer} SET {geom} = randomblob(40)",
    "UPDATE {layer} SET {geom} = 'not a blob'",
    "ALTER TABLE {layer} RENAME TO other",
    "DROP TABLE {layer}",
    "INSERT INTO {layer} ({geom}) SELECT {geom} FROM {layer}",
    "UPDATE {layer} SET category = char(0)",
    "PRAGMA user_version = 1; PRAGMA application_id = 0",
]


@st.composite
def gpkg_damage(draw: st.DrawFn) -> Mutation:
    """Run a damaging SQL statement inside the GeoPackage, or patch a geometry's bytes."""
    how = draw(st.sampled_from(["sql", "sql", "geometry", "bytes"]))
    if how == "bytes":
        damage = draw(byte_damage())
        return Mutation("gpkg bytes", damage.describe, damage.apply)
    if how == "geometry":
        blob = draw(st.binary(max_size=80))
        header = draw(st.sampled_from([b"", b"GP\x00\x01\xe6\x10\x00\x00", b"GP\x00\x03"]))
        return Mutation(
            "gpkg geometry",
            f"blob {(header + blob)[:20]!r}",
            lambda d: _gpkg_sql(d, "UPDATE {layer} SET {geom} = ?", (header + blob,)),
        )
    statement = draw(st.sampled_from(GPKG_STATEMENTS))
    return Mutation("gpkg tables", statement, lambda d: _gpkg_sql(d, statement, ()))


def _gpkg_sql(data: bytes, statement: str, params: tuple[object, ...]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        path.write_bytes(data)
        conn = sqlite3.connect(path)
        try:
            layer, geom = conn.execute(
                "SELECT table_name, column_name FROM gpkg_geometry_columns"
            ).fetchone()
            sql = statement.format(layer=f'"{layer}"', geom=f'"{geom}"')
            if params:
                conn.execute(sql, params)
            else:
                conn.executescript(sql)
            conn.commit()
        except sqlite3.Error:
            pass  # a statement that does not apply leaves the file as it was
        finally:
            conn.close()
        return path.read_bytes()
