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

The bulk import of findings sets the insert trigger aside for a chunk
(``insert_trigger_off``) and adds the rows itself, summed from the values it
has just written (``WrittenSums``: once for all its chunks), in the same
transaction.
Every DDL statement here is idempotent.
"""

from __future__ import annotations

import datetime as dt
import math
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
#: The span roll-up of each source, which the SQLite bulk writer fills itself (``WrittenSums``).
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


class WrittenSums:
    """The roll-up figures of batches of rows written to ``source``, upserted once at the end.

    A bulk writer calls ``add`` after each batch it inserted with the insert
    trigger off (``insert_trigger_off``) and ``write`` once, in the same
    transaction, after the last: the roll-up then takes one upsert per row
    of it instead of one per row per batch (a chunk of 25,000 findings made
    some 30,000 roll-up rows, most of them again in every chunk).

    The figures stay in NumPy arrays until ``write``: each key part coded as
    a whole number (span, approval and kind by the order they were first
    seen; the dimension's member as its id), a batch's rows summed by key at
    once, and the batches' sums summed together again when they pile up
    (past ``COMPACT_AT`` keys, or twice the keys the last summing left), so
    that memory stays bounded whatever the number of batches.  Only
    ``write`` makes Python tuples, one per roll-up row.  A chunk of 25,000
    random findings: 84 ms as a dictionary of tuples, 23 ms so (medians of 3).
    """

    #: Keys kept from batches before they are summed together (seven numbers each).
    COMPACT_AT = 500_000

    def __init__(self, conn: Connection, source: str) -> None:
        self.conn = conn
        self.rollup = BY_SOURCE[source]
        self._as_text = conn.dialect.name == "sqlite"
        # The labels of the span, approval and kind parts, each mapped to its code.
        self._labels: tuple[dict[Any, int], ...] = ({}, {}, {})
        self._span_of: dict[Any, int] = {}  # each date seen: its span's code
        self._batches: list[_Sums] = []
        self._kept = 0
        self._compact_at = self.COMPACT_AT

    def add(self, values: Mapping[str, Any], n: int) -> None:
        """Add the figures of ``n`` rows written to the source.

        ``values`` maps each column the roll-up reads to a list of the rows'
        values or to one value for all of them, exactly what was inserted.
        """
        if n == 0:
            return
        batch = self._batch_sums(values, n)
        self._batches.append(batch)
        self._kept += len(batch.counts)
        if self._kept > self._compact_at:
            self._batches = [_Sums.of(self._batches)]
            self._kept = len(self._batches[0].counts)
            # Not again before as many keys more come: never once per batch, whatever the keys.
            self._compact_at = max(self.COMPACT_AT, 2 * self._kept)

    def write(self) -> None:
        """Upsert the figures added so far into the roll-up, and start again from none."""
        batches, self._batches, self._kept = self._batches, [], 0
        if not batches:
            return
        sums = _Sums.of(batches)
        spans, approvals, kinds = (list(labels) for labels in self._labels)  # code order
        dimensions = [dim for dim, _ in self.rollup.dimensions]
        span, approval, dim, kind, member = (k.tolist() for k in sums.keys)
        rows = [
            (spans[a], approvals[b], dimensions[d], kinds[c], m, t, k)
            for a, b, d, c, m, t, k in zip(
                span, approval, dim, kind, member, sums.totals.tolist(), sums.counts.tolist(),
                strict=True,
            )
        ]  # fmt: skip
        marks = "?" if self._as_text else "%s"
        self.conn.exec_driver_sql(_upsert(self.rollup, f"VALUES ({', '.join([marks] * 7)})"), rows)

    def _batch_sums(self, values: Mapping[str, Any], n: int) -> _Sums:
        r = self.rollup
        assert r.date and r.kind, "only a span roll-up is filled by the writer"
        span_labels, approval_labels, kind_labels = self._labels
        span_of = self._span_of
        for day in _distinct(values[r.date]) - span_of.keys():
            first = span_start(day.date() if isinstance(day, dt.datetime) else day)
            label = first.isoformat() if self._as_text else first
            span_of[day] = span_labels.setdefault(label, len(span_labels))
        parts = [
            _codes(values[r.date], span_of, n),
            _codes(values["approval"], _coded(values["approval"], approval_labels), n),
            _codes(values[r.kind], _coded(values[r.kind], kind_labels), n),
        ]
        dims = len(r.dimensions)
        members = [_members(values[column], n) for _, column in r.dimensions]
        amounts = np.asarray(values[r.value] if isinstance(values[r.value], list) else
                             [values[r.value]] * n)  # fmt: skip
        if amounts.dtype.kind not in "iuf":
            amounts = amounts.astype(np.float64)
        span, approval, kind = (np.tile(p, dims) for p in parts)
        dim = np.repeat(np.arange(dims, dtype=np.int64), n)
        keys = (span, approval, dim, kind, np.concatenate(members))
        return _Sums.of([_Sums(keys, np.tile(amounts, dims), np.ones(n * dims, np.int64))])


@dataclass(frozen=True)
class _Sums:
    """Roll-up figures by key: five arrays of codes (span, approval, dimension, kind, member)."""

    keys: tuple[np.ndarray, ...]
    totals: np.ndarray
    counts: np.ndarray

    @staticmethod
    def of(parts: list[_Sums]) -> _Sums:
        """Return the figures of ``parts`` summed by key, one entry per key, keys sorted."""
        keys = [np.concatenate([p.keys[i] for p in parts]) for i in range(5)]
        totals = np.concatenate([p.totals for p in parts])
        counts = np.concatenate([p.counts for p in parts])
        sizes = [int(k.max()) + 1 for k in keys]  # codes and ids are never negative
        if math.prod(sizes) < 2**63:  # nearly always: the five parts as one whole number
            whole = keys[0]
            for k, size in zip(keys[1:], sizes[1:], strict=True):
                whole = whole * size + k
            order = np.argsort(whole)
            whole = whole[order]
            starts = np.concatenate([[True], whole[1:] != whole[:-1]])
        else:
            order = np.lexsort(keys[::-1])
            starts = np.zeros(len(order), dtype=bool)
            starts[:1] = True  # a key's first entry: where any part differs from the one before
            for k in keys:
                ordered = k[order]
                starts[1:] |= ordered[1:] != ordered[:-1]
        first = np.flatnonzero(starts)
        return _Sums(
            tuple(k[order][first] for k in keys),
            np.add.reduceat(totals[order], first),
            np.add.reduceat(counts[order], first),
        )


def _distinct(value: Any) -> set[Any]:
    return set(value) if isinstance(value, list) else {value}


def _coded(value: Any, labels: dict[Any, int]) -> dict[Any, int]:
    """Return the code of each distinct label of ``value``, new labels numbered on."""
    return {v: labels.setdefault(v, len(labels)) for v in _distinct(value)}


def _codes(value: Any, code: Mapping[Any, int], n: int) -> np.ndarray:
    """Return the code of each of ``n`` rows' ``value`` (a list, or one value for all)."""
    if not isinstance(value, list):
        return np.full(n, code[value], dtype=np.int64)
    return np.fromiter(map(code.__getitem__, value), np.int64, n)


def _members(value: Any, n: int) -> np.ndarray:
    """Return each row's dimension member as its id (none: 0, as the triggers' coalesce)."""
    if not isinstance(value, list):
        return np.full(n, value or 0, dtype=np.int64)
    if None in value:
        value = [0 if m is None else m for m in value]
    return np.array(value, dtype=np.int64)


@contextmanager
def insert_trigger_off(conn: Connection, source: str) -> Iterator[None]:
    """Within the block, rows inserted into ``source`` do not reach its roll-up.

    For a writer that adds them itself with ``WrittenSums``, in the same
    transaction.  SQLite: the insert trigger is dropped for the block and
    created again after it, so a crash or a rollback leaves it as it was.
    PostgreSQL: the statement trigger steps aside while the transaction's
    ``trigger_ddl.OFF_SETTING`` names the roll-up, set for the block only
    (its upsert of each COPY's sums took a third of the server's time in a
    million-row import: the same roll-up rows again in every chunk).
    """
    r = BY_SOURCE[source]
    if conn.dialect.name == "postgresql":
        off = f"SELECT set_config('{trigger_ddl.OFF_SETTING}', %s, true)"
        conn.exec_driver_sql(off, (r.table,))
        try:
            yield
        finally:
            conn.exec_driver_sql(off, ("",))
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
