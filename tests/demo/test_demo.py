"""The demo data set: built by `mineaction demo`, checked from the stored rows on both backends.

Each test builds a small demo (scale 0.03, a few seconds) and computes what
it expects from the rows themselves, never from the builder's own figures.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.demo import DemoSummary, build_demo
from mineaction.errors import ConflictError
from mineaction.services import admin_areas, status
from mineaction.store import schema
from mineaction.store.database import Database
from mineaction.store.tables import (
    Accident,
    AdminArea,
    Equipment,
    EquipmentStatusChange,
    Finding,
    Hazard,
    LandRelease,
    MinefieldRecord,
    Project,
    Victim,
)

SMALL = 0.03
MINES = ("ap_mine", "at_mine")
#: One kilometre in degrees, on the safe side (a degree of longitude at 40°N is ~85 km).
ONE_KM_DEG = 0.009


def fingerprint(db: Database) -> tuple[dict[str, int], float, int]:
    """Return the counts, the released area and the items found, read from the rows."""
    with db.session() as s:
        released = s.scalar(select(func.sum(LandRelease.area_m2))) or 0.0
        items = s.scalar(select(func.sum(Finding.quantity))) or 0
        return status.counts(s), float(released), int(items)


def new_sqlite(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    schema.upgrade(db)
    with db.session(actor="test-setup") as s:
        admin_areas.load_azerbaijan(s)
    return db


def test_the_same_seed_builds_the_same_data(db: Database, tmp_path: Path) -> None:
    build_demo(db, seed=7, scale=SMALL)
    other = new_sqlite(tmp_path / "b.db")
    try:
        build_demo(other, seed=7, scale=SMALL)
        first, second = fingerprint(db), fingerprint(other)
    finally:
        other.dispose()
    assert first[0] == second[0]
    assert first[1] == pytest.approx(second[1], rel=1e-9)
    assert first[2] == second[2]
    assert first[0]["hazards"] >= 20 and first[0]["land_releases"] > 0


def test_every_hazard_lies_inside_its_district_and_the_ledger_holds(db: Database) -> None:
    build_demo(db, scale=SMALL)
    with db.session() as s:
        hazards = s.scalars(select(Hazard)).all()
        released = dict(
            s.execute(
                select(LandRelease.hazard_id, func.sum(LandRelease.area_m2)).group_by(
                    LandRelease.hazard_id
                )
            ).all()
        )
        assert hazards
        for hazard in hazards:
            district = s.get_one(AdminArea, hazard.admin_area_id)
            assert district.level == "district"
            assert district.geom.buffer(ONE_KM_DEG).contains(hazard.geom), hazard.reference
            counted = released.get(hazard.id, 0.0)
            assert counted <= hazard.area_m2 + 0.5, hazard.reference
            assert counted == pytest.approx(hazard.released_m2, abs=1.0)
            assert hazard.remaining_m2 >= 0
            assert (hazard.status == "closed") == (hazard.remaining_m2 < 1.0)


def test_about_a_quarter_of_the_minefield_records_hold_mines_found(db: Database) -> None:
    build_demo(db, scale=SMALL)
    with db.session() as s:
        records = s.scalars(select(MinefieldRecord)).all()
        mines = s.scalars(select(Finding.geom).where(Finding.category.in_(MINES))).all()
    tree = shapely.STRtree(mines)
    confirmed = [r for r in records if len(tree.query(r.geom, predicate="intersects"))]
    assert len(records) >= 8
    assert len(records) / 4 <= len(confirmed) <= len(records) / 2


def test_a_base_of_destroyed_detectors_and_projects_crossing_open_hazards(db: Database) -> None:
    build_demo(db, scale=SMALL)
    with db.session() as s:
        destroyed = s.scalar(
            select(func.count())
            .select_from(Equipment)
            .where(Equipment.equipment_type == "detector", Equipment.status == "destroyed")
        )
        history = s.scalar(
            select(func.count())
            .select_from(EquipmentStatusChange)
            .where(EquipmentStatusChange.status == "destroyed")
        )
        open_land = [
            h.remaining_geom for h in s.scalars(select(Hazard).where(Hazard.status == "open"))
        ]
        projects = s.scalars(select(Project)).all()
    assert destroyed >= 24  # "dozens"
    assert history >= destroyed
    assert {p.project_type for p in projects} == {"road", "power_line", "solar"}
    for project in projects:
        assert any(project.geom.intersects(land) for land in open_land), project.name


def test_the_data_set_says_it_is_synthetic_and_a_second_build_is_refused(db: Database) -> None:
    summary = build_demo(db, scale=SMALL)
    with db.session() as s:
        assert status.is_synthetic(s)
        assert "not ANAMA's figures" in status.facts(s)["synthetic_note"]
    with pytest.raises(ConflictError) as refused:
        build_demo(db, scale=SMALL)
    assert "new database file" in (refused.value.hint or "")
    assert isinstance(summary, DemoSummary)
    assert summary.counts == fingerprint(db)[0]


def weekly_2024(s: Session) -> dict[str, float]:
    first, last = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    weeks = ((last - first).days + 1) / 7
    items = dict(
        s.execute(
            select(Finding.category, func.sum(Finding.quantity))
            .where(Finding.found_date.between(first, last))
            .group_by(Finding.category)
        ).all()
    )
    released = s.scalar(
        select(func.sum(LandRelease.area_m2)).where(LandRelease.release_date.between(first, last))
    )
    return {
        "at": items.pop("at_mine", 0) / weeks,
        "ap": items.pop("ap_mine", 0) / weeks,
        "uxo": sum(items.values()) / weeks,
        "ha": float(released or 0) / 10_000 / weeks,
    }


@pytest.mark.slow
def test_the_full_demo_has_the_magnitudes_of_the_brief(tmp_path: Path) -> None:
    db = new_sqlite(tmp_path / "full.db")
    try:
        summary = build_demo(db)
        with db.session() as s:
            week = weekly_2024(s)
            victims = dict(
                s.execute(
                    select(Victim.victim_group, func.count()).group_by(Victim.victim_group)
                ).all()
            )
            recent = s.scalars(
                select(Accident.geom).where(
                    Accident.accident_type == "mine", Accident.accident_date >= dt.date(2023, 1, 1)
                )
            ).all()
            records = s.scalars(select(MinefieldRecord.geom)).all()
            killed = s.scalar(
                select(func.count()).select_from(Victim).where(Victim.outcome == "killed")
            )
    finally:
        db.dispose()
    assert week["at"] == pytest.approx(50, rel=0.2)
    assert week["ap"] == pytest.approx(25, rel=0.2)
    assert week["uxo"] == pytest.approx(350, rel=0.2)
    assert week["ha"] == pytest.approx(2_000, rel=0.2)
    assert summary.ha_released_per_week == pytest.approx(week["ha"], abs=0.1)
    total = sum(victims.values())
    assert 300 <= total <= 400
    # The brief: 155 civilians and 179 military of 334 victims; about a fifth killed.
    assert victims["civilian"] / total == pytest.approx(155 / 334, abs=0.07)
    assert victims["military"] / total == pytest.approx(179 / 334, abs=0.07)
    # The brief: more than 55% of recent mine accidents happened outside the records.
    outside = [a for a in recent if not any(r.contains(a) for r in records)]
    assert len(outside) > len(recent) / 2
    assert killed / total == pytest.approx(65 / 334, abs=0.05)
