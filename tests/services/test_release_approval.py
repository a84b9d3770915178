"""Land is taken from a hazard by approved releases only, through the approval workflow."""

from __future__ import annotations

from typing import Any

import pytest
from shapely import to_wkt

from mineaction.errors import LedgerError
from mineaction.services import approval
from mineaction.services.catalogue import KINDS
from mineaction.services.policy import Principal
from mineaction.store.database import Database
from mineaction.store.tables import Hazard, LandRelease
from tests.factories import AGDAM, hazard, metres_box, operator

RELEASES = KINDS["land-releases"]
ELVIN = Principal("elvin", "im_officer")


def _row(h: Hazard, west: float, east: float) -> dict[str, Any]:
    return {
        "date": "2024-05-02",
        "operator": "MES",
        "method": "cleared",
        "geometry": to_wkt(metres_box(*AGDAM, west, 0, east, 200)),
        "hazard_id": h.reference,
    }


def _submit(db: Database, h: Hazard, west: float, east: float) -> int:
    """Return a release of [west, east] m of the hazard, submitted by MES's officer."""
    with db.session() as s:
        mes = operator(s, "MES", "ngo")
        leyla = Principal("leyla", "operator_officer", mes.id)
        record = approval.create(
            session=s, info=RELEASES, row=_row(h, west, east), who=leyla, submit=True
        )
        return record.id


def _decide(db: Database, release_id: int, action: str) -> None:
    with db.session() as s:
        record = s.get_one(LandRelease, release_id)
        reason = "the polygon is outside the task" if action == "reject" else None
        approval.step(
            session=s, info=RELEASES, record=record, who=ELVIN, action=action, reason=reason
        )


def _hazard(db: Database, hazard_id: int) -> Hazard:
    with db.session() as s:
        return s.get_one(Hazard, hazard_id)


def test_a_submitted_release_takes_no_land_until_it_is_approved(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=200)
    release_id = _submit(db, h, 0, 100)
    untouched = _hazard(db, h.id)
    assert untouched.released_m2 == 0 and untouched.remaining_geom.equals(untouched.geom)
    _decide(db, release_id, "approve")
    taken = _hazard(db, h.id)
    assert taken.released_m2 == pytest.approx(taken.area_m2 / 2, rel=1e-3)
    assert taken.remaining_m2 == pytest.approx(taken.area_m2 / 2, rel=1e-3)


def test_a_rejected_release_leaves_the_hazard_as_it_was(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=200)
    _decide(db, _submit(db, h, 0, 200), "reject")
    after = _hazard(db, h.id)
    assert after.status == "open" and after.released_m2 == 0
    assert after.remaining_geom.equals(after.geom)


def test_of_two_overlapping_submissions_the_second_approved_counts_only_new_land(
    db: Database,
) -> None:
    with db.session() as s:
        h = hazard(s, size_m=200)
    first, second = _submit(db, h, 0, 120), _submit(db, h, 80, 200)
    _decide(db, second, "approve")
    _decide(db, first, "approve")
    with db.session() as s:
        one, two = s.get_one(LandRelease, first), s.get_one(LandRelease, second)
        whole = s.get_one(Hazard, h.id)
        # Counted in the order they were recorded: the first keeps its land.
        assert one.area_m2 == pytest.approx(120 * 200, rel=3e-3)
        assert two.area_m2 == pytest.approx(80 * 200, rel=3e-3)
        assert two.overlap_m2 == pytest.approx(40 * 200, rel=3e-3)
        assert whole.status == "closed" and whole.released_m2 == pytest.approx(
            whole.area_m2, rel=1e-3
        )


def test_a_corrected_release_gives_back_the_land_of_the_one_it_replaces(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=200)
    original = _submit(db, h, 0, 200)
    _decide(db, original, "approve")
    assert _hazard(db, h.id).status == "closed"
    with db.session() as s:
        record = s.get_one(LandRelease, original)
        correction = approval.update(
            session=s,
            info=RELEASES,
            record=record,
            row=_row(h, 0, 50),
            who=ELVIN,
            version=record.version,
            submit=True,
        )
        correction_id = correction.id
    assert _hazard(db, h.id).status == "closed"  # the correction is not approved yet
    _decide(db, correction_id, "approve")
    with db.session() as s:
        whole = s.get_one(Hazard, h.id)
        assert s.get_one(LandRelease, original).approval == "superseded"
        assert s.get_one(LandRelease, correction_id).area_m2 == pytest.approx(50 * 200, rel=3e-3)
        assert whole.status == "open" and whole.closed_date is None
        assert whole.released_m2 == pytest.approx(whole.area_m2 / 4, rel=3e-3)
        assert whole.remaining_m2 == pytest.approx(whole.area_m2 * 3 / 4, rel=3e-3)


def test_a_release_that_no_longer_fits_cannot_be_approved(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=200)
    first, second = _submit(db, h, 0, 200), _submit(db, h, 0, 200)
    _decide(db, first, "approve")
    with pytest.raises(LedgerError):
        _decide(db, second, "approve")
    with db.session() as s:
        assert s.get_one(LandRelease, second).approval == "submitted"
