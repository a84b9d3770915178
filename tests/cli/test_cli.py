"""The command line, as the national IM officer uses it, on both backends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from mineaction.services.status import STATUS_KINDS
from mineaction.store import schema
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry
from tests.conftest import BACKENDS
from tests.factories import hazard, operator


def test_status_as_json_has_exactly_the_documented_keys(db: Database, run) -> None:
    with db.session() as s:
        hazard(s)
        operator(s)
    result = run("status", "--database", db.url, "--format", "json")
    assert result.code == 0, result.err
    counts = json.loads(result.out)
    assert list(counts) == [
        "organisations",
        "admin_areas",
        "hazards",
        "activities",
        "land_releases",
        "findings",
        "accidents",
        "victims",
        "minefield_records",
        "eore_sessions",
        "assistance",
        "equipment",
        "projects",
    ]
    assert list(counts) == list(STATUS_KINDS)
    assert counts["hazards"] == 1 and counts["organisations"] == 1
    assert counts["admin_areas"] == 81


def test_status_as_text_is_a_table(db: Database, run) -> None:
    result = run("status", "--database", db.url)
    assert result.code == 0
    assert "Administrative areas" in result.out and "81" in result.out
    assert "EORE sessions" in result.out


@pytest.mark.parametrize("empty_db", BACKENDS, indirect=True)
def test_init_twice_is_safe_and_loads_the_districts_once(empty_db: Database, run) -> None:
    first = run("init", "--database", empty_db.url)
    second = run("init", "--database", empty_db.url)
    assert (first.code, second.code) == (0, 0), first.err + second.err
    assert "81 administrative areas" in second.out
    assert "CC BY-SA 3.0" in first.out
    counts = json.loads(run("status", "-d", empty_db.url, "--format", "json").out)
    assert counts["admin_areas"] == 81
    assert schema.current_revision(empty_db) == schema.head_revision()


def test_the_database_url_comes_from_the_environment(
    db: Database, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mineaction.config import get_settings

    monkeypatch.setenv("MINEACTION_DATABASE_URL", db.url)
    get_settings.cache_clear()
    try:
        result = run("status", "--format", "json")
    finally:
        get_settings.cache_clear()
    assert result.code == 0, result.err
    assert json.loads(result.out)["admin_areas"] == 81


def test_it_refuses_a_database_without_schema_with_a_sentence(tmp_path: Path, run) -> None:
    missing = tmp_path / "nothing.db"
    result = run("status", "--database", f"sqlite:///{missing}")
    assert result.code == 1
    assert "does not exist" in result.err and "mineaction init" in result.err
    assert "Traceback" not in result.err
    assert not missing.exists()


def test_it_explains_an_unreachable_server(run) -> None:
    result = run("status", "--database", "postgresql://postgres@127.0.0.1:1/none")
    assert result.code == 1
    assert "Cannot connect" in result.err and "MINEACTION_DATABASE_URL" in result.err
    assert "Traceback" not in result.err


def test_it_refuses_an_unsupported_database(run) -> None:
    result = run("status", "--database", "mysql://root@localhost/x")
    assert result.code == 1 and "not supported" in result.err


def test_a_bad_option_value_is_a_usage_error(db: Database, run) -> None:
    result = run("status", "--database", db.url, "--format", "xml")
    assert result.code == 2 and "not one of" in result.err


def test_admin_areas_load_reads_another_countrys_file(db: Database, run, tmp_path: Path) -> None:
    file = tmp_path / "areas.geojson"
    file.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"NAME_2": "Ulug District", "ID": "XX-1"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [[10, 10], [10.5, 10], [10.5, 10.5], [10, 10.5], [10, 10]]
                            ],
                        },
                    },
                ],
            }
        )
    )
    result = run(
        "admin-areas",
        "load",
        str(file),
        "--name-field",
        "NAME_2",
        "--code-field",
        "ID",
        "--country",
        "XXX",
        "-d",
        db.url,
    )
    assert result.code == 0, result.err
    listed = json.loads(run("admin-areas", "list", "--format", "json", "-d", db.url).out)
    ulug = next(a for a in listed if a["code"] == "XX-1")
    assert ulug["name"] == "Ulug District" and 2_900 < ulug["area_km2"] < 3_100
    with db.session() as s:
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.kind == "admin_areas", AuditEntry.action == "create")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert (entry.actor, entry.note) == ("cli", "admin-areas load areas.geojson")
    assert entry.after["code"] == "XX-1"


def test_admin_areas_load_names_the_feature_with_a_missing_name(
    db: Database, run, tmp_path: Path
) -> None:
    file = tmp_path / "areas.geojson"
    file.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"other": "x"},
                        "geometry": {"type": "Point", "coordinates": [10, 10]},
                    }
                ],
            }
        )
    )
    result = run("admin-areas", "load", str(file), "-d", db.url)
    assert result.code == 1
    assert "feature 1" in result.err and "shapeName" in result.err and "other" in result.err


def test_the_installed_console_script_runs(db: Database) -> None:
    exe = Path(sys.executable).with_name("mineaction")
    done = subprocess.run(
        [str(exe), "status", "-d", db.url, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["admin_areas"] == 81


@pytest.mark.parametrize("empty_db", BACKENDS, indirect=True)
def test_backup_verify_and_restore_from_the_command_line(
    db: Database, empty_db: Database, run, tmp_path: Path
) -> None:
    with db.session() as s:
        hazard(s)
    file = tmp_path / "nightly.backup"
    made = run("backup", str(file), "-d", db.url)
    assert made.code == 0, made.err
    assert "Backup written" in made.out
    checked = run("verify-backup", str(file))
    assert checked.code == 0 and "is intact" in checked.out
    again = run("backup", str(file), "-d", db.url)
    assert again.code == 1 and "already exists" in again.err and "overwriting" in again.err
    restored = run("restore", str(file), "-d", empty_db.url)
    assert restored.code == 0, restored.err
    assert json.loads(run("status", "-d", empty_db.url, "-f", "json").out)["hazards"] == 1
    refused = run("restore", str(file), "-d", empty_db.url)
    assert refused.code == 1 and "--force" in refused.err
    assert run("restore", str(file), "-d", empty_db.url, "--force").code == 0


def test_demo_builds_once_then_reuses_and_every_output_says_synthetic(db: Database, run) -> None:
    built = run("demo", "--no-serve", "--scale", "0.03", "--database", db.url)
    assert built.code == 0, built.err
    assert "SYNTHETIC DEMO DATA" in built.out and "per week" in built.out
    counts = json.loads(run("status", "-d", db.url, "-f", "json").out)
    assert counts["hazards"] > 0 and counts["findings"] > 0 and counts["victims"] > 0
    again = run("demo", "--no-serve", "--database", db.url)
    assert again.code == 0 and "reusing it" in " ".join(again.out.split())  # long URLs wrap
    assert json.loads(run("status", "-d", db.url, "-f", "json").out) == counts
    assert "SYNTHETIC DEMO DATA" in run("status", "-d", db.url).out
    from mineaction.demo.accounts import ACCOUNTS, DEMO_PASSWORD
    from mineaction.services import users

    with db.session() as s:  # one account per role, signed in with the published password
        for name, role, _org in ACCOUNTS:
            account = users.get_user(s, name)
            assert account.role == role and users.verify_password(account, DEMO_PASSWORD)
