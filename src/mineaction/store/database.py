"""Connecting to the national database: SQLite by default, PostgreSQL+PostGIS by URL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from mineaction.errors import ConfigurationError, ConflictError, DatabaseError

#: SQLite's answer to a write from a transaction whose snapshot another writer made stale.
SQLITE_BUSY_SNAPSHOT = 517


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
    cur.execute("PRAGMA busy_timeout = 30000")
    cur.execute("PRAGMA synchronous = NORMAL")
    # Statement journals of inserts into R*Tree-indexed tables spill to temp files
    # otherwise; in memory they are ~1.8x faster (bench/ measured it).
    cur.execute("PRAGMA temp_store = MEMORY")
    mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "memory":  # WAL is impossible for in-memory databases
        cur.execute("PRAGMA journal_mode = WAL")
    cur.close()


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
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so
        # that a transaction's reads and writes form one consistent snapshot.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    return engine


class _DryRun(Exception):
    """Raised inside a dry-run transaction so that it rolls back."""


class Database:
    """An engine and its session factory, for one database."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

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
        self, *, actor: str = "system", note: str | None = None, dry_run: bool = False
    ) -> Iterator[Session]:
        """Open a transaction: commit when the block ends, roll back on error.

        ``actor`` (who) and ``note`` (why) are recorded in the history of every
        change made in it.  With ``dry_run`` everything is checked and flushed,
        then rolled back.
        """
        session = self.sessions()
        session.info["actor"] = actor
        session.info["note"] = note
        try:
            with session.begin():
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
            if getattr(exc.orig, "sqlite_errorcode", None) == SQLITE_BUSY_SNAPSHOT:
                raise ConflictError(
                    "Another user saved changes to the data this change was based on; "
                    "nothing was written.",
                    hint="Reload and apply your change again.",
                ) from exc
            raise DatabaseError(
                f"The database {self.display_url()} could not complete the operation: {exc.orig}",
                hint="Check that the database server is running and reachable.",
            ) from exc
        finally:
            session.close()

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
        self.engine.dispose()
