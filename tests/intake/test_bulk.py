"""The bulk path for large files gives what the per-row path gives: records, history, problems.

Story: the national IM officer imports an operator's season of EO findings.
The same file goes through the per-row path into one database and through
the bulk path into another; the stored rows, their history and the problems
must be the same.  The files mix plain rows with every odd case the bulk
path leaves to the per-row code (decimal commas, a point just over the
border, a point on a border between two districts, export ids).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.intake.bulk import import_table
from mineaction.intake.kinds import get_kind
from mineaction.intake.pipeline import ImportRefused, ImportReport, import_file
from mineaction.intake.readers import open_table
from mineaction.services.country import current_country
from mineaction.store import load_journal
from mineaction.store.database import Database
from mineaction.store.tables import Activity, AdminArea, AuditEntry, EOModel, Finding
from tests.conftest import fresh_database
from tests.factories import AGDAM, operator

HEADER = ["id", "date", "operator", "district", "category", "model", "quantity", "lon", "lat"]
HEADER += ["activity_id", "date_precision"]
MODELS = {"at_mine": ["TM-62M", "TM-57"], "ap_mine": ["PMN-2", "PMN"], "uxo": ["122 mm shell", ""]}


def write(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def setup_references(session: Session) -> None:
    """The operators and the activity the rows name."""
    org = operator(session)
    operator(session, "HALO", "international_ngo")
    session.add(
        Activity(
            reference="ACT-1",
            source_id="ACT-1",
            activity_type="clearance_manual",
            organisation_id=org.id,
            start_date=dt.date(2024, 1, 10),
        )
    )
    session.flush()


def plain_rows(session: Session, n: int, seed: int) -> list[list[Any]]:
    """Return ``n`` ordinary findings at random points of three Karabakh districts."""
    rng = random.Random(seed)
    areas = [
        session.scalars(select(AdminArea).where(AdminArea.name == name)).one()
        for name in ("Agdam District", "Fuzuli District", "Khojavend District")
    ]
    rows = []
    for i in range(n):
        area = areas[i % len(areas)]
        minx, miny, maxx, maxy = area.geom.bounds
        while True:
            x, y = round(rng.uniform(minx, maxx), 6), round(rng.uniform(miny, maxy), 6)
            if area.geom.contains(Point(x, y)):
                break
        category = rng.choice(sorted(MODELS))
        rows.append(
            [
                f"S{seed}-{i:05d}",
                (dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(500))).isoformat(),
                rng.choice(["ANAMA", "HALO", "halo", ""]),
                area.name if i % 4 == 0 else "",
                category,
                rng.choice(MODELS[category]),
                rng.choice([1, 1, 1, 2, 5]),
                x,
                y,
                "ACT-1" if i % 7 == 0 else "",
                rng.choice(["", "", "day", "month"]),
            ]
        )
    return rows


def odd_rows(session: Session) -> list[list[Any]]:
    """Rows that are valid but that the bulk path leaves to the per-row code."""
    country = current_country(session, "AZE")
    assert country is not None
    # just north of the country's northernmost corner: outside, but within 1 km
    coords = np.concatenate([np.asarray(p.exterior.coords) for p in country.geometry.geoms])
    top = coords[np.argmax(coords[:, 1])]
    near = (float(top[0]), float(top[1]) + 0.003)
    assert not country.geometry.contains(Point(near)) and country.contains(Point(near))
    # a corner Agdam shares with a neighbour: covered by two districts
    agdam, others = _agdam_and_neighbours(session)
    shared = next(
        (float(x), float(y))
        for x, y in np.asarray(agdam.exterior.coords if agdam.geom_type == "Polygon" else
                               agdam.geoms[0].exterior.coords)
        if any(o.covers(Point(x, y)) for o in others)
    )  # fmt: skip
    return [
        ["ODD-1", "2024-03-01", "ANAMA", "", "ap_mine", "PMN-2", 1, "46,93", "39,99", "", ""],
        ["ODD-2", "2024-03-02", "ANAMA", "", "uxo", "", 3, *near, "", ""],
        ["ODD-3", "2024-03-03", "HALO", "", "at_mine", "TM-62M", 1, *shared, "", ""],
        ["ODD-4", "2024-03-04T10:30", "ANAMA", "Füzuli", "uxo", "", 2, "", "", "", "month"],
        ["findings-999", "2024-03-05", "", "Aghdam", "ap_mine", "PMN", 1, "", "", "", ""],
        ["", "2024-03-06", "ANAMA", "", "ap_mine", "PMN-2", 1, *AGDAM, "", ""],
        ["ODD-7", " 2024-03-07 ", " ANAMA ", "", " UXO ", " Mortar ", " 2.0 ", 46.9, 40.0, "", ""],
    ]


def bad_rows() -> list[list[Any]]:
    """Rows that each break one rule (and the plain rows around them stay clean)."""
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return [
        ["BAD-1", "2024-05-01", "ANAMA", "", "at_mines", "", 1, *AGDAM, "", ""],
        ["BAD-2", future, "ANAMA", "", "uxo", "", 1, *AGDAM, "", ""],
        ["BAD-3", "2024-05-01", "ANAMA", "", "uxo", "", 0, *AGDAM, "", ""],
        ["BAD-4", "2024-05-01", "NOBODY", "", "uxo", "", 1, *AGDAM, "", ""],
        ["BAD-5", "2024-05-01", "ANAMA", "", "uxo", "", 1, 39.99, 46.93, "", ""],
        ["BAD-6", "2024-05-01", "ANAMA", "", "uxo", "", 1, 30.0, 50.0, "", ""],
        ["BAD-1", "2024-05-01", "ANAMA", "", "uxo", "", 1, *AGDAM, "", ""],
        ["BAD-8", "2024-05-01", "ANAMA", "", "uxo", "", 1, 46.93, "", "", ""],
        ["BAD-9", "2024-05-01", "ANAMA", "Atlantis", "uxo", "", 1, "", "", "", ""],
        ["BAD-10", "2024-05-01", "ANAMA", "", "uxo", "", 1, "", "", "ACT-404", ""],
        ["BAD-11", "2024-13-01", "ANAMA", "", "uxo", "", "2.5", "x", 39.9, "", "weekly"],
        ["BAD-12", "", "ANAMA", "", "", "", "", "", "", "", ""],
    ]


def _agdam_and_neighbours(session: Session) -> tuple[Any, list[Any]]:
    agdam = session.scalars(select(AdminArea).where(AdminArea.name == "Agdam District")).one()
    others = session.scalars(
        select(AdminArea).where(AdminArea.level == "district", AdminArea.id != agdam.id)
    ).all()
    near = [o.geom for o in others if o.geom is not None and o.geom.intersects(agdam.geom)]
    return agdam.geom, near


def stored(db: Database) -> dict[str, Any]:
    """Return what an import leaves behind, with the times (which must differ) left out."""
    with db.session() as s:
        keys = [c.key for c in Finding.__table__.c if c.key not in ("created_at", "updated_at")]
        findings = [
            {k: f.geom.wkb_hex if k == "geom" and f.geom else getattr(f, k) for k in keys}
            for f in s.scalars(select(Finding).order_by(Finding.id))
        ]
        models = s.execute(select(EOModel.id, EOModel.category, EOModel.model).order_by(EOModel.id))
        history = sorted(
            (a.kind, a.record_id, a.action, a.record_version, a.actor, a.note,
             json.dumps(a.before, sort_keys=True), json.dumps(a.after, sort_keys=True))
            for a in s.scalars(select(AuditEntry).where(AuditEntry.kind != "organisations"))
        )  # fmt: skip
        return {"findings": findings, "models": [tuple(m) for m in models], "history": history}


def problems_of(db: Database, path: Path, *, bulk: bool) -> list[tuple[Any, ...]]:
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", path, bulk=bulk)
    report = refused.value.report
    return [(p.source, p.row, p.field, str(p.value), p.reason, p.hint) for p in report.problems] + [
        (report.rows, report.created, report.unchanged, report.problem_count)
    ]


@pytest.fixture
def twin(db: Database, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A second fresh database on the same backend as ``db``."""
    backend = "sqlite" if db.dialect == "sqlite" else "postgis"
    (tmp_path / "twin").mkdir()
    yield from fresh_database(backend, tmp_path / "twin", request)


@pytest.fixture
def databases(db: Database, twin: Database) -> tuple[Database, Database]:
    """The per-row database and the bulk one, with the same operators and activity."""
    for each in (db, twin):
        with each.session(actor="setup") as s:
            setup_references(s)
    return db, twin


def test_a_season_of_findings_is_stored_alike_by_both_paths(
    databases: tuple[Database, Database], tmp_path: Path
) -> None:
    per_row, bulk = databases
    with per_row.session() as s:
        rows = plain_rows(s, 240, seed=1)
        rows[100:100] = odd_rows(s)
    path = write(tmp_path / "season.csv", rows)
    first = import_file(per_row, "findings", path, bulk=False)
    second = import_file(bulk, "findings", path)
    assert (first.rows, first.created, first.unchanged) == (len(rows), len(rows), 0)
    assert (second.rows, second.created, second.unchanged) == (len(rows), len(rows), 0)
    expected, got = stored(per_row), stored(bulk)
    assert len(expected["findings"]) == len(rows)
    assert sum(1 for h in expected["history"] if h[0] == "findings") == len(rows)
    assert got == expected


def test_a_file_with_bad_rows_gets_the_same_problems_from_both_paths(
    databases: tuple[Database, Database], tmp_path: Path
) -> None:
    per_row, bulk = databases
    with per_row.session() as s:
        rows = plain_rows(s, 60, seed=2)
        odd = odd_rows(s)
    bad = bad_rows()
    rows = rows[:20] + odd[:3] + bad[:6] + rows[20:40] + bad[6:] + odd[3:] + rows[40:]
    path = write(tmp_path / "bad.csv", rows)
    expected = problems_of(per_row, path, bulk=False)
    assert problems_of(bulk, path, bulk=True) == expected
    assert len(expected) > 6  # every bad row before the first problem, and the parse problems
    assert stored(bulk)["findings"] == [] == stored(per_row)["findings"]


def test_importing_the_same_file_again_changes_nothing_and_a_change_is_refused(
    databases: tuple[Database, Database], tmp_path: Path
) -> None:
    per_row, bulk = databases
    with per_row.session() as s:
        rows = plain_rows(s, 50, seed=3)
    path = write(tmp_path / "again.csv", rows)
    for each, use_bulk in ((per_row, False), (bulk, True)):
        import_file(each, "findings", path, bulk=use_bulk)
        again = import_file(each, "findings", path, bulk=use_bulk)
        assert (again.created, again.unchanged) == (0, len(rows))
    assert stored(bulk) == stored(per_row)
    rows.append(["S-new", "2024-01-01", "ANAMA", "", "uxo", "", 1, *AGDAM, "", ""])
    rows[10][6] = 9  # the quantity of an approved record
    changed = write(tmp_path / "changed.csv", rows)
    assert problems_of(bulk, changed, bulk=True) == problems_of(per_row, changed, bulk=False)


@pytest.mark.parametrize("take_database", [False, True], ids=["shared", "taken"])
def test_a_bad_row_in_the_last_chunk_leaves_the_database_unchanged(
    db: Database, tmp_path: Path, take_database: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_journal, "MIN_ROWS", 100)  # taken: a rollback journal on SQLite
    with db.session() as s:
        setup_references(s)
        rows = plain_rows(s, 130, seed=4)
    rows[-1][4] = "landmine"
    path = write(tmp_path / "last.csv", rows)
    before = stored(db)
    kind, table = get_kind("findings"), open_table(path)
    seen: list[int] = []
    file = db.sqlite_path()
    journal = file.with_name(file.name + "-journal") if file else None
    journaled: set[bool] = set()

    def look(_source: str, done: int, _total: int) -> None:
        seen.append(done)
        journaled.add(journal is not None and journal.exists())

    with pytest.raises(ImportRefused) as refused:
        import_table(
            db,
            kind,
            table,
            approval="approved",
            dry_run=False,
            actor="im-officer",
            note="import findings last.csv",
            progress=look,
            chunk_rows=50,
            take_database=take_database,
        )
    assert seen == [50, 100, 130]  # two chunks were written before the bad row was met
    report: ImportReport = refused.value.report
    assert [(p.row, p.field) for p in report.problems] == [(len(rows) + 1, "category")]
    assert report.created == 129
    assert stored(db) == before
    assert journaled == {take_database and file is not None}
    if file is not None:  # rolled back, and in WAL mode again
        assert file.read_bytes()[18:20] == b"\x02\x02" and journal and not journal.exists()


@pytest.fixture
def sqlite_twin(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A second fresh SQLite database."""
    (tmp_path / "twin").mkdir()
    yield from fresh_database("sqlite", tmp_path / "twin", request)


def test_a_large_import_with_the_file_alone_writes_it_once_and_stores_the_same(
    sqlite_db: Database, sqlite_twin: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = sqlite_twin
    for each in (sqlite_db, alone):
        with each.session(actor="setup") as s:
            setup_references(s)
    with sqlite_db.session() as s:
        rows = plain_rows(s, 150, seed=5)
        rows[70:70] = odd_rows(s)
    path = write(tmp_path / "large.csv", rows)
    monkeypatch.setattr(load_journal, "MIN_ROWS", 100)  # "large": the file counts as such
    file = alone.sqlite_path()
    assert file is not None
    journals: list[tuple[bool, bool]] = []

    def look(_source: str, _done: int, _total: int) -> None:
        wal, journal = (file.with_name(file.name + end) for end in ("-wal", "-journal"))
        journals.append((wal.exists(), journal.exists()))

    import_file(sqlite_db, "findings", path)
    report = import_file(alone, "findings", path, take_database=True, progress=look)
    assert report.created == len(rows)
    assert journals and set(journals) == {(False, True)}  # a rollback journal, no WAL
    assert file.read_bytes()[18:20] == b"\x02\x02"  # back in WAL mode
    assert stored(alone) == stored(sqlite_db)


MEMORY_SCRIPT = textwrap.dedent(
    """
    import csv, sys
    from mineaction.intake.pipeline import import_file
    from mineaction.store.database import Database
    from mineaction.store.tables import Organisation

    url, path, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["id", "date", "operator", "category", "model", "quantity", "lon", "lat"])
        for i in range(rows):
            w.writerow([f"M-{i}", "2024-05-01", "ANAMA", "uxo", "M-%d" % (i % 50), 1,
                        46.80 + (i % 997) * 0.0003, 39.90 + (i % 991) * 0.0003])
    db = Database(url)
    with db.session() as s:
        s.add(Organisation(code="ANAMA", name="ANAMA", type="national_authority"))
    report = import_file(db, "findings", path)
    status = open("/proc/self/status").read()  # VmHWM: this program's own peak, not pytest's
    peak_kb = int(status.split("VmHWM:")[1].split()[0])
    print(report.created, peak_kb)
    """
)


def test_memory_stays_bounded_on_a_large_file(sqlite_db: Database, tmp_path: Path) -> None:
    # Memory depends on the chunks, not on the backend: one backend keeps the suite short.
    rows = 100_000  # four chunks of 25,000
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            MEMORY_SCRIPT,
            sqlite_db.url,
            str(tmp_path / "large.csv"),
            str(rows),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=600,
    )
    created, peak_kb = map(int, result.stdout.split())
    assert created == rows
    assert peak_kb < 1024 * 1024  # under 1 GB
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Finding)) == rows
        assert s.scalar(select(func.count()).select_from(AuditEntry)) >= rows
