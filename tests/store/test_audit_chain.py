"""The audit log is a hash chain: any change made behind the application's back is caught.

Story: a data officer records field work and imports a season of findings;
then someone with direct access to the database quietly edits, deletes or
reorders history.  ``mineaction audit verify`` names the first entry that no
longer holds, on SQLite and on PostGIS, and concurrent writers never fork
the chain.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from mineaction.intake.pipeline import import_file
from mineaction.services.audit import verify_chain
from mineaction.services.records import update_record
from mineaction.store import audit_chain
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, Hazard, Organisation
from tests.factories import hazard, operator


def field_work(db: Database, tmp_path: Path) -> None:
    """Records made one by one through the ORM, then findings through the bulk import."""
    with db.session(actor="data-officer") as s:
        operator(s)
        h = hazard(s, size_m=200)
        s.flush()
        update_record(
            s, Hazard, h.id, expected_version=h.version, changes={"name": "Near the école"}
        )
    path = tmp_path / "findings.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["id", "date", "operator", "category", "model", "quantity", "lon", "lat"])
        for i in range(40):
            w.writerow(
                [f"F-{i}", "2024-05-02", "ANAMA", "at_mine", "TM-62M", 1, 46.93 + i / 1e4, 39.99]
            )
    import_file(db, "findings", path, actor="im-officer")


def tamper(db: Database, sql: str, **params: object) -> None:
    """Run ``sql`` on the audit log as a database administrator would: triggers off."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            conn.execute(text(sql), params)
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        else:
            saved = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_log'"
            ).all()
            for name, _ in saved:
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            conn.execute(text(sql), params)
            for _, ddl in saved:
                conn.exec_driver_sql(ddl)


def entry_ids(db: Database) -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


def test_every_entry_written_by_the_orm_and_the_bulk_import_is_chained(
    db: Database, tmp_path: Path
) -> None:
    field_work(db, tmp_path)
    report = verify_chain(db)
    ids = entry_ids(db)
    assert report.intact and report.entries == len(ids) and report.last_id == ids[-1]
    with db.engine.connect() as conn:
        first = conn.execute(select(AuditEntry.prev_hash).order_by(AuditEntry.id)).first()
        bulk = conn.scalar(select(func.count()).where(AuditEntry.actor == "im-officer"))
    assert first is not None and first[0] == audit_chain.GENESIS
    assert bulk == 40 + 1  # the findings and the catalogue entry the import added


def test_it_catches_an_entry_edited_behind_the_apps_back(db: Database, tmp_path: Path) -> None:
    field_work(db, tmp_path)
    victim = entry_ids(db)[5]
    tamper(db, "UPDATE audit_log SET actor = 'someone-else' WHERE id = :id", id=victim)
    report = verify_chain(db)
    assert report.broken_at == victim and report.entries == 6
    assert "content no longer matches" in (report.reason or "")


def test_it_catches_an_edit_to_the_json_of_a_bulk_entry(db: Database, tmp_path: Path) -> None:
    field_work(db, tmp_path)
    last = entry_ids(db)[-1]
    with db.engine.connect() as conn:
        after = conn.scalar(select(AuditEntry.after).where(AuditEntry.id == last))
    assert after is not None
    after["quantity"] = 2
    value = "CAST(:after AS JSON)" if db.dialect == "postgresql" else ":after"
    tamper(
        db, f"UPDATE audit_log SET after = {value} WHERE id = :id", after=json.dumps(after), id=last
    )
    assert verify_chain(db).broken_at == last


def test_it_catches_a_deleted_entry_and_a_rewritten_hash(db: Database, tmp_path: Path) -> None:
    field_work(db, tmp_path)
    ids = entry_ids(db)
    tamper(db, "DELETE FROM audit_log WHERE id = :id", id=ids[3])
    report = verify_chain(db)
    assert report.broken_at == ids[4] and "link" in (report.reason or "")


def test_recomputing_the_edited_entrys_own_hash_does_not_hide_it(
    db: Database, tmp_path: Path
) -> None:
    field_work(db, tmp_path)
    ids = entry_ids(db)
    with db.engine.connect() as conn:
        entry = next(audit_chain.stored(conn, after_id=ids[2] - 1, limit=1))
        actor = conn.scalar(select(AuditEntry.actor).where(AuditEntry.id == ids[2]))
    forged = audit_chain.link(entry.prev_hash or "", entry.content.replace(f'"{actor}"', '"x"', 1))
    tamper(
        db,
        "UPDATE audit_log SET actor = 'x', hash = :hash WHERE id = :id",
        hash=forged,
        id=ids[2],
    )
    report = verify_chain(db)
    assert report.broken_at == ids[3] and "link" in (report.reason or "")


def test_concurrent_writers_never_fork_the_chain(db: Database) -> None:
    errors: list[BaseException] = []

    def field_office(n: int) -> None:
        try:
            for i in range(8):
                with db.session(actor=f"office-{n}") as s:
                    s.add(Organisation(code=f"ORG-{n}-{i}", name="Mobile team", type="ngo"))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=field_office, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if db.dialect == "sqlite":  # one writer at a time: some may wait out the busy timeout
        errors = [e for e in errors if "locked" not in str(e)]
    assert errors == []
    report = verify_chain(db)
    assert report.intact and report.entries == len(entry_ids(db))
    with db.engine.connect() as conn:
        links = conn.execute(select(AuditEntry.prev_hash, AuditEntry.hash)).all()
    prevs = [p for p, _ in links]
    assert len(set(prevs)) == len(prevs)  # no two entries follow the same one


def test_an_empty_log_is_intact(db: Database) -> None:
    tamper(db, "DELETE FROM audit_log")
    report = verify_chain(db)
    assert report.intact and report.entries == 0 and report.head == audit_chain.GENESIS


def test_the_command_reports_the_first_broken_entry(db: Database, tmp_path: Path, run) -> None:
    field_work(db, tmp_path)
    ok = run("audit", "verify", "--database", db.url)
    assert ok.code == 0 and "intact" in ok.out
    victim = entry_ids(db)[1]
    tamper(
        db, "UPDATE audit_log SET at = :at WHERE id = :id", at=dt.datetime(2020, 1, 1), id=victim
    )
    bad = run("audit", "verify", "--database", db.url)
    assert bad.code == 2 and f"entry {victim} breaks the chain" in bad.err
    assert "Traceback" not in bad.err
    as_json = json.loads(run("audit", "verify", "--database", db.url, "--format", "json").out)
    assert as_json["broken_at"] == victim and as_json["intact"] is False


@pytest.mark.parametrize("entries", [0, 3])
def test_the_chain_starts_from_genesis_or_the_last_entry(db: Database, entries: int) -> None:
    tamper(db, "DELETE FROM audit_log")
    for i in range(entries):
        with db.session(actor="a") as s:
            s.add(Organisation(code=f"O{i}", name="x", type="ngo"))
    with db.engine.begin() as conn:
        last_id, prev = audit_chain.tail(conn)
    assert (last_id == 0) == (entries == 0)
    assert (prev == audit_chain.GENESIS) == (entries == 0)
