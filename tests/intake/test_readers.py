"""Reading operators' files: every format, encoding and delimiter, as a data officer sends them.

Fixture files are built in tmp_path by each test, the way an operator's data
officer (Leyla) would export them from Excel, QGIS, ODK Central or KoboToolbox.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import shapely
from pyogrio import raw
from pyproj import Transformer

from mineaction.intake.readers import (
    READERS,
    SourceRow,
    Table,
    flatten_odk,
    open_repeat,
    open_table,
    reader_class,
)

AZ = "ə ğ ı ö ü ç ş Ə Ğ İ Ö Ü Ç Ş"
RU = "Минное поле у села Ёлкино"


def write_csv(path: Path, rows: list[list[object]], *, encoding="utf-8", delimiter=",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_layer(
    path: Path,
    geoms,
    fields: dict[str, list],
    *,
    crs="EPSG:4326",
    layer=None,
    driver="GPKG",
    append=False,
) -> Path:
    wkb = shapely.to_wkb(np.array(geoms, dtype=object))
    raw.write(
        str(path),
        wkb,
        [np.array(v) for v in fields.values()],
        list(fields),
        layer=layer,
        driver=driver,
        geometry_type=geoms[0].geom_type,
        crs=crs,
        append=append,
    )
    return path


def read(path: Path, **kwargs) -> tuple[Table, list[SourceRow]]:
    table = open_table(path, **kwargs)
    return table, list(table.rows())


# --- CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_azerbaijani_letters_survive_utf8_with_and_without_bom(tmp_path, encoding):
    path = write_csv(tmp_path / "hazards.csv", [["name", "note"], ["Ağdam", AZ]], encoding=encoding)
    table, rows = read(path)
    assert table.columns == ["name", "note"]  # no BOM glued to the first name
    assert rows[0].values == {"name": "Ağdam", "note": AZ}
    assert rows[0].number == 2


def test_russian_text_in_windows_1251_is_read(tmp_path):
    path = write_csv(
        tmp_path / "old.csv", [["название", "район"], [RU, "Тертер"]], encoding="cp1251"
    )
    table, rows = read(path)
    assert table.columns == ["название", "район"]
    assert rows[0].values["название"] == RU


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_it_finds_the_delimiter(tmp_path, delimiter):
    rows = [["id", "name", "area_m2"], ["H-1", "Field, north", "1200"], ["H-2", "Ridge", "88"]]
    table, got = read(write_csv(tmp_path / "h.csv", rows, delimiter=delimiter))
    assert table.columns == ["id", "name", "area_m2"]
    assert [r.values["name"] for r in got] == ["Field, north", "Ridge"]


def test_semicolons_with_decimal_commas_are_not_mistaken_for_commas(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("id;lat;lon\nA;39,9912;46,9301\nB;40,1;47,2\n", encoding="utf-8")
    table, rows = read(path)
    assert table.columns == ["id", "lat", "lon"]
    assert rows[1].values == {"id": "B", "lat": "40,1", "lon": "47,2"}


def test_quoted_newlines_stay_in_their_cell_and_rows_count_as_in_excel(tmp_path):
    path = write_csv(
        tmp_path / "notes.csv",
        [["id", "note"], ["1", "line one\nline two"], ["2", "plain"], [], ["3", "x"]],
    )
    _table, rows = read(path)
    assert rows[0].values["note"] == "line one\nline two"
    assert [r.number for r in rows] == [2, 3, 5]  # the blank row 4 is skipped, not renumbered


def test_empty_cells_are_none_and_short_rows_are_padded(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("a,b,c\n1,,\n2\n", encoding="utf-8")
    _table, rows = read(path)
    assert rows[0].values == {"a": "1", "b": None, "c": None}
    assert rows[1].values == {"a": "2", "b": None, "c": None}
    assert all(r.problems == [] for r in rows)


def test_header_names_are_stripped_of_spaces(tmp_path):
    table, _rows = read(write_csv(tmp_path / "s.csv", [[" id ", "\ufeffname\xa0"], ["1", "x"]]))
    assert table.columns == ["id", "name"]


@pytest.mark.parametrize("name", ["hazards.txt", "hazards"])
def test_csv_text_is_read_from_txt_or_no_extension(tmp_path, name):
    _table, rows = read(write_csv(tmp_path / name, [["id"], ["H-1"]]))
    assert rows[0].values == {"id": "H-1"}


def test_count_hint_estimates_csv_rows(tmp_path):
    rows = [["id", "name"]] + [[str(i), f"hazard {i:05d}"] for i in range(5000)]
    table = open_table(write_csv(tmp_path / "many.csv", rows))
    hint = table.count_hint()
    assert hint is not None and 4000 < hint < 6000


def test_the_crs_given_for_a_table_is_kept_for_its_coordinate_columns(tmp_path):
    table = open_table(
        write_csv(tmp_path / "utm.csv", [["x", "y"], ["500000", "4400000"]]), crs="EPSG:32638"
    )
    assert table.crs == "EPSG:32638" and table.has_geometry is False


@pytest.mark.slow
def test_a_200000_row_csv_streams_in_little_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "lon", "lat", "note"])
        for i in range(200_000):
            w.writerow([i, f"hazard {i}", 47.0 + i / 1e6, 40.0, "cleared by team Ə-3"])
    tracemalloc.start()
    try:
        count = sum(1 for _ in open_table(path).rows())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 50 * 1024**2


# --- XLSX ------------------------------------------------------------------------------


def test_xlsx_first_sheet_with_dates_numbers_and_blank_rows(tmp_path):
    day = datetime(2024, 5, 17, 9, 30)
    path = write_xlsx(
        tmp_path / "survey.xlsx",
        {
            "Hazards": [
                [],
                [None, None],
                ["id", "found", "area_m2", "note"],
                ["H-1", day, 1200.5, AZ],
                [None, None],
                ["H-2", None, 7, None],
                [],
                [],
            ],
            "Other": [["x"], [1]],
        },
    )
    table, rows = read(path)
    assert table.columns == ["id", "found", "area_m2", "note"]
    assert [r.number for r in rows] == [4, 6]
    assert rows[0].values == {"id": "H-1", "found": day, "area_m2": 1200.5, "note": AZ}
    assert rows[1].values["area_m2"] == 7 and rows[1].values["found"] is None


def test_xlsx_named_sheet(tmp_path):
    path = write_xlsx(tmp_path / "two.xlsx", {"A": [["a"], [1]], "B": [["b"], [2]]})
    _table, rows = read(path, sheet="B")
    assert rows[0].values == {"b": 2}


def test_xlsx_formulas_are_read_as_their_cached_values(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", {"S": [["a", "double"], [2, "=A2*2"]]})
    # openpyxl cannot calculate; store the value Excel would have cached, as Excel does.
    patched = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb"<f>A2\*2</f><v\s*/>|<f>A2\*2</f><v></v>", b"<f>A2*2</f><v>4</v>", data
                )
                assert b"<v>4</v>" in data
            dst.writestr(item, data)
    _table, rows = read(patched)
    assert rows[0].values == {"a": 2, "double": 4}


def test_a_csv_named_file_that_is_really_xlsx_is_read_as_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"S": [["id"], ["H-9"]]})
    renamed = path.rename(tmp_path / "book.csv")
    _table, rows = read(renamed)
    assert rows[0].values == {"id": "H-9"}


# --- GIS -------------------------------------------------------------------------------


def test_geojson_properties_and_geometry(tmp_path):
    path = tmp_path / "points.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"id":"P-1","n":3,"note":"' + AZ + '"},'
        '"geometry":{"type":"Point","coordinates":[46.93,39.99]}},'
        '{"type":"Feature","properties":{"id":"P-2","n":null,"note":null},"geometry":null}]}',
        encoding="utf-8",
    )
    table, rows = read(path)
    assert table.has_geometry and table.columns == ["id", "n", "note"]
    assert rows[0].values == {"id": "P-1", "n": 3, "note": AZ}
    assert rows[0].geometry.equals(shapely.Point(46.93, 39.99))
    assert rows[1].number == 2 and rows[1].geometry is None and rows[1].values["n"] is None


def test_geojson_texts_that_look_like_dates_stay_texts(tmp_path):
    # Found by the export round trip: GDAL took a model named "0-01-01" for 2000-01-01.
    path = tmp_path / "dates.geojson"
    texts = [("0-01-01", "2021-03-04", "12:30:00"), ("2-12-14", "2021-03-04T10:00:00", "08:00")]
    features = [
        {
            "type": "Feature",
            "properties": dict(zip(("model", "date", "time"), values, strict=True)),
            "geometry": {"type": "Point", "coordinates": [46.93, 39.99]},
        }
        for values in texts
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    _table, rows = read(path)
    assert [tuple(r.values.values()) for r in rows] == texts


def test_a_utm_38n_geopackage_is_reprojected_to_wgs84(tmp_path):
    utm = [shapely.Point(500_000, 4_420_000), shapely.box(600_000, 4_400_000, 600_100, 4_400_100)]
    path = write_layer(
        tmp_path / "utm.gpkg", [utm[1], utm[1]], {"name": ["a", "b"]}, crs="EPSG:32638"
    )
    table, rows = read(path)
    assert table.crs == "EPSG:32638"
    expected = Transformer.from_crs(32638, 4326, always_xy=True)
    xs, ys = np.array(utm[1].exterior.coords).T
    lons, lats = expected.transform(xs, ys)
    got = np.array(rows[0].geometry.exterior.coords)
    assert got[:, 0] == pytest.approx(lons, abs=1e-9)
    assert got[:, 1] == pytest.approx(lats, abs=1e-9)
    assert 46 < got[0, 0] < 48 and 39 < got[0, 1] < 41


def test_a_geojson_with_an_old_style_crs_member_is_reprojected(tmp_path):
    path = tmp_path / "utm.geojson"
    path.write_text(
        '{"type":"FeatureCollection","crs":{"type":"name","properties":'
        '{"name":"urn:ogc:def:crs:EPSG::32638"}},"features":[{"type":"Feature",'
        '"properties":{"id":1},"geometry":{"type":"Point","coordinates":[500000,4420000]}}]}',
        encoding="utf-8",
    )
    _table, rows = read(path)
    assert rows[0].geometry.x == pytest.approx(45.0)


def test_a_geojson_in_metres_without_a_crs_is_read_in_the_crs_given(tmp_path):
    path = tmp_path / "metres.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1},'
        '"geometry":{"type":"Point","coordinates":[500000,4420000]}}]}',
        encoding="utf-8",
    )
    _table, rows = read(path, crs="EPSG:32638")
    assert rows[0].geometry.x == pytest.approx(45.0)


def test_geopackage_layer_is_chosen_by_name(tmp_path):
    path = tmp_path / "two.gpkg"
    write_layer(path, [shapely.Point(47, 40)], {"k": ["first"]}, layer="hazards")
    write_layer(path, [shapely.Point(47, 40)], {"k": ["second"]}, layer="findings", append=True)
    _table, rows = read(path, layer="findings")
    assert rows[0].values == {"k": "second"}


def test_geopackage_values_keep_their_types(tmp_path):
    path = write_layer(
        tmp_path / "t.gpkg",
        [shapely.Point(47, 40)] * 2,
        {
            "n": [1, 2],
            "x": [1.5, np.nan],
            "d": np.array(["2024-01-02T03:04:05", "NaT"], dtype="datetime64[ms]"),
        },
    )
    _table, rows = read(path)
    assert rows[0].values == {"n": 1, "x": 1.5, "d": datetime(2024, 1, 2, 3, 4, 5)}
    assert rows[1].values == {"n": 2, "x": None, "d": None}


def test_geopackage_is_read_in_batches(tmp_path, monkeypatch):
    from mineaction.intake.readers import gis_reader

    monkeypatch.setattr(gis_reader.GpkgTable, "batch", 7)
    pts = [shapely.Point(47 + i / 100, 40) for i in range(30)]
    table, rows = read(write_layer(tmp_path / "b.gpkg", pts, {"i": list(range(30))}))
    assert [r.values["i"] for r in rows] == list(range(30))
    assert [r.number for r in rows] == list(range(1, 31))
    assert table.count_hint() == 30


def zipped_shapefile(tmp_path: Path, *, crs: str | None, name="mines", coords=(47.0, 40.0)):
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    with pytest.warns(UserWarning) if crs is None else _nothing():
        write_layer(
            folder / f"{name}.shp",
            [shapely.Point(*coords)],
            {"code": ["M-1"]},
            crs=crs,
            driver="ESRI Shapefile",
        )
    archive = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in folder.glob(f"{name}.*"):
            zf.write(f, f"data/{f.name}")
    return archive, folder / f"{name}.shp"


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_zipped_shapefile_with_prj_is_reprojected(tmp_path):
    archive, _shp = zipped_shapefile(tmp_path, crs="EPSG:32638", coords=(500_000, 4_420_000))
    table, rows = read(archive)
    assert "mines.zip" in table.source
    lon, lat = Transformer.from_crs(32638, 4326, always_xy=True).transform(500_000, 4_420_000)
    assert rows[0].geometry.x == pytest.approx(lon) and rows[0].geometry.y == pytest.approx(lat)
    assert rows[0].values == {"code": "M-1"}


def test_a_shapefile_without_prj_in_degrees_is_taken_as_wgs84(tmp_path):
    _archive, shp = zipped_shapefile(tmp_path, crs=None)
    _table, rows = read(shp)
    assert rows[0].geometry.equals(shapely.Point(47.0, 40.0))


def test_a_shapefile_without_prj_is_read_in_the_crs_given(tmp_path):
    archive, _shp = zipped_shapefile(tmp_path, crs=None, coords=(500_000, 4_420_000))
    _table, rows = read(archive, crs="EPSG:32638")
    assert rows[0].geometry.x == pytest.approx(45.0)  # UTM 38N's central meridian


def test_every_registered_reader_is_a_table():
    for name in READERS:
        assert issubclass(reader_class(name), Table)


# --- ODK Central and KoboToolbox -----------------------------------------------------


def test_odk_central_csv_groups_geopoints_and_metadata(tmp_path):
    header = [
        "SubmissionDate",
        "survey-hazard_id",
        "survey-location-Latitude",
        "survey-location-Longitude",
        "survey-location-Altitude",
        "survey-location-Accuracy",
        "survey-team-name",
        "site-name",
        "meta-instanceID",
        "KEY",
        "SubmitterName",
        "ReviewState",
    ]
    row = [
        "2024-05-01",
        "H-1",
        "39.9912",
        "46.9301",
        "512.0",
        "4.5",
        "T1",
        "Ağdam",
        "uuid:1",
        "uuid:1",
        "leyla",
        "approved",
    ]
    table = flatten_odk(open_table(write_csv(tmp_path / "survey.csv", [header, row])))
    assert table.columns == [
        "hazard_id",
        "location_lat",
        "location_lon",
        "location_alt",
        "location_acc",
        "survey-team-name",
        "site-name",
        "instance_id",
        "key",
    ]
    values = next(iter(table.rows())).values
    assert values["location_lat"] == 39.9912 and values["location_lon"] == 46.9301
    assert values["site-name"] == "Ağdam" and values["key"] == "uuid:1"


def test_kobo_xlsx_with_groups_geopoints_and_a_repeat_sheet(tmp_path):
    main = [
        [
            "start",
            "grp_hz/hazard_id",
            "grp_hz/gps",
            "_grp_hz/gps_latitude",
            "_grp_hz/gps_longitude",
            "_grp_hz/gps_altitude",
            "_grp_hz/gps_precision",
            "grp_hz/marker",
            "meta/instanceID",
            "_id",
            "_uuid",
            "_submission_time",
            "_index",
            "__version__",
        ],
        [
            "2024-05-01",
            "H-1",
            "39.9912 46.9301 512.0 4.5",
            39.9912,
            46.9301,
            512.0,
            4.5,
            "39.5 46.5",
            "uuid:abc",
            17,
            "abc",
            "2024-05-02",
            1,
            "v1",
        ],
    ]
    repeat = [
        [
            "finding/item",
            "finding/pos",
            "_index",
            "_parent_table_name",
            "_parent_index",
            "_submission__id",
            "_submission__uuid",
        ],
        ["PMN-2", "39.99 46.93 0 5", 1, "survey", 1, 17, "abc"],
        ["TM-62", "39.98 46.92 0 5", 2, "survey", 1, 17, "abc"],
    ]
    path = write_xlsx(tmp_path / "kobo.xlsx", {"survey": main, "finding": repeat})
    table = flatten_odk(open_table(path))
    assert table.columns == [
        "start",
        "hazard_id",
        "gps_lat",
        "gps_lon",
        "gps_alt",
        "gps_acc",
        "marker_lat",
        "marker_lon",
        "marker_alt",
        "marker_acc",
        "instance_id",
        "key",
    ]
    values = next(iter(table.rows())).values
    assert (values["gps_lat"], values["gps_lon"]) == (39.9912, 46.9301)
    assert (values["marker_lat"], values["marker_lon"], values["marker_alt"]) == (39.5, 46.5, None)
    child = open_repeat(path, "finding")
    assert child.columns == [
        "item",
        "pos_lat",
        "pos_lon",
        "pos_alt",
        "pos_acc",
        "key",
        "parent_key",
        "submission_uuid",
    ]
    kids = list(child.rows())
    assert [k.values["parent_key"] for k in kids] == [1, 1]
    assert kids[1].values["pos_lon"] == 46.92


def test_odk_central_zip_with_a_repeat_csv(tmp_path):
    archive = tmp_path / "survey.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("survey.csv", "SubmissionDate,hz-id,KEY\n2024-05-01,H-1,uuid:1\n")
        zf.writestr(
            "survey-finding.csv", "finding-item,PARENT_KEY,KEY\nPMN-2,uuid:1,uuid:1/finding[1]\n"
        )
        zf.writestr("media/photo.jpg", b"\xff\xd8")
    main = flatten_odk(open_table(archive))
    assert main.columns == ["id", "key"]
    child = open_repeat(archive, "finding")
    row = next(iter(child.rows()))
    assert row.values == {"item": "PMN-2", "parent_key": "uuid:1", "key": "uuid:1/finding[1]"}


def test_unzipped_odk_central_repeat_beside_the_main_csv(tmp_path):
    main = write_csv(tmp_path / "survey.csv", [["hz-id", "KEY"], ["H-1", "uuid:1"]])
    write_csv(tmp_path / "survey-finding.csv", [["item", "PARENT_KEY"], ["PMN-2", "uuid:1"]])
    child = open_repeat(main, "finding")
    assert next(iter(child.rows())).values == {"item": "PMN-2", "parent_key": "uuid:1"}


def test_fields_that_would_share_a_name_keep_their_full_path(tmp_path):
    path = write_csv(
        tmp_path / "c.csv", [["a/name", "b/name", "b/other", "_uuid"], ["x", "y", "z", "u"]]
    )
    table = flatten_odk(open_table(path))
    assert table.columns == ["a/name", "b/name", "other"]


def test_select_multiple_numbers_are_not_taken_for_geopoints(tmp_path):
    path = write_csv(tmp_path / "s.csv", [["choices", "_uuid"], ["1 2 3", "u"], ["2 4", "v"]])
    assert flatten_odk(open_table(path)).columns == ["choices"]


def test_a_broken_geopoint_is_a_row_problem(tmp_path):
    path = write_csv(
        tmp_path / "g.csv",
        [["loc", "_uuid"]] + [["39.9 46.9 0 5", "u"]] * 5 + [["not a point", "v"]],
    )
    rows = list(flatten_odk(open_table(path)).rows())
    assert rows[0].problems == []
    assert rows[5].values["loc_lat"] is None
    (problem,) = rows[5].problems
    assert problem.row == 7 and problem.field == "loc" and problem.source == "g.csv"


def test_copying_a_fixture_does_not_change_how_it_reads(tmp_path):
    src = write_csv(tmp_path / "a.csv", [["id"], ["1"]])
    copy = tmp_path / "b.csv"
    shutil.copy(src, copy)
    assert [r.values for r in open_table(copy).rows()] == [{"id": "1"}]
