"""On the demo, verification shows the brief's picture: few records right, most accidents outside.

The expectations are computed here from the demo's own records, finds and
accidents with Shapely (records grown by 50 m in their UTM zone), not taken
from the verification.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from sqlalchemy import select

from mineaction.analytics.verification import Verification, verify_records
from mineaction.demo import build_demo
from mineaction.geo import buffer_m
from mineaction.store.database import Database
from mineaction.store.tables import Accident, Finding, MinefieldRecord
from tests.conftest import BACKENDS, fresh_database


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    databases = fresh_database(request.param, tmp_path_factory.mktemp("demo"), request)
    db = next(databases)
    build_demo(db, seed=7, scale=0.02)
    yield db
    next(databases, None)


@pytest.fixture(scope="module")
def verified(demo: Database) -> Iterator[Verification]:
    with demo.session() as session:
        yield verify_records(session)


def test_accidents_outside_every_record_are_counted_as_shapely_counts_them(
    demo: Database, verified: Verification
) -> None:
    with demo.session() as session:
        grown = shapely.union_all(
            [buffer_m(r.geom, 50.0) for r in session.scalars(select(MinefieldRecord))]
        )
        accidents = [
            a.geom
            for a in session.scalars(select(Accident))
            if a.device_category in ("ap_mine", "at_mine") and a.geom is not None
        ]
        mines = [
            f.geom
            for f in session.scalars(select(Finding))
            if f.category in ("ap_mine", "at_mine") and f.geom is not None
        ]
    summary = verified.as_dict()["summary"]
    outside = sum(1 for p in accidents if not grown.intersects(p))
    assert summary["accidents"] == len(accidents)
    assert summary["accidents_outside_records"] == outside
    assert summary["findings"] == len(mines)
    assert summary["findings_outside_records"] == sum(1 for p in mines if not grown.intersects(p))


def test_the_demo_shows_few_records_right_and_most_accidents_outside(
    verified: Verification,
) -> None:
    summary = verified.as_dict()["summary"]
    assert summary["records"] == 8
    assert summary["accurate"] >= 2  # the demo draws about a quarter over real minefields
    assert summary["accurate"] < summary["records"] / 2
    assert summary["accidents_outside_records_share"] > 0.55
    assert summary["verified"] == summary["records"] - summary["unverified"]
    for record in verified.as_dict()["records"]:
        if record["class"] == "accurate":
            assert record["findings_inside"] > 0 and record["coverage_share"] >= 0.5
