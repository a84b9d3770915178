"""``Database.reading``: one-statement reads outside a transaction, on both backends."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import select, text

from mineaction.errors import DatabaseError
from mineaction.store.database import Database
from mineaction.store.tables import Organisation


def _add_organisation(db: Database, code: str) -> None:
    with db.session(actor="test") as session:
        session.add(Organisation(code=code, name=code, type="ngo"))


def test_a_reading_sees_each_commit_and_holds_no_transaction(db: Database) -> None:
    with db.reading() as session:
        before = session.scalar(select(Organisation.id).where(Organisation.code == "NEW"))
        _add_organisation(db, "NEW")  # committed by another connection meanwhile
        after = session.scalar(select(Organisation.id).where(Organisation.code == "NEW"))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        if db.dialect == "sqlite":
            assert not raw.in_transaction
        else:
            assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert before is None
    assert after is not None


def test_postgresql_gives_each_statement_of_a_reading_its_own_transaction(
    postgis_db: Database,
) -> None:
    with postgis_db.reading() as session:
        first = session.scalar(text("select now()"))
        time.sleep(0.01)
        second = session.scalar(text("select now()"))
    assert first is not None and second is not None
    assert second > first  # now() is the transaction's start: a new one each time


def test_postgresql_refuses_a_write_in_a_reading(postgis_db: Database) -> None:
    with pytest.raises(Exception, match="read-only"), postgis_db.reading() as session:
        session.execute(text("update organisations set name = 'x'"))


def test_a_session_after_a_reading_is_still_one_transaction(db: Database) -> None:
    with db.reading() as session:
        session.scalar(select(Organisation.id).limit(1))
    with pytest.raises(RuntimeError), db.session(actor="test") as session:
        session.add(Organisation(code="GONE", name="gone", type="ngo"))
        session.flush()
        raise RuntimeError("roll back")
    with db.session() as session:
        assert session.scalar(select(Organisation.id).where(Organisation.code == "GONE")) is None
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            # pysqlite's own transaction handling stays off (the engine's BEGIN rules).
            assert conn.connection.dbapi_connection.isolation_level is None  # type: ignore[union-attr]


def test_a_reading_whose_connection_the_server_dropped_fails_once_then_reads(
    postgis_db: Database,
) -> None:
    with postgis_db.reading() as session:
        pid = session.scalar(text("select pg_backend_pid()"))
    with postgis_db.session() as session:
        session.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})
    time.sleep(0.2)
    with pytest.raises(DatabaseError, match="could not complete"), postgis_db.reading() as session:
        session.scalar(text("select 1"))
    with postgis_db.reading() as session:
        assert session.scalar(text("select 1")) == 1
