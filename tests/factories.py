"""Small builders for test data: an operator, a square hazard in Aghdam, polygons by metres."""

from __future__ import annotations

import datetime as dt
import itertools

from shapely.geometry import Polygon, box
from sqlalchemy.orm import Session

from mineaction.services import hazards
from mineaction.store.tables import Hazard, Organisation

#: A spot in Agdam District, well inside its boundary.
AGDAM = (46.93, 39.99)
_counter = itertools.count(1)


def metres_box(
    lon: float, lat: float, west_m: float, south_m: float, east_m: float, north_m: float
) -> Polygon:
    """Return a lon/lat box whose sides lie the given metres from (lon, lat)."""
    import math

    m_lat = 111_132.0
    m_lon = 111_320.0 * math.cos(math.radians(lat))
    return box(
        lon + west_m / m_lon, lat + south_m / m_lat, lon + east_m / m_lon, lat + north_m / m_lat
    )


def operator(
    session: Session, code: str = "ANAMA", type_: str = "national_authority"
) -> Organisation:
    """Return the organisation ``code``, creating it when missing."""
    org = session.query(Organisation).filter_by(code=code).one_or_none()
    if org is None:
        org = Organisation(code=code, name=f"{code} operator", type=type_)
        session.add(org)
        session.flush()
    return org


def hazard(
    session: Session,
    *,
    size_m: float = 200.0,
    at: tuple[float, float] = AGDAM,
    contamination: str = "ap_mines",
) -> Hazard:
    """Record a square open hazard of ``size_m`` metres a side, south-west corner at ``at``."""
    n = next(_counter)
    return hazards.create_hazard(
        session=session,
        reference=f"HA-T{n:05d}",
        hazard_type="cha",
        contamination=contamination,
        geom=metres_box(*at, 0, 0, size_m, size_m),
        recorded_date=dt.date(2021, 3, 1),
    )
