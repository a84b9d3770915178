"""A large import's audit hashes, made by a process of their own, are the chain's own.

Story: the national IM officer imports a season of findings large enough
that the audit entries are sealed by a second process (``chain_worker.py``)
while the import goes on.  The hashes must be those the importing process
makes, link for link, across chunks and across the rows the per-row code
writes between them, on both databases; if that process dies, the import
stops with a message that says what happened and leaves the database as it
was; where no second process can be started, the import seals the entries
itself.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from sqlalchemy import text

from mineaction import chain_worker
from mineaction.chain_worker import ChainWorker
from mineaction.errors import WorkerStopped
from mineaction.intake.bulk import writer
from mineaction.services.audit import verify_chain
from mineaction.store import audit_chain
from mineaction.store.database import Database
from tests.intake.test_bulk import plain_rows, setup_references
from tests.intake.test_bulk_store_forms import import_season, season_changing_a_bulk_row


def entries(n: int, first_record: int) -> dict[str, Any]:
    """Audit columns of ``n`` created records, with text that JSON and ``%`` both touch."""
    return {
        "at": dt.datetime(2026, 11, 30, 8, 15, 2, 71, tzinfo=dt.UTC),
        "actor": "ops 100% Şəki",
        "action": "create",
        "kind": "findings",
        "record_id": list(range(first_record, first_record + n)),
        "record_version": 1,
        "note": 'import "season" 50%',
    }


def test_the_worker_makes_the_hashes_the_import_makes_itself(sqlite_db: Database) -> None:
    afters = pa.array(
        ['{"a":1}', '{"b":"\\u015f 5%"}', '{"c":null,"d":"%s"}', '{"e":[]}', '{"f":2}'],
        type=pa.string(),
    )
    # Three requests: the chain's start, one going on from the worker's last hash, and one
    # naming the entry to follow (as after the per-row code wrote); the last on a slice.
    requests = [
        (afters.slice(0, 2), [1, 2], (0, audit_chain.GENESIS)),
        (afters.slice(2, 2), [3, 4], None),
        (afters.slice(1, 4), [9, 10, 11, 12], (8, "ab" * 32)),
    ]
    worker = ChainWorker.start()
    assert worker is not None
    try:
        with sqlite_db.engine.connect() as conn:
            own_tail: tuple[int, str] | None = None
            for texts, ids, named in requests:
                made_here = entries(len(ids), first_record=100 + ids[0])
                tail = named or own_tail
                assert tail is not None
                audit_chain.seal_columns(
                    conn, made_here, len(ids), texts.to_pylist(), known_tail=tail, ids=ids
                )
                by_worker = entries(len(ids), first_record=100 + ids[0])
                audit_chain.send_seal(
                    worker,
                    conn,
                    by_worker,
                    texts,
                    known_tail=named or (ids[0] - 1, None),
                    ids=ids,
                )
                audit_chain.receive_seal(worker, by_worker)
                assert by_worker["id"] == made_here["id"] == ids
                assert by_worker["prev_hash"] == made_here["prev_hash"]
                assert by_worker["hash"] == made_here["hash"]
                own_tail = (ids[-1], made_here["hash"][-1])
    finally:
        worker.close()
    assert worker.process.returncode == 0


def chain_season(db: Database, tmp_path: Path, rows: int = 140) -> tuple[Path, int]:
    """A season whose rows the bulk path writes, but for one the per-row code writes."""
    with db.session() as s:
        setup_references(s)
        season = plain_rows(s, rows, seed=41)

    def add_one(row: list[Any]) -> None:
        row[6] = int(row[6]) + 1

    path, _ = season_changing_a_bulk_row(db, tmp_path, season, prefix="W", at=70, change=add_one)
    return path, len(season)


def test_a_large_import_sealed_by_the_worker_keeps_the_chain_whole(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "WORKER_ROWS", 1)
    season, rows = chain_season(sqlite_db, tmp_path)
    requests: list[bool] = []
    send = ChainWorker.send

    def spy(self: ChainWorker, tail: str | None, *args: Any) -> None:
        requests.append(tail is not None)
        send(self, tail, *args)

    monkeypatch.setattr(ChainWorker, "send", spy)
    report = import_season(sqlite_db, season, chunk_rows=30)
    assert (report.created, report.updated) == (rows - 1, 1)
    # Every chunk went to the worker; the chain was named to it at the start and again
    # after the per-row code's change, and went on from the worker's own hash otherwise.
    assert len(requests) >= 5 and requests[0] and requests.count(True) == 2
    chain = verify_chain(sqlite_db)
    assert chain.intact, chain.reason
    assert chain.entries >= rows + 1


def test_an_import_whose_worker_dies_stops_and_writes_nothing(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "WORKER_ROWS", 1)
    season, _ = chain_season(sqlite_db, tmp_path)
    with sqlite_db.engine.connect() as conn:
        before = conn.execute(
            text("SELECT (SELECT count(*) FROM findings), (SELECT count(*) FROM audit_log)")
        ).one()
    workers: list[ChainWorker] = []
    send = ChainWorker.send

    def killed_after_one_chunk(self: ChainWorker, *args: Any) -> None:
        workers.append(self)
        if len(workers) == 2:
            self.process.kill()
            self.process.wait()
        send(self, *args)

    monkeypatch.setattr(ChainWorker, "send", killed_after_one_chunk)
    with pytest.raises(WorkerStopped, match=r"stopped \(exit code -9\); nothing was written") as e:
        import_season(sqlite_db, season, chunk_rows=30)
    assert e.value.hint == "Run the import again."
    with sqlite_db.engine.connect() as conn:
        after = conn.execute(
            text("SELECT (SELECT count(*) FROM findings), (SELECT count(*) FROM audit_log)")
        ).one()
    assert tuple(after) == tuple(before)
    assert verify_chain(sqlite_db).intact


@pytest.mark.parametrize("where", ["frozen", "zipped", "postgresql"])
def test_otherwise_the_import_seals_its_entries_itself(
    sqlite_db: Database,
    postgis_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    # A frozen program (one executable, no Python to start a second process with); a
    # package imported from a zip archive (no file to run); and PostgreSQL, whose server a
    # third process would compete with for the cores.
    monkeypatch.setattr(writer, "WORKER_ROWS", 1)
    if where == "frozen":
        monkeypatch.setattr(sys, "frozen", True, raising=False)
        assert ChainWorker.start() is None
    if where == "zipped":
        monkeypatch.setattr(chain_worker, "__file__", "/opt/app.zip/mineaction/chain_worker.py")
        assert ChainWorker.start() is None
    db = postgis_db if where == "postgresql" else sqlite_db
    started: list[ChainWorker | None] = []
    start = ChainWorker.start.__func__  # type: ignore[attr-defined]

    def spy(cls: type[ChainWorker]) -> ChainWorker | None:
        started.append(start(cls))
        return started[-1]

    monkeypatch.setattr(ChainWorker, "start", classmethod(spy))
    season, rows = chain_season(db, tmp_path)
    report = import_season(db, season, chunk_rows=30)
    assert report.created == rows - 1
    assert not any(started)
    chain = verify_chain(db)
    assert chain.intact, chain.reason


def test_ctrl_c_is_left_to_the_import_and_a_closed_input_ends_the_worker(
    sqlite_db: Database,
) -> None:
    # Ctrl-C reaches every process of the terminal's job: the worker goes on (the import
    # decides), and ends, without a word, once the import closes its input.
    worker = ChainWorker.start()
    assert worker is not None
    try:
        texts = pa.array(['{"a":1}'], type=pa.string())
        first, second = entries(1, first_record=7), entries(1, first_record=8)
        with sqlite_db.engine.connect() as conn:
            # One answer first: the worker is past setting its handlers.
            tail = (0, audit_chain.GENESIS)
            audit_chain.send_seal(worker, conn, first, texts, known_tail=tail, ids=[1])
            audit_chain.receive_seal(worker, first)
            os.kill(worker.process.pid, signal.SIGINT)
            audit_chain.send_seal(worker, conn, second, texts, known_tail=(1, None), ids=[2])
            audit_chain.receive_seal(worker, second)
        assert second["prev_hash"] == first["hash"] and len(second["hash"][0]) == 64
    finally:
        worker.close()
    assert worker.process.returncode == 0
