"""A verification reads each finding's id, place, category, quantity and day exactly."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from mineaction.analytics.verification.spatial import load_findings
from mineaction.domain.vocab import EO_CATEGORY
from mineaction.services import findings
from mineaction.store.database import Database
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
