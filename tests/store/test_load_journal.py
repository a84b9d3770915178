"""A large load that has an SQLite file to itself writes it through a rollback journal.

Story: the IM officer imports a million findings from the command line on
her laptop, with nothing else open on the database.  The load is written
once (no write-ahead log to copy back afterwards); had the web server been
running, the import would have kept the WAL so that its readers go on.
Either way the file is back in WAL mode when the load ends, committed or not.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mineaction.store import load_journal
from mineaction.store.database import Database
from mineaction.store.load_journal import written_once
from mineaction.store.tables import Organisation


def header_mode(path: Path) -> str:
    """Read the journal mode from the file's header (bytes 18-19), taking no lock."""
    versions = path.read_bytes()[18:20]
    return {b"\x01\x01": "rollback", b"\x02\x02": "wal"}[versions]


def add_operator(db: Database, code: str) -> None:
    with db.session(actor="test") as s:
        s.add(Organisation(code=code, name=code, type="commercial"))


def operators(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.scalars(select(Organisation.code)))


def test_a_large_load_alone_is_written_through_a_rollback_journal(sqlite_db: Database) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None and header_mode(path) == "wal"
    with written_once(sqlite_db, load_journal.MIN_ROWS) as switched:
        assert switched
        assert header_mode(path) == "rollback"
        assert not path.with_name(path.name + "-wal").exists()
        add_operator(sqlite_db, "LOAD")
    assert header_mode(path) == "wal"
    assert "LOAD" in operators(sqlite_db)
    with sqlite_db.engine.connect() as conn:  # the connection's own settings are back too
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1  # NORMAL


def test_a_load_rolled_back_leaves_the_file_as_it_was(sqlite_db: Database) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None
    before = operators(sqlite_db)
    with pytest.raises(RuntimeError), written_once(sqlite_db, load_journal.MIN_ROWS) as switched:
        assert switched
        with sqlite_db.session(actor="test") as s:
            s.add(Organisation(code="GONE", name="GONE", type="commercial"))
            s.flush()
            raise RuntimeError("the load fails")
    assert header_mode(path) == "wal"
    assert not path.with_name(path.name + "-journal").exists()
    assert operators(sqlite_db) == before


def test_another_connection_open_on_the_file_keeps_the_wal(sqlite_db: Database) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None
    reader = sqlite3.connect(path)  # the web server, say, reading now and then
    try:
        assert reader.execute("SELECT count(*) FROM organisations").fetchone() == (0,)
        with written_once(sqlite_db, load_journal.MIN_ROWS) as switched:
            assert not switched
            assert header_mode(path) == "wal"
            with sqlite_db.session(actor="test") as s:
                s.add(Organisation(code="BESIDE", name="BESIDE", type="commercial"))
                s.flush()
                # the reader is not held up while the load writes
                assert reader.execute("SELECT count(*) FROM organisations").fetchone() == (0,)
        assert reader.execute("SELECT count(*) FROM organisations").fetchone() == (1,)
    finally:
        reader.close()
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() > 0  # waits again


def test_a_small_load_keeps_the_wal(sqlite_db: Database) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None
    with written_once(sqlite_db, load_journal.MIN_ROWS - 1) as switched:
        assert not switched
        assert header_mode(path) == "wal"


def test_postgresql_is_left_as_it_is(postgis_db: Database) -> None:
    with written_once(postgis_db, 10 * load_journal.MIN_ROWS) as switched:
        assert not switched
        add_operator(postgis_db, "PG")
    with postgis_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == 1


KILLED_LOAD = textwrap.dedent(
    """
    import os, signal, sys
    from mineaction.store import load_journal
    from mineaction.store.database import Database
    from mineaction.store.tables import Organisation

    db = Database(sys.argv[1])
    with load_journal.written_once(db, load_journal.MIN_ROWS) as switched:
        assert switched
        with db.session(actor="load") as s:
            s.add_all(
                Organisation(code=f"K{i}", name="x" * 200, type="commercial")
                for i in range(20_000)
            )
            s.flush()  # more than the page cache holds: pages reach the file
            os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_load_killed_midway_is_rolled_back_by_the_next_connection(
    sqlite_db: Database,
) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None
    sqlite_db.dispose()
    size = path.stat().st_size
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_LOAD, sqlite_db.url],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    journal = path.with_name(path.name + "-journal")
    assert journal.exists() and path.stat().st_size > size  # a hot journal, pages written
    assert header_mode(path) == "rollback"
    again = Database(sqlite_db.url)
    try:
        assert operators(again) == []
        with again.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    finally:
        again.dispose()
    assert header_mode(path) == "wal"
    assert not journal.exists()


def test_a_reader_holding_the_file_at_the_end_leaves_the_switch_back_to_the_next_connection(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None
    monkeypatch.setattr(load_journal, "BACK_TO_WAL_WAIT_MS", 50)
    reader = sqlite3.connect(path, isolation_level=None)  # a desktop GIS, say
    try:
        with written_once(sqlite_db, load_journal.MIN_ROWS) as switched:
            assert switched
            add_operator(sqlite_db, "LOAD")
            reader.execute("BEGIN")
            assert reader.execute("SELECT code FROM organisations").fetchall() == [("LOAD",)]
        assert header_mode(path) == "rollback"  # the reader's read is still open
        reader.execute("COMMIT")
    finally:
        reader.close()
    sqlite_db.dispose()
    assert operators(sqlite_db) == ["LOAD"]  # a new connection asks for WAL, and gets it
    assert header_mode(path) == "wal"
