"""The land-release ledger through the service, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from mineaction.errors import LedgerError
from mineaction.services import hazards
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, Hazard, LandRelease
from tests.factories import AGDAM, hazard, metres_box, operator

DAY = dt.date(2024, 5, 2)


def test_a_release_shrinks_the_hazard_and_counts_its_area(db: Database) -> None:
    with db.session(actor="alice") as s:
        h = hazard(s, size_m=200)
        org = operator(s)
        release = hazards.release_land(
            session=s,
            method="cleared",
            release_date=DAY,
            organisation_id=org.id,
            hazard_id=h.id,
            geom=metres_box(*AGDAM, 0, 0, 100, 200),
        )
        assert release.area_m2 == pytest.approx(h.area_m2 / 2, rel=1e-3)
    with db.session() as s:
        stored = s.get(Hazard, h.id)
        assert stored.released_m2 == pytest.approx(stored.area_m2 / 2, rel=1e-3)
        assert stored.remaining_m2 == pytest.approx(20_000, rel=1e-3)
        assert stored.status == "open"


def test_overlapping_releases_are_counted_once(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=200)
        org = operator(s)
        hazards.release_land(
            session=s,
            method="reduced",
            release_date=DAY,
            organisation_id=org.id,
            hazard_id=h.id,
            geom=metres_box(*AGDAM, 0, 0, 120, 200),
        )
        second = hazards.release_land(
            session=s,
            method="cleared",
            release_date=DAY,
            organisation_id=org.id,
            hazard_id=h.id,
            geom=metres_box(*AGDAM, 80, 0, 200, 200),
        )
        assert second.area_m2 == pytest.approx(80 * 200, rel=2e-3)
        assert second.overlap_m2 == pytest.approx(40 * 200, rel=2e-3)
        assert h.status == "closed"
        assert h.released_m2 == pytest.approx(h.area_m2, rel=1e-9)


def test_it_refuses_a_release_outside_the_hazard_and_writes_nothing(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=200)
        org_id = operator(s).id
    with pytest.raises(LedgerError, match="outside hazard"), db.session() as s:
        hazards.release_land(
            session=s,
            method="cleared",
            release_date=DAY,
            organisation_id=org_id,
            hazard_id=h.id,
            geom=metres_box(*AGDAM, 100, 0, 400, 200),
        )
    with db.session() as s:
        assert s.scalars(select(LandRelease)).all() == []
        assert s.get(Hazard, h.id).released_m2 == 0


def test_a_reported_area_cannot_exceed_what_remains(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=100)
        org = operator(s)
        hazards.release_land(
            session=s,
            method="cancelled",
            release_date=DAY,
            organisation_id=org.id,
            hazard_id=h.id,
            reported_area_m2=6_000,
        )
        with pytest.raises(LedgerError, match="remain unreleased"):
            hazards.release_land(
                session=s,
                method="cleared",
                release_date=DAY,
                organisation_id=org.id,
                hazard_id=h.id,
                geom=metres_box(*AGDAM, 0, 0, 50, 100),
            )


def test_history_keeps_every_shape_the_hazard_had(db: Database) -> None:
    with db.session(actor="alice") as s:
        h = hazard(s, size_m=200)
        org = operator(s)
    for west in (0, 50, 100):
        with db.session(actor="bob") as s:
            hazards.release_land(
                session=s,
                method="cleared",
                release_date=DAY,
                organisation_id=org.id,
                hazard_id=h.id,
                geom=metres_box(*AGDAM, west, 0, west + 50, 200),
            )
    with db.session() as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.kind == "hazards", AuditEntry.record_id == h.id)
            .order_by(AuditEntry.id)
        ).all()
    assert [e.action for e in entries] == ["create", "update", "update", "update"]
    assert [e.actor for e in entries] == ["alice", "bob", "bob", "bob"]
    assert [e.record_version for e in entries] == [1, 2, 3, 4]
    shapes = [entries[0].after["remaining_geom"]] + [e.after["remaining_geom"] for e in entries[1:]]
    assert len(set(shapes)) == 4
    assert entries[2].before["remaining_geom"] == entries[1].after["remaining_geom"]


def test_a_hazard_outside_the_country_is_refused_with_the_position(db: Database) -> None:
    from mineaction.errors import GeometryError

    with pytest.raises(GeometryError, match="outside Azerbaijan"), db.session() as s:
        hazard(s, at=(52.6, 40.1))  # in the Caspian Sea, 100 km offshore


def test_a_hazard_with_swapped_coordinates_is_refused_with_the_swap(db: Database) -> None:
    from mineaction.errors import GeometryError

    with pytest.raises(GeometryError, match="swapped"), db.session() as s:
        hazards.create_hazard(
            session=s,
            reference="HA-SWAP",
            hazard_type="sha",
            contamination="uxo",
            geom="POLYGON((39.99 46.93, 39.99 46.94, 40.0 46.94, 40.0 46.93, 39.99 46.93))",
            recorded_date=dt.date(2021, 1, 5),
        )
    with db.session() as s:
        assert s.scalars(select(Hazard)).all() == []


def test_a_hazard_gets_its_district_and_geodesic_area(db: Database) -> None:
    with db.session() as s:
        h = hazard(s, size_m=500)
        assert h.admin_area.code == "AZE.agdam"
        assert h.area_m2 == pytest.approx(250_000, rel=2e-3)
        assert h.remaining_m2 == h.area_m2 and h.released_m2 == 0
