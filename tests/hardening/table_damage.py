"""Damage to tables: the cells of a CSV or of an XLSX sheet, the XML parts of a workbook."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable

from hypothesis import strategies as st

from tests.hardening.damage import Apply, Mutation, byte_damage

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
def table_edits(draw: st.DrawFn) -> tuple[str, Callable[[list[list[str]]], list[list[str]]]]:
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

    summary = "; ".join(f"{what}@{r},{c}={str(value)[:30]!r}" for what, r, c, value in edits)
    return summary, edit


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1251", "latin-1", "cp437", "koi8-r"]


@st.composite
def csv_damage(draw: st.DrawFn) -> Mutation:
    """Edit the CSV's cells, or write it in another encoding or with another delimiter."""
    how = draw(st.sampled_from(["cells", "cells", "encoding", "delimiter", "quotes"]))
    if how == "cells":
        summary, edit = draw(table_edits())
        return Mutation("csv cells", summary, lambda d: _write_csv(edit(_read_csv(d))))
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
        summary, edit = draw(table_edits())
        return Mutation("xlsx cells", summary, lambda d: _edit_xlsx_cells(d, edit))
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
