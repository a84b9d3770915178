"""District shapes for report maps: the districts with figures and their neighbours."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.domain.vocab import Labels
from mineaction.render.document import MapArea
from mineaction.store.tables import AdminArea

#: Shapes are simplified to about 100 m: a report map is a page wide, not a survey plan.
TOLERANCE_DEG = 0.001
#: How far around the districts with figures the map reaches (share of their extent).
MARGIN = 0.15


def area_name(area: AdminArea) -> Labels:
    """Return a district's name in en/az/ru (the English name where a translation is missing)."""
    return Labels(area.name, area.name_az or area.name, area.name_ru or area.name)


def district_areas(
    session: Session,
    values: Mapping[int, float],
    markers: Mapping[int, float] | None = None,
) -> list[MapArea]:
    """Return map areas for the districts keyed by id in ``values``/``markers``, with neighbours.

    Districts inside the extent of those with figures (plus a margin) are
    included, unshaded, so that the reader recognises the region.
    """
    markers = markers or {}
    ids = {i for i, v in values.items() if v} | {i for i, v in markers.items() if v}
    if not ids:
        return []
    named = session.execute(
        select(AdminArea.min_x, AdminArea.min_y, AdminArea.max_x, AdminArea.max_y).where(
            AdminArea.id.in_(ids), AdminArea.geom.is_not(None)
        )
    ).all()
    boxes = [tuple(float(v) for v in r) for r in named if None not in tuple(r)]
    if not boxes:
        return []
    min_x, min_y = min(b[0] for b in boxes), min(b[1] for b in boxes)
    max_x, max_y = max(b[2] for b in boxes), max(b[3] for b in boxes)
    dx, dy = (max_x - min_x) * MARGIN + 0.02, (max_y - min_y) * MARGIN + 0.02
    areas = session.scalars(
        select(AdminArea)
        .where(
            AdminArea.level == "district",
            AdminArea.geom.is_not(None),
            AdminArea.min_x <= max_x + dx,
            AdminArea.max_x >= min_x - dx,
            AdminArea.min_y <= max_y + dy,
            AdminArea.max_y >= min_y - dy,
        )
        .order_by(AdminArea.code)
    ).all()
    found = {a.id for a in areas}
    areas = [
        *areas,
        *session.scalars(select(AdminArea).where(AdminArea.id.in_(ids - found))),
    ]
    return [
        MapArea(
            code=a.code,
            name=area_name(a),
            geometry=a.geom.simplify(TOLERANCE_DEG, preserve_topology=True),
            value=values.get(a.id),
            marker=markers.get(a.id),
        )
        for a in areas
        if a.geom is not None
    ]
