"""A verification reads each finding's id, place, category, quantity and day exactly."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future
from typing import Any

import pytest
from shapely.geometry import Point
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from mineaction.analytics.verification import spatial
from mineaction.analytics.verification.spatial import Points, load_findings
from mineaction.domain.vocab import EO_CATEGORY
from mineaction.services import findings
from mineaction.store.database import Database
from mineaction.store.sibling import sibling_session
from mineaction.store.tables import Finding
from tests.factories import AGDAM

#: Quantities and days at the edges of what the readers pack into one number.
CASES = [
    (1, dt.date(1992, 2, 26), "ap_mine"),
    (255, dt.date(2024, 1, 1), "uxo"),
    (100_000, dt.date(2099, 12, 31), "other"),
    (123_456_789, dt.date(9999, 12, 31), "at_mine"),
]


def test_a_data_officers_findings_read_back_exactly(db: Database) -> None:
    with db.session(actor="data officer") as session:
        made = [
            findings.create_finding(
                session=session,
                found_date=dt.date(2024, 1, 1),
                category=category,
                lon=AGDAM[0] + k * 0.001,
                lat=AGDAM[1] - k * 0.001,
            )
            for k, (_, _, category) in enumerate(CASES)
        ]
        session.flush()
        ids = [f.id for f in made]
        for fid, (quantity, day, _) in zip(ids, CASES, strict=True):
            # Written straight to the table: past what a form accepts, as an import might.
            session.execute(
                update(Finding)
                .where(Finding.id == fid)
                .values(quantity=quantity, found_date=day, approval="approved")
            )
    with db.session() as session:
        got = load_findings(session, tuple(EO_CATEGORY), None, None)
    assert got.ids.tolist() == ids
    assert got.quantity.tolist() == [q for q, _, _ in CASES]
    assert [got.date(k) for k in range(len(got))] == [d for _, d, _ in CASES]
    assert got.category.tolist() == [c for _, _, c in CASES]
    assert got.lon.tolist() == [AGDAM[0] + k * 0.001 for k in range(len(CASES))]


CATEGORIES = list(EO_CATEGORY)


def _placed(session: Session, count: int) -> list[int]:
    """Create ``count`` approved findings around Agdam; return their ids."""
    made = [
        findings.create_finding(
            session=session,
            found_date=dt.date(2020, 1, 1) + dt.timedelta(days=k * 37),
            category=CATEGORIES[k % len(CATEGORIES)],
            quantity=1 + k * 7,
            lon=AGDAM[0] + k * 0.0013,
            lat=AGDAM[1] - k * 0.0007,
        )
        for k in range(count)
    ]
    session.flush()
    ids = [f.id for f in made]
    session.execute(update(Finding).where(Finding.id.in_(ids)).values(approval="approved"))
    return ids


def _placed_with_a_gap(db: Database, count: int, gap: slice) -> list[int]:
    """Create ``count`` approved findings, delete those in ``gap``; return the ids left."""
    with db.session(actor="data officer") as session:
        ids = _placed(session, count)
        # Gaps in the ids: runs follow the ids present, not a range of numbers.
        session.execute(delete(Finding).where(Finding.id.in_(ids[gap])))
    return ids[: gap.start] + ids[gap.stop :]


def _arrays(points: Points) -> dict[str, list[object]]:
    fields = ("ids", "lon", "lat", "category", "quantity", "day")
    return {name: getattr(points, name).tolist() for name in fields}


def test_sqlite_reads_in_runs_the_rows_it_reads_one_by_one(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _placed_with_a_gap(sqlite_db, 11, slice(2, 5))
    monkeypatch.setattr(spatial, "RUN_ROWS", 3)  # ranges of three ids
    taken: list[str] = []
    real_run = spatial._run

    def run(*args: Any) -> Any:
        got = real_run(*args)
        taken.append("run" if got is not None else "fallback")
        return got

    monkeypatch.setattr(spatial, "_run", run)
    with sqlite_db.session() as session:
        in_runs = load_findings(session, tuple(EO_CATEGORY), None, None)
        monkeypatch.setattr(spatial, "_run", lambda *_args: None)
        one_by_one = load_findings(session, tuple(EO_CATEGORY), None, None)
    assert taken == ["run"] * 4  # ids 1-3, 4-6 (one left), 7-9, 10-11
    assert in_runs.ids.tolist() == ids
    assert _arrays(in_runs) == _arrays(one_by_one)


def test_sqlite_reads_a_point_stored_with_a_z_row_by_row(sqlite_db: Database) -> None:
    with sqlite_db.session(actor="data officer") as session:
        ids = _placed(session, 4)
        # As an older import might have stored it: the same place, with a height.
        lon, lat = AGDAM[0] + 0.0013, AGDAM[1] - 0.0007
        session.execute(
            update(Finding).where(Finding.id == ids[1]).values(geom=Point(lon, lat, 312.0))
        )
    with sqlite_db.session() as session:
        got = load_findings(session, tuple(EO_CATEGORY), None, None)
    assert got.ids.tolist() == ids
    assert got.lon.tolist()[1] == lon
    assert got.quantity.tolist() == [1, 8, 15, 22]
    assert got.category.tolist() == CATEGORIES[:4]


def test_the_ranges_are_shared_with_a_helper_on_its_own_connection(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _placed_with_a_gap(db, 20, slice(3, 6))
    monkeypatch.setattr(spatial, "RUN_ROWS", 3)  # SQLite's ranges
    monkeypatch.setattr(spatial, "PACK_RANGE", 3)  # PostgreSQL's

    class Shared(spatial.IdRanges):
        """The helper (run first) takes the first two ranges; this thread the rest."""

        quota = 2

        def take(self) -> tuple[int, int] | None:
            Shared.quota -= 1
            return None if Shared.quota == -1 else super().take()

    monkeypatch.setattr(spatial, "IdRanges", Shared)
    connections: list[object] = []

    def helper(task: Any) -> Future[Any]:
        done: Future[Any] = Future()
        connections.append(sibling.connection().connection.driver_connection)
        done.set_result(task(sibling))
        return done

    with db.session() as session, sibling_session(session) as sibling:
        assert sibling is not None
        shared = load_findings(session, tuple(EO_CATEGORY), None, None, helper=helper)
        mine = session.connection().connection.driver_connection
        alone = load_findings(session, tuple(EO_CATEGORY), None, None)
    assert Shared.quota < -1  # this thread took ranges after the helper's two
    assert connections and connections[0] is not mine
    assert shared.ids.tolist() == ids
    assert _arrays(shared) == _arrays(alone)


def test_id_ranges_cover_every_id_once_in_at_most_so_many_ranges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spatial, "MAX_RANGES", 7)
    for least, greatest in [(1, 1), (1, 10), (1, 11), (5, 70), (-3, 2_000), (1, 0)]:
        ranges = spatial.IdRanges(least, greatest, 10)
        taken = []
        while (r := ranges.take()) is not None:
            taken.append(r)
        covered = [i for first, last in taken for i in range(first, last + 1)]
        assert covered == list(range(least, greatest + 1))
        assert len(taken) <= 7
        assert all(last - first + 1 >= min(10, greatest - least + 1) for first, last in taken[:-1])
    ranges = spatial.IdRanges(1, 50, 10)  # ranges of the width given, the ids being few
    assert ranges.take() == (1, 10)
    ranges.stop()
    assert ranges.take() is None
