"""What the fuzzers found, pinned: each was a traceback, each is now a sentence.

One test per finding, on the smallest file (or request) that showed it; the
import ones on both backends, since "nothing written" is the database's part.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mineaction.errors import ValidationError
from mineaction.intake.pipeline import ImportRefused, import_file
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, Finding, Hazard
from tests.factories import operator
from tests.hardening.officers import elvin_client
from tests.hardening.seeds import csv_bytes, table, xlsx_bytes


@pytest.fixture
def national(db: Database) -> Database:
    with db.session(actor="test-setup") as session:
        operator(session, "ANAMA")
    return db


def written(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return tuple(  # type: ignore[return-value]
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Finding, Hazard, AuditEntry)
        )


def refused(db: Database, kind: str, path: Path) -> ValidationError:
    before = written(db)
    with pytest.raises(ValidationError) as caught:
        import_file(db, kind, path)
    assert written(db) == before
    assert path.name in caught.value.message
    return caught.value


def test_a_geojson_with_names_that_are_not_utf8_is_refused(
    national: Database, tmp_path: Path
) -> None:
    path = tmp_path / "latin.geojson"
    path.write_bytes(
        b'{"type":"FeatureCollection","features":[{"type":"Feature",'
        b'"properties":{"date":"2024-05-02","cat\xe9gorie":"uxo","quantity":1},'
        b'"geometry":{"type":"Point","coordinates":[46.93,39.99]}}]}'
    )
    error = refused(national, "findings", path)
    assert "not UTF-8" in error.message
    assert "UTF-8" in (error.hint or "")


def test_a_polygon_whose_ring_cannot_be_built_is_a_problem_on_its_feature(
    national: Database, tmp_path: Path
) -> None:
    names, rows = table("hazards")
    features = []
    for n, row in enumerate(rows):
        props = dict(zip(names, row, strict=True))
        props.pop("geometry")
        ring = [[46.93, 39.99], [46.935, 39.99], [46.935, 39.995], [46.93, 39.99]]
        if n == 1:
            ring = [[47.12, 39.61], [47.125, 39.61], [47.125, 39.62], [47.12, 39.615]]  # open
        features.append(
            {"type": "Feature", "properties": props,
             "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )  # fmt: skip
    path = tmp_path / "rings.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    error = refused(national, "hazards", path)
    assert isinstance(error, ImportRefused)
    ring_problems = [p for p in error.problems if "ring" in p.reason]
    assert [(p.row, p.field) for p in ring_problems] == [(2, "geometry")]


def reimported_with_geometry(db: Database, tmp_path: Path, geometry: str) -> ImportRefused:
    """Import the hazards' seed, then again with the first one's geometry changed: refused."""
    names, rows = table("hazards")
    path = tmp_path / "hazards.csv"
    path.write_bytes(csv_bytes(names, rows))
    import_file(db, "hazards", path)
    rows[0][names.index("geometry")] = geometry
    path.write_bytes(csv_bytes(names, rows))
    error = refused(db, "hazards", path)
    assert isinstance(error, ImportRefused)
    assert [(p.row, p.field) for p in error.problems] == [(2, "geometry")]
    return error


def test_a_reimported_row_with_unreadable_wkt_is_a_problem_on_its_row(
    national: Database, tmp_path: Path
) -> None:
    error = reimported_with_geometry(national, tmp_path, "POLYGON 46.93 39.99")  # not WKT
    assert "WKT" in error.problems[0].reason


def test_a_reimported_row_whose_polygon_crosses_itself_is_a_problem_on_its_row(
    national: Database, tmp_path: Path
) -> None:
    # Found by the importers' fuzzer: GEOS could not compare a bow-tie with the stored
    # square ("TopologyException: side location conflict"), and it escaped as a traceback.
    bow_tie = "POLYGON((46.93 39.99, 46.935 39.995, 46.935 39.99, 46.93 39.995, 46.93 39.99))"
    error = reimported_with_geometry(national, tmp_path, bow_tie)
    assert "crosses itself" in error.problems[0].reason


def _zipped_csv(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("findings.csv", csv_bytes(*table("findings")))
    return path


def test_a_zipped_csv_whose_bytes_are_damaged_is_refused(
    national: Database, tmp_path: Path
) -> None:
    path = _zipped_csv(tmp_path / "crc.zip")
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode())
    raw[start + info.compress_size // 2] ^= 0x55  # inside the deflated data
    path.write_bytes(bytes(raw))
    error = refused(national, "findings", path)
    assert "crc.zip" in error.message and "damaged" in error.message


def test_a_zip_of_an_unknown_version_is_refused(national: Database, tmp_path: Path) -> None:
    path = _zipped_csv(tmp_path / "future.zip")
    raw = bytearray(path.read_bytes())
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<H", raw, central + 6, 84)  # "version needed to extract": 8.4
    path.write_bytes(bytes(raw))
    error = refused(national, "findings", path)
    assert "future.zip" in error.message


def _rezip(seed: bytes, path: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(io.BytesIO(seed)) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            body = change.get(info.filename, src.read(info))
            if body is not None:
                out.writestr(info.filename, body, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_an_xlsx_sheet_cut_short_is_refused_naming_where(
    national: Database, tmp_path: Path
) -> None:
    seed = xlsx_bytes(*table("findings"))
    with zipfile.ZipFile(io.BytesIO(seed)) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    cut = sheet[: sheet.index(b'<row r="3"') + 20]
    path = _rezip(seed, tmp_path / "cut.xlsx", {"xl/worksheets/sheet1.xml": cut})
    error = refused(national, "findings", path)
    assert "damaged" in error.message


def test_an_xlsx_without_sheets_is_refused(national: Database, tmp_path: Path) -> None:
    seed = xlsx_bytes(*table("findings"))
    with zipfile.ZipFile(io.BytesIO(seed)) as zf:
        book = zf.read("xl/workbook.xml")
    start, end = book.index(b"<sheets>"), book.index(b"</sheets>") + len(b"</sheets>")
    empty = book[:start] + b"<sheets/>" + book[end:]
    path = _rezip(seed, tmp_path / "nosheet.xlsx", {"xl/workbook.xml": empty})
    error = refused(national, "findings", path)
    assert "nosheet.xlsx" in error.message


def test_the_cli_refuses_a_damaged_file_without_a_traceback(
    national: Database, tmp_path: Path, run
) -> None:
    path = _zipped_csv(tmp_path / "crc.zip")
    raw = bytearray(path.read_bytes())
    raw[60] ^= 0xFF
    path.write_bytes(bytes(raw))
    result = run("import", "findings", str(path), "--database", national.url)
    assert result.code != 0
    assert "crc.zip" in result.out + result.err
    assert "Traceback" not in result.out + result.err


def test_a_negative_forecast_seed_is_a_422_not_a_500(national: Database) -> None:
    client = elvin_client(national)
    answer = client.get("/api/plan/forecast", params={"seed": -1, "simulations": 100})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["problems"][0]["field"] == "query.seed"


def test_a_negative_seed_is_refused_by_the_planning_parameters() -> None:
    from mineaction.analytics.planning.params import BacktestParams, ForecastParams

    with pytest.raises(ValidationError, match="seed must be 0 or more"):
        ForecastParams(seed=-1)
    with pytest.raises(ValidationError, match="seed must be 0 or more"):
        import datetime as dt

        BacktestParams(as_of=dt.date(2024, 1, 1), seed=-5)


HUGE = 2**63  # past every database integer


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (f"/ogc/collections/accidents/items?offset={HUGE}", 422),
        (f"/api/records/findings?offset={HUGE}", 422),
        # An id no record can have is refused as a parameter (RecordId), naming the bound.
        (f"/api/records/findings/{HUGE}", 422),
        (f"/api/records/findings/{HUGE}/history", 422),
        (f"/ogc/collections/findings/items/{HUGE}", 422),
        ("/api/records/findings/-1", 422),
    ],
)
def test_numbers_past_the_database_integers_are_refused_not_a_500(
    national: Database, url: str, status: int
) -> None:
    client = elvin_client(national)
    answer = client.get(url)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["message"]


def test_the_browse_service_refuses_an_offset_past_the_integers(national: Database) -> None:
    from mineaction.services import browse
    from mineaction.services.catalogue import KINDS
    from mineaction.services.policy import Principal, read_scope

    with national.session() as session, pytest.raises(ValidationError, match="offset 0 to"):
        browse.list_records(
            session,
            KINDS["findings"],
            scope=read_scope(Principal("elvin", "im_officer"), "findings"),
            filters=browse.Filters(),
            offset=HUGE,
        )
