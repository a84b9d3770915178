"""A record's first ask, read on the server's event loop without a worker thread.

A record not yet kept (``record_answers``) was read in a worker thread through
SQLAlchemy: the hand-off to the thread, the engine's connection and result
machinery cost a PostgreSQL first ask ~1.2 ms of CPU around a read of one
row by its key, which bounded how many details two workers serve
(bench/bench_request_floor.py, bench/bench_load.py).  This reader runs
``browse.read_one``'s statement itself, compiled once per kind for the
backend, and passes each value through the column's own SQLAlchemy result
processor, so the row reads exactly as ``read_one``'s (pinned by a test):

- on PostgreSQL with psycopg's asynchronous connections, a few per process
  in autocommit and read-only: the loop serves other requests while the
  server answers;
- on SQLite synchronously on one connection of its own, as the data version
  is read (``data_version.LoopReader``): a read by key never waits for a
  writer under WAL, and a lock is waited for at most ``LOOP_WAIT_S``.

``read`` returns None whenever it cannot answer (an in-memory database, a
failure; after a failure for ``LOOP_RETRY_S``): the caller then reads in a
worker thread as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

from mineaction.services import browse
from mineaction.services.catalogue import KindInfo
from mineaction.services.data_version import LOOP_RETRY_S, LOOP_WAIT_S
from mineaction.services.policy import RecordFacts

#: Connections a server process opens for these reads on PostgreSQL; a first ask
#: beyond them waits for one.
MAX_CONNECTIONS = 8


@dataclass
class _Plan:
    """``read_one``'s statement for one kind, compiled for the backend."""

    sql: str
    params: dict[str, Any]
    positions: list[str] | None  # the parameters' order for SQLite's qmark style
    columns: list[Any]  # the statement's columns, whose types read the values
    row: Any  # a namedtuple class named by them
    #: (position, processor) of the columns whose values SQLAlchemy converts, from the
    #: first answer's column types.
    processors: list[tuple[int, Callable[[Any], Any]]] | None = None


@dataclass
class _Pool:
    """PostgreSQL connections of one event loop, and the slots that bound how many are open."""

    loop: asyncio.AbstractEventLoop
    slots: asyncio.Semaphore
    idle: list[psycopg.AsyncConnection[Any]] = field(default_factory=list)

    def close(self) -> None:
        """Close the idle connections; one in use is closed or kept as its read ends."""
        for conn in self.idle:
            _finish(conn)
        self.idle.clear()


class LoopRecords:
    """Read one record's columns and policy facts on the event loop (``browse.read_one``)."""

    def __init__(self, engine: Engine) -> None:
        self.url = engine.url
        self.dialect: Dialect = engine.dialect
        self._plans: dict[str, _Plan] = {}
        self._pool: _Pool | None = None  # PostgreSQL
        self._sqlite: sqlite3.Connection | None = None
        self._sqlite_lock = threading.Lock()  # servers' loops in several threads (tests)
        self._retry_at = 0.0

    async def read(self, info: KindInfo, record_id: int) -> tuple[Any, RecordFacts] | None:
        """Return the row and facts ``browse.read_one`` returns, or None (ask a worker thread).

        Raises ``NotFoundError`` for no such record, as ``read_one`` does.
        """
        if not 1 <= record_id <= browse.MAX_RECORD_ID:  # names no record (and would overflow)
            return browse.found_one(info, record_id, None)
        if time.monotonic() < self._retry_at:
            return None
        plan = self._plan(info)
        params = {**plan.params, "record_id": record_id}
        try:
            if self.url.get_backend_name() == "sqlite":
                found = self._read_sqlite(plan, params)
            else:
                found = await self._read_postgresql(plan, params)
        except (sqlite3.Error, psycopg.Error, OSError):
            self._retry_at = time.monotonic() + LOOP_RETRY_S
            return None
        if found is None:
            return None
        values, types = found
        return browse.found_one(info, record_id, self._row(plan, values, types))

    def _plan(self, info: KindInfo) -> _Plan:
        plan = self._plans.get(info.name)
        if plan is None:
            statement = browse.read_one_statement(info)
            compiled = statement.compile(dialect=self.dialect)
            positions = list(compiled.positiontup or ()) if compiled.positional else None
            columns = list(statement.selected_columns)
            row = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
            plan = _Plan(str(compiled), dict(compiled.params), positions, columns, row)
            self._plans[info.name] = plan
        return plan

    def _row(self, plan: _Plan, values: tuple[Any, ...] | None, types: list[Any]) -> Any:
        if values is None:
            return None
        if plan.processors is None:  # PostgreSQL's processors depend on the returned types
            processors = [
                column.type.dialect_impl(self.dialect).result_processor(self.dialect, code)
                for column, code in zip(plan.columns, types, strict=True)
            ]
            plan.processors = [(i, p) for i, p in enumerate(processors) if p is not None]
        row = list(values)
        for i, process in plan.processors:
            if row[i] is not None:
                row[i] = process(row[i])
        return plan.row._make(row)

    def _read_sqlite(
        self, plan: _Plan, params: dict[str, Any]
    ) -> tuple[tuple[Any, ...] | None, list[Any]] | None:
        database = self.url.database
        if database in (None, "", ":memory:"):
            return None  # another connection would see another database
        assert plan.positions is not None
        with self._sqlite_lock:
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(
                    database, timeout=LOOP_WAIT_S, isolation_level=None, check_same_thread=False
                )
            try:
                cursor = self._sqlite.execute(plan.sql, [params[n] for n in plan.positions])
                return cursor.fetchone(), [None] * len(plan.columns)
            except sqlite3.Error:
                self._close_sqlite()
                raise

    def _close_sqlite(self) -> None:
        if self._sqlite is not None:
            with contextlib.suppress(sqlite3.Error):
                self._sqlite.close()
            self._sqlite = None

    async def _read_postgresql(
        self, plan: _Plan, params: dict[str, Any]
    ) -> tuple[tuple[Any, ...] | None, list[Any]] | None:
        pool = self._pool_of_loop()
        # A read waits for one of the pool's connections (a wait costs nothing), rather than
        # go to a worker thread at three times the CPU when many are asked at once.
        async with pool.slots:
            conn = pool.idle.pop() if pool.idle else await self._connect()
            try:
                cursor = conn.cursor()
                await cursor.execute(plan.sql, params)
                values = await cursor.fetchone()
                # The column types, the first time only: describing a row costs a fifth of
                # the read.
                types = (
                    [column.type_code for column in cursor.description or ()]
                    if plan.processors is None
                    else []
                )
            except BaseException:
                # A failure or a cancelled request: the connection's state is unknown.
                _finish(conn)
                pool.close()  # the server may have dropped the others too
                raise
            pool.idle.append(conn)
        return values, types

    def _pool_of_loop(self) -> _Pool:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool.loop is not loop:
            # Connections and waits belong to the loop that made them (a test's server may
            # run several loops one after another).
            if self._pool is not None:
                self._pool.close()
            self._pool = _Pool(loop, asyncio.Semaphore(MAX_CONNECTIONS))
        return self._pool

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        conninfo = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return await psycopg.AsyncConnection.connect(
            conninfo,
            autocommit=True,
            connect_timeout=max(1, round(LOOP_WAIT_S)),
            options="-c default_transaction_read_only=on",
        )

    def close(self) -> None:
        """Close the idle connections (a later read opens others)."""
        if self._pool is not None:
            self._pool.close()
        self._close_sqlite()


def _finish(conn: psycopg.AsyncConnection[Any]) -> None:
    # Closed at the protocol level, which needs no event loop (the loop may be gone).
    with contextlib.suppress(Exception):
        conn.pgconn.finish()
