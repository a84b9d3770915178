"""Per-table checksums of a live database prove a backup round trip, even while the app serves.

Story: the national IM officer takes the nightly backup while field
offices keep posting records through the API.  Restored into a fresh
database (SQLite or PostGIS, whatever the source was), every table gives
the checksum the backup recorded, the restored audit chain verifies, and
no record appears without its history: one snapshot, never a torn state.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from mineaction.api.app import create_app
from mineaction.config import get_settings
from mineaction.errors import DatabaseError
from mineaction.services import auth, users
from mineaction.services.audit import verify_chain
from mineaction.services.backup import backup, checksums, restore
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, Organisation
from tests.services.test_backup import TARGETS, field_work

PASSWORD = "harbour lantern quietly 7"


@TARGETS
def test_a_restored_database_has_the_checksums_of_its_source(
    db: Database, empty_db: Database, tmp_path: Path
) -> None:
    field_work(db)
    before = checksums(db)
    made = backup(db, tmp_path / "night.mabackup")
    assert made.tables == before
    restore(empty_db, tmp_path / "night.mabackup")
    assert checksums(empty_db) == before
    assert verify_chain(empty_db).intact


def test_checksums_change_when_one_value_changes(db: Database) -> None:
    field_work(db)
    before = checksums(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE organisations SET name = name || '.' WHERE code = 'HALO'"))
    after = checksums(db)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"organisations"}
    assert after["organisations"].rows == before["organisations"].rows


def test_the_command_prints_the_checksums_as_text_and_json(db: Database, run) -> None:
    field_work(db)
    as_text = run("db", "checksums", "--database", db.url)
    assert as_text.code == 0 and "hazards" in as_text.out
    as_json = json.loads(run("db", "checksums", "--database", db.url, "--format", "json").out)
    digests = checksums(db)
    assert as_json["hazards"] == {"rows": 1, "sha256": digests["hazards"].sha256}
    assert set(as_json) == set(digests)


@pytest.mark.parametrize("empty_db", ["sqlite"], indirect=True)
def test_it_refuses_a_database_without_schema(empty_db: Database, run) -> None:
    with pytest.raises(DatabaseError, match="nothing to checksum"):
        checksums(empty_db)
    answer = run("db", "checksums", "--database", empty_db.url)
    assert answer.code == 1 and "Traceback" not in answer.err


@TARGETS
def test_a_backup_taken_while_the_api_takes_writes_restores_to_one_snapshot(
    db: Database, empty_db: Database, tmp_path: Path
) -> None:
    secret = get_settings().secret_key
    with db.session(actor="test-setup") as s:
        users.add_user(session=s, username="elvin", role="im_officer", password=PASSWORD)
        token = auth.create_token(session=s, username="elvin", name="tests", secret=secret)
    client = TestClient(create_app(db.url), headers={"Authorization": f"Bearer {token}"})
    stop, posted, failures = threading.Event(), [0], []

    def field_office() -> None:
        while not stop.is_set():
            row = {"code": f"T{posted[0]:04d}", "name": "Mobile team", "type": "ngo"}
            answer = client.post("/api/records/organisations", json={"row": row})
            if answer.status_code != 201:
                failures.append(answer.text)
            posted[0] += 1

    def slow_down(table: str, done: int, total: int) -> None:
        # Let the office post between the audit log and the organisations being read.
        if table == "audit_log" and done == total:
            start, deadline = posted[0], time.monotonic() + 20
            while posted[0] < start + 5 and time.monotonic() < deadline:
                stop.wait(0.01)

    writer = threading.Thread(target=field_office, daemon=True)
    writer.start()
    try:
        while posted[0] < 3:
            stop.wait(0.01)
        made = backup(db, tmp_path / "busy.mabackup", progress=slow_down)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert failures == []
    restore(empty_db, tmp_path / "busy.mabackup")
    assert checksums(empty_db) == made.tables
    report = verify_chain(empty_db)
    assert report.intact and report.entries == made.tables["audit_log"].rows
    with empty_db.engine.connect() as conn:
        orgs = set(conn.scalars(select(Organisation.id).where(Organisation.code.like("T%"))))
        created = set(
            conn.scalars(
                select(AuditEntry.record_id).where(
                    AuditEntry.kind == "organisations", AuditEntry.action == "create"
                )
            )
        )
    assert orgs and orgs == created
    assert verify_chain(db).intact and posted[0] > len(orgs)
