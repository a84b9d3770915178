"""Rauf opens a record: names and references instead of numbers, areas in hectares too.

A hazard's page names its operator and district (linked) instead of
``organisation_id`` 1 and ``admin_area_id`` 28; an activity names the
hazard it works in by its reference; an area reads "1,333,243 (133.32 ha)";
the record's moments read as a date and a UTC time.  Both backends, the demo.
"""

from __future__ import annotations

import datetime as dt
import re

import shapely
from sqlalchemy import select

from mineaction.store.tables import Activity, Hazard, LandRelease
from mineaction.store.tables.reference import AdminArea, Organisation
from tests.api.conftest import World

HTML = {"Accept": "text/html"}


def _cell(body: str, label: str) -> str:
    """Return the HTML of the value cell of the row headed ``label``."""
    found = re.search(rf">{re.escape(label)}</th><td>(.*?)</td></tr>", body)
    assert found is not None, label
    return found.group(1)


def test_a_hazard_page_names_its_operator_and_area(demo_world: World) -> None:
    with demo_world.db.session() as s:
        hazard, organisation, area = s.execute(
            select(Hazard, Organisation, AdminArea)
            .join(Organisation, Organisation.id == Hazard.organisation_id)
            .join(AdminArea, AdminArea.id == Hazard.admin_area_id)
            .order_by(Hazard.id)
        ).first()
        area_m2, created = hazard.area_m2, hazard.created_at
    body = demo_world.client("rauf").get(f"/records/hazards/{hazard.id}", headers=HTML).text
    assert _cell(body, "Organisation") == (
        f'<a href="/records/organisations/{organisation.id}">{organisation.name}</a>'
    )
    assert _cell(body, "Administrative area") == (
        f'<a href="/records/districts/{area.id}">{area.name}</a>'
    )
    for link in re.findall(r'href="(/records/[a-z-]+/\d+)"', body):
        assert demo_world.client("rauf").get(link, headers=HTML).status_code == 200, link
    assert _cell(body, "Area (m²)") == f"{area_m2:,.0f} ({area_m2 / 10_000:,.2f} ha)"
    utc = created.astimezone(dt.UTC) if created.tzinfo else created.replace(tzinfo=dt.UTC)
    assert _cell(body, "Created").endswith(f"{utc.year}, {utc:%H:%M} UTC")


def test_an_activity_names_its_hazard_by_reference(demo_world: World) -> None:
    with demo_world.db.session() as s:
        activity, hazard = s.execute(
            select(Activity, Hazard)
            .join(Hazard, Hazard.id == Activity.hazard_id)
            .order_by(Activity.id)
        ).first()
    body = demo_world.client("rauf").get(f"/records/activities/{activity.id}", headers=HTML).text
    assert _cell(body, "Hazardous area") == (
        f'<a href="/records/hazards/{hazard.id}">{hazard.reference}</a>'
    )


def test_areas_read_with_the_language_separators(demo_world: World) -> None:
    with demo_world.db.session() as s:
        hazard = s.scalars(
            select(Hazard).where(Hazard.area_m2 > 10_000).order_by(Hazard.id)
        ).first()
        assert hazard is not None
        area_m2 = hazard.area_m2
    body = (
        demo_world.client("rauf")
        .get(f"/records/hazards/{hazard.id}", headers={**HTML, "Accept-Language": "az"})
        .text
    )
    hectares = f"{area_m2 / 10_000:,.2f}".replace(",", "\xa0").replace(".", ",")
    assert f"({hectares} ha)" in body


def test_a_land_release_shows_its_counted_area_and_a_short_polygon(demo_world: World) -> None:
    with demo_world.db.session() as s:
        release = s.scalars(
            select(LandRelease)
            .where(LandRelease.geom.is_not(None), LandRelease.reported_area_m2.is_(None))
            .order_by(LandRelease.id)
        ).first()
        assert release is not None
        counted, points = release.area_m2, shapely.get_num_coordinates(release.geom)
    body = demo_world.client("rauf").get(f"/records/land-releases/{release.id}", headers=HTML).text
    assert _cell(body, "Counted area (m²)") == f"{counted:,.0f} ({counted / 10_000:,.2f} ha)"
    assert _cell(body, "Reported area (m²)") == ""  # the report gave a polygon, not a number
    assert f"<summary>MultiPolygon of {points} points</summary>" in _cell(body, "Geometry")
