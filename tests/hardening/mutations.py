"""Hypothesis strategies that damage a valid file the way the world does, and worse.

A mutation is drawn as data (positions, bytes, cell values) and applied to a
seed's bytes; ``describe`` says what it did, so a failing example reads as a
sentence.  Byte-level damage fits every format; the others know the format's
structure: cells of a table, a GeoJSON feature, the SQLite tables inside a
GeoPackage, the members of a zip (an .xlsx is one too).
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.hardening.damage import Mutation, byte_damage
from tests.hardening.gis_damage import geojson_damage, gpkg_damage
from tests.hardening.table_damage import (
    BAD_WKT,
    ENTITY_BOMB,
    EXTERNAL_ENTITY,
    FORMULAS,
    csv_damage,
    xlsx_damage,
)
from tests.hardening.zip_damage import zip_damage

__all__ = [
    "BAD_WKT",
    "BY_FORMAT",
    "ENTITY_BOMB",
    "EXTERNAL_ENTITY",
    "FORMULAS",
    "Mutation",
    "byte_damage",
    "csv_damage",
    "geojson_damage",
    "gpkg_damage",
    "xlsx_damage",
    "zip_damage",
]

#: The mutations each kind of file is fuzzed with.
BY_FORMAT: dict[str, st.SearchStrategy[Mutation]] = {
    "csv": st.one_of(byte_damage(), csv_damage(), csv_damage()),
    "xlsx": st.one_of(byte_damage(), xlsx_damage(), xlsx_damage()),
    "geojson": st.one_of(byte_damage(), geojson_damage(), geojson_damage()),
    "gpkg": st.one_of(byte_damage(), gpkg_damage(), gpkg_damage()),
    "zip": st.one_of(byte_damage(), zip_damage(), zip_damage()),
}
