"""Hypothesis strategies that damage a valid file the way the world does, and worse.

A mutation is drawn as data (positions, bytes, cell values) and applied to a
seed's bytes; ``describe`` says what it did, so a failing example reads as a
sentence.  Byte-level damage fits every format; the others know the format's
structure: cells of a table, a GeoJSON feature, the SQLite tables inside a
GeoPackage, the members of a zip (an .xlsx is one too).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import struct
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

Apply = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Mutation:
    """One way of damaging a file: a family name (for the tally) and what it does."""

    family: str
    describe: str
    apply: Apply = field(repr=False)


# --- bytes: any format -------------------------------------------------------------------


@st.composite
def byte_damage(draw: st.DrawFn) -> Mutation:
    """Flip, cut, insert, delete or repeat bytes somewhere in the file."""
    how = draw(st.sampled_from(["flip", "truncate", "insert", "nul", "delete", "repeat"]))
    where = draw(st.floats(0, 1, allow_nan=False))
    if how == "flip":
        count = draw(st.integers(1, 16))
        masks = draw(st.lists(st.integers(1, 255), min_size=count, max_size=count))
        spread = draw(st.integers(1, 4096))

        def flip(data: bytes) -> bytes:
            out = bytearray(data)
            start = int(where * (len(out) - 1))
            for i, mask in enumerate(masks):
                out[(start + i * spread) % len(out)] ^= mask
            return bytes(out)

        return Mutation("bytes", f"flip {count} bytes from {where:.2%}", flip)
    if how == "truncate":
        return Mutation("bytes", f"cut at {where:.2%}", lambda d: d[: int(where * len(d))])
    if how in ("insert", "nul"):
        extra = (
            draw(st.binary(min_size=1, max_size=64))
            if how == "insert"
            else b"\x00" * draw(st.integers(1, 32))
        )
        return Mutation(
            "bytes",
            f"insert {extra[:16]!r} at {where:.2%}",
            lambda d: d[: int(where * len(d))] + extra + d[int(where * len(d)) :],
        )
    length = draw(st.integers(1, 512))
    if how == "delete":
        return Mutation(
            "bytes",
            f"delete {length} bytes at {where:.2%}",
            lambda d: d[: int(where * len(d))] + d[int(where * len(d)) + length :],
        )
    return Mutation(
        "bytes",
        f"repeat {length} bytes at {where:.2%}",
        lambda d: d[: int(where * len(d)) + length] + d[int(where * len(d)) :],
    )


# --- tables: CSV and the sheet of an XLSX --------------------------------------------------

FORMULAS = [
    "=1+1",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/x","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "\t=1+1",
    '=WEBSERVICE("http://example.invalid")',
]
BAD_WKT = [
    "POLYGON((46.93 39.99, 46.94 39.99))",
    "POLYGON((46.93 39.99, 46.94 40.0, 46.94 39.99, 46.93 40.0, 46.93 39.99))",
    "POLYGON EMPTY",
    "POLYGON((nan nan, 1 1, 2 2, nan nan))",
    "POLYGON((1e308 1e308, -1e308 1e308, 0 -1e308, 1e308 1e308))",
    "POINT(46.93 39.99)",
    "LINESTRING(46.93 39.99, 47 40)",
    "GEOMETRYCOLLECTION(POINT(1 2), POLYGON((0 0, 1 0, 1 1, 0 0)))",
    "POLYGON((39.99 46.93, 39.995 46.93, 39.995 46.935, 39.99 46.93))",
    "POLYGON((46.93 39.99, 46.94 39.99, 46.94 40.0, 46.93 39.99)",
    "MULTIPOLYGON(((46.93 39.99, 46.94 39.99, 46.94 40.0, 46.93 39.99)),((0 0,1 0,1 1,0 0)))",
    "SRID=4326;POLYGON((46.93 39.99, 46.94 39.99, 46.94 40.0, 46.93 39.99))",
    "POLYGON Z((46.93 39.99 1, 46.94 39.99 1, 46.94 40.0 1, 46.93 39.99 1))",
    "polygon((" + ", ".join(f"46.{i:04d} 39.99" for i in range(2000)) + "))",
]


def cell_values() -> st.SearchStrategy[object]:
    """Values a hostile or careless cell may hold."""
    return st.one_of(
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
        st.sampled_from(FORMULAS),
        st.sampled_from(BAD_WKT),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(["", " ", "NULL", "None", "nan", "-0", "1e400", "0x1F", "٣", "２０２４"]),
        st.sampled_from(["2024-02-30", "30/02/2024", "2024-13-01", "0000-00-00", "9999-12-31"]),
        st.integers(1, 300_000).map(lambda n: "A" * n),
        st.text(max_size=10).map(lambda t: t + "\x00" + t),
    )


@st.composite
def table_edits(draw: st.DrawFn) -> Callable[[list[list[str]]], list[list[str]]]:
    """Change cells, add or drop columns and rows of a table (header first)."""
    edits = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "cell",
                        "cell",
                        "cell",
                        "header",
                        "add_column",
                        "drop_column",
                        "dup_row",
                        "drop_row",
                        "short_row",
                        "long_row",
                    ]
                ),
                st.integers(0, 1000),
                st.integers(0, 1000),
                cell_values(),
            ),
            min_size=1,
            max_size=4,
        )
    )

    def edit(rows: list[list[str]]) -> list[list[str]]:
        rows = [list(r) for r in rows]
        for what, r, c, value in edits:
            width = max(len(rows[0]), 1)
            row, col = r % len(rows), c % width
            text = str(value)
            if what == "cell":
                target = 1 + r % (len(rows) - 1) if len(rows) > 1 else 0
                if col < len(rows[target]):
                    rows[target][col] = text
            elif what == "header":
                rows[0][col] = text
            elif what == "add_column":
                for i, line in enumerate(rows):
                    line.insert(col, text if i == 0 else f"{text}{i}")
            elif what == "drop_column" and width > 1:
                for line in rows:
                    if col < len(line):
                        del line[col]
            elif what == "dup_row":
                rows.append(list(rows[row]))
            elif what == "drop_row" and len(rows) > 1:
                del rows[row]
            elif what == "short_row":
                rows[row] = rows[row][:col]
            elif what == "long_row":
                rows[row] = [*rows[row], text]
        return rows

    return edit


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1251", "latin-1", "cp437", "koi8-r"]


@st.composite
def csv_damage(draw: st.DrawFn) -> Mutation:
    """Edit the CSV's cells, or write it in another encoding or with another delimiter."""
    how = draw(st.sampled_from(["cells", "cells", "encoding", "delimiter", "quotes"]))
    if how == "cells":
        edit = draw(table_edits())
        return Mutation("csv cells", "edit cells", lambda d: _write_csv(edit(_read_csv(d))))
    if how == "encoding":
        encoding = draw(st.sampled_from(ENCODINGS))
        return Mutation(
            "csv encoding",
            encoding,
            lambda d: d.decode("utf-8").encode(encoding, errors="replace"),
        )
    if how == "delimiter":
        delimiter = draw(st.sampled_from([";", "\t", "|", ":", " ", "\x00"]))
        return Mutation(
            "csv delimiter",
            repr(delimiter),
            lambda d: _write_csv(_read_csv(d), delimiter=delimiter),
        )
    where = draw(st.floats(0, 1, allow_nan=False))
    quote = draw(st.sampled_from(['"', '""', '"\n', "\r", '\n"\n', '\\"']))
    return Mutation(
        "csv quotes",
        f"{quote!r} at {where:.2%}",
        lambda d: d[: int(where * len(d))] + quote.encode() + d[int(where * len(d)) :],
    )


def _read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _write_csv(rows: list[list[str]], *, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogatepass")


# --- XLSX: its cells, and the XML inside its zip -------------------------------------------

ENTITY_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
)


@st.composite
def xlsx_damage(draw: st.DrawFn) -> Mutation:
    """Edit the workbook's cells, or damage one XML part inside it."""
    how = draw(st.sampled_from(["cells", "cells", "part", "entities", "drop_part"]))
    if how == "cells":
        edit = draw(table_edits())
        return Mutation("xlsx cells", "edit cells", lambda d: _edit_xlsx_cells(d, edit))
    part = draw(
        st.sampled_from(
            [
                "xl/worksheets/sheet1.xml",
                "xl/workbook.xml",
                "xl/styles.xml",
                "[Content_Types].xml",
                "xl/_rels/workbook.xml.rels",
                "docProps/core.xml",
            ]
        )
    )
    if how == "drop_part":
        return Mutation("xlsx parts", f"drop {part}", lambda d: _rezip(d, drop=part))
    if how == "entities":
        prolog = draw(st.sampled_from([ENTITY_BOMB, EXTERNAL_ENTITY]))
        use = b"&lol9;" if prolog is ENTITY_BOMB else b"&xxe;"

        def entities(data: bytes) -> bytes:
            def change(xml: bytes) -> bytes:
                body = xml.split(b"?>", 1)[-1]
                return prolog + body.replace(b"F-1", use).replace(
                    b"<v>2</v>", b"<v>" + use + b"</v>"
                )

            return _rezip(data, change={part: change})

        return Mutation("xlsx entities", f"{prolog[40:70]!r} in {part}", entities)
    damage = draw(byte_damage())
    return Mutation(
        "xlsx parts",
        f"{damage.describe} in {part}",
        lambda d: _rezip(d, change={part: damage.apply}),
    )


def _edit_xlsx_cells(data: bytes, edit: Callable[[list[list[str]]], list[list[str]]]) -> bytes:
    from openpyxl import Workbook, load_workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = load_workbook(io.BytesIO(data))
    rows = [
        ["" if v is None else str(v) for v in r] for r in book.active.iter_rows(values_only=True)
    ]
    out_book = Workbook()
    sheet = out_book.active
    for row in edit(rows):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c)[:32767] for c in row])
    out = io.BytesIO()
    out_book.save(out)
    return out.getvalue()


def _rezip(
    data: bytes, *, change: dict[str, Apply] | None = None, drop: str | None = None
) -> bytes:
    """Return the zip with members changed or dropped; a member not there is left alone."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename == drop:
                continue
            body = src.read(info)
            if change and info.filename in change:
                body = change[info.filename](body)
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --- GeoJSON ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
BAD_GEOMETRIES = [
    None,
    {},
    {"type": "Point"},
    {"type": "Point", "coordinates": []},
    {"type": "Point", "coordinates": ["46.93", "39.99"]},
    {"type": "Point", "coordinates": [46.93]},
    {"type": "Point", "coordinates": [1e308, -1e308]},
    {"type": "Polygon", "coordinates": [[[46.93, 39.99], [46.94, 39.99]]]},
    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
    {"type": "Polygon", "coordinates": [[]]},
    {"type": "LineString", "coordinates": [[46.93, 39.99], [47, 40]]},
    {"type": "GeometryCollection", "geometries": []},
    {"type": "Triangle", "coordinates": [[0, 0], [1, 0], [0, 1]]},
    {"type": "Point", "coordinates": [39.99, 46.93]},
    {"type": "Point", "coordinates": [0, 0]},
    {"type": "MultiPoint", "coordinates": [[46.93, 39.99], [47.12, 39.61]]},
]


@st.composite
def geojson_damage(draw: st.DrawFn) -> Mutation:
    """Break a feature's geometry or properties, or the collection itself."""
    how = draw(st.sampled_from(["geometry", "geometry", "property", "structure", "text"]))
    index = draw(st.integers(0, 10))
    if how == "geometry":
        geometry = draw(st.sampled_from(BAD_GEOMETRIES) | json_values)
        return Mutation(
            "geojson geometry",
            repr(geometry)[:60],
            lambda d: _edit_json(d, lambda c: _feature(c, index).__setitem__("geometry", geometry)),
        )
    if how == "property":
        key = draw(st.sampled_from(["id", "date", "category", "quantity", "operator"]) | st.text())
        value = draw(json_values | cell_values())
        return Mutation(
            "geojson properties",
            f"{key!r}={value!r}"[:60],
            lambda d: _edit_json(
                d, lambda c: _feature(c, index).setdefault("properties", {}).__setitem__(key, value)
            ),
        )
    if how == "structure":
        change = draw(
            st.sampled_from(
                [
                    "no features",
                    "features not a list",
                    "type wrong",
                    "feature not object",
                    "crs unknown",
                    "crs projected",
                    "nested deep",
                    "no properties",
                ]
            )
        )
        return Mutation("geojson structure", change, lambda d: _edit_json(d, _STRUCTURE[change]))
    damage = draw(csv_damage().filter(lambda m: m.family in ("csv encoding", "csv quotes")))
    return Mutation("geojson text", damage.describe, damage.apply)


def _feature(collection: dict[str, Any], index: int) -> dict[str, Any]:
    features = collection["features"]
    feature: dict[str, Any] = features[index % len(features)]
    return feature


def _edit_json(data: bytes, change: Callable[[dict[str, Any]], Any]) -> bytes:
    collection = json.loads(data)
    change(collection)
    return json.dumps(collection, allow_nan=True).encode()


_STRUCTURE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "no features": lambda c: c.pop("features"),
    "features not a list": lambda c: c.__setitem__("features", {"a": 1}),
    "type wrong": lambda c: c.__setitem__("type", "Feature"),
    "feature not object": lambda c: c["features"].__setitem__(0, [1, 2, 3]),
    "crs unknown": lambda c: c.__setitem__(
        "crs", {"type": "name", "properties": {"name": "EPSG:999999"}}
    ),
    "crs projected": lambda c: c.__setitem__(
        "crs", {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32638"}}
    ),
    "nested deep": lambda c: c["features"][0]["properties"].__setitem__(
        "deep", json.loads("[" * 500 + "]" * 500)
    ),
    "no properties": lambda c: [f.pop("properties", None) for f in c["features"]],
}


# --- GeoPackage: the SQLite database inside ------------------------------------------------

GPKG_STATEMENTS = [
    "DELETE FROM gpkg_contents",
    "DELETE FROM gpkg_geometry_columns",
    "UPDATE gpkg_geometry_columns SET srs_id = 999999",
    "UPDATE gpkg_spatial_ref_sys SET definition = 'garbage' WHERE srs_id = 4326",
    "DROP TABLE gpkg_spatial_ref_sys",
    "UPDATE gpkg_contents SET table_name = 'nowhere'",
    "UPDATE gpkg_geometry_columns SET geometry_type_name = 'CIRCLE'",
    "UPDATE {layer} SET quantity = 'many'",
    "UPDATE {layer} SET id = NULL",
    "UPDATE {layer} SET date = X'00FF00'",
    "UPDATE {layer} SET {geom} = NULL",
    "UPDATE {layer} SET {geom} = X'4750000100000000'",
    "UPDATE {layer} SET {geom} = randomblob(40)",
    "UPDATE {layer} SET {geom} = 'not a blob'",
    "ALTER TABLE {layer} RENAME TO other",
    "DROP TABLE {layer}",
    "INSERT INTO {layer} ({geom}) SELECT {geom} FROM {layer}",
    "UPDATE {layer} SET category = char(0)",
    "PRAGMA user_version = 1; PRAGMA application_id = 0",
]


@st.composite
def gpkg_damage(draw: st.DrawFn) -> Mutation:
    """Run a damaging SQL statement inside the GeoPackage, or patch a geometry's bytes."""
    how = draw(st.sampled_from(["sql", "sql", "geometry", "bytes"]))
    if how == "bytes":
        damage = draw(byte_damage())
        return Mutation("gpkg bytes", damage.describe, damage.apply)
    if how == "geometry":
        blob = draw(st.binary(max_size=80))
        header = draw(st.sampled_from([b"", b"GP\x00\x01\xe6\x10\x00\x00", b"GP\x00\x03"]))
        return Mutation(
            "gpkg geometry",
            f"blob {(header + blob)[:20]!r}",
            lambda d: _gpkg_sql(d, "UPDATE {layer} SET {geom} = ?", (header + blob,)),
        )
    statement = draw(st.sampled_from(GPKG_STATEMENTS))
    return Mutation("gpkg tables", statement, lambda d: _gpkg_sql(d, statement, ()))


def _gpkg_sql(data: bytes, statement: str, params: tuple[object, ...]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        path.write_bytes(data)
        conn = sqlite3.connect(path)
        try:
            layer, geom = conn.execute(
                "SELECT table_name, column_name FROM gpkg_geometry_columns"
            ).fetchone()
            sql = statement.format(layer=f'"{layer}"', geom=f'"{geom}"')
            if params:
                conn.execute(sql, params)
            else:
                conn.executescript(sql)
            conn.commit()
        except sqlite3.Error:
            pass  # a statement that does not apply leaves the file as it was
        finally:
            conn.close()
        return path.read_bytes()


# --- zip archives ----------------------------------------------------------------------


@st.composite
def zip_damage(draw: st.DrawFn) -> Mutation:
    """Damage a member, rename or drop one, lie about sizes, or add hostile members."""
    how = draw(
        st.sampled_from(["member", "member", "rename", "drop", "lie", "add", "bytes", "stored"])
    )
    index = draw(st.integers(0, 20))
    if how == "member":
        damage = draw(byte_damage())
        return Mutation(
            "zip members",
            f"{damage.describe} in member {index}",
            lambda d: _zip_member(d, index, damage.apply),
        )
    if how == "rename":
        name = draw(
            st.sampled_from(
                [
                    "../../evil.shp",
                    "/etc/findings.shp",
                    "C:/x.shp",
                    "a/../../b.csv",
                    "__MACOSX/findings.shp",
                    ".hidden.csv",
                    "FINDINGS.SHP",
                    "findings.csv",
                    "dir/findings.shp",
                    "findings.shp\x00.txt",
                ]
            )
            | st.text(min_size=1, max_size=30)
        )
        return Mutation(
            "zip names", f"member {index} named {name!r}", lambda d: _zip_rename(d, index, name)
        )
    if how == "drop":
        return Mutation("zip members", f"drop member {index}", lambda d: _zip_drop(d, index))
    if how == "lie":
        size = draw(st.integers(0, 2**32 - 1))
        return Mutation(
            "zip sizes", f"member {index} claims {size} bytes", lambda d: _zip_lie(d, index, size)
        )
    if how == "add":
        name = draw(st.sampled_from(["extra.csv", "more.shp", "x.dbf", "findings_fields.csv"]))
        body = draw(
            st.binary(max_size=200)
            | st.sampled_from([b"a,b\n1,2\n", b"short,full\nqty,quantity\n"])
        )
        return Mutation("zip members", f"add {name}", lambda d: _zip_add(d, name, body))
    if how == "stored":
        return Mutation("zip members", "members stored, not deflated", _zip_stored)
    damage = draw(byte_damage())
    return Mutation("zip bytes", damage.describe, damage.apply)


def _members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def _pack(
    members: list[tuple[zipfile.ZipInfo | str, bytes]], method: int = zipfile.ZIP_DEFLATED
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for info, body in members:
            zf.writestr(info, body, compress_type=method)
    return out.getvalue()


def _zip_member(data: bytes, index: int, apply: Apply) -> bytes:
    members = _members(data)
    i = index % len(members)
    members[i] = (members[i][0], apply(members[i][1]))
    return _pack(list(members))


def _zip_rename(data: bytes, index: int, name: str) -> bytes:
    members: list[tuple[zipfile.ZipInfo | str, bytes]] = [
        (i.filename, b) for i, b in _members(data)
    ]
    i = index % len(members)
    members[i] = (name, members[i][1])
    return _pack(members)


def _zip_drop(data: bytes, index: int) -> bytes:
    members = _members(data)
    del members[index % len(members)]
    return _pack(list(members)) if members else data[:22]


def _zip_add(data: bytes, name: str, body: bytes) -> bytes:
    return _pack([*_members(data), (name, body)])


def _zip_stored(data: bytes) -> bytes:
    return _pack([(i.filename, b) for i, b in _members(data)], zipfile.ZIP_STORED)


def _zip_lie(data: bytes, index: int, size: int) -> bytes:
    """Patch the uncompressed size a member declares, in its local and central headers."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        info = infos[index % len(infos)]
        local = info.header_offset
    struct.pack_into("<I", out, local + 22, size)
    position = -4
    for _ in range(index % len(infos) + 1):
        position = out.find(b"PK\x01\x02", position + 4)
    if position >= 0:
        struct.pack_into("<I", out, position + 24, size)
    return bytes(out)


#: The mutations each kind of file is fuzzed with.
BY_FORMAT: dict[str, st.SearchStrategy[Mutation]] = {
    "csv": st.one_of(byte_damage(), csv_damage(), csv_damage()),
    "xlsx": st.one_of(byte_damage(), xlsx_damage(), xlsx_damage()),
    "geojson": st.one_of(byte_damage(), geojson_damage(), geojson_damage()),
    "gpkg": st.one_of(byte_damage(), gpkg_damage(), gpkg_damage()),
    "zip": st.one_of(byte_damage(), zip_damage(), zip_damage()),
}
