"""A district map as inline SVG: shaded by value, circles sized by marker, with a legend.

Written directly from the districts' polygons (no tiles, no external asset):
longitudes are scaled by cos(latitude) so that shapes keep their proportions.
"""

from __future__ import annotations

import html
import math

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from mineaction.render.document import DistrictMap, tr
from mineaction.render.labels import number

#: Light to dark blue in five classes; districts without a value are grey.
RAMP = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
EMPTY = "#f2f2f2"
WIDTH = 640.0


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for part in getattr(geom, "geoms", []) for g in _polygons(part)]


def class_breaks(values: list[float], classes: int = len(RAMP)) -> list[float]:
    """Return the upper bounds of equal-interval classes from 0 to the largest value.

    >>> class_breaks([0, 10, 50])
    [10.0, 20.0, 30.0, 40.0, 50.0]
    """
    top = max(values, default=0.0) or 1.0
    return [top * (i + 1) / classes for i in range(classes)]


def map_svg(figure: DistrictMap, lang: str) -> str:
    """Return the map as one SVG element (with its legend)."""
    areas = [a for a in figure.areas if a.geometry is not None and not a.geometry.is_empty]
    if not areas:
        return ""
    min_x = min(a.geometry.bounds[0] for a in areas)
    min_y = min(a.geometry.bounds[1] for a in areas)
    max_x = max(a.geometry.bounds[2] for a in areas)
    max_y = max(a.geometry.bounds[3] for a in areas)
    kx = math.cos(math.radians((min_y + max_y) / 2))
    span_x, span_y = max((max_x - min_x) * kx, 1e-9), max(max_y - min_y, 1e-9)
    scale = WIDTH / span_x
    height = span_y * scale
    tolerance = span_x / WIDTH  # one pixel

    def xy(x: float, y: float) -> str:
        return f"{(x - min_x) * kx * scale:.1f},{(max_y - y) * scale:.1f}"

    values = [a.value for a in areas if a.value]
    breaks = class_breaks([float(v) for v in values])
    markers = [a.marker for a in areas if a.marker]
    biggest = max(markers, default=0.0)
    shapes, circles, names = [], [], []
    for area in areas:
        fill = EMPTY
        if area.value:
            fill = RAMP[next(i for i, b in enumerate(breaks) if area.value <= b + 1e-9)]
        path = ""
        for polygon in _polygons(area.geometry.simplify(tolerance, preserve_topology=True)):
            for ring in [polygon.exterior, *polygon.interiors]:
                path += "M" + " L".join(xy(x, y) for x, y in ring.coords) + "Z"
        name = html.escape(tr(area.name, lang))
        tip = name + (f": {number(area.value, lang, 1)}" if area.value else "")
        shapes.append(
            f'<path d="{path}" fill="{fill}" stroke="#666" stroke-width="0.6">'
            f"<title>{tip}</title></path>"
        )
        centre = area.geometry.representative_point()
        cx, cy = xy(centre.x, centre.y).split(",")
        if area.value or area.marker:
            names.append(f'<text x="{cx}" y="{float(cy) + 14:.1f}" class="map-name">{name}</text>')
        if area.marker and biggest:
            radius = 3 + 14 * math.sqrt(area.marker / biggest)
            circles.append(
                f'<circle cx="{cx}" cy="{cy}" r="{radius:.1f}" fill="#D55E00" '
                f'fill-opacity="0.75" stroke="#fff" stroke-width="0.8">'
                f"<title>{name}: {number(area.marker, lang)}</title></circle>"
            )
    legend = _legend(figure, breaks, biggest, lang, top=height + 12)
    total_height = height + 12 + 54
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="-4 -4 {WIDTH + 8:.0f} '
        f'{total_height + 8:.0f}" role="img" aria-label="{html.escape(tr(figure.title, lang))}">'
        "<style>.map-name{font:9px 'DejaVu Sans',sans-serif;fill:#222;text-anchor:middle}"
        ".map-legend{font:10px 'DejaVu Sans',sans-serif;fill:#222}</style>"
        + "".join(shapes)
        + "".join(circles)
        + "".join(names)
        + legend
        + "</svg>"
    )


def _legend(figure: DistrictMap, breaks: list[float], biggest: float, lang: str, top: float) -> str:
    parts = [
        f'<text x="0" y="{top + 10:.1f}" class="map-legend">'
        f"{html.escape(tr(figure.value_label, lang))}</text>"
    ]
    low = 0.0
    for i, (colour, high) in enumerate(zip(RAMP, breaks, strict=True)):
        x = i * 92
        parts.append(
            f'<rect x="{x}" y="{top + 16:.1f}" width="14" height="10" fill="{colour}" '
            f'stroke="#666" stroke-width="0.4"/><text x="{x + 18}" y="{top + 25:.1f}" '
            f'class="map-legend">{number(low, lang, 1)}–{number(high, lang, 1)}</text>'
        )
        low = high
    if figure.marker_label and biggest:
        parts.append(
            f'<circle cx="7" cy="{top + 42:.1f}" r="6" fill="#D55E00" fill-opacity="0.75"/>'
            f'<text x="18" y="{top + 46:.1f}" class="map-legend">'
            f"{html.escape(tr(figure.marker_label, lang))} "
            f"(max {number(biggest, lang)})</text>"
        )
    return "".join(parts)
