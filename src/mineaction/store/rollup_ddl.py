"""The triggers that keep the report roll-ups exact, their rebuild and their check.

Each roll-up (``store/tables/rollups.py``) sums one source table per span,
approval state, kind (category or method) and dimension member. What keeps it
exact is in the database, so that every writer — the ORM services, the bulk
import, approval steps, supersession, the ledger's settling, a hand-written
``DELETE`` — is covered:

- SQLite: row triggers. An insert upserts its row's figures (one row per
  dimension), a delete upserts them negated, an update of a column that
  counts does both; a roll-up row whose record count falls to 0 is deleted.
- PostgreSQL: statement triggers with transition tables (PL/pgSQL): each
  INSERT, UPDATE, DELETE or COPY applies its rows' net change in one grouped
  upsert, so a COPY of 200,000 findings costs one aggregation, not 200,000
  trigger calls; a TRUNCATE empties the roll-up.

The SQLite bulk import sets the insert trigger aside for a chunk
(``insert_trigger_off``) and adds the rows itself, summed from the values it
has just written (``WrittenSums``: once for all its chunks), in the same
transaction.
Every DDL statement here is idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from mineaction.domain.spans import span_start
from mineaction.store import trigger_ddl


@dataclass(frozen=True)
class Rollup:
    """How one roll-up sums its source: the date, kind and measure columns and the dimensions.

    Without ``date`` the roll-up keeps all-time sums (no span); without
    ``kind`` it does not split them by category or method.
    """

    table: str
    source: str
    date: str | None
    kind: str | None
    measure: str
    value: str
    dimensions: tuple[tuple[str, str], ...]

    @property
    def counted(self) -> tuple[str, ...]:
        """The source columns whose change moves the roll-up."""
        named = (self.date, "approval", self.kind, self.value, *(c for _d, c in self.dimensions))
        return tuple(c for c in named if c)

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The roll-up's primary key, in order."""
        span = ("span_start",) if self.date else ()
        kind = (self.kind,) if self.kind else ()
        return (*span, "approval", "dimension", *kind, "member_id")

    @property
    def key(self) -> str:
        return ", ".join(self.key_columns)

    def key_values(self, dialect: str, ref: str, dimension: str, column: str) -> list[str]:
        """Return the SQL of a row's key values in ``dimension`` (``ref``: ``NEW.``, or '')."""
        span = [span_sql(dialect, f"{ref}{self.date}")] if self.date else []
        kind = [f"{ref}{self.kind}"] if self.kind else []
        return [*span, f"{ref}approval", f"'{dimension}'", *kind, f"coalesce({ref}{column}, 0)"]


ROLLUPS = (
    Rollup(
        table="finding_rollup",
        source="findings",
        date="found_date",
        kind="category",
        measure="items",
        value="quantity",
        dimensions=(
            ("operator", "organisation_id"),
            ("district", "admin_area_id"),
            ("model", "eo_model_id"),
        ),
    ),
    Rollup(
        table="release_rollup",
        source="land_releases",
        date="release_date",
        kind="method",
        measure="area_m2",
        value="area_m2",
        dimensions=(("operator", "organisation_id"), ("district", "admin_area_id")),
    ),
    Rollup(
        table="hazard_release_rollup",
        source="land_releases",
        date=None,
        kind=None,
        measure="area_m2",
        value="area_m2",
        dimensions=(("hazard", "hazard_id"),),
    ),
)
#: The span roll-up of each source, which the SQLite bulk writer fills itself (``add_written``).
BY_SOURCE = {r.source: r for r in ROLLUPS if r.date and r.kind}


def span_sql(dialect: str, column: str) -> str:
    """Return the SQL of the first day of the span holding date ``column`` (domain/spans.py)."""
    if dialect == "postgresql":
        return f"greatest(date_trunc('week', {column}), date_trunc('month', {column}))::date"
    return f"max(date({column}, 'weekday 0', '-6 days'), date({column}, 'start of month'))"


def month_sql(dialect: str, column: str) -> str:
    """Return the SQL of the first day of the month holding date ``column`` (monthly roll-ups)."""
    if dialect == "postgresql":
        return f"date_trunc('month', {column})::date"
    return f"date({column}, 'start of month')"


def _parts(r: Rollup, dialect: str, source: str, sign: str = "", where: str = "") -> str:
    """One SELECT per dimension over ``source``: key columns, the value and 1 (signed)."""
    return " UNION ALL ".join(
        "SELECT "
        + ", ".join(
            f"{value} AS {name}"
            for value, name in zip(
                r.key_values(dialect, "", dim, column), r.key_columns, strict=True
            )
        )
        + f", {sign}{r.value} AS m, {sign}1 AS n FROM {source}{where}"
        for dim, column in r.dimensions
    )


def _grouped(r: Rollup, parts: str, *, having: bool = False) -> str:
    keep = " HAVING sum(n) <> 0 OR sum(m) <> 0" if having else ""
    return (
        f"SELECT {r.key}, sum(m), sum(n) "
        f"FROM ({parts}) AS d GROUP BY {r.key}{keep} ORDER BY {r.key}"
    )


def _upsert(r: Rollup, select: str) -> str:
    return (
        f"INSERT INTO {r.table} AS r ({r.key}, {r.measure}, records) {select} "
        f"ON CONFLICT ({r.key}) DO UPDATE SET {r.measure} = r.{r.measure} + "
        f"excluded.{r.measure}, records = r.records + excluded.records"
    )


def _sqlite_row_upsert(r: Rollup, ref: str, sign: str) -> str:
    values = ", ".join(
        f"({', '.join(r.key_values('sqlite', f'{ref}.', dim, column))}, "
        f"{sign}{ref}.{r.value}, {sign}1)"
        for dim, column in r.dimensions
    )
    return (
        f"INSERT INTO {r.table} ({r.key}, {r.measure}, records) VALUES {values} "
        f"ON CONFLICT ({r.key}) DO UPDATE SET {r.measure} = {r.measure} + excluded.{r.measure}, "
        "records = records + excluded.records"
    )


def _sqlite_emptied(r: Rollup, ref: str) -> str:
    """Delete the roll-up rows of ``ref``'s key that no record counts any more."""
    if r.date:  # the span and approval lead the key: one short range
        return (
            f"DELETE FROM {r.table} WHERE span_start = {span_sql('sqlite', f'{ref}.{r.date}')} "
            f"AND approval = {ref}.approval AND records = 0"
        )
    return "; ".join(
        f"DELETE FROM {r.table} WHERE ({r.key}) = "
        f"({', '.join(r.key_values('sqlite', f'{ref}.', d, c))}) "
        "AND records = 0"
        for d, c in r.dimensions
    )


def _sqlite(conn: Connection, r: Rollup) -> None:
    trigger_ddl.sqlite_triggers(
        conn,
        r.table,
        r.source,
        insert=_sqlite_row_upsert(r, "NEW", ""),
        delete=f"{_sqlite_row_upsert(r, 'OLD', '-')}; {_sqlite_emptied(r, 'OLD')}",
        update=f"{_sqlite_row_upsert(r, 'OLD', '-')}; {_sqlite_row_upsert(r, 'NEW', '')}; "
        f"{_sqlite_emptied(r, 'OLD')}",
        counted=r.counted,
    )


def _pg(conn: Connection, r: Rollup) -> None:
    old = _parts(r, "postgresql", "old_rows", "-")
    new = _parts(r, "postgresql", "new_rows")
    if r.date:  # the span and approval lead the key
        emptied = (
            f"DELETE FROM {r.table} AS r USING (SELECT DISTINCT "
            f"{span_sql('postgresql', r.date)} AS span_start, approval FROM old_rows) AS o "
            "WHERE r.span_start = o.span_start AND r.approval = o.approval AND r.records = 0"
        )
    else:
        match = " AND ".join(f"r.{c} = o.{c}" for c in r.key_columns)
        emptied = (
            f"DELETE FROM {r.table} AS r USING (SELECT DISTINCT {r.key} FROM ({old}) AS k) AS o "
            f"WHERE {match} AND r.records = 0"
        )
    trigger_ddl.pg_statement_triggers(
        conn,
        r.table,
        r.source,
        insert=_upsert(r, _grouped(r, new)),
        delete=f"{_upsert(r, _grouped(r, old))}; {emptied}",
        update=f"{_upsert(r, _grouped(r, f'{old} UNION ALL {new}', having=True))}; {emptied}",
    )


def install(conn: Connection, rollups: tuple[Rollup, ...] = ROLLUPS) -> None:
    """Create the triggers of ``rollups`` for ``conn``'s backend (the tables must exist)."""
    for r in rollups:
        if conn.dialect.name == "postgresql":
            _pg(conn, r)
        else:
            _sqlite(conn, r)


def uninstall(conn: Connection, rollups: tuple[Rollup, ...] = ROLLUPS) -> None:
    """Drop the triggers (and, on PostgreSQL, the functions) of ``rollups``."""
    for r in rollups:
        trigger_ddl.drop_triggers(conn, r.table, r.source)


def summed(r: Rollup, dialect: str) -> str:
    """Return the SELECT of the roll-up's rows as the source's records make them now."""
    return _grouped(r, _parts(r, dialect, r.source))


def rebuild(conn: Connection, rollups: tuple[Rollup, ...] = ROLLUPS) -> None:
    """Make each roll-up again from its source's records (in ``conn``'s transaction)."""
    for r in rollups:
        conn.exec_driver_sql(f"DELETE FROM {r.table}")
        conn.exec_driver_sql(
            f"INSERT INTO {r.table} ({r.key}, {r.measure}, records) {summed(r, conn.dialect.name)}"
        )


def add_written(conn: Connection, source: str, values: Mapping[str, Any], n: int) -> None:
    """Add ``n`` rows just written to ``source`` to its roll-up, summed here in one upsert.

    ``values`` maps each column the roll-up reads to a list of the rows'
    values or to one value for all of them — exactly what was inserted. The
    sums are made with NumPy (a span per distinct date, ``domain/spans.py``;
    each key coded as one integer, grouped by sorting) and upserted once per
    roll-up row: the rows are not read back.
    """
    sums = WrittenSums(conn, source)
    sums.add(values, n)
    sums.write()


class WrittenSums:
    """The roll-up figures of batches of rows written to ``source``, upserted once at the end.

    A bulk writer calls ``add`` after each batch it inserted with the insert
    trigger off (``insert_trigger_off``) and ``write`` once, in the same
    transaction, after the last: the roll-up then takes one upsert per row
    of it instead of one per row per batch (a chunk of 25,000 findings made
    some 30,000 roll-up rows, most of them again in every chunk).
    """

    def __init__(self, conn: Connection, source: str) -> None:
        self.conn = conn
        self.rollup = BY_SOURCE[source]
        self.sums: dict[tuple[Any, ...], tuple[Any, int]] = {}

    def add(self, values: Mapping[str, Any], n: int) -> None:
        """Add the figures of ``n`` rows written to the source (``values`` as for add_written)."""
        sums = self.sums
        as_text = self.conn.dialect.name == "sqlite"
        for *key, total, count in _written_rows(self.rollup, values, n, as_text=as_text):
            k = tuple(key)
            before = sums.get(k)
            sums[k] = (total, count) if before is None else (before[0] + total, before[1] + count)

    def write(self) -> None:
        """Upsert the figures added so far into the roll-up, and start again from none."""
        rows, self.sums = [(*k, t, c) for k, (t, c) in self.sums.items()], {}
        if rows:
            marks = "?" if self.conn.dialect.name == "sqlite" else "%s"
            self.conn.exec_driver_sql(
                _upsert(self.rollup, f"VALUES ({', '.join([marks] * 7)})"), rows
            )


def _written_rows(
    r: Rollup, values: Mapping[str, Any], n: int, *, as_text: bool
) -> list[tuple[Any, ...]]:
    """Return the roll-up rows (key, sum, count) of ``n`` rows written with ``values``."""
    assert r.date and r.kind, "only a span roll-up is filled by the writer"
    if n == 0:
        return []

    def column(name: str) -> list[Any]:
        value = values[name]
        return list(value) if isinstance(value, list | tuple) else [value] * n

    spans: dict[Any, Any] = {}
    for d in set(column(r.date)):
        first = span_start(d.date() if isinstance(d, dt.datetime) else d)
        spans[d] = first.isoformat() if as_text else first
    codes, labels = [], []
    for name, label in ((r.date, spans.__getitem__), ("approval", None), (r.kind, None)):
        raw = column(name)
        seen = sorted({label(v) if label else v for v in set(raw)})
        index = {v: i for i, v in enumerate(seen)}
        to_code = {v: index[label(v) if label else v] for v in set(raw)}
        codes.append(np.fromiter((to_code[v] for v in raw), np.int64, n))
        labels.append(seen)
    base = (codes[0] * len(labels[1]) + codes[1]) * len(labels[2]) + codes[2]
    amounts = np.asarray(column(r.value))
    whole = amounts.dtype.kind in "iu"
    rows: list[tuple[Any, ...]] = []
    for dim, name in r.dimensions:
        members = np.fromiter((m or 0 for m in column(name)), np.int64, n)
        width = int(members.max()) + 1
        keys, inverse = np.unique(base * width + members, return_inverse=True)
        totals = np.bincount(inverse, weights=amounts)
        counts = np.bincount(inverse)
        member, rest = np.divmod(keys, width)[::-1]
        rest, kind = np.divmod(rest, len(labels[2]))
        span, state = np.divmod(rest, len(labels[1]))
        sums = np.rint(totals).astype(np.int64) if whole else totals
        rows.extend(
            (labels[0][a], labels[1][b], dim, labels[2][c], m, t, k)
            for a, b, c, m, t, k in zip(
                span.tolist(), state.tolist(), kind.tolist(), member.tolist(),
                sums.tolist(), counts.tolist(), strict=True,
            )
        )  # fmt: skip
    return rows


@contextmanager
def insert_trigger_off(conn: Connection, source: str) -> Iterator[None]:
    """Within the block, rows inserted into ``source`` do not reach its roll-up (SQLite).

    For a writer that adds them itself with ``add_written``, in the same
    transaction: the insert trigger is dropped for the block and created
    again after it, so a crash or a rollback leaves it as it was. On
    PostgreSQL nothing changes (the statement trigger sums a COPY at once),
    so there the writer must not add the rows again.
    """
    r = BY_SOURCE[source]
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {r.table}_ins")
    try:
        yield
    finally:
        trigger_ddl.sqlite_insert_trigger(conn, r.table, r.source, _sqlite_row_upsert(r, "NEW", ""))


#: Relative difference below which two sums of square metres are the same sum (float order).
AREA_TOLERANCE = 1e-9


def differences(conn: Connection, rollups: tuple[Rollup, ...] = ROLLUPS) -> dict[str, int]:
    """Return, per roll-up, how many of its rows differ from a sum made afresh from the records.

    A row that is missing, extra, or has another count or sum counts once.
    Areas are compared to a relative ``AREA_TOLERANCE``: a sum of floating-point
    square metres depends (in its last bits) on the order it was added in.
    """
    out = {}
    for r in rollups:
        width = len(r.key_columns)
        stored = {
            tuple(row[:width]): tuple(row[width:])
            for row in conn.exec_driver_sql(
                f"SELECT {r.key}, {r.measure}, records FROM {r.table}"
            ).all()
        }
        fresh = {
            tuple(row[:width]): tuple(row[width:])
            for row in conn.exec_driver_sql(summed(r, conn.dialect.name)).all()
        }
        out[r.table] = sum(
            1 for key in stored.keys() | fresh.keys() if not _same(stored.get(key), fresh.get(key))
        )
    return out


def _same(a: tuple[float, int] | None, b: tuple[float, int] | None) -> bool:
    if a is None or b is None:
        return a is b
    slack = AREA_TOLERANCE * max(1.0, abs(float(b[0])))
    return a[1] == b[1] and abs(float(a[0]) - float(b[0])) <= slack
