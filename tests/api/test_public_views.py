"""What the public sees never holds a live hazard's geometry or a victim's personal data.

Story: a journalist, not signed in, reads every page, endpoint, report and
OGC collection the public may open.  The national database holds two live
hazards and a victim with a name, an exact age and a source id.  No answer
may hold a vertex of a live hazard's polygon, nor the victim's name or
source id; the signed-in viewer, by contrast, does see them (so the test
can tell a leak from a probe that looks in the wrong place).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import shapely
from sqlalchemy import select

from mineaction.services.catalogue import KINDS
from mineaction.services.policy import PUBLIC_REPORTS
from mineaction.store.tables import Accident, Hazard, Victim
from tests.api.conftest import World
from tests.api.test_role_matrix import ENDPOINTS

NAME, SOURCE = "Aytan Quliyeva-Test", "VICTIM-PRIVATE-0042"
NUMBER = re.compile(r"-?\d+\.\d+")


@pytest.fixture
def private_victim(world: World) -> Iterator[int]:
    """A victim with personal data, removed again when the test ends."""
    with world.db.session(actor="test-setup") as s:
        accident = s.scalars(select(Accident).order_by(Accident.id)).first()
        assert accident is not None
        victim = Victim(
            accident_id=accident.id,
            outcome="injured",
            sex="female",
            age=37,
            age_band="adult",
            victim_group="civilian",
            name=NAME,
            source_id=SOURCE,
            approval="approved",
        )
        s.add(victim)
        s.flush()
        victim_id = victim.id
    yield victim_id
    with world.db.session(actor="test-setup") as s:
        s.delete(s.get_one(Victim, victim_id))


def live_vertices(world: World) -> set[float]:
    """Every coordinate of every open hazard's polygon, rounded to 1e-7 degrees."""
    with world.db.session() as s:
        geoms = [h.geom for h in s.scalars(select(Hazard).where(Hazard.status == "open"))]
    assert geoms, "the national database should hold live hazards"
    coords = shapely.get_coordinates(shapely.GeometryCollection(geoms))
    return {round(float(v), 7) for v in coords.ravel()}


def public_urls() -> list[str]:
    urls = [
        e.path
        for e in ENDPOINTS.values()
        if "public" in e.allowed and e.method == "GET" and isinstance(e.path, str)
    ]
    for report in sorted(PUBLIC_REPORTS):
        for fmt in ("json", "csv", "html"):
            urls.append(f"/api/reports/{report}?from=2023-01-01&to=2024-12-31&format={fmt}")
    urls += [
        "/ogc/collections/districts/items?limit=1000",
        "/api/records/districts?limit=1000&format=geojson",
        "/map",
    ]
    return urls


def leaks(text: str, vertices: set[float]) -> list[str]:
    found = [v for v in NUMBER.findall(text) if round(float(v), 7) in vertices]
    found += [s for s in (NAME, SOURCE) if s in text]
    return found


@pytest.mark.usefixtures("private_victim")
def test_the_public_never_sees_a_live_hazard_or_a_victims_personal_data(world: World) -> None:
    vertices = live_vertices(world)
    public = world.client(None)
    for url in public_urls():
        answer = public.get(url, headers={"Accept": "text/html"} if "api" not in url else {})
        assert answer.status_code == 200, f"{url}: {answer.status_code} {answer.text[:200]}"
        assert leaks(answer.text, vertices) == [], f"{url} shows private data"


@pytest.mark.usefixtures("private_victim")
def test_the_public_is_refused_every_record_that_holds_them(world: World) -> None:
    public = world.client(None)
    for kind in (k.name for k in KINDS.values() if not k.public):
        assert public.get(f"/api/records/{kind}").status_code == 401, kind
        assert public.get(f"/records/{kind}", follow_redirects=False).status_code in (303, 401)
        if KINDS[kind].geometry:
            assert public.get(f"/ogc/collections/{kind}/items").status_code == 401, kind
    collections = public.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == ["districts"]


def test_a_signed_in_viewer_does_see_them(world: World, private_victim: int) -> None:
    vertices = live_vertices(world)
    rauf = world.client("rauf")
    hazards = rauf.get("/ogc/collections/hazards/items?limit=100")
    assert leaks(hazards.text, vertices)
    victim = rauf.get(f"/api/records/victims/{private_victim}")
    assert NAME in victim.text
