"""Nine writers change the same three records at once: nothing is lost, nothing locks up.

Six API writers (threads, through a real uvicorn server) and three CLI
writers (processes running ``mineaction import`` with a ``version`` column)
change the quantity of the same three draft findings, each sending the
version it read.  Every write is accepted or refused with a conflict that
says what to do; no "database is locked" and no server error reaches
anyone; the history holds exactly one entry per accepted write, and each
record holds its last accepted write.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench.reliability.writers import ROW, officer_with_drafts, run_writers, serve
from mineaction.api.app import create_app
from mineaction.config import Settings
from mineaction.errors import BusyError
from mineaction.store import database
from mineaction.store.database import Database
from mineaction.store.tables import Finding

API_WRITERS, CLI_WRITERS = 6, 3


@pytest.fixture
def elvin(db: Database) -> tuple[str, list[int]]:
    """Elvin, the IM officer, with an API token and three draft findings of his own."""
    return officer_with_drafts(db, 3)


@pytest.mark.slow
def test_nine_writers_on_three_records_lose_nothing_and_never_see_a_lock(
    db: Database, elvin: tuple[str, list[int]]
) -> None:
    token, record_ids = elvin
    app = create_app(db.url, settings=Settings())
    with serve(app) as base_url:
        figures, outcome, wrong = run_writers(
            db,
            base_url,
            token,
            record_ids,
            api_writers=API_WRITERS,
            cli_writers=CLI_WRITERS,
            api_rounds=6,
            cli_rounds=4,
        )
    print(figures.as_dict())
    assert outcome.failures == []  # no 500, no "database is locked", no other error
    assert wrong == []
    writers = {w.writer for w in outcome.writes}
    assert len(writers) == API_WRITERS + CLI_WRITERS
    assert figures.cli_accepted > 0, "no CLI writer got a change in: the CLI was not tested"
    assert outcome.conflicts, "the writers never clashed: the test proves nothing"
    for refused in outcome.conflicts:
        assert "nothing was written" in refused.message or "someone else" in refused.message


def test_a_writer_kept_waiting_too_long_is_told_to_try_again_and_nothing_is_written(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holds SQLite's write lock past the wait: a clear 503, never a 500."""
    token, record_ids = officer_with_drafts(sqlite_db, 3)
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 300)  # not 30 s in a test
    path = sqlite_db.sqlite_path()
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. a long import, or a tool left in a transaction
    try:
        client = TestClient(create_app(sqlite_db.url, settings=Settings()))
        url = f"/api/records/findings/{record_ids[0]}"
        answer = client.put(
            url,
            headers={"Authorization": f"Bearer {token}"},
            json={"row": ROW | {"quantity": 7}, "version": 1},
        )
        assert answer.status_code == 503
        error = answer.json()["error"]
        assert error["code"] == "busy"
        assert "nothing was written" in error["message"]
        assert "Try again" in error["hint"]
        with pytest.raises(BusyError), Database(sqlite_db.url).session(actor="elvin") as s:
            s.get(Finding, record_ids[0])
    finally:
        holder.rollback()
        holder.close()
    with sqlite_db.session() as s:
        draft = s.get_one(Finding, record_ids[0])
        assert (draft.quantity, draft.version) == (1, 1)


def test_a_cli_import_edited_from_an_old_version_is_refused_and_says_what_to_do(
    db: Database, tmp_path: Path, run
) -> None:
    """Elvin edits an exported row while Leyla changes the draft: his import must not undo hers."""
    _token, record_ids = officer_with_drafts(db, 3)
    with db.session(actor="leyla") as s:
        s.get_one(Finding, record_ids[0]).quantity = 5  # version 1 → 2
    path = tmp_path / "edited.csv"
    row = ROW | {"quantity": 9}

    def write(version: int) -> None:
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["id", "version", *row])
            writer.writerow([f"findings-{record_ids[0]}", version, *row.values()])

    write(1)
    errors = tmp_path / "errors.csv"
    refused = run(
        "import", "findings", str(path), "--status", "draft", "--database", db.url,
        "--errors", str(errors),
    )  # fmt: skip
    assert refused.code == 1
    assert "column version" in refused.err and "someone else changed it" in refused.err
    # The table on the terminal wraps to its width; the errors file holds each problem whole.
    with errors.open(encoding="utf-8-sig") as problems:
        (problem,) = list(csv.DictReader(problems))
    assert "someone else changed it" in problem["reason"]
    assert "import the row with version 2" in problem["hint"]
    with db.session() as s:
        draft = s.get_one(Finding, record_ids[0])
        assert (draft.quantity, draft.version) == (5, 2)
    write(2)
    accepted = run("import", "findings", str(path), "--status", "draft", "--database", db.url)
    assert accepted.code == 0, accepted.err
    with db.session() as s:
        draft = s.get_one(Finding, record_ids[0])
        assert (draft.quantity, draft.version) == (9, 3)
