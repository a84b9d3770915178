"""Importing operators' files: every row checked, all or nothing, idempotent on ids."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mineaction.intake.pipeline import ImportRefused, import_file
from mineaction.store.database import Database
from mineaction.store.tables import Accident, AuditEntry, Finding, Hazard, LandRelease, Victim
from tests.factories import AGDAM, hazard, metres_box, operator

FINDINGS_HEADER = [
    "id",
    "date",
    "operator",
    "district",
    "category",
    "model",
    "quantity",
    "lon",
    "lat",
    "activity_id",
]


def write_csv(path: Path, header: list[str], rows: list[list[object]], **kw) -> Path:
    with path.open("w", newline="", encoding=kw.get("encoding", "utf-8")) as out:
        writer = csv.writer(out, delimiter=kw.get("delimiter", ","))
        writer.writerow(header)
        writer.writerows(rows)
    return path


def findings_file(tmp_path: Path, rows: list[list[object]], name: str = "findings.csv") -> Path:
    return write_csv(tmp_path / name, FINDINGS_HEADER, rows)


def good_rows() -> list[list[object]]:
    return [
        ["F-1", "2024-04-29", "ANAMA", "Aghdam", "at_mine", "TM-62M", 2, 46.93, 39.99, ""],
        ["F-2", "2024-04-30", "ANAMA", "", "ap_mine", "PMN-2", 1, 47.12, 39.61, ""],
        ["F-3", "2024-05-01", "anama", "Füzuli", "uxo", "122 mm shell", 14, "", "", ""],
    ]


def count(db: Database, model) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_a_clean_file_is_imported_and_importing_it_again_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    path = findings_file(tmp_path, good_rows())
    first = import_file(db, "findings", path)
    assert (first.rows, first.created, first.unchanged, first.written) == (3, 3, 0, True)
    second = import_file(db, "findings", path)
    assert (second.created, second.unchanged) == (0, 3)
    with db.session() as s:
        stored = {f.source_id: f for f in s.scalars(select(Finding))}
        assert sum(f.quantity for f in stored.values()) == 17
        assert stored["F-2"].admin_area_id is not None  # district from the position
        fuzuli = stored["F-3"]
        assert fuzuli.geom is None and fuzuli.eo_model.model == "122 mm shell"
        notes = set(s.scalars(select(AuditEntry.note).where(AuditEntry.kind == "findings")))
    assert notes == {"import findings findings.csv"}


def test_one_bad_row_refuses_the_whole_file_and_says_where(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        operator(s)
    rows = good_rows()
    rows[1][6] = -3  # negative quantity on the second data row (file row 3)
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", findings_file(tmp_path, rows))
    problem = refused.value.problems[0]
    assert (problem.source, problem.row, problem.field) == ("findings.csv", 3, "quantity")
    assert "at least 1" in problem.reason
    assert count(db, Finding) == 0


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("category", "at_mines", "Did you mean 'at_mine'"),
        ("date", (dt.date.today() + dt.timedelta(days=3)).isoformat(), "in the future"),
        ("date", "02/05/2024", "YYYY-MM-DD"),
        ("operator", "NOBODY", "Known codes: ANAMA"),
        ("district", "Atlantis", "No administrative area"),
        ("quantity", "two", "not a number"),
        ("lat", 52.6, "outside Azerbaijan"),
    ],
)
def test_each_rule_names_the_column_and_the_fix(
    db: Database, tmp_path: Path, column: str, value: object, says: str
) -> None:
    with db.session() as s:
        operator(s)
    rows = good_rows()[:1]
    rows[0][FINDINGS_HEADER.index(column)] = value
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", findings_file(tmp_path, rows))
    text = " ".join(f"{p.field} {p.reason} {p.hint}" for p in refused.value.problems)
    assert says in text
    assert count(db, Finding) == 0


def test_swapped_coordinates_are_refused_with_the_swap(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        operator(s)
    rows = good_rows()[:1]
    rows[0][7], rows[0][8] = 39.99, 46.93
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", findings_file(tmp_path, rows))
    assert "swapped" in refused.value.problems[0].reason


def test_duplicate_ids_in_one_file_are_refused(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        operator(s)
    rows = good_rows()
    rows[2][0] = "F-1"
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", findings_file(tmp_path, rows))
    assert refused.value.problems[0].row == 4 and "twice" in refused.value.problems[0].reason


def test_a_dry_run_checks_everything_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        operator(s)
    report = import_file(db, "findings", findings_file(tmp_path, good_rows()), dry_run=True)
    assert (report.created, report.written) == (3, False)
    assert count(db, Finding) == 0


def test_a_changed_approved_row_is_refused_with_how_to_supersede(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    import_file(db, "findings", findings_file(tmp_path, good_rows()))
    rows = good_rows()
    rows[0][6] = 3
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", findings_file(tmp_path, rows, "again.csv"))
    problem = refused.value.problems[0]
    assert problem.row == 2 and problem.field == "quantity"
    assert "approved" in problem.reason and "supersed" in problem.hint
    with db.session() as s:
        assert s.scalar(select(Finding.quantity).where(Finding.source_id == "F-1")) == 2


def test_victims_are_attached_to_the_accidents_of_an_earlier_file(
    db: Database, tmp_path: Path
) -> None:
    accidents = write_csv(
        tmp_path / "accidents.csv",
        ["id", "date", "lon", "lat", "district", "device_category", "accident_type"],
        [
            ["ACC-1", "2023-08-14", 47.12, 39.61, "", "ap_mine", "mine"],
            ["ACC-2", "2023-09-02", "", "", "Khojavand", "uxo", "mine"],
        ],
    )
    victims = write_csv(
        tmp_path / "victims.csv",
        ["id", "accident_id", "sex", "age", "group", "outcome"],
        [
            ["V-1", "ACC-1", "male", 34, "civilian", "injured"],
            ["V-2", "ACC-1", "female", 12, "civilian", "killed"],
            ["V-3", "ACC-2", "", "", "military", "injured"],
        ],
    )
    assert import_file(db, "accidents", accidents).created == 2
    assert import_file(db, "victims", victims).created == 3
    with db.session() as s:
        by_id = {v.source_id: v for v in s.scalars(select(Victim))}
        assert by_id["V-2"].age_band == "child" and by_id["V-3"].sex == "unknown"
        assert by_id["V-1"].accident.source_id == "ACC-1"
    orphan = write_csv(
        tmp_path / "orphan.csv", ["id", "accident_id", "outcome"], [["V-9", "ACC-404", "killed"]]
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "victims", orphan)
    assert refused.value.problems[0].field == "accident_id"
    assert count(db, Accident) == 2


def test_land_releases_go_through_the_ledger(db: Database, tmp_path: Path) -> None:
    with db.session() as s:
        operator(s)
        h = hazard(s, size_m=200)
        reference = h.reference
    half = metres_box(*AGDAM, 0, 0, 100, 200).wkt
    outside = metres_box(*AGDAM, 150, 0, 450, 200).wkt
    header = ["id", "date", "operator", "district", "method", "area_m2", "geometry", "hazard_id"]
    good = write_csv(
        tmp_path / "releases.csv",
        header,
        [
            ["R-1", "2024-05-02", "ANAMA", "", "cleared", "", half, reference],
            ["R-2", "2024-05-03", "ANAMA", "Aghdam", "cancelled", 5000, "", ""],
        ],
    )
    report = import_file(db, "land-releases", good)
    assert report.created == 2
    with db.session() as s:
        stored = s.scalars(select(Hazard).where(Hazard.reference == reference)).one()
        assert stored.released_m2 == pytest.approx(20_000, rel=2e-3)
    bad = write_csv(
        tmp_path / "bad.csv",
        header,
        [["R-3", "2024-05-04", "ANAMA", "", "cleared", "", outside, reference]],
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "land-releases", bad)
    assert "outside hazard" in refused.value.problems[0].reason
    assert count(db, LandRelease) == 2


def test_a_file_without_a_required_column_is_refused_before_any_row(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", ["id", "date", "quantity"], [["F-1", "2024-01-01", 1]])
    with pytest.raises(Exception, match="no column 'category'"):
        import_file(db, "findings", path)


def test_the_cli_import_prints_a_table_and_writes_the_errors_file(
    db: Database, tmp_path: Path, run
) -> None:
    with db.session() as s:
        operator(s)
    rows = good_rows()
    rows[0][4] = "mine"
    path = findings_file(tmp_path, rows)
    errors = tmp_path / "errors.csv"
    result = run("import", "findings", str(path), "-d", db.url, "--errors", str(errors))
    assert result.code == 1
    assert "nothing was written" in result.err and "findings.csv" in result.err
    with errors.open() as f:
        listed = list(csv.DictReader(f))
    assert listed[0]["row"] == "2" and listed[0]["column"] == "category"
    ok = run(
        "import",
        "findings",
        str(findings_file(tmp_path, good_rows(), "ok.csv")),
        "-d",
        db.url,
        "--json",
    )
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["created"] == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_template_imports_as_it_is(db: Database, tmp_path: Path, run, fmt: str) -> None:
    with db.session() as s:
        operator(s)
    path = tmp_path / f"findings.{fmt}"
    assert run("template", "findings", "--format", fmt, "--output", str(path)).code == 0
    result = run("import", "findings", str(path), "-d", db.url)
    assert result.code == 0, result.err
    assert count(db, Finding) == 1


def test_a_name_that_names_nothing_is_refused_on_every_row_from_one_look(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An operator whose code is not registered sends every row of its file to the
    # per-row code: each row is refused in the same words, the database asked once.
    from mineaction.services import admin_areas, organisations

    with db.session() as s:
        operator(s)
    asked: list[str] = []
    for module, name in ((organisations, "require_by_code"), (admin_areas, "find_area")):
        real = getattr(module, name)

        def spy(session, value, _real=real):  # type: ignore[no-untyped-def]
            asked.append(value)
            return _real(session, value)

        monkeypatch.setattr(module, name, spy)
    rows = [
        [f"N-{i}", "2024-04-29", "NOPE", "Atlantis", "at_mine", "TM-62M", 1, "", "", ""]
        for i in range(40)
    ] + [["N-40", "2024-04-29", "nope", "Aghdam", "at_mine", "TM-62M", 1, "", "", ""]]
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", findings_file(tmp_path, rows))
    report = refused.value.report
    by_row: dict[int, list[tuple[str, str | None]]] = {}
    for p in report.problems:
        assert p.row is not None and p.field == "operator" and p.value in ("NOPE", "nope")
        by_row.setdefault(p.row, []).append((str(p.reason), p.hint))
    assert len(by_row) == len(rows)
    *same, last = sorted(by_row)
    reason, hint = by_row[same[0]][0]
    assert reason == "There is no organisation with the code 'NOPE'."
    assert hint is not None and "Known codes: ANAMA" in hint
    assert all(by_row[row] == [(reason, hint)] for row in same)
    assert by_row[last] == [("There is no organisation with the code 'nope'.", hint)]
    # Each name asked for once, as written (another spelling has its own words).
    assert sorted(asked) == ["Aghdam", "Atlantis", "NOPE", "nope"]
    assert count(db, Finding) == 0


def test_an_area_added_during_an_import_is_found_once_the_names_are_forgotten(
    db: Database,
) -> None:
    # An admin-areas import adds a name that an earlier row could not find: forget_areas
    # (which it calls after each area) forgets the refusal too.
    from mineaction.errors import NotFoundError
    from mineaction.intake.kinds import Context
    from mineaction.services.admin_areas import create_area

    with db.session() as s:
        ctx = Context(session=s, approval="approved", country=None)
        with pytest.raises(NotFoundError, match="No administrative area is called 'Newtown'"):
            ctx.district_id("Newtown")
        area = create_area(session=s, code="NEW-1", name="Newtown", level="settlement")
        with pytest.raises(NotFoundError):  # remembered until forgotten
            ctx.district_id("Newtown")
        ctx.forget_areas()
        assert ctx.district_id("Newtown") == area.id
