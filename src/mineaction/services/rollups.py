"""Checking and rebuilding the report roll-ups, the derived sums the reports read."""

from __future__ import annotations

from dataclasses import dataclass

from mineaction.store import beneficiary_rollup_ddl, casualty_rollup_ddl, rollup_ddl
from mineaction.store.database import Database

#: Every module of roll-ups: each checks (``differences``) and rebuilds (``rebuild``) its own.
MODULES = (rollup_ddl, beneficiary_rollup_ddl, casualty_rollup_ddl)
#: Every roll-up table.
TABLES = (
    *(r.table for r in rollup_ddl.ROLLUPS),
    *(r.table for r in beneficiary_rollup_ddl.ROLLUPS),
    *casualty_rollup_ddl.TABLES,
)


@dataclass(frozen=True)
class RollupCheck:
    """Per roll-up table: its rows, and how many differ from a roll-up made afresh."""

    rows: dict[str, int]
    differing: dict[str, int]

    @property
    def exact(self) -> bool:
        """True when every roll-up equals what the records make."""
        return not any(self.differing.values())


def check(*, db: Database) -> RollupCheck:
    """Compare every roll-up with a roll-up made afresh from the records (nothing written)."""
    with db.engine.connect() as conn:
        differing = {t: n for m in MODULES for t, n in m.differences(conn).items()}
        rows = {
            table: int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
            for table in differing
        }
    return RollupCheck(rows, differing)


def rebuild(*, db: Database) -> RollupCheck:
    """Make every roll-up again from the records, in one transaction; return the check after.

    The planner's statistics of the roll-ups are then gathered afresh (``analyze``).
    """
    with db.engine.begin() as conn:
        for module in MODULES:
            module.rebuild(conn)
    analyze(db=db)
    return check(db=db)


def analyze(*, db: Database) -> None:
    """Gather the planner's statistics of every roll-up (ANALYZE).

    A roll-up made afresh in one statement has none on PostgreSQL until
    autovacuum comes by (never, where it is off): the planner then takes the
    table for a few rows and joins 35,000 hazards by 35,000 index lookups
    instead of one hash join (the land-release report: 106 against 77 ms).
    """
    with db.engine.connect() as conn:
        for table in TABLES:
            conn.exec_driver_sql(f"ANALYZE {table}")
        conn.commit()
