"""PostgreSQL takes a chunk's COPY in a thread; the import's next statement waits for it.

Story: while the server writes one chunk of a large import, the import goes
on with the next.  Anything else the import asks of the connection must see
the chunk written, and a COPY that fails must fail the import, not vanish.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mineaction.intake.bulk.background_copy import BackgroundCopy
from mineaction.store.database import Database


def test_the_next_statement_waits_for_the_copy_and_sees_its_rows(postgis_db: Database) -> None:
    with postgis_db.engine.begin() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE taken (n integer)"))
        copier = BackgroundCopy(conn)
        driver = conn.connection.driver_connection

        def job() -> None:
            time.sleep(0.5)  # the server is slow: the statement below must wait
            with driver.cursor().copy("COPY taken (n) FROM STDIN") as copy:  # type: ignore[union-attr]
                for n in range(1000):
                    copy.write_row((n,))

        copier.start(job)
        assert conn.execute(text("SELECT count(*), sum(n) FROM taken")).one() == (1000, 499500)
        copier.finish()
        copier.close()


def test_a_failed_copy_fails_the_import_at_its_next_statement(postgis_db: Database) -> None:
    with postgis_db.engine.connect() as conn:
        copier = BackgroundCopy(conn)
        driver = conn.connection.driver_connection

        def job() -> None:
            with driver.cursor().copy("COPY no_such_table (n) FROM STDIN") as copy:  # type: ignore[union-attr]
                copy.write_row((1,))

        copier.start(job)
        with pytest.raises(DBAPIError) as failed:
            conn.execute(text("SELECT 1"))
        assert isinstance(failed.value.orig, psycopg.errors.UndefinedTable)
        copier.close()
        conn.rollback()
        assert conn.execute(text("SELECT 1")).scalar_one() == 1  # no longer watched
