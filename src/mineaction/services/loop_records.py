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

``read`` returns None whenever it cannot answer (an in-memory database, every
connection busy, a failure; after a failure for ``LOOP_RETRY_S``): the caller
then reads in a worker thread as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

from mineaction.services import browse
from mineaction.services.catalogue import KindInfo
from mineaction.services.data_version import LOOP_RETRY_S, LOOP_WAIT_S
from mineaction.services.policy import RecordFacts

#: Connections a server process opens for these reads on PostgreSQL; a first ask
#: beyond them goes to a worker thread.
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


class LoopRecords:
    """Read one record's columns and policy facts on the event loop (``browse.read_one``)."""

    def __init__(self, engine: Engine) -> None:
        self.url = engine.url
        self.dialect: Dialect = engine.dialect
        self._plans: dict[str, _Plan] = {}
        self._idle: list[Any] = []  # open connections not in use
        self._open = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._retry_at = 0.0
        self._sqlite_lock = threading.Lock()  # servers' loops in several threads (tests)

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
            if not self._idle:
                self._idle.append(
                    sqlite3.connect(
                        database, timeout=LOOP_WAIT_S, isolation_level=None, check_same_thread=False
                    )
                )
            try:
                cursor = self._idle[0].execute(plan.sql, [params[n] for n in plan.positions])
                return cursor.fetchone(), [None] * len(plan.columns)
            except sqlite3.Error:
                self._forget()
                raise

    async def _read_postgresql(
        self, plan: _Plan, params: dict[str, Any]
    ) -> tuple[tuple[Any, ...] | None, list[Any]] | None:
        conn = await self._checkout()
        if conn is None:
            return None
        loop = self._loop
        try:
            cursor = conn.cursor()
            await cursor.execute(plan.sql, params)
            values = await cursor.fetchone()
            # The column types, the first time only: describing a row costs a fifth of the read.
            types = (
                [column.type_code for column in cursor.description or ()]
                if plan.processors is None
                else []
            )
        except BaseException:  # a failure or a cancelled request: the connection's state is unknown
            self._open -= 1
            _finish(conn)
            self._forget()  # the server may have dropped the others too
            raise
        if loop is self._loop:
            self._idle.append(conn)
        else:  # opened on a loop that has since gone
            _finish(conn)
        return values, types

    async def _checkout(self) -> psycopg.AsyncConnection[Any] | None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # connections belong to the loop that opened them
            self._forget()
            self._open = 0  # those of the old loop that were in use are not counted again
            self._loop = loop
        if self._idle:
            return self._idle.pop()
        if self._open >= MAX_CONNECTIONS:
            return None
        self._open += 1
        try:
            conninfo = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            return await psycopg.AsyncConnection.connect(
                conninfo,
                autocommit=True,
                connect_timeout=max(1, round(LOOP_WAIT_S)),
                options="-c default_transaction_read_only=on",
            )
        except BaseException:
            self._open -= 1
            raise

    def _forget(self) -> None:
        """Close the idle connections; those in use come back and are kept."""
        for conn in self._idle:
            if isinstance(conn, psycopg.AsyncConnection):
                _finish(conn)
                self._open -= 1
            else:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
        self._idle.clear()

    def close(self) -> None:
        """Close the idle connections (a later read opens others)."""
        self._forget()


def _finish(conn: psycopg.AsyncConnection[Any]) -> None:
    # Closed at the protocol level, which needs no event loop (the loop may be gone).
    with contextlib.suppress(Exception):
        conn.pgconn.finish()
