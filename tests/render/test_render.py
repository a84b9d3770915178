"""A document built once renders to every format with the same numbers, in three languages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from shapely.geometry import box

from mineaction.domain.vocab import EO_CATEGORY, Labels
from mineaction.errors import ValidationError
from mineaction.render import (
    Chart,
    Column,
    DistrictMap,
    Document,
    FanChart,
    MapArea,
    Paragraph,
    Section,
    Series,
    Table,
    get_renderer,
    render,
)
from mineaction.render.labels import SYNTHETIC, number

FINDS = [
    {"category": EO_CATEGORY["at_mine"], "items": 53, "area_ha": 2046.34},
    {"category": EO_CATEGORY["ap_mine"], "items": 26, "area_ha": 12.5},
]


def finds_table() -> Table:
    return Table(
        columns=[
            Column("category", Labels("Category", "Kateqoriya", "Категория")),
            Column("items", Labels("Items", "Ədəd", "Штук"), "int"),
            Column("area_ha", Labels("Area", "Sahə", "Площадь"), "ha", unit="ha"),
        ],
        rows=FINDS,
        total={
            "category": "Total",
            "items": sum(r["items"] for r in FINDS),
            "area_ha": sum(r["area_ha"] for r in FINDS),
        },
        name="finds",
    )


def statement_doc(*, second_table: bool = True) -> Document:
    sections = [
        Section(
            Labels("Finds", "Tapıntılar", "Находки"),
            [
                finds_table(),
                Chart("stacked_bar", "By week", ["W18", "W19"], [Series("AT", [20, 33])]),
                FanChart("Forecast", ["2025", "2026"], [1, None], [None, 2], [None, 3], [None, 4]),
                DistrictMap(
                    "Where",
                    [MapArea("AGD", "Aghdam", box(46.7, 39.9, 47.1, 40.1), 2046.3, 53)],
                    value_label="ha",
                    marker_label="items",
                ),
                Paragraph("Figures are provisional."),
            ],
        )
    ]
    if second_table:
        operators = Table([Column("op", "Operator")], [{"op": "ANAMA"}])
        sections.append(Section("Operators", [operators]))
    return Document(
        title=Labels("Weekly operations", "Həftəlik əməliyyatlar", "Еженедельные операции"),
        issuer="Mine Action Agency",
        period=(dt.date(2024, 4, 29), dt.date(2024, 5, 5)),
        notices=[SYNTHETIC],
        summary=["53 anti-tank mines and 2,058.8 hectares."],
        sections=sections,
        generated_at=dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.UTC),
    )


def test_a_single_table_is_a_plain_csv_with_its_notice_as_a_comment() -> None:
    data = render(statement_doc(second_table=False), "csv")
    text = data.decode("utf-8-sig")
    assert text.startswith("# Synthetic")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert [int(r["Items"]) for r in rows] == [53, 26, 79]
    assert float(rows[0]["Area (ha)"]) == pytest.approx(2046.34)
    assert rows[0]["Category"] == "Anti-tank mine"


def test_several_tables_make_a_zip_with_an_about_file() -> None:
    doc = statement_doc()
    archive = zipfile.ZipFile(io.BytesIO(render(doc, "csv", lang="ru")))
    assert archive.namelist() == ["about.csv", "01-finds.csv", "02-operators.csv"]
    finds = archive.read("01-finds.csv").decode("utf-8-sig")
    assert "Противотанковая мина,53,2046.34" in finds
    assert "Синтетические" in archive.read("about.csv").decode("utf-8-sig")
    assert get_renderer("csv").extension_for(doc) == ".zip"


def test_the_workbook_has_an_about_sheet_then_one_formatted_sheet_per_section() -> None:
    book = load_workbook(io.BytesIO(render(statement_doc(), "xlsx", lang="az")))
    assert book.sheetnames == ["Haqqında", "Tapıntılar", "Operators"]
    sheet = book["Tapıntılar"]
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0]]
    header = values.index(("Kateqoriya", "Ədəd", "Sahə (ha)"))
    assert values[header + 1] == ("Tank əleyhinə mina", 53, 2046.34)
    assert values[header + 3][1] == 79
    numbers = [c for c in sheet[header + 3] if isinstance(c.value, float)]
    assert numbers[0].number_format == "#,##0.0"


def test_the_page_is_standalone_with_inline_charts_and_map() -> None:
    page = render(statement_doc(), "html", lang="ru").decode()
    assert page.count("<svg") == 3
    for external in ('href="http', "src=", "url(http", "<script", "<link", "@import"):
        assert external not in page
    assert "Противотанковая мина" in page and number(2046.34, "ru", 1) in page
    assert "Еженедельные операции" in page


def test_the_pdf_is_a4_and_its_text_layer_carries_the_figures(tmp_path: Path) -> None:
    path = tmp_path / "weekly.pdf"
    path.write_bytes(render(statement_doc(), "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Weekly operations" in text and "Mine Action Agency" in text
    assert "2,046.3" in text and "2,058.8 hectares" in text and "Synthetic" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert "595.276 x 841.89" in info.stdout or "595.28 x 841.89" in info.stdout


def test_the_text_format_is_the_statement_with_its_notice() -> None:
    text = render(statement_doc(), "text").decode()
    assert text.splitlines()[0] == "WEEKLY OPERATIONS"
    assert "29 April – 5 May 2024" in text
    assert "53 anti-tank mines" in text and "* Synthetic" in text


def test_without_a_statement_the_text_format_lists_the_tables() -> None:
    doc = statement_doc()
    doc.summary = []
    text = render(doc, "text").decode()
    line = next(line for line in text.splitlines() if line.startswith("Anti-tank mine"))
    assert line.split()[-2:] == ["53", "2,046.3"]


def test_it_refuses_an_unknown_format_or_language_and_names_the_choices() -> None:
    with pytest.raises(ValidationError) as bad_format:
        render(statement_doc(), "docx")
    assert "csv, xlsx, html, pdf, text" in (bad_format.value.hint or "")
    with pytest.raises(ValidationError) as bad_lang:
        render(statement_doc(), "html", lang="fr")
    assert "en, az, ru" in (bad_lang.value.hint or "")
