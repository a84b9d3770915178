"""``plain_rows``: a query's rows as the driver's tuples, the same values as SQLAlchemy's rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, literal, select

from mineaction.store.database import Database
from mineaction.store.plain_rows import plain_rows
from mineaction.store.tables import Organisation


def test_the_driver_rows_hold_what_sqlalchemy_rows_hold_with_lists_and_dates_bound(
    db: Database,
) -> None:
    with db.session(actor="test") as session:
        for n, code in enumerate(("HALO", "MAG", "ANAMA", "NPA")):
            session.add(Organisation(code=code, name=f"{code} Ç ə {n}", type="ngo"))
    day = dt.date(2024, 4, 29)
    query = (
        select(
            Organisation.code,
            Organisation.name,
            (func.length(Organisation.code) * 1.5).label("weight"),
        )
        .where(
            Organisation.code.in_(["HALO", "ANAMA", "NPA"]),
            Organisation.code != "NPA",
            literal(day) > dt.date(2000, 1, 1),  # dates bound as parameters
        )
        .order_by(Organisation.code)
    )
    with db.session() as session:
        plain = plain_rows(session, query)
        rows = [tuple(row) for row in session.execute(query)]
    assert plain == rows
    assert [type(v) for v in plain[0]] == [str, str, float]
    assert [r[0] for r in plain] == ["ANAMA", "HALO"]
