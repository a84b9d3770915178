"""geo layer: geodesic areas, metric buffers, and validation of WGS84 geometries on entry."""

from mineaction.geo.areas import buffer_m, geodesic_area_m2, m2_to_ha, round_ha, utm_epsg
from mineaction.geo.country import Country
from mineaction.geo.parse import parse_geometry
from mineaction.geo.validate import (
    validate_geometry,
    validate_point,
    validate_point_geometry,
    validate_polygon,
)

__all__ = [
    "Country",
    "buffer_m",
    "geodesic_area_m2",
    "m2_to_ha",
    "parse_geometry",
    "round_ha",
    "utm_epsg",
    "validate_geometry",
    "validate_point",
    "validate_point_geometry",
    "validate_polygon",
]
