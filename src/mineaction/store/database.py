"""Connecting to the national database: SQLite by default, PostgreSQL+PostGIS by URL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from mineaction.errors import BusyError, ConfigurationError, ConflictError, DatabaseError

#: How long an SQLite writer waits for another's write lock before giving up, in ms.
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: SQLite's answer to a write from a transaction whose snapshot another writer made stale.
SQLITE_BUSY_SNAPSHOT = 517
#: SQLite's answer when another connection holds the write lock (past the busy timeout, or
#: at once for a transaction that read before it wrote).
SQLITE_BUSY = 5
#: SQLite's answer when a lock is held inside the same process's shared cache.
SQLITE_LOCKED = 6
#: PostgreSQL's serialization failure and deadlock: two transactions clashed, one gave way.
PG_RETRY_STATES = frozenset({"40001", "40P01"})
#: The execution option that leaves SQLite's statements outside a transaction (``reading``;
#: SQLAlchemy's AUTOCOMMIT level would hand pysqlite its own transaction handling back after).
NO_BEGIN_OPTION = "mineaction_no_begin"
#: Connections kept for ``Database.reading`` per process on PostgreSQL (and as many more
#: opened while all are busy): beside the main pool's 5 + 10, within the server's 100 for
#: several workers.
READING_POOL = 5
#: The execution option that makes a connection's transactions begin with SQLite's write lock.
WRITE_LOCK_OPTION = "mineaction_write_lock"
#: ``Session.info`` key of a ``Database.session`` whose transaction has not yet taken a
#: connection: nothing read or written in it so far (``mineaction.store.sibling``).
UNTOUCHED = "mineaction_untouched"
#: The server process of each PostgreSQL connection this process holds open, by the
#: connection's ``id`` (``own_backends``).
_OWN_BACKENDS: dict[int, int] = {}


def normalise_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver named for PostgreSQL URLs.

    >>> normalise_url("postgresql://u@h/db")
    'postgresql+psycopg://u@h/db'
    >>> normalise_url("sqlite:///x.db")
    'sqlite:///x.db'
    """
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Leave transactions to SQLAlchemy (see the "begin" listener in make_engine).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous = NORMAL")
    # Statement journals of inserts into R*Tree-indexed tables spill to temp files
    # otherwise; in memory they are ~1.8x faster (bench/ measured it).
    cur.execute("PRAGMA temp_store = MEMORY")
    mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "memory":  # WAL is impossible for in-memory databases
        cur.execute("PRAGMA journal_mode = WAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writing transaction takes the write lock when it begins, where SQLite waits
    # for it (busy_timeout).  Taken later, after the transaction has read, SQLite
    # cannot wait (the reader would hold a snapshot the other writer outdates) and
    # answers "database is locked" at once: concurrent writers failed for nothing.
    options = conn.get_execution_options()
    if options.get(NO_BEGIN_OPTION):
        return  # Database.reading: each statement on its own
    if options.get(WRITE_LOCK_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _touched(session: Session, _transaction: Any, _connection: Connection) -> None:
    session.info.pop(UNTOUCHED, None)  # it has a connection now, and may read or write


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``, with SQLite set to WAL and foreign keys on."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as exc:
        raise ConfigurationError(
            f"{url!r} is not a database URL.",
            hint="Use sqlite:///path/to/file.db or postgresql://user@host:5432/dbname.",
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"The database {backend!r} is not supported.",
            hint="Use SQLite (sqlite:///file.db) or PostgreSQL with PostGIS.",
        )
    if backend == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so
        # that a transaction's reads and writes form one consistent snapshot.
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
        _track_backends(engine)
    return engine


def own_backends() -> frozenset[int]:
    """Return the server process ids of the PostgreSQL connections this process holds open.

    Every engine ``Database`` makes is counted, in use or idle in its pool: what
    ``pg_stat_activity`` lists beside them is another program's.
    """
    return frozenset(_OWN_BACKENDS.values())


def _track_backends(engine: Engine) -> None:
    def opened(dbapi_conn: Any, _record: Any) -> None:
        _OWN_BACKENDS[id(dbapi_conn)] = dbapi_conn.info.backend_pid

    def closed(dbapi_conn: Any, *_args: Any) -> None:  # a broken one has no pid to ask
        _OWN_BACKENDS.pop(id(dbapi_conn), None)

    event.listen(engine, "connect", opened)
    event.listen(engine, "close", closed)
    event.listen(engine, "close_detached", closed)


class _DryRun(Exception):
    """Raised inside a dry-run transaction so that it rolls back."""


class Database:
    """An engine and its session factory, for one database."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={UNTOUCHED: True})
        event.listen(self.sessions, "after_begin", _touched)
        self._reading_engine: Engine | None = None
        self._reading_lock = threading.Lock()  # worker threads making it at once

    @property
    def dialect(self) -> str:
        """Return 'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def sqlite_path(self) -> Path | None:
        """Return the file of an SQLite database (None for PostgreSQL or in-memory)."""
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    def display_url(self) -> str:
        """Return the URL with any password hidden."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(
        self,
        *,
        actor: str | None = None,
        note: str | None = None,
        dry_run: bool = False,
        write: bool | None = None,
    ) -> Iterator[Session]:
        """Open a transaction: commit when the block ends, roll back on error.

        ``actor`` (who) and ``note`` (why) are recorded in the history of every
        change made in it.  With ``dry_run`` everything is checked and flushed,
        then rolled back.  A session that writes (``write``; by default one that
        names its actor) takes SQLite's write lock as it begins, so concurrent
        writers wait their turn instead of failing; readers never wait.
        """
        session = self.sessions()
        session.info["actor"] = actor or "system"
        session.info["note"] = note
        takes_lock = (actor is not None if write is None else write) and self.dialect == "sqlite"
        try:
            with session.begin():
                if takes_lock:
                    session.connection(execution_options={WRITE_LOCK_OPTION: True})
                yield session
                if dry_run:
                    session.flush()
                    raise _DryRun
        except _DryRun:
            pass
        except StaleDataError as exc:
            raise ConflictError(
                "Another user changed or deleted the same record while this change was being "
                "saved; nothing was written.",
                hint="Reload the record and apply your change again.",
            ) from exc
        except OperationalError as exc:
            raise self._operational_error(exc) from exc
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Open a session for a read of one statement, outside any transaction (autocommit).

        A record's first ask is one statement (``browse.read_one``), which sees
        one consistent state by itself on either backend; the transaction
        ``session`` opens around it costs PostgreSQL three more round trips
        (the pool's ping, BEGIN, COMMIT) on a server sharing the machine's cores
        with the workers. On PostgreSQL the session takes a connection from a
        pool of its own, with no ping: a connection the server dropped fails
        the read with ``DatabaseError`` and the pool is opened afresh. Several
        statements in it each see the newest commits (read the data version
        first, as ever). Nothing may be written in it (PostgreSQL refuses a write).
        """
        engine = self._reading()
        try:
            with engine.connect() as conn, Session(bind=conn) as session:
                session.info["actor"] = "system"
                yield session
        except OperationalError as exc:
            raise self._operational_error(exc) from exc

    def _reading(self) -> Engine:
        with self._reading_lock:
            return self._reading_engine or self._make_reading_engine()

    def _make_reading_engine(self) -> Engine:
        if self.dialect == "postgresql":
            url = make_url(self.url)
            # The server refuses a write on these connections (unless the URL sets options
            # of its own, which connect_args would replace).
            refuse_writes = {"options": "-c default_transaction_read_only=on"}
            self._reading_engine = create_engine(
                url,
                isolation_level="AUTOCOMMIT",
                pool_size=READING_POOL,
                max_overflow=READING_POOL,
                connect_args={} if "options" in url.query else refuse_writes,
            )
            _track_backends(self._reading_engine)
        else:  # no round trips to save: the same connections, without BEGIN
            self._reading_engine = self.engine.execution_options(**{NO_BEGIN_OPTION: True})
        return self._reading_engine

    def _operational_error(self, exc: OperationalError) -> Exception:
        """Return the user's error for a failed transaction: a conflict, busy, or unreachable."""
        sqlite_code = getattr(exc.orig, "sqlite_errorcode", None)
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlite_code == SQLITE_BUSY_SNAPSHOT or sqlstate in PG_RETRY_STATES:
            return ConflictError(
                "Another user saved changes to the data this change was based on; "
                "nothing was written.",
                hint="Reload and apply your change again.",
            )
        if sqlite_code is not None and sqlite_code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
            return BusyError(
                "The database is busy with another change (for example a large import); "
                "nothing was written.",
                hint="Try again in a minute. If it keeps happening, look for a long import or "
                "another program holding the database file open in a transaction.",
            )
        return DatabaseError(
            f"The database {self.display_url()} could not complete the operation: {exc.orig}",
            hint="Check that the database server is running and reachable.",
        )

    def check_connection(self) -> None:
        """Connect once, or raise DatabaseError that says why and what to do."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except OperationalError as exc:
            raise DatabaseError(
                f"Cannot connect to {self.display_url()}: {str(exc.orig).strip()}",
                hint="Check the URL given by --database or MINEACTION_DATABASE_URL, and that "
                "the server is running.",
            ) from exc

    def has_schema(self) -> bool:
        """Tell whether the schema has been created (``mineaction init``)."""
        return bool(inspect(self.engine).has_table("alembic_version"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        if self.dialect == "postgresql" and self._reading_engine is not None:
            self._reading_engine.dispose()
        self.engine.dispose()
