"""Checking and rebuilding the report roll-ups, the derived sums the reports read."""

from __future__ import annotations

from dataclasses import dataclass

from mineaction.store import beneficiary_rollup_ddl, casualty_rollup_ddl, rollup_ddl
from mineaction.store.database import Database

#: Every module of roll-ups: each checks (``differences``) and rebuilds (``rebuild``) its own.
MODULES = (rollup_ddl, beneficiary_rollup_ddl, casualty_rollup_ddl)


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
    """Make every roll-up again from the records, in one transaction; return the check after."""
    with db.engine.begin() as conn:
        for module in MODULES:
            module.rebuild(conn)
    return check(db=db)
