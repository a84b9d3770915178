"""Only the command line lets a large import take an SQLite file for itself.

Story: the IM officer's `mineaction import` of a national file may write the
database through a rollback journal when nothing else has it open
(``store/load_journal.py``); an upload through the API never does, since
the server's other requests read the same database meanwhile.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mineaction.intake.bulk import run as bulk_run
from mineaction.store import load_journal
from mineaction.store.database import Database
from tests.api.conftest import World

ROWS = b"id,date,category,quantity,lon,lat\nTD-1,2024-06-07,uxo,1,46.95,39.98\n"


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """The rows each bulk import expected when it asked to take the file, and the answer."""
    calls: list[tuple[int, bool]] = []
    real = bulk_run.written_once

    @contextmanager
    def spy(db: Database, expected_rows: int) -> Iterator[bool]:
        with real(db, expected_rows) as switched:
            calls.append((expected_rows, switched))
            yield switched

    monkeypatch.setattr(bulk_run, "written_once", spy)
    monkeypatch.setattr(load_journal, "MIN_ROWS", 1)  # any file counts as large here
    return calls


def test_the_command_line_takes_an_sqlite_file_it_has_alone(
    sqlite_db: Database, tmp_path: Path, run: Any, asked: list[tuple[int, bool]]
) -> None:
    path = tmp_path / "national.csv"
    path.write_bytes(ROWS)
    sqlite_db.dispose()  # nothing else holds the file
    result = run("import", "findings", str(path), "--database", sqlite_db.url)
    assert result.code == 0, result.err
    assert asked == [(1, True)]


def test_an_upload_through_the_api_never_takes_the_file(
    world: World, asked: list[tuple[int, bool]]
) -> None:
    files = {"file": ("td.csv", io.BytesIO(ROWS), "text/csv")}
    answer = world.client("elvin").post("/api/import/findings", files=files)
    assert answer.status_code == 200, answer.text
    assert asked == [(0, False)]
