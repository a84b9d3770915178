"""The triggers that keep the EORE and assistance roll-ups exact, their rebuild and their check.

Each roll-up (``EORERollup``, ``AssistanceRollup`` in ``store/tables/rollups.py``)
sums its records and six beneficiary columns per calendar month, approval
state and dimension member: the district, the operator and the kind (EORE
method, assistance type). As for the operations roll-ups
(``store/rollup_ddl.py``), what keeps them exact is in the database, so every
writer is covered: row triggers on SQLite (an insert adds its row once per
dimension, a delete takes it away, an update of a counted column does both;
a row whose record count falls to 0 is deleted), statement triggers with
transition tables on PostgreSQL (one grouped upsert per statement; a
TRUNCATE empties the roll-up). Every DDL statement here is idempotent.

The grain is a month, not a span: these tables hold tens of thousands of
records, not millions, so a week's report reads its records directly, and a
roll-up by span would be as large as the table (about one row per record
per dimension at national scale); by month it is 14 times smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from mineaction.store import trigger_ddl
from mineaction.store.rollup_ddl import month_sql
from mineaction.store.tables.programmes import BENEFICIARY_COLUMNS

KEY = "month_start, approval, dimension, kind, member_id"
MEASURES = ("records", *BENEFICIARY_COLUMNS)


@dataclass(frozen=True)
class BeneficiaryRollup:
    """One roll-up: its table, its source table and the source's date and kind columns."""

    table: str
    source: str
    date: str
    kind: str

    @property
    def counted(self) -> tuple[str, ...]:
        """The source columns whose change moves the roll-up."""
        return (
            self.date, "approval", self.kind, "admin_area_id", "organisation_id",
            *BENEFICIARY_COLUMNS,
        )  # fmt: skip

    def dimensions(self, ref: str) -> tuple[tuple[str, str, str], ...]:
        """(dimension, kind, member id) as SQL over the row ``ref`` (``NEW.``, ``t.``)."""
        return (
            ("district", "''", f"coalesce({ref}admin_area_id, 0)"),
            ("operator", "''", f"coalesce({ref}organisation_id, 0)"),
            ("kind", f"{ref}{self.kind}", "0"),
        )


ROLLUPS = (
    BeneficiaryRollup("eore_rollup", "eore_sessions", "session_date", "method"),
    BeneficiaryRollup("assistance_rollup", "assistance", "assistance_date", "assistance_type"),
)
BY_SOURCE = {r.source: r for r in ROLLUPS}


def _rows(r: BeneficiaryRollup, dialect: str, ref: str, sign: str) -> list[list[str]]:
    """Per dimension, the SQL of the key and measures (signed) over the row ``ref``."""
    month = month_sql(dialect, f"{ref}{r.date}")
    measures = [f"{sign}1", *(f"{sign}{ref}{c}" for c in BENEFICIARY_COLUMNS)]
    return [
        [month, f"{ref}approval", f"'{dim}'", kind, member, *measures]
        for dim, kind, member in r.dimensions(ref)
    ]


def _parts(r: BeneficiaryRollup, dialect: str, source: str, sign: str = "") -> str:
    """One SELECT per dimension over ``source``, its columns named as the roll-up's."""
    names = [*KEY.split(", "), *MEASURES]
    return " UNION ALL ".join(
        f"SELECT {', '.join(f'{e} AS {n}' for e, n in zip(row, names, strict=True))} "
        f"FROM {source} AS t"
        for row in _rows(r, dialect, "t.", sign)
    )


def _grouped(parts: str, *, having: bool = False) -> str:
    sums = ", ".join(f"sum({m})" for m in MEASURES)
    keep = " HAVING " + " OR ".join(f"sum({m}) <> 0" for m in MEASURES) if having else ""
    return f"SELECT {KEY}, {sums} FROM ({parts}) AS d GROUP BY {KEY}{keep} ORDER BY {KEY}"


def _upsert(r: BeneficiaryRollup, rows: str, *, alias: str = "") -> str:
    into = f"{r.table} AS {alias}" if alias else r.table
    prefix = f"{alias}." if alias else ""
    adds = ", ".join(f"{m} = {prefix}{m} + excluded.{m}" for m in MEASURES)
    return (
        f"INSERT INTO {into} ({KEY}, {', '.join(MEASURES)}) {rows} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET {adds}"
    )


def _sqlite_row(r: BeneficiaryRollup, ref: str, sign: str) -> str:
    rows = ", ".join(f"({', '.join(row)})" for row in _rows(r, "sqlite", f"{ref}.", sign))
    return _upsert(r, f"VALUES {rows}")


def _sqlite_emptied(r: BeneficiaryRollup, ref: str) -> str:
    return (
        f"DELETE FROM {r.table} WHERE month_start = {month_sql('sqlite', f'{ref}.{r.date}')} "
        f"AND approval = {ref}.approval AND records = 0"
    )


def _sqlite(conn: Connection, r: BeneficiaryRollup) -> None:
    trigger_ddl.sqlite_triggers(
        conn,
        r.table,
        r.source,
        insert=_sqlite_row(r, "NEW", ""),
        delete=f"{_sqlite_row(r, 'OLD', '-')}; {_sqlite_emptied(r, 'OLD')}",
        update=f"{_sqlite_row(r, 'OLD', '-')}; {_sqlite_row(r, 'NEW', '')}; "
        f"{_sqlite_emptied(r, 'OLD')}",
        counted=r.counted,
    )


def _pg(conn: Connection, r: BeneficiaryRollup) -> None:
    old = _parts(r, "postgresql", "old_rows", "-")
    new = _parts(r, "postgresql", "new_rows")
    emptied = (
        f"DELETE FROM {r.table} AS r USING (SELECT DISTINCT "
        f"{month_sql('postgresql', r.date)} AS month_start, approval FROM old_rows) AS o "
        "WHERE r.month_start = o.month_start AND r.approval = o.approval AND r.records = 0"
    )
    trigger_ddl.pg_statement_triggers(
        conn,
        r.table,
        r.source,
        insert=_upsert(r, _grouped(new), alias="r"),
        delete=f"{_upsert(r, _grouped(old), alias='r')}; {emptied}",
        update=f"{_upsert(r, _grouped(f'{old} UNION ALL {new}', having=True), alias='r')}; "
        f"{emptied}",
    )


def install(conn: Connection, rollups: tuple[BeneficiaryRollup, ...] = ROLLUPS) -> None:
    """Create the triggers of ``rollups`` for ``conn``'s backend (the tables must exist)."""
    for r in rollups:
        if conn.dialect.name == "postgresql":
            _pg(conn, r)
        else:
            _sqlite(conn, r)


def uninstall(conn: Connection, rollups: tuple[BeneficiaryRollup, ...] = ROLLUPS) -> None:
    """Drop the triggers (and, on PostgreSQL, the functions) of ``rollups``."""
    for r in rollups:
        trigger_ddl.drop_triggers(conn, r.table, r.source)


def summed(r: BeneficiaryRollup, dialect: str) -> str:
    """Return the SELECT of the roll-up's rows as the source's records make them now."""
    return _grouped(_parts(r, dialect, r.source))


def rebuild(conn: Connection, rollups: tuple[BeneficiaryRollup, ...] = ROLLUPS) -> None:
    """Make each roll-up again from its source's records (in ``conn``'s transaction)."""
    for r in rollups:
        conn.exec_driver_sql(f"DELETE FROM {r.table}")
        conn.exec_driver_sql(
            f"INSERT INTO {r.table} ({KEY}, {', '.join(MEASURES)}) {summed(r, conn.dialect.name)}"
        )


def differences(
    conn: Connection, rollups: tuple[BeneficiaryRollup, ...] = ROLLUPS
) -> dict[str, int]:
    """Return, per roll-up, how many of its rows differ from a sum made afresh from the records.

    A row that is missing, extra, or has another count or sum counts once.
    """
    out = {}
    for r in rollups:
        stored = {
            tuple(row[:5]): tuple(row[5:])
            for row in conn.exec_driver_sql(
                f"SELECT {KEY}, {', '.join(MEASURES)} FROM {r.table}"
            ).all()
        }
        fresh = {
            tuple(row[:5]): tuple(row[5:])
            for row in conn.exec_driver_sql(summed(r, conn.dialect.name)).all()
        }
        out[r.table] = sum(
            1 for key in stored.keys() | fresh.keys() if stored.get(key) != fresh.get(key)
        )
    return out
