"""Column mappings: an IM officer imports a foreign register as it is, described in YAML.

The story: Lucía, IM officer, receives spreadsheets from other agencies in
Spanish, with their own column names, years written "2,006" and months
without days.  She writes a mapping once and imports them without editing a
cell; every mistake in her mapping or in the data is named with its key,
row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mineaction.config import get_settings
from mineaction.errors import ValidationError
from mineaction.intake.mapping import load_mapping
from mineaction.intake.pipeline import ImportRefused, import_file
from mineaction.services import admin_areas, casualties, findings
from mineaction.store.database import Database
from mineaction.store.tables import Accident, AdminArea, Finding, LandRelease, Victim
from tests.factories import operator

REGISTER = ["departamento", "municipio", "ano", "mes", "condicion", "estado", "genero"]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def register(tmp_path: Path, rows: list[list[object]] | None = None) -> Path:
    return write_csv(
        tmp_path / "registro.csv",
        REGISTER,
        rows
        or [
            ["ANTIOQUIA", "GRANADA", "2,006", "1", "Civil", "Hombre", "Herido"],
            ["META", "GRANADA", "2,009", "12", "Fuerza pública", "Mujer", "Muerto"],
            ["NARIÑO", "LA UNIÓN", "1,995", "", "CIVIL", "Sin Información", "herido"],
        ],
    )


ACCIDENTS_YAML = """\
kind: accidents
columns:
  id: {template: "A-{row}"}
  date: {year: ano, month: mes}
  district: {template: "{municipio}, {departamento}"}
  device_category: {value: other}
  accident_type: {value: mine}
create_areas: {from: municipio, parent: departamento, country: COL}
"""

VICTIMS_YAML = """\
kind: victims
columns:
  id: {template: "V-{row}"}
  accident_id: {template: "A-{row}"}
  sex: {from: estado, values: {Hombre: male, Mujer: female, "Sin Información": unknown}}
  outcome: {from: genero, values: {Herido: injured, Muerto: killed}}
  group: {from: condicion, values: {"Fuerza pública": military, Civil: civilian}}
"""


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


@pytest.fixture
def country_col(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Configure the installation for Colombia, whose boundary is not loaded."""
    monkeypatch.setenv("MINEACTION_COUNTRY", "COL")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# --- the rules, through real imports ------------------------------------------------------


def test_a_register_imports_as_accidents_then_victims_with_month_dates(
    db: Database, tmp_path: Path
) -> None:
    path = register(tmp_path)
    accidents = load_mapping(write_yaml(tmp_path / "accidents.yaml", ACCIDENTS_YAML))
    victims = load_mapping(write_yaml(tmp_path / "victims.yaml", VICTIMS_YAML))
    assert import_file(db, "accidents", path, mapping=accidents).created == 3
    assert import_file(db, "victims", path, mapping=victims).created == 3
    with db.session() as s:
        by_id = {a.source_id: a for a in s.scalars(select(Accident))}
        assert by_id["A-2"].accident_date == dt.date(2006, 1, 1)
        assert by_id["A-2"].date_precision == "month"
        assert by_id["A-3"].accident_date == dt.date(2009, 12, 1)
        assert (by_id["A-4"].accident_date, by_id["A-4"].date_precision) == (
            dt.date(1995, 1, 1),
            "year",
        )
        people = {
            v.source_id: (v.sex, v.outcome, v.victim_group) for v in s.scalars(select(Victim))
        }
    assert people == {
        "V-2": ("male", "injured", "civilian"),
        "V-3": ("female", "killed", "military"),
        "V-4": ("unknown", "injured", "civilian"),  # "CIVIL", "herido": case-insensitive
    }
    again = import_file(db, "accidents", path, mapping=accidents)
    assert (again.created, again.unchanged) == (0, 3)


def test_missing_areas_are_created_by_name_once_and_told_apart_by_region(
    db: Database, tmp_path: Path
) -> None:
    path = register(tmp_path)
    mapping = load_mapping(write_yaml(tmp_path / "accidents.yaml", ACCIDENTS_YAML))
    import_file(db, "accidents", path, mapping=mapping)
    with db.session() as s:
        created = s.scalars(select(AdminArea).where(AdminArea.country == "COL")).all()
        districts = {a.code: a for a in created if a.level == "district"}
        assert set(districts) == {
            "COL.antioquia.granada",
            "COL.meta.granada",
            "COL.narino.la-union",
        }
        assert all(a.geom is None for a in created)
        assert districts["COL.meta.granada"].parent.name == "META"
        meta = admin_areas.find_area(s, "Granada, Meta")
        assert meta.code == "COL.meta.granada"
        stored = s.scalars(select(Accident).where(Accident.source_id == "A-3")).one()
        assert stored.admin_area_id == meta.id
    rows = [*csv.reader(path.open(encoding="utf-8"))][1:]
    more = [*rows, ["Meta", "Granada", "2,010", "2", "Civil", "Hombre", "Herido"]]
    second = write_csv(tmp_path / "more.csv", REGISTER, more)  # other spelling, same place
    import_file(db, "accidents", second, mapping=mapping)
    assert mapping.areas_created == 0
    with db.session() as s:
        assert s.scalar(select(func.count()).where(AdminArea.country == "COL")) == 6


def test_a_dry_run_leaves_no_area_behind(db: Database, tmp_path: Path) -> None:
    mapping = load_mapping(write_yaml(tmp_path / "accidents.yaml", ACCIDENTS_YAML))
    report = import_file(db, "accidents", register(tmp_path), mapping=mapping, dry_run=True)
    assert report.created == 3 and mapping.areas_created == 6
    with db.session() as s:
        assert s.scalar(select(func.count()).where(AdminArea.country == "COL")) == 0


def test_an_unmapped_value_is_refused_with_column_value_mapping_and_the_mapped_values(
    db: Database, tmp_path: Path
) -> None:
    rows = [["ANTIOQUIA", "GRANADA", "2,006", "1", "Civil", "Hombre", "Desaparecido"]]
    path = register(tmp_path, rows)
    import_file(
        db, "accidents", path, mapping=load_mapping(write_yaml(tmp_path / "a.yaml", ACCIDENTS_YAML))
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(
            db, "victims", path, mapping=load_mapping(write_yaml(tmp_path / "v.yaml", VICTIMS_YAML))
        )
    problem = refused.value.problems[0]
    assert (problem.source, problem.row, problem.field, problem.value) == (
        "registro.csv",
        2,
        "genero",
        "Desaparecido",
    )
    assert "v.yaml" in problem.reason and "outcome" in problem.reason
    assert "'Herido', 'Muerto'" in problem.hint and "columns.outcome.values" in problem.hint
    assert count(db, Victim) == 0


def test_numbers_lose_their_thousands_separators_only_when_asked(
    db: Database, tmp_path: Path
) -> None:
    with db.session() as s:
        operator(s)
    path = write_csv(
        tmp_path / "returns.csv",
        ["fecha", "zona", "metros", "metros_raw"],
        [["02/05/2024", "Aghdam", "12,500.5", "1,5"], ["03/05/2024", "Fuzuli", "1,000", "700"]],
    )
    mapping = write_yaml(
        tmp_path / "releases.yaml",
        """\
columns:
  id: {template: "R-{row}"}
  date: {from: fecha, format: "%d/%m/%Y"}
  operator: {value: ANAMA}
  district: zona
  method: {value: cleared}
  area_m2: {from: metros, thousands: ","}
""",
    )
    assert import_file(db, "land-releases", path, mapping=load_mapping(mapping)).created == 2
    with db.session() as s:
        stored = {r.source_id: r for r in s.scalars(select(LandRelease))}
    assert stored["R-2"].reported_area_m2 == pytest.approx(12_500.5)
    assert stored["R-3"].reported_area_m2 == 1000
    assert (stored["R-2"].release_date, stored["R-2"].date_precision) == (
        dt.date(2024, 5, 2),
        "day",
    )
    plain = write_yaml(
        tmp_path / "plain.yaml",
        "columns:\n  id: {template: 'P-{row}'}\n  date: {from: fecha, format: '%d/%m/%Y'}\n"
        "  operator: {value: ANAMA}\n  district: zona\n  method: {value: cleared}\n"
        "  area_m2: {from: metros, number: true}\n",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "land-releases", path, mapping=load_mapping(plain))
    problem = refused.value.problems[0]
    assert (problem.row, problem.field) == (2, "metros") and "not a number" in problem.reason


def test_a_date_that_does_not_fit_the_format_names_cell_and_format(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "hallazgos.csv",
        ["fecha", "tipo", "cantidad", "zona"],
        [["2024-05-02", "Mina AP", 2, "Aghdam"]],
    )
    mapping = write_yaml(
        tmp_path / "f.yaml",
        """\
columns:
  date: {from: fecha, format: "%d/%m/%Y"}
  category: {from: tipo, values: {"Mina AP": ap_mine}}
  quantity: cantidad
  district: zona
""",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", path, mapping=load_mapping(mapping))
    problem = refused.value.problems[0]
    assert problem.field == "fecha" and "'%d/%m/%Y'" in problem.reason


def test_month_formats_keep_month_precision_and_bad_months_are_refused(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "h.csv",
        ["periodo", "anio", "mes", "tipo", "zona"],
        [["05/2024", "2024", "13", "uxo", "Aghdam"]],
    )
    by_format = write_yaml(
        tmp_path / "by_format.yaml",
        "columns:\n  date: {from: periodo, format: '%m/%Y'}\n  category: tipo\n"
        "  quantity: {value: 1}\n  district: zona\n",
    )
    import_file(db, "findings", path, mapping=load_mapping(by_format))
    with db.session() as s:
        finding = s.scalars(select(Finding)).one()
        assert (finding.found_date, finding.date_precision) == (dt.date(2024, 5, 1), "month")
    by_parts = write_yaml(
        tmp_path / "by_parts.yaml",
        "columns:\n  date: {year: anio, month: mes}\n  category: tipo\n"
        "  quantity: {value: 1}\n  district: zona\n",
    )
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", path, mapping=load_mapping(by_parts))
    problem = refused.value.problems[0]
    assert problem.field == "mes" and "from 1 to 12" in problem.reason


def test_one_row_becomes_several_findings_and_zeros_are_skipped(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "retornos.csv",
        ["zona", "ano", "mes", "tipo", "map", "muse"],
        [["Aghdam", "2,012", "3", "X", "2", "0"], ["Fuzuli", "2,013", "4", "Y", "0", "5"]],
    )
    mapping = write_yaml(
        tmp_path / "f.yaml",
        """\
columns:
  date: {year: ano, month: mes}
  district: zona
rows:
  - when: {column: map, not_in: [0]}
    set: {id: {template: "F-{row}-AP"}, category: {value: ap_mine}, quantity: map}
  - when: {column: muse, not_in: ["0", ""]}
    set: {id: {template: "F-{row}-UXO"}, category: {value: uxo}, quantity: muse}
filter: {column: tipo, not_in: [z]}
""",
    )
    report = import_file(db, "findings", path, mapping=load_mapping(mapping))
    assert (report.rows, report.created) == (2, 2)
    with db.session() as s:
        stored = {f.source_id: (f.category, f.quantity) for f in s.scalars(select(Finding))}
    assert stored == {"F-2-AP": ("ap_mine", 2), "F-3-UXO": ("uxo", 5)}


def test_a_filter_leaves_rows_out(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "eventos.csv",
        ["year", "code", "zona"],
        [[2001, 1, "Aghdam"], [2002, 5, "Aghdam"], [2003, 6, "Fuzuli"]],
    )
    mapping = write_yaml(
        tmp_path / "f.yaml",
        """\
columns:
  id: {template: "E-{row}"}
  date: {year: year}
  district: zona
  category: {from: code, values: {1: ap_mine, 6: uxo}}
  quantity: {value: 1}
filter:
  - {column: code, in: [1, 6]}
""",
    )
    report = import_file(db, "findings", path, mapping=load_mapping(mapping))
    assert (report.rows, report.created) == (3, 2)
    with db.session() as s:
        assert {f.found_date.year for f in s.scalars(select(Finding))} == {2001, 2003}


def test_a_value_map_default_covers_other_values_and_empty_cells(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        ["fecha", "zona", "actividad"],
        [["2020-01-02", "Aghdam", "Labores de desminado"], ["2020-01-03", "Aghdam", "Agricultura"]],
    )
    mapping = write_yaml(
        tmp_path / "a.yaml",
        """\
columns:
  id: {template: "A-{row}"}
  date: fecha
  district: zona
  device_category: {value: ap_mine}
  accident_type: {from: actividad, values: {"labores de DESMINADO": demining}, default: mine}
""",
    )
    import_file(db, "accidents", path, mapping=load_mapping(mapping))
    with db.session() as s:
        types = {a.source_id: a.accident_type for a in s.scalars(select(Accident))}
    assert types == {"A-2": "demining", "A-3": "mine"}


def test_a_mapping_names_the_country_positions_are_checked_against(
    db: Database, tmp_path: Path, country_col: None
) -> None:
    path = write_csv(
        tmp_path / "puntos.csv",
        ["anio", "x", "y"],
        [["2010", "-75.18", "6.14"]],  # Granada, Antioquia: not in Azerbaijan
    )
    columns = (
        "columns:\n  date: {year: anio}\n  lon: {from: x, number: true}\n"
        "  lat: {from: y, number: true}\n  category: {value: uxo}\n  quantity: {value: 1}\n"
    )
    in_azerbaijan = write_yaml(tmp_path / "aze.yaml", "country: AZE\n" + columns)
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", path, mapping=load_mapping(in_azerbaijan))
    assert "outside Azerbaijan" in refused.value.problems[0].reason
    # The configured country (COL) has no boundary loaded: no country check.
    configured = write_yaml(tmp_path / "col.yaml", columns)
    assert import_file(db, "findings", path, mapping=load_mapping(configured)).created == 1


def test_the_cli_imports_with_a_mapping(db: Database, tmp_path: Path, run) -> None:
    path = register(tmp_path)
    mapping = write_yaml(tmp_path / "accidents.yaml", ACCIDENTS_YAML)
    result = run("import", "accidents", str(path), "-d", db.url, "--mapping", str(mapping))
    assert result.code == 0, result.err
    wrong = run("import", "victims", str(path), "-d", db.url, "--mapping", str(mapping))
    assert wrong.code == 1 and "for accidents, not victims" in wrong.err
    assert count(db, Accident) == 3


# --- date precision without a mapping -------------------------------------------------------


def test_a_plain_file_may_give_the_date_precision(db: Database, tmp_path: Path) -> None:
    header = ["id", "date", "date_precision", "district", "category", "quantity"]
    path = write_csv(
        tmp_path / "f.csv",
        header,
        [
            ["F-1", "2024-05-01", "Month", "Aghdam", "uxo", 1],
            ["F-2", "2024-05-02", "", "Aghdam", "uxo", 1],
        ],
    )
    import_file(db, "findings", path)
    with db.session() as s:
        precision = {f.source_id: f.date_precision for f in s.scalars(select(Finding))}
    assert precision == {"F-1": "month", "F-2": "day"}
    bad = write_csv(tmp_path / "g.csv", header, [["F-3", "2024-05-01", "week", "Aghdam", "uxo", 1]])
    with pytest.raises(ImportRefused) as refused:
        import_file(db, "findings", bad)
    assert refused.value.problems[0].field == "date_precision"


def test_the_services_refuse_an_unknown_date_precision(db: Database) -> None:
    with db.session() as s, pytest.raises(ValidationError, match="not a known date precision"):
        findings.create_finding(
            session=s,
            found_date=dt.date(2020, 1, 1),
            category="uxo",
            lon=46.93,
            lat=39.99,
            date_precision="week",
        )
    with db.session() as s, pytest.raises(ValidationError, match="not a known date precision"):
        casualties.create_accident(
            session=s,
            accident_date=dt.date(2020, 1, 1),
            accident_type="mine",
            device_category="uxo",
            lon=46.93,
            lat=39.99,
            date_precision="decade",
        )


# --- mistakes in the mapping itself ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("colums:\n  id: a\n", "colums", "not a key"),
        ("columns:\n  sex: {from: estado, valeus: {a: b}}\n", "columns.sex.valeus", "not a key"),
        ("columns:\n  sex: {frm: estado}\n", "columns.sex", "none of from"),
        (
            "columns:\n  sex: {from: estado, values: {No: male}}\n",
            "columns.sex.values[False]",
            "true/false",
        ),
        ("columns:\n  d: {year: a, day: b}\n", "columns.d", "a day needs a month"),
        ("columns:\n  q: {from: a, number: true, values: {x: 1}}\n", "columns.q", "not both"),
        ("kind: victim\ncolumns:\n  id: a\n", "kind", "not a kind"),
        ("columns:\n  id: a\nfilter: {column: b, in: [1], not_in: [2]}\n", "filter", "one of in"),
        ("columns:\n  id: a\nrows:\n  - {when: {column: b, in: [1]}}\n", "rows[0]", "set"),
        ("columns:\n  id: {template: 'A-{row'}\n", "columns.id.template", "not valid"),
        ("columns:\n  d: {from: f, format: 'dd/mm/yyyy'}\n", "columns.d.format", "no date codes"),
        (
            "columns:\n  id: a\ncreate_areas: {from: m, level: x}\n",
            "create_areas.level",
            "not a key",
        ),
    ],
)
def test_a_mistake_in_the_mapping_is_named_by_file_and_key(
    tmp_path: Path, text: str, key: str, says: str
) -> None:
    path = write_yaml(tmp_path / "mine.yaml", text)
    with pytest.raises(ValidationError) as refused:
        load_mapping(path)
    problem = refused.value.problems[0]
    assert problem.source == "mine.yaml" and problem.field == key
    assert says in f"{refused.value.message} {refused.value.hint}"


def test_unreadable_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "broken.yaml", "kind: victims\ncolumns:\n  sex: {from: estado\n  outcome: x\n"
    )
    with pytest.raises(ValidationError, match=r"broken.yaml is not valid YAML at line \d+"):
        load_mapping(path)
    with pytest.raises(ValidationError, match="could not be read"):
        load_mapping(tmp_path / "missing.yaml")


def test_a_source_column_the_file_lacks_is_refused_before_any_row(
    db: Database, tmp_path: Path
) -> None:
    path = register(tmp_path)
    text = VICTIMS_YAML.replace("from: genero", "from: generos")
    with pytest.raises(ValidationError) as refused:
        import_file(
            db, "victims", path, mapping=load_mapping(write_yaml(tmp_path / "v.yaml", text))
        )
    error = refused.value
    assert "v.yaml" in error.message and "columns.outcome.from" in error.message
    assert "Did you mean 'genero'?" in (error.hint or "")


def test_a_column_the_kind_does_not_have_is_refused(db: Database, tmp_path: Path) -> None:
    text = "columns:\n  accident_id: {template: 'A-{row}'}\n  outcome: genero\n  edad: ano\n"
    with pytest.raises(ValidationError, match="'edad' is not a column of victims"):
        import_file(
            db,
            "victims",
            register(tmp_path),
            mapping=load_mapping(write_yaml(tmp_path / "v.yaml", text)),
        )
