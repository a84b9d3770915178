"""Fixtures: a fresh national database per test, on SQLite and on PostgreSQL+PostGIS.

Every test that takes ``db`` runs twice, once per backend.  The schema and
Azerbaijan's districts are built once per run in a template (a file on
SQLite, a template database on PostgreSQL) and copied for each test.

PostGIS tests never skip: when PostgreSQL or PostGIS cannot be reached the
tests fail, and with MINEACTION_REQUIRE_POSTGIS=1 a run in which no test
ran on PostGIS fails too.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.orm import Session

from mineaction.cli import main
from mineaction.services import admin_areas
from mineaction.store import schema
from mineaction.store.database import Database

PG_ADMIN_URL = os.environ.get(
    "MINEACTION_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgis")
_postgis_databases = 0


def _pg_conn() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


def pg_url(dbname: str) -> str:
    """Return the URL of database ``dbname`` on the test server."""
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


def _build(db: Database) -> None:
    schema.upgrade(db)
    with db.session(actor="test-setup") as session:
        admin_areas.load_azerbaijan(session)
    db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _build(Database(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"mineaction_tpl_{uuid.uuid4().hex[:8]}"
    try:
        with _pg_conn() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is needed for the PostGIS tests and is not reachable: {exc}")
    _build(Database(pg_url(name)))
    yield name
    with _pg_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Database]:
    """Yield a new database of ``backend`` copied from the template, dropped afterwards."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "mineaction.db"
        shutil.copy(template, path)
        db = Database(f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    with _pg_database(template=request.getfixturevalue("pg_template")) as db:
        yield db


@contextmanager
def _pg_database(*, template: str | None = None) -> Iterator[Database]:
    """Create a PostgreSQL database (copied from ``template``, or empty) and drop it after."""
    global _postgis_databases
    _postgis_databases += 1
    name = f"mineaction_t_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with _pg_conn() as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    db = Database(pg_url(name))
    try:
        yield db
    finally:
        db.dispose()
        with _pg_conn() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh database with the schema and Azerbaijan's districts, on each backend."""
    yield from fresh_database(request.param, tmp_path, request)


@pytest.fixture
def sqlite_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Like ``db``, on SQLite only: for what only SQLite has (pragmas, R*Trees)."""
    yield from fresh_database("sqlite", tmp_path, request)


@pytest.fixture
def postgis_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Like ``db``, on PostGIS only: for what only PostGIS has (catalogue, GiST)."""
    yield from fresh_database("postgis", tmp_path, request)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A session on ``db`` whose changes commit when the test ends without error."""
    with db.session(actor="test") as s:
        yield s


@pytest.fixture
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no schema at all, on each backend (parametrised like ``db``)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.dispose()
        return
    with _pg_database() as db:
        yield db


_postgis_passed = 0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # With pytest-xdist the workers' reports reach the controller here too, so the
    # controller knows that PostGIS tests ran even though it opened no database.
    global _postgis_passed
    if report.when == "call" and report.passed and "[postgis" in report.nodeid:
        _postgis_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the controller decides for the whole run
    ran = _postgis_databases + _postgis_passed
    if os.environ.get("MINEACTION_REQUIRE_POSTGIS") == "1" and ran == 0:
        print("\nMINEACTION_REQUIRE_POSTGIS=1 but no test ran on PostGIS: failing the run.")
        session.exitstatus = 1


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Return a function that runs ``mineaction ARGS`` and returns its exit code and output."""
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping of long sentences

    def _run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run
