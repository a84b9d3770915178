"""Writing clean findings in bulk, with the history rows the ORM would have written.

The rows go into the import's own transaction, in a thread while the import
goes on with the next chunk (``background_copy.py``): SQLite through
multi-row INSERTs that SQLAlchemy compiles for the table (values passed
through the columns' own bind processors, so they are stored exactly as the
ORM stores them; a value every row shares bound once per statement),
PostgreSQL through ``COPY … FROM STDIN``.  Ids are taken as the ORM would
get them (the next rowid on SQLite, the table's sequence on PostgreSQL,
taken there on a connection of their own so as not to wait for the chunk in
flight), so both paths number the records alike; the writer counts on from
its own last audit entry (and on SQLite its last id) until the per-row code
writes.  Every record gets the
audit row that ``store/history.py`` writes for an insert (``audit.py``),
chained to the entry before it as ``store/audit_chain.py`` describes (the
chain is locked before the first row is written, so concurrent writers wait
instead of forking it).
A large import on SQLite (``store/index_rebuild.py``) drops those of the
findings' secondary indexes whose keys take many values among its first
rows before writing them, and creates them again after its last, in the
same transaction.  On PostgreSQL, a large import that may hold the table
(``alone``: a large one from the command line, with no other program
connected) drops its
secondary indexes and foreign keys likewise (``store/table_alone.py``).
Positions go straight from the parsed arrays to WKB (``points.py``), with no
shapely object per row.  The bounding-box columns are filled here; on SQLite
the R*Tree takes a chunk's boxes in one ``INSERT … SELECT`` (its insert
trigger is off meanwhile, in the same transaction) or, for a large import,
is packed afresh from all its entries after the last chunk
(``store/rtree_pack.py``); on PostGIS the GiST index follows the rows as it
always does.  The report roll-up gets the sums of the rows written, made
from their values, in one upsert after the last chunk or before the per-row
code writes (its insert trigger off during the chunks' inserts, on both
databases; ``store/rollup_ddl.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Float, Table
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from mineaction.chain_worker import ChainWorker
from mineaction.intake.bulk.audit import finding_audit_rows
from mineaction.intake.bulk.background_copy import BackgroundCopy
from mineaction.intake.bulk.copy_text import as_lists, copy_text, psycopg_dump, write_copy
from mineaction.intake.bulk.findings import ParsedFindings
from mineaction.intake.bulk.points import Points
from mineaction.services.findings import eo_model_id
from mineaction.store import audit_chain, rollup_ddl
from mineaction.store.base import utcnow
from mineaction.store.index_rebuild import DeferredIndexes, few_valued, worth_rebuilding
from mineaction.store.rtree_pack import DeferredRTree
from mineaction.store.sequences import next_values
from mineaction.store.spatial_ddl import rtree_filled_after_inserts, rtree_name
from mineaction.store.table_alone import DeferredForeignKeys, nobody_else
from mineaction.store.tables import Finding
from mineaction.store.tables.system import AuditEntry

#: Rows per INSERT statement on SQLite, fewer when their parameters would pass the
#: connection's limit (``SQLITE_LIMIT_VARIABLE_NUMBER``).  Python's sqlite3 lets go of
#: Python's lock while SQLite runs a statement and must take it back after, from a main
#: thread busy with the next chunk: each statement is one more wait for the lock.  A
#: million findings took 4,000 statements at 500 rows, 1,000 at 2,000 (about 4 % faster,
#: docs/benchmarks.md, stop 24).
ROWS_PER_STATEMENT = 2_000
#: Rows whose boxes a large import keeps to pack the R*Tree at the end (about 24 bytes each,
#: and as much again while packing); past it the tree takes them chunk by chunk, so that
#: memory stays bounded whatever the size of the file.
MAX_PACKED_ROWS = 2_000_000
#: SQLite page cache of the importing connection, in KiB.
SQLITE_CACHE_KIB = 128 * 1024
#: The same for a large import that defers the R*Tree and the indexes with many keys: its
#: inserts touch a few hundred pages at the ends of the trees.  A million findings imported
#: about 0.4 s quicker with 2 to 16 MB than with 128 MB, and with 110 MB less memory
#: (docs/benchmarks.md, stop 28): fewer pages to allocate, and each spilled to the file as
#: the import goes instead of written at the commit.
SQLITE_APPEND_CACHE_KIB = 16 * 1024
#: Rows an SQLite import expects from which the audit chain's hashes are made by a process
#: of their own (``chain_worker.py``); a smaller one makes them itself.
WORKER_ROWS = 100_000
#: Rows of a write large enough to judge which indexes a large import rebuilds at the end
#: (``index_rebuild.few_valued``); until one comes, every index is kept up to date.
JUDGE_ROWS = 1_000


class FindingWriter:
    """Writes chosen rows of parsed chunks as findings, in the session's transaction."""

    def __init__(
        self, session: Session, *, approval: str, expected_rows: int = 0, alone: bool = False
    ) -> None:
        self.session = session
        self.approval = approval
        self.dialect = session.get_bind().dialect
        self._models: dict[tuple[str, str], int | None] = {}
        self.findings: Table = Finding.__table__  # type: ignore[assignment]
        self.audit: Table = AuditEntry.__table__  # type: ignore[assignment]
        self._cache_size: int | None = None
        # The store takes a chunk in a thread while the next is read and checked.
        self._copier = BackgroundCopy(session.connection())
        # SQLite: the next finding id; both: the audit chain's last entry, while only this
        # writer writes (None: ask the database).  PostgreSQL: where ids are taken.
        self._next_id: int | None = None
        self._chain: tuple[int, str | None] | None = None
        # A large import's audit hashes come from a worker process (None: made here); the
        # chain's last hash is then the worker's (``_chain`` holds None for it).  SQLite
        # only: on PostgreSQL the server's work is what the import waits for, and a third
        # process competes with it for the cores (a million findings: 0.4 s slower).
        self._worker = None
        if self.dialect.name == "sqlite" and expected_rows >= WORKER_ROWS:
            self._worker = ChainWorker.start()
        self._sequence_conn: Connection | None = None
        # The roll-up takes all chunks' sums at once, its insert trigger off for their rows.
        self._sums = rollup_ddl.WrittenSums(session.connection(), "findings")
        # A large import next to what the table holds indexes its rows after writing them
        # (those indexes whose keys take many values: decided on the first rows written).
        # On PostgreSQL, only with the table to itself, and its foreign keys as well.
        self._indexes = DeferredIndexes(session.connection(), "findings")
        self._keys = DeferredForeignKeys(session.connection(), "findings")
        self._deferring = False
        self._rtree: DeferredRTree | None = None
        if self.dialect.name == "sqlite" or alone:
            stored = session.connection().exec_driver_sql("SELECT count(*) FROM findings")
            self._deferring = worth_rebuilding(int(stored.scalar_one()), expected_rows)
        if self._deferring and self.dialect.name == "postgresql":
            self._deferring = nobody_else(session.connection())
        elif self._deferring:
            self._rtree = DeferredRTree(session.connection(), rtree_name("findings"))
        if self.dialect.name == "sqlite":
            # Ten indexes and an R*Tree take random inserts: with SQLite's default 2 MB
            # page cache they thrash.  Deferring the R*Tree and the many-valued indexes,
            # the inserts go to a few places at the end of each tree, and a small cache
            # is quicker than a large one.  For this connection only, while it imports.
            conn = session.connection()
            self._cache_size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
            kib = SQLITE_APPEND_CACHE_KIB if self._deferring else SQLITE_CACHE_KIB
            conn.exec_driver_sql(f"PRAGMA cache_size = -{kib}")

    def finish(self) -> None:
        """Wait for the last chunk's write; pack the R*Tree and create the indexes it deferred.

        Call when every row is written, before the commit.
        """
        self._copier.finish()
        self.settle()
        if self._rtree is None:
            self._indexes.restore()
            self._keys.restore()
            return
        # SQLite builds the indexes in a thread while NumPy lays out the tree.
        self._rtree.pack(meanwhile=self._indexes.restore)

    def settle(self) -> None:
        """Add the roll-up sums of the rows written so far (SQLite), before any other write.

        Call before the per-row code writes, so that its triggers find the
        roll-up as the rows before it left it.
        """
        self._sums.write()
        self._next_id = self._chain = None  # the per-row code takes ids and extends the chain

    def _sequences(self) -> Connection:
        """Return the connection that takes ids from PostgreSQL's sequences (opened once).

        Not the import's own: a statement there waits for the chunk in flight, and
        the next chunk's ids are needed before its rows can be prepared.  A value
        taken from a sequence is taken for good, whichever transaction took it
        (a rollback leaves a gap either way), so the ids are the ones the import's
        connection would have got.
        """
        if self._sequence_conn is None:
            engine = self.session.get_bind().engine
            self._sequence_conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._sequence_conn

    def close(self) -> None:
        """Let the last chunk's write end; give the connection back its page cache size (SQLite)."""
        self._copier.close()
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        if self._sequence_conn is not None:
            self._sequence_conn.close()
            self._sequence_conn = None
        if self._cache_size is not None:
            self.session.connection().exec_driver_sql(f"PRAGMA cache_size = {self._cache_size}")

    def write(self, parsed: ParsedFindings, rows: Sequence[int]) -> int:
        """Write rows ``rows`` of ``parsed`` (in that order); return how many were written."""
        if not rows:
            return 0
        self.session.flush()  # records the per-row code added come first, as in the file
        audit_chain.lock_session(self.session)
        conn = self.session.connection()
        take = np.asarray(rows, dtype=np.int64)
        points = Points.of(parsed.lon[take], parsed.lat[take])
        xs, ys = points.bounds()
        ids = self._next_ids(conn, len(take))
        now = utcnow()
        pick = take.tolist()
        values: dict[str, Any] = {
            "id": ids,
            "source_id": [parsed.source_id[i] for i in pick],
            "version": 1,
            "approval": self.approval,
            "created_at": now,
            "updated_at": now,
            "min_x": xs,
            "min_y": ys,
            "max_x": xs,
            "max_y": ys,
            "found_date": [parsed.found_date[i] for i in pick],
            "date_precision": [parsed.date_precision[i] for i in pick],
            "category": [parsed.category[i] for i in pick],
            "eo_model_id": self._model_ids(parsed, pick),
            "quantity": [parsed.quantity[i] for i in pick],
            "condition": None,
            "depth_cm": None,
            "disposal": None,
            "organisation_id": [parsed.organisation_id[i] for i in pick],
            "activity_id": [parsed.activity_id[i] for i in pick],
            "hazard_id": None,
            "admin_area_id": [parsed.admin_area_id[i] for i in pick],
            "geom": None,  # in the store's own form below
        }
        if set(values) != set(self.findings.c.keys()):
            raise RuntimeError(
                "The bulk import of findings does not write the columns "
                f"{sorted(set(self.findings.c.keys()) ^ set(values))}: update bulk/writer.py."
            )
        audit, canonical = finding_audit_rows(
            values, points.wkt(), session_info=self.session.info, now=now
        )
        n = len(take)
        if self._deferring and n >= JUDGE_ROWS:
            # On PostgreSQL the server's work per row is what the import waits for: all
            # its indexes are made again (a million rows: 24.6 s, against 30.1 s keeping
            # the few-valued ones and the GiST index up to date).
            sqlite = self.dialect.name == "sqlite"
            self._indexes.drop(keep=few_valued(values) if sqlite else None)
            self._keys.drop()
            self._deferring = False
        self._sums.add(values, n)
        # The chain goes on from this writer's own last entry; on PostgreSQL the entries'
        # ids come from the side connection: no statement on the import's connection,
        # which would wait for the chunk in flight.
        audit_ids = None
        if self.dialect.name == "postgresql":
            audit_ids = next_values(self._sequences(), "audit_log", "id", n)
        worker = self._worker
        if worker is not None:  # the chunk's job reads the hashes back (``seal``)
            audit_chain.send_seal(
                worker, conn, audit, canonical, known_tail=self._chain, ids=audit_ids
            )
            self._chain = (audit["id"][-1], None)
        else:
            known: tuple[int, str] | None = None
            if self._chain is not None:
                last_id, last_hash = self._chain
                assert last_hash is not None  # made here: this writer has no worker
                known = (last_id, last_hash)
            audit_chain.seal_columns(
                conn, audit, n, canonical.to_pylist(), known_tail=known, ids=audit_ids
            )
            self._chain = (audit["id"][-1], audit["hash"][-1])

        def seal() -> None:
            if worker is not None:
                audit_chain.receive_seal(worker, audit)

        if self.dialect.name == "postgresql":
            values["geom"] = points.ewkb_hex()

            def write_chunk() -> None:
                with rollup_ddl.insert_trigger_off(conn, "findings"):
                    _copy(conn, self.findings, values, n)
                seal()
                _copy(conn, self.audit, audit, n)

        else:
            values["geom"] = points.wkb()
            # Rows written earlier and kept for packing, put in the tree now: too many to keep.
            late: list[tuple[int, int]] = []
            if self._rtree is not None and self._rtree.count + n > MAX_PACKED_ROWS:
                late, self._rtree = self._rtree.abandon(), None
            if self._rtree is not None:
                placed = points.placed
                x, y = points.x[placed], points.y[placed]
                self._rtree.add(np.asarray(ids)[placed], np.column_stack([x, x, y, y]))
            # What this chunk's job puts in the tree (decided now: the job runs later).
            fill_own = self._rtree is None

            def write_chunk() -> None:
                with (
                    rtree_filled_after_inserts(conn, "findings") as fill_rtree,
                    rollup_ddl.insert_trigger_off(conn, "findings"),
                ):
                    _executemany(conn, self.findings, values, n)
                    for first, last in late:  # the per-row code may have moved some since
                        fill_rtree(first, last, indexed_ok=True)
                    if fill_own:
                        fill_rtree(ids[0], ids[-1])
                seal()
                _executemany(conn, self.audit, audit, n)

        self._copier.start(write_chunk)
        return n

    def _model_ids(self, parsed: ParsedFindings, pick: list[int]) -> list[int | None]:
        """Return each row's catalogue entry, adding new models as the service does."""
        out: list[int | None] = []
        for i in pick:
            model, category = parsed.model[i], parsed.category[i]
            if model is None or category is None:
                out.append(None)
                continue
            key = (category, model)
            if key not in self._models:
                self._models[key] = eo_model_id(self.session, category, model)
            out.append(self._models[key])
        return out

    def _next_ids(self, conn: Connection, n: int) -> list[int]:
        if self.dialect.name == "postgresql":
            return next_values(self._sequences(), "findings", "id", n)
        start = self._next_id
        if start is None:
            last = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM findings").scalar_one()
            start = int(last) + 1
        self._next_id = start + n
        return list(range(start, start + n))


#: Columns the writer hands over in the store's own form: WKB or hex EWKB, JSON text.
READY_COLUMNS = frozenset({"geom", "before", "after"})


def _executemany(conn: Connection, table: Table, values: dict[str, Any], n: int) -> None:
    """Insert with multi-row INSERTs, values prepared by the columns' own bind processors.

    Thousands of rows per statement, not one: with triggers on a table (the
    R*Tree's, the audit log's) SQLite opens a statement journal for every
    statement, and one per row made that dominate (bench/ measured it); and
    every statement is a wait for Python's lock (``ROWS_PER_STATEMENT``).
    A value shared by every row (a constant in ``values``, or a list of
    Nones) is bound once per statement as a numbered parameter that every
    row names, not once per row: binding was most of what Python spent on
    the inserts, and Python's sqlite3 binds a None (like ``bytes``) only
    after looking for an adapter, six times the cost of a whole number.
    The shared columns come first, so a statement's parameters are the
    shared values and then the rows' own, taken straight from the columns.
    """
    dialect = conn.dialect
    shared_names: list[str] = []
    own_names: list[str] = []
    shared: list[Any] = []
    columns: list[list[Any]] = []
    for name, value in values.items():
        process: Callable[[Any], Any] | None = None
        if name not in READY_COLUMNS and not isinstance(table.c[name].type, Float):
            process = table.c[name].type._cached_bind_processor(dialect)
        if isinstance(value, list) and _all_none(value):
            value = None  # a column of NULLs: bound once
        if isinstance(value, list):
            own_names.append(name)
            columns.append(_processed(process, value) if process else value)
        else:
            shared_names.append(name)
            shared.append(process(value) if process else value)
    quote = dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, shared_names + own_names))})"
    width = len(columns)
    driver = conn.connection.driver_connection
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[union-attr]
    per_statement = max(1, min(ROWS_PER_STATEMENT, (limit - len(shared)) // max(width, 1)))
    cursor = driver.cursor()  # type: ignore[union-attr]
    for start in range(0, n, per_statement):
        rows = min(per_statement, n - start)
        sql = _values_clause(head, len(shared), width, rows)
        cursor.execute(sql, _parameters(shared, columns, start, rows))
    cursor.close()


def _parameters(shared: list[Any], columns: list[list[Any]], start: int, rows: int) -> list[Any]:
    """Return a statement's parameters: ``shared``, then rows ``start`` on, row after row.

    Each column's slice goes into every ``width``-th place at once: no tuple
    per row (a million of them, made and freed with Python's lock held).
    """
    width = len(columns)
    params: list[Any] = [None] * (len(shared) + rows * width)
    params[: len(shared)] = shared
    for j, column in enumerate(columns):
        params[len(shared) + j :: width] = column[start : start + rows]
    return params


def _all_none(values: list[Any]) -> bool:
    """Tell whether every one of ``values`` (at least one) is None, looking no further than needed.

    ``list.count(None)`` compares every other value with None through its
    type's equality: over a chunk's columns that took half a second a million rows.
    """
    return values[0] is None and values.count(None) == len(values)


@lru_cache(maxsize=32)
def _values_clause(head: str, shared: int, own: int, rows: int) -> str:
    """Return ``head VALUES (…), (…)``: ``rows`` rows of ``shared`` shared and ``own`` own values.

    Every row names the shared values ``?1`` … ``?shared`` and then has a
    plain ``?`` for each own value.  SQLite numbers a plain ``?`` one past
    the highest number seen, so the first row's own values are
    ``shared + 1`` on, and each row's follow the row before.  Only the
    shared values are numbered: SQLite looks each ``?N`` up in a list of the
    numbered parameters as it compiles the statement, so numbering all of
    them (thousands a statement) made compiling quadratic (160 ms for 500
    rows of 26 columns), and SQLite compiles again after every chunk's
    trigger change.
    """
    row = f"({', '.join([f'?{k}' for k in range(1, shared + 1)] + ['?'] * own)})"
    return f"{head} VALUES {', '.join([row] * rows)}"


def _processed(process: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """Return ``process`` of each value, calling it once per distinct value (dates repeat)."""
    memo: dict[Any, Any] = {}
    return [memo[v] if v in memo else memo.setdefault(v, process(v)) for v in values]


def _copy(conn: Connection, table: Table, values: dict[str, Any], n: int) -> None:
    """Insert with COPY FROM STDIN (geometries as hex EWKB, JSON as text), text made per column."""
    names = list(values)
    columns = dict(zip(names, as_lists(values.values()), strict=True))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    text = copy_text(columns, n, psycopg_dump(cursor))
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        write_copy(copy, text)
