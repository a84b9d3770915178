"""A large SQLite load sends its pages to the disk as it goes, not all at its commit.

Story: the IM officer imports a million findings on a laptop whose disk is
slow; the import's pages go to the disk while the next chunks are checked,
so the commit at the end does not stall for seconds writing all of them.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from mineaction.store import flush_behind, load_journal
from mineaction.store.database import Database
from mineaction.store.flush_behind import flushed_behind
from mineaction.store.load_journal import written_once
from mineaction.store.tables import Organisation


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files synced through ``os.fdatasync`` (really synced), in order."""
    files: list[Path] = []
    real = os.fdatasync

    def recording(fd: int) -> None:
        files.append(Path(os.readlink(f"/proc/self/fd/{fd}")))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", recording)
    monkeypatch.setattr(flush_behind, "INTERVAL_S", 0.02)
    return files


def flushers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "flush-behind"]


def test_a_large_load_syncs_its_file_while_it_runs(sqlite_db: Database, synced: list[Path]) -> None:
    path = sqlite_db.sqlite_path()
    assert path is not None
    with written_once(sqlite_db, load_journal.MIN_ROWS) as switched:
        assert switched
        with sqlite_db.session(actor="test") as s:
            s.add(Organisation(code="LOAD", name="Load", type="commercial"))
            time.sleep(0.2)
        assert len(flushers()) == 1
    during = len(synced)
    assert during >= 2 and set(synced) == {path.resolve()}
    time.sleep(0.1)
    assert len(synced) == during and not flushers()  # stopped with the block


def test_a_small_load_leaves_syncing_to_the_commit(sqlite_db: Database, synced: list[Path]) -> None:
    with written_once(sqlite_db, load_journal.MIN_ROWS - 1) as switched:
        assert not switched
        time.sleep(0.1)
        assert not flushers()
    assert synced == []


def test_a_file_that_cannot_be_opened_is_left_to_sqlite(tmp_path: Path, synced: list[Path]) -> None:
    with flushed_behind(tmp_path / "missing.db"):
        time.sleep(0.05)
        assert not flushers()
    assert synced == []


def test_a_sync_that_fails_stops_the_thread_not_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def failing(fd: int) -> None:
        calls.append(fd)
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "fdatasync", failing)
    target = tmp_path / "load.db"
    target.write_bytes(b"pages")
    with flushed_behind(target, interval_s=0.01):
        time.sleep(0.1)
        assert not flushers()  # it tried once and gave up
    assert len(calls) == 1
