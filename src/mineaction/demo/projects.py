"""Reconstruction projects waiting for land: a road, a power line and a solar park.

Each is drawn through land that is still hazardous at the end of 2024, so
that planners see what blocks it.
"""

from __future__ import annotations

import datetime as dt

import shapely
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.demo.context import Demo
from mineaction.demo.shapes import rectangle
from mineaction.domain.ledger import polygonal
from mineaction.store.tables import Hazard, Project

# Approximate town centres (lon, lat).
FUZULI = (47.146, 39.600)
SHUSHA = (46.754, 39.758)
AGHDAM = (46.930, 39.990)
KHANKENDI = (46.785, 39.840)


def create_projects(session: Session, demo: Demo) -> None:
    """Record the three projects, each crossing at least one hazard still open."""
    codes = {d.code: d.id for d in demo.districts}
    road_via = _open_spot(
        session, [codes["FZL"], codes["SHS"], codes["KHV"]], LineString([FUZULI, SHUSHA])
    )
    line_via = _open_spot(
        session, [codes["AGD"], codes["KHJ"], codes["KHK"]], LineString([AGHDAM, KHANKENDI])
    )
    jabrayil = next(d for d in demo.districts if d.code == "JBR")
    solar_at = _open_spot(session, [jabrayil.id], jabrayil.geom.representative_point())
    solar = rectangle(solar_at.x, solar_at.y, 2_000, 1_400, 0.2)
    clipped = polygonal(shapely.intersection(solar, jabrayil.geom))
    # Keep the piece of the site that holds the hazard (the site may cross the border).
    pieces = sorted(clipped.geoms, key=lambda p: (not p.contains(solar_at), -p.area))
    solar_shape = pieces[0] if pieces else solar
    session.add_all(
        [
            Project(
                name="Fuzuli–Shusha road corridor",
                project_type="road",
                owner="Road agency (synthetic)",
                priority=1,
                planned_start=dt.date(2025, 3, 1),
                geom=LineString([FUZULI, (road_via.x, road_via.y), SHUSHA]),
            ),
            Project(
                name="Aghdam–Khankendi 110 kV power line",
                project_type="power_line",
                owner="Grid operator (synthetic)",
                priority=2,
                planned_start=dt.date(2025, 6, 1),
                geom=LineString([AGHDAM, (line_via.x, line_via.y), KHANKENDI]),
            ),
            Project(
                name="Jabrayil solar park",
                project_type="solar",
                owner="Renewable energy developer (synthetic)",
                priority=2,
                planned_start=dt.date(2025, 9, 1),
                geom=_polygon(solar_shape),
            ),
        ]
    )
    demo.progress("projects", 3, 3)


def _open_spot(session: Session, district_ids: list[int], near: shapely.Geometry) -> Point:
    """Return a point inside the remaining land of the open hazard nearest ``near``.

    Looks in the given districts first, then anywhere.
    """
    for where in (Hazard.admin_area_id.in_(district_ids), Hazard.id.is_not(None)):
        hazards = session.scalars(
            select(Hazard).where(Hazard.status == "open", where).order_by(Hazard.id)
        ).all()
        if hazards:
            best = min(hazards, key=lambda h: (_remaining(h).distance(near), h.id))
            return _remaining(best).representative_point()
    raise LookupError("the demo left no open hazard")  # every build leaves many open


def _remaining(hazard: Hazard) -> shapely.Geometry:
    return hazard.remaining_geom if hazard.remaining_geom is not None else hazard.geom


def _polygon(shape: shapely.Geometry) -> Polygon:
    assert isinstance(shape, Polygon)
    return shape
