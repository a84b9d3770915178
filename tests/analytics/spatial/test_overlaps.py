"""The spatial service finds hazards that overlap and those recorded twice, on both backends."""

from __future__ import annotations

import datetime as dt
import itertools

import shapely
from pyproj import Geod

from mineaction.analytics.spatial import duplicates, overlaps
from mineaction.services import hazards
from mineaction.store.database import Database
from mineaction.store.tables import Hazard
from tests.factories import AGDAM, metres_box

SHAPES = {
    "A": metres_box(*AGDAM, 0, 0, 200, 200),
    "B": metres_box(*AGDAM, 100, 0, 300, 200),  # half of A
    "C": metres_box(*AGDAM, 0, 0, 200, 199.5),  # A again, a little short: a duplicate
    "D": metres_box(*AGDAM, 200, 300, 400, 500),  # touches nothing
    "E": metres_box(*AGDAM, -200, 0, 0, 200),  # shares A's west edge only: no overlap
}


def test_overlapping_and_duplicate_hazards(db: Database) -> None:
    ids = {}
    with db.session(actor="test") as session:
        for name, shape in SHAPES.items():
            made = hazards.create_hazard(
                session=session,
                reference=f"HA-O{name}",
                hazard_type="sha",
                contamination="ap_mines",
                geom=shape,
                recorded_date=dt.date(2022, 1, 1),
            )
            ids[made.id] = name
    with db.session() as session:
        found = overlaps(session, Hazard, [Hazard.approval == "approved"])
        twice = duplicates(session, Hazard, [Hazard.approval == "approved"])
    geod = Geod(ellps="WGS84")

    def area(g: shapely.Geometry) -> float:
        return abs(geod.geometry_area_perimeter(g)[0])

    expected = {}
    for a, b in itertools.combinations(sorted(SHAPES), 2):
        shared = SHAPES[a].intersection(SHAPES[b])
        if shared.area > 0:
            expected[(a, b)] = area(shared) / min(area(SHAPES[a]), area(SHAPES[b]))
    got = {(ids[o.first], ids[o.second]): o for o in found}
    assert set(got) == set(expected) == {("A", "B"), ("A", "C"), ("B", "C")}
    for pair, share in expected.items():
        assert abs(got[pair].share - share) < 0.002, pair
    assert abs(got[("A", "B")].overlap_m2 - area(SHAPES["A"].intersection(SHAPES["B"]))) < 40
    assert [(ids[o.first], ids[o.second]) for o in twice] == [("A", "C")]
