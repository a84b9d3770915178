"""A bulk writer sets the roll-up's insert trigger aside for its own inserts, and only those.

Story: the bulk import adds its chunks' sums to the findings roll-up itself,
once at the end; while a chunk goes in, the trigger must not add them too.
Every other insert, in the same transaction before and after the chunk or
in any later transaction, must still reach the roll-up through the trigger,
on both databases (SQLite drops the row trigger for the block; PostgreSQL's
statement trigger reads a transaction-local setting).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from mineaction.store import rollup_ddl
from mineaction.store.database import Database
from mineaction.store.tables import Finding
from tests.factories import operator


def finding(org_id: int, quantity: int) -> Finding:
    return Finding(
        found_date=dt.date(2024, 5, 2),
        category="uxo",
        quantity=quantity,
        organisation_id=org_id,
        approval="approved",
    )


def summed_items(conn: Connection) -> int:
    """The items the roll-up holds, counted once (its operator dimension)."""
    total = conn.exec_driver_sql(
        "SELECT coalesce(sum(items), 0) FROM finding_rollup WHERE dimension = 'operator'"
    ).scalar_one()
    return int(total)


def test_only_the_inserts_inside_the_block_skip_the_rollup(db: Database) -> None:
    with db.session(actor="test") as s:
        org = operator(s).id
        s.add(finding(org, 1))
        s.flush()
        conn = s.connection()
        with rollup_ddl.insert_trigger_off(conn, "findings"):
            s.add(finding(org, 10))
            s.flush()
            assert summed_items(conn) == 1
        s.add(finding(org, 100))
        s.flush()
        assert summed_items(conn) == 101
    with db.session(actor="test") as s:
        s.add(finding(org, 1000))
        s.flush()
        conn = s.connection()
        assert summed_items(conn) == 1101  # the trigger is back for the next transaction
        assert s.scalar(select(func.sum(Finding.quantity))) == 1111
        # the roll-up misses exactly the rows the block's writer was to add itself
        assert rollup_ddl.differences(conn)["finding_rollup"] > 0
        rollup_ddl.rebuild(conn)
        assert summed_items(conn) == 1111
