"""A corpus of bad files, each refused with a sentence naming the file, where, and what to do.

Every case builds its file in tmp_path, opens it as an operator's data officer
would, and checks the ValidationError: the message names the file (and the row or
column where there is one), its Problem says where, and a hint says what to do.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import shapely
from pyogrio import raw

from mineaction.errors import ValidationError
from mineaction.intake.readers import ZipLimits, open_repeat, open_table

Builder = Callable[[Path], Path]


def text(name: str, content: str, encoding: str = "utf-8") -> Builder:
    def build(tmp: Path) -> Path:
        (tmp / name).write_bytes(content.encode(encoding))
        return tmp / name

    return build


def binary(name: str, content: bytes) -> Builder:
    def build(tmp: Path) -> Path:
        (tmp / name).write_bytes(content)
        return tmp / name

    return build


def xlsx(name: str, rows: list[list[object]], merge: str | None = None) -> Builder:
    def build(tmp: Path) -> Path:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Hazards"
        for row in rows:
            ws.append(row)
        if merge:
            ws.merge_cells(merge)
        wb.save(tmp / name)
        return tmp / name

    return build


def layer(
    name: str, layers: dict[str, list], crs: str | None = "EPSG:4326", driver: str = "GPKG"
) -> Builder:
    def build(tmp: Path) -> Path:
        for i, (layer_name, geoms) in enumerate(layers.items()):
            wkb = shapely.to_wkb(np.array(geoms, dtype=object))
            raw.write(
                str(tmp / name),
                wkb,
                [np.array(["x"] * len(geoms))],
                ["k"],
                layer=layer_name if driver == "GPKG" else None,
                driver=driver,
                geometry_type=geoms[0].geom_type,
                crs=crs,
                append=i > 0,
            )
        return tmp / name

    return build


def zipped(
    name: str,
    entries: dict[str, bytes],
    *,
    shapefile: str | None = None,
    shp_coords=(47.0, 40.0),
    prj: bool = True,
) -> Builder:
    def build(tmp: Path) -> Path:
        files = dict(entries)
        if shapefile:
            folder = tmp / "shp"
            folder.mkdir(exist_ok=True)
            wkb = shapely.to_wkb(np.array([shapely.Point(*shp_coords)], dtype=object))
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                raw.write(
                    str(folder / f"{shapefile}.shp"),
                    wkb,
                    [np.array(["x"])],
                    ["k"],
                    driver="ESRI Shapefile",
                    geometry_type="Point",
                    crs="EPSG:32638" if prj else None,
                )
            for f in folder.glob(f"{shapefile}.*"):
                files[f.name] = f.read_bytes()
        with zipfile.ZipFile(tmp / name, "w", zipfile.ZIP_DEFLATED) as zf:
            for entry, data in files.items():
                zf.writestr(entry, data)
        return tmp / name

    return build


def random_bytes(n: int) -> bytes:
    return np.random.default_rng(7).integers(0, 256, n, dtype=np.uint8).tobytes()


def ole(name: str) -> Builder:
    return binary(name, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)


def truncated_xlsx(tmp: Path) -> Path:
    good = xlsx("whole.xlsx", [["id"], ["H-1"]])(tmp)
    data = good.read_bytes()
    (tmp / "cut.xlsx").write_bytes(data[: len(data) // 2])
    return tmp / "cut.xlsx"


def two_shapefiles(tmp: Path) -> Path:
    zipped("a.zip", {}, shapefile="north")(tmp)
    zipped("b.zip", {}, shapefile="south")(tmp)
    with (
        zipfile.ZipFile(tmp / "a.zip") as a,
        zipfile.ZipFile(tmp / "b.zip") as b,
        zipfile.ZipFile(tmp / "both.zip", "w") as out,
    ):
        for zf in (a, b):
            for entry in zf.namelist():
                out.writestr(entry, zf.read(entry))
    return tmp / "both.zip"


def zip_bomb(tmp: Path) -> Path:
    with zipfile.ZipFile(tmp / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.shp", b"\x00" * (4 * 1024**2))
    return tmp / "bomb.zip"


def unclosed_quote_early(tmp: Path) -> Path:
    body = 'id,note\n1,ok\n2,"never closed\n' + "".join(
        f"{i},filler text {i}\n" for i in range(3, 8000)
    )
    (tmp / "quote.csv").write_text(body, encoding="utf-8")
    return tmp / "quote.csv"


SMALL = ZipLimits(max_total_bytes=10 * 1024**2, max_ratio=100, ratio_floor_bytes=1024**2)

# (case id, builder, open_table keywords, words the message must hold, problem row, field)
CASES = [
    (
        "truncated csv",
        text("cut.csv", 'id,note\n1,"fine"\n2,"half a sen'),
        {},
        ["cut.csv", "row 3", "quote"],
        3,
        None,
    ),
    ("unclosed quote mid-file", unclosed_quote_early, {}, ["quote.csv", "row 3", "quote"], 3, None),
    (
        "utf-16 csv",
        text("u16.csv", "id,name\n1,Ağdam\n", "utf-16"),
        {},
        ["u16.csv", "UTF-16"],
        None,
        None,
    ),
    (
        "latin-1 csv",
        text("latin.csv", "id,name\n1,Café Crème à côté\n2,Müller Straße\n", "latin-1"),
        {},
        ["latin.csv", "not UTF-8 or Windows-1251"],
        2,
        None,
    ),
    (
        "binary garbage named csv",
        binary("garbage.csv", random_bytes(4096)),
        {},
        ["garbage.csv", "binary"],
        None,
        None,
    ),
    ("empty file", binary("empty.csv", b""), {}, ["empty.csv", "empty"], None, None),
    ("only blank lines", text("blank.csv", "\n\n  \n"), {}, ["blank.csv", "empty"], None, None),
    (
        "header only csv",
        text("header.csv", "id,name,area\n"),
        {},
        ["header.csv", "no data rows"],
        None,
        None,
    ),
    (
        "duplicate header",
        text("dup.csv", "id,name,id\n1,a,2\n"),
        {},
        ["dup.csv", "'id' twice", "column 1", "column 3"],
        1,
        "id",
    ),
    (
        "empty header name",
        text("hole.csv", "id,,area\n1,a,2\n"),
        {},
        ["hole.csv", "column 2", "no name"],
        1,
        "column 2",
    ),
    (
        "header only xlsx",
        xlsx("header.xlsx", [["id", "name"]]),
        {},
        ["header.xlsx", "no data rows"],
        None,
        None,
    ),
    (
        "merged header xlsx",
        xlsx("merged.xlsx", [["Hazard", None, "area"], ["H-1", "x", 3]], merge="A1:B1"),
        {},
        ["merged.xlsx", "A1:B1", "merged"],
        1,
        "A1:B1",
    ),
    (
        "duplicate header xlsx",
        xlsx("dupx.xlsx", [["id", "id"], [1, 2]]),
        {},
        ["dupx.xlsx", "column A", "column B"],
        1,
        "id",
    ),
    ("password-protected xlsx", ole("locked.xlsx"), {}, ["locked.xlsx", "password"], None, None),
    ("old xls", ole("old.xls"), {}, ["old.xls", ".xls"], None, None),
    ("corrupt xlsx", truncated_xlsx, {}, ["cut.xlsx", "not an Excel .xlsx"], None, None),
    (
        "xlsx that is csv text",
        text("fake.xlsx", "id,name\n1,a\n"),
        {},
        ["fake.xlsx", "not an Excel .xlsx", "plain text"],
        None,
        None,
    ),
    (
        "zip named xlsx",
        zipped("docs.xlsx", {"readme.txt": b"hi"}),
        {},
        ["docs.xlsx", "not an Excel .xlsx"],
        None,
        None,
    ),
    (
        "unknown sheet",
        xlsx("sheets.xlsx", [["id"], [1]]),
        {"sheet": "Findings"},
        ["sheets.xlsx", "'Findings'"],
        None,
        "sheet",
    ),
    (
        "gpkg two layers no --layer",
        layer(
            "two.gpkg", {"hazards": [shapely.Point(47, 40)], "findings": [shapely.Point(47, 40)]}
        ),
        {},
        ["two.gpkg", "2 layers"],
        None,
        "layer",
    ),
    (
        "gpkg unknown layer",
        layer("one.gpkg", {"hazards": [shapely.Point(47, 40)]}),
        {"layer": "roads"},
        ["one.gpkg", "'roads'"],
        None,
        "layer",
    ),
    (
        "corrupt gpkg",
        binary("broken.gpkg", b"SQLite format 3\x00" + random_bytes(2000)),
        {},
        ["broken.gpkg", "cannot be read"],
        None,
        None,
    ),
    (
        "conflicting --crs",
        layer("utm.gpkg", {"h": [shapely.Point(500000, 4400000)]}, crs="EPSG:32638"),
        {"crs": "EPSG:32639"},
        ["utm.gpkg", "EPSG:32638", "EPSG:32639"],
        None,
        "crs",
    ),
    (
        "unknown --crs",
        layer("w.gpkg", {"h": [shapely.Point(47, 40)]}),
        {"crs": "EPSG:999999"},
        ["EPSG:999999"],
        None,
        "crs",
    ),
    (
        "zip without shp",
        zipped("docs.zip", {"readme.txt": b"no data here"}),
        {},
        ["docs.zip", "no Shapefile"],
        None,
        None,
    ),
    (
        "zip with two shp",
        two_shapefiles,
        {},
        ["both.zip", "2 Shapefiles", "north", "south"],
        None,
        "layer",
    ),
    (
        "zip shp unknown --layer",
        zipped("one.zip", {}, shapefile="north"),
        {"layer": "east"},
        ["one.zip", "'east'"],
        None,
        "layer",
    ),
    (
        "zip path traversal",
        zipped("evil.zip", {"../../etc/evil.shp": b"x"}),
        {},
        ["evil.zip", "outside the archive"],
        None,
        "../../etc/evil.shp",
    ),
    (
        "zip absolute path",
        zipped("abs.zip", {"/tmp/evil.csv": b"a\n1\n"}),
        {},
        ["abs.zip", "outside the archive"],
        None,
        "/tmp/evil.csv",
    ),
    ("zip bomb", zip_bomb, {"zip_limits": SMALL}, ["bomb.zip", "zip bomb"], None, None),
    (
        "zip too large",
        zip_bomb,
        {"zip_limits": ZipLimits(max_total_bytes=1024**2)},
        ["bomb.zip", "more than the 1 MB"],
        None,
        None,
    ),
    (
        "shapefile in metres without prj",
        zipped("noprj.zip", {}, shapefile="mines", shp_coords=(500000, 4400000), prj=False),
        {},
        ["noprj.zip", "does not say which CRS"],
        None,
        "crs",
    ),
    (
        "geojson that is not json",
        text("bad.geojson", "id,name\n1,a\n"),
        {},
        ["bad.geojson", "not GeoJSON"],
        None,
        None,
    ),
    (
        "geojson with broken json",
        text("half.geojson", '{"type": "FeatureCollection", "feat'),
        {},
        ["half.geojson", "cannot be read"],
        None,
        None,
    ),
    (
        "geojson with a nameless list of booleans in one feature",
        text(
            "odd.geojson",
            '{"type":"FeatureCollection","features":['
            '{"type":"Feature","properties":{"id":"F-1","":[false,false]},'
            '"geometry":{"type":"Point","coordinates":[46.93,39.99]}},'
            '{"type":"Feature","properties":{"id":"F-2"},'
            '"geometry":{"type":"Point","coordinates":[47.12,39.61]}}]}',
        ),
        {},
        ["odd.geojson", "cannot be read", "one plain value"],
        1,
        None,
    ),
    (
        "geojson with zero features",
        text("none.geojson", '{"type":"FeatureCollection","features":[]}'),
        {},
        ["none.geojson", "no features"],
        None,
        None,
    ),
    (
        "geojson in metres without crs",
        text(
            "m.geojson",
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1},'
            '"geometry":{"type":"Point","coordinates":[500000,4420000]}}]}',
        ),
        {},
        ["m.geojson", "does not say which CRS"],
        None,
        "crs",
    ),
    (
        "unknown --crs on a csv",
        text("utm.csv", "x,y\n1,2\n"),
        {"crs": "UTM 38"},
        ["'UTM 38'", "not one that is known"],
        None,
        "crs",
    ),
    (
        "pdf named csv",
        binary("report.csv", b"%PDF-1.7\n" + random_bytes(500)),
        {},
        ["report.csv", "PDF"],
        None,
        None,
    ),
    (
        "unknown extension",
        text("notes.docx", "id,name\n1,a\n"),
        {},
        ["notes.docx", ".docx", "not supported"],
        None,
        None,
    ),
    (
        "no such file",
        lambda tmp: tmp / "missing.csv",
        {},
        ["missing.csv", "does not exist"],
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("build", "kwargs", "words", "row", "field"),
    [
        pytest.param(
            *case[1:],
            id=case[0],
            # GDAL warns about the damaged GeoPackage before refusing it.
            marks=pytest.mark.filterwarnings("ignore::RuntimeWarning"),
        )
        for case in CASES
    ],
)
def test_it_rejects_a_bad_file_naming_it_and_saying_what_to_do(
    tmp_path, build, kwargs, words, row, field
):
    path = build(tmp_path)
    with pytest.raises(ValidationError) as caught:
        table = open_table(path, **kwargs)
        for _ in table.rows():
            pass
    error = caught.value
    said = f"{error.message} {error.hint}"
    assert path.name in error.message or "--crs" in error.message
    for word in words:
        assert word in said, f"{word!r} not in {said!r}"
    assert error.hint
    (problem,) = error.problems
    assert problem.source is not None and path.name in problem.source
    assert problem.hint and problem.reason
    assert problem.row == row
    assert problem.field == field
    assert "Traceback" not in str(error)


def test_the_corpus_holds_at_least_25_bad_files():
    assert len(CASES) >= 25


# --- Problems on rows: the file is read on, the row carries what is wrong ------------------


def test_a_ragged_row_is_a_problem_on_that_row(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,name\n1,a\n2,b,extra\n3,c,\n", encoding="utf-8")
    rows = list(open_table(path).rows())
    assert [r.number for r in rows] == [2, 3, 4]
    assert rows[0].problems == [] and rows[2].problems == []  # an empty extra cell is harmless
    (problem,) = rows[1].problems
    assert problem.row == 3 and problem.source == "ragged.csv" and problem.field == "column 3"
    assert problem.value == "extra" and "row 3" in problem.reason and problem.hint


def test_a_ragged_xlsx_row_names_the_column_letter(tmp_path):
    path = xlsx("r.xlsx", [["id", "name"], [1, "a", "stray"]])(tmp_path)
    (row,) = list(open_table(path).rows())
    assert row.problems[0].field == "column C" and row.problems[0].row == 2


def test_a_row_in_another_encoding_is_a_problem_on_that_row(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,name\n1,Ağdam\n3,Şuşa\n".encode() + "4,Тертер\n".encode("cp1251"))
    rows = list(open_table(path).rows())
    assert rows[0].problems == [] and rows[2].values["name"] == "\ufffd" * 6
    (problem,) = rows[2].problems
    assert problem.row == 4 and "not UTF-8" in problem.reason and problem.hint


# --- ODK repeats ---------------------------------------------------------------------------


def test_a_missing_kobo_repeat_sheet_lists_the_sheets(tmp_path):
    path = xlsx("kobo.xlsx", [["_uuid", "x"], ["u", 1]])(tmp_path)
    with pytest.raises(ValidationError) as caught:
        open_repeat(path, "finding")
    assert "kobo.xlsx" in caught.value.message and "'Hazards'" in caught.value.hint


def test_a_missing_odk_central_repeat_csv_is_named(tmp_path):
    path = zipped(
        "survey.zip", {"survey.csv": b"KEY\nuuid:1\n", "survey-other.csv": b"PARENT_KEY\nuuid:1\n"}
    )(tmp_path)
    with pytest.raises(ValidationError) as caught:
        open_repeat(path, "finding")
    assert "survey.zip" in caught.value.message and "'finding'" in caught.value.message
    assert "survey-other.csv" in caught.value.hint


def test_a_zip_of_unrelated_csv_files_is_refused(tmp_path):
    path = zipped("mixed.zip", {"a.csv": b"x\n1\n", "b.csv": b"y\n2\n"})(tmp_path)
    with pytest.raises(ValidationError) as caught:
        open_table(path)
    assert "mixed.zip" in caught.value.message and "a.csv" in caught.value.hint


def test_zip_limits_default_to_two_gigabytes():
    from mineaction.intake.readers import DEFAULT_LIMITS

    assert DEFAULT_LIMITS.max_total_bytes == 2 * 1024**3
    assert (DEFAULT_LIMITS.max_ratio, DEFAULT_LIMITS.ratio_floor_bytes) == (100, 100 * 1024**2)
