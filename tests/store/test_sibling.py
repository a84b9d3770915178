"""A sibling connection reads what the session sees, beside it, on PostGIS only."""

from __future__ import annotations

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


def test_sqlite_gets_no_sibling(sqlite_db: Database) -> None:
    with sqlite_db.session() as session, sibling_session(session) as sibling:
        assert sibling is None


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
