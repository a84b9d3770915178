"""A sibling connection reads what the session sees, beside it, on either backend."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from mineaction.services import organisations
from mineaction.store.database import Database
from mineaction.store.sibling import sibling_session
from mineaction.store.tables import Organisation


def _count(session) -> int:
    return int(session.scalar(select(func.count()).select_from(Organisation)))


def test_a_sibling_sees_the_committed_rows_in_another_server_process(postgis_db: Database) -> None:
    with postgis_db.session(actor="test") as session:
        organisations.create_organisation(session=session, code="SIB", name="Sibling", type="ngo")
    with postgis_db.session() as session:
        mine = _count(session)
        with sibling_session(session) as sibling:
            assert sibling is not None
            assert _count(sibling) == mine >= 1
            pids = {session.scalar(text("SELECT pg_backend_pid()"))}
            pids.add(sibling.scalar(text("SELECT pg_backend_pid()")))
            assert len(pids) == 2
            with pytest.raises(DBAPIError, match="read-only"):
                sibling.execute(text("DELETE FROM organisations"))


def test_a_session_that_has_written_gets_no_sibling(postgis_db: Database) -> None:
    with postgis_db.session(actor="test") as session:
        organisations.create_organisation(session=session, code="OWN", name="Own", type="ngo")
        with sibling_session(session) as sibling:
            assert sibling is None  # it would not see the organisation just made
        session.rollback()


def _make_organisation(db: Database, code: str) -> None:
    with db.session(actor="test") as session:
        organisations.create_organisation(session=session, code=code, name=code, type="ngo")


def test_an_sqlite_sibling_reads_the_same_commit_on_another_connection(
    sqlite_db: Database,
) -> None:
    _make_organisation(sqlite_db, "SIB")
    with sqlite_db.session() as session, sibling_session(session) as sibling:
        assert sibling is not None
        mine = session.connection().connection.driver_connection
        theirs = sibling.connection().connection.driver_connection
        assert theirs is not mine
        before = _count(session)
        assert _count(sibling) == before >= 1
        _make_organisation(sqlite_db, "LATE")  # committed after both snapshots were taken
        assert _count(session) == _count(sibling) == before
        with pytest.raises(DBAPIError, match="readonly"):
            sibling.execute(text("DELETE FROM organisations"))
    with sqlite_db.session() as session:
        assert _count(session) == before + 1


def test_no_sqlite_commit_can_fall_between_the_two_snapshots(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None
    real_connect = sqlite_db.engine.connect
    tried: list[str] = []

    def connect_after_a_writer_tried() -> object:
        # Between the caller's snapshot and the sibling's: a writer must find the lock taken.
        writer = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            tried.append("got the lock")
            writer.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            tried.append(str(exc))
        finally:
            writer.close()
        return real_connect()

    monkeypatch.setattr(sqlite_db.engine, "connect", connect_after_a_writer_tried)
    with sqlite_db.session() as session, sibling_session(session) as sibling:
        assert sibling is not None
    # Asked as the caller's session takes its connection, and the sibling its own.
    assert tried == ["database is locked"] * 2


def test_an_sqlite_sibling_goes_back_to_the_pool_writable(sqlite_db: Database) -> None:
    with sqlite_db.session() as session, sibling_session(session) as sibling:
        assert sibling is not None
    # Every pooled connection at once: the sibling's is one of them.
    with sqlite_db.engine.connect() as a, sqlite_db.engine.connect() as b:
        assert [c.exec_driver_sql("PRAGMA query_only").scalar() for c in (a, b)] == [0, 0]
    _make_organisation(sqlite_db, "AFTER")


def test_an_sqlite_session_that_has_read_or_written_gets_no_sibling(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        _count(session)  # its snapshot is taken: no other connection can be sure to match it
        with sibling_session(session) as sibling:
            assert sibling is None
    with sqlite_db.session(actor="test") as session, sibling_session(session) as sibling:
        assert sibling is None  # it holds the write lock and may have written
    with sqlite_db.session() as session:
        organisations.create_organisation(session=session, code="NEW", name="New", type="ngo")
        with sibling_session(session) as sibling:  # flushed first: it has written
            assert sibling is None
        session.rollback()


def test_an_sqlite_sibling_is_not_made_while_another_writer_holds_the_lock(
    sqlite_db: Database,
) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.perf_counter()
        with sqlite_db.session() as session, sibling_session(session) as sibling:
            assert sibling is None  # its commit could fall between the two snapshots
            assert _count(session) >= 0  # the caller still reads
        assert time.perf_counter() - started < 5  # no waiting for the writer
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_session_outside_any_transaction_gets_no_sibling(postgis_db: Database) -> None:
    with postgis_db.reading() as session, sibling_session(session) as sibling:
        assert sibling is None  # an exported snapshot would end with its own statement


def test_no_second_connection_means_no_sibling(
    postgis_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgis_db.session() as session:
        mine = _count(session)  # this session has its connection

        def refused() -> None:
            raise OperationalError("connect", {}, Exception("too many clients already"))

        monkeypatch.setattr(postgis_db.engine, "connect", refused)
        with sibling_session(session) as sibling:
            assert sibling is None
        assert _count(session) == mine
