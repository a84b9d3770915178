"""A large command-line import into PostgreSQL holds the findings table only when no one else is on.

Story: the national IM officer loads a former database of a million findings
into the new PostgreSQL server from the command line, before the web server
is started.  With no one else connected, the import makes the findings'
indexes and foreign keys after the rows (store/table_alone.py); with the web
server (or a GIS, or a colleague's psql) connected, it keeps them and holds
no one up.  Either way the table ends with the same indexes and keys, every
row written is found through them, and a refused import leaves them as they
were.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import IntegrityError

from mineaction.intake.pipeline import ImportRefused, import_file
from mineaction.store import load_journal
from mineaction.store.database import Database, own_backends
from mineaction.store.index_rebuild import DeferredIndexes
from mineaction.store.table_alone import DeferredForeignKeys, nobody_else
from tests.intake.test_bulk import plain_rows, setup_references, write

ROWS = 1500  # three chunks of the bulk path's smallest useful size


def findings_keys(db: Database) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return the findings' indexes and foreign keys: (name, definition) each, sorted."""
    with db.engine.connect() as conn:
        indexes = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'findings' ORDER BY indexname"
            )
        ).all()
        keys = conn.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'findings'::regclass AND contype = 'f' ORDER BY conname"
            )
        ).all()
    return [(str(a), str(b)) for a, b in indexes], [(str(a), str(b)) for a, b in keys]


def wait_until_closed(db: Database, pids: set[int] | None = None) -> None:
    """Wait until the server processes ``pids`` (default: all) connected to ``db`` are gone.

    A server process ends a moment after its client closes the connection.
    """
    url = make_url(db.url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        for _ in range(200):
            left = {
                pid
                for (pid,) in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s",
                    (make_url(db.url).database,),
                )
            }
            if not (left if pids is None else left & pids):
                return
            time.sleep(0.05)
    raise AssertionError(f"connections {left} to {db.url} stayed open")


def another_program(db: Database) -> psycopg.Connection:
    """Connect to ``db`` as another program would: not through any of this process's pools."""
    url = make_url(db.url).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture
def season(postgis_db: Database, tmp_path: Path) -> Iterator[tuple[Path, list[list[Any]]]]:
    """A file of plain findings, and an import that counts it as large."""
    with postgis_db.session() as s:
        setup_references(s)
        rows = plain_rows(s, ROWS, seed=31)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(load_journal, "MIN_ROWS", 1_000)
        yield write(tmp_path / "season.csv", rows), rows


@pytest.fixture
def dropped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The indexes and foreign keys the import dropped, by name."""
    names: list[str] = []
    drop_indexes, drop_keys = DeferredIndexes.drop, DeferredForeignKeys.drop

    def indexes(self: DeferredIndexes, keep: Any = None) -> None:
        drop_indexes(self, keep)
        names.extend(sql.split()[2] for sql in self.statements)  # CREATE INDEX <name> ON …

    def keys(self: DeferredForeignKeys) -> None:
        drop_keys(self)
        names.extend(self.keys)

    monkeypatch.setattr(DeferredIndexes, "drop", indexes)
    monkeypatch.setattr(DeferredForeignKeys, "drop", keys)
    return names


def test_alone_the_import_makes_indexes_and_keys_after_the_rows(
    postgis_db: Database, season: tuple[Path, list[list[Any]]], dropped: list[str]
) -> None:
    path, rows = season
    before = findings_keys(postgis_db)
    report = import_file(postgis_db, "findings", path, take_database=True)
    assert report.created == ROWS
    # Every secondary index (the GiST one too) and every foreign key was made again.
    indexes, keys = before
    assert set(dropped) == {
        name for name, _ in indexes if name not in ("pk_findings", "uq_findings_source_id")
    } | {name for name, _ in keys}
    assert "gix_findings_geom" in dropped and len(keys) == 5
    assert findings_keys(postgis_db) == before
    with postgis_db.engine.connect() as conn:
        invalid = conn.execute(
            text(
                "SELECT count(*) FROM pg_index WHERE indrelid = 'findings'::regclass "
                "AND NOT (indisvalid AND indisready)"
            )
        ).scalar_one()
        assert invalid == 0
        assert (
            conn.execute(
                text("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated")
            ).scalar_one()
            == 0
        )
        # The rows are found through the indexes made after them.
        conn.execute(text("SET enable_seqscan = off"))
        by_date: dict[str, int] = dict(
            conn.execute(text("SELECT found_date::text, count(*) FROM findings GROUP BY 1")).all()
        )
        near = conn.execute(
            text(
                "SELECT count(*) FROM findings WHERE geom && "
                "ST_MakeEnvelope(-180, -90, 180, 90, 4326)"
            )
        ).scalar_one()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[1]] = counts.get(row[1], 0) + 1
    assert by_date == counts
    assert near == ROWS


def test_a_refused_import_alone_leaves_indexes_and_keys_as_they_were(
    postgis_db: Database, season: tuple[Path, list[list[Any]]], dropped: list[str]
) -> None:
    path, rows = season
    rows[-1][4] = "landmine"  # the last row is refused, after every chunk was written
    write(path, rows)
    before = findings_keys(postgis_db)
    with pytest.raises(ImportRefused):
        import_file(postgis_db, "findings", path, take_database=True)
    assert dropped  # they were dropped, and the rollback put them back
    assert findings_keys(postgis_db) == before
    with postgis_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM findings")).scalar_one() == 0


KILLED_IMPORT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from mineaction.intake.pipeline import import_file
    from mineaction.store import load_journal
    from mineaction.store.database import Database
    from mineaction.store.index_rebuild import DeferredIndexes

    def killed(self):  # every row written, indexes and keys dropped, none made again
        assert self.statements and "gix_findings_geom" in " ".join(self.statements)
        os.kill(os.getpid(), signal.SIGKILL)

    load_journal.MIN_ROWS = 1_000
    DeferredIndexes.restore = killed
    import_file(Database(sys.argv[1]), "findings", Path(sys.argv[2]), take_database=True)
    """
)


def test_an_import_killed_while_holding_the_table_leaves_it_as_it_was(
    postgis_db: Database, season: tuple[Path, list[list[Any]]]
) -> None:
    path, _ = season
    before = findings_keys(postgis_db)
    postgis_db.dispose()  # the import is to be the only program connected
    wait_until_closed(postgis_db)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_IMPORT, postgis_db.url, str(path)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # The server rolls the dead client's transaction back: the drops with the rows.
    assert findings_keys(postgis_db) == before
    with postgis_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM findings")).scalar_one() == 0


def test_with_another_program_connected_the_import_holds_nothing(
    postgis_db: Database, season: tuple[Path, list[list[Any]]], dropped: list[str]
) -> None:
    path, _ = season
    before = findings_keys(postgis_db)
    with another_program(postgis_db) as web_server:
        report = import_file(postgis_db, "findings", path, take_database=True)
        # It read the findings throughout; a dropped index would have held it up.
        assert web_server.execute("SELECT count(*) FROM findings").fetchone() == (ROWS,)
    assert report.created == ROWS
    assert dropped == []
    assert findings_keys(postgis_db) == before


def test_an_upload_through_the_server_never_holds_the_table(
    postgis_db: Database, season: tuple[Path, list[list[Any]]], dropped: list[str]
) -> None:
    path, _ = season
    report = import_file(postgis_db, "findings", path)  # take_database off, as the API calls it
    assert report.created == ROWS
    assert dropped == []


def test_nobody_else_counts_other_programs_not_this_process_pools(
    postgis_db: Database,
) -> None:
    # This process's own connections, one of them idle in the pool, do not count.
    with postgis_db.engine.connect() as idle:
        idle.execute(text("SELECT 1"))
    with postgis_db.engine.connect() as conn, postgis_db.reading() as reader:
        reader.execute(text("SELECT 1"))
        assert len(own_backends()) >= 2
        assert nobody_else(conn)
        with another_program(postgis_db) as other:
            assert not nobody_else(conn)
            pid = other.info.backend_pid
        wait_until_closed(postgis_db, {pid})
        assert nobody_else(conn)


def test_deferred_foreign_keys_come_back_after_restore_and_after_a_rollback(
    postgis_db: Database,
) -> None:
    before = findings_keys(postgis_db)
    with postgis_db.engine.connect() as conn, conn.begin() as tx:
        keys = DeferredForeignKeys(conn, "findings")
        keys.drop()
        left = conn.execute(
            text(
                "SELECT count(*) FROM pg_constraint WHERE conrelid = 'findings'::regclass "
                "AND contype = 'f'"
            )
        ).scalar_one()
        assert left == 0 and len(keys.keys) == 5
        tx.rollback()
    assert findings_keys(postgis_db) == before
    with postgis_db.engine.begin() as conn:
        keys = DeferredForeignKeys(conn, "findings")
        keys.drop()
        keys.restore()
    assert findings_keys(postgis_db) == before


def test_a_key_broken_while_dropped_fails_when_it_is_added_again(postgis_db: Database) -> None:
    with postgis_db.engine.connect() as conn, conn.begin():
        keys = DeferredForeignKeys(conn, "findings")
        keys.drop()
        conn.execute(
            text(
                "INSERT INTO findings (version, approval, created_at, updated_at, found_date, "
                "category, quantity, organisation_id, date_precision) "
                "VALUES (1, 'approved', now(), now(), '2024-05-01', 'uxo', 1, 999999, 'day')"
            )
        )
        with pytest.raises(IntegrityError, match="fk_findings_organisation_id_organisations"):
            keys.restore()
