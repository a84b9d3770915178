"""An IM officer publishes the week's figures: every report agrees with the raw rows.

The story: in ISO week 2024-W18 the agency (ANAMA) and the Ministry of Defence
find mines and release land in Aghdam and Fuzuli; a submitted (unapproved)
find and a find of the week before must not count.  Two accidents hurt a
child and a deminer.  Expectations are computed here from the same raw rows
with plain Python, never through the report code.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from collections import Counter
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from mineaction.analytics.reports import REPORTS, ReportParams, compute_report, render_report
from mineaction.errors import ValidationError
from mineaction.store.database import Database
from mineaction.store.tables import (
    Accident,
    AdminArea,
    EORESession,
    Equipment,
    EquipmentStatusChange,
    Finding,
    LandRelease,
    Organisation,
    Victim,
)

WEEK = ReportParams(dt.date(2024, 4, 29), dt.date(2024, 5, 5))
D = dt.date
FINDS: list[dict[str, Any]] = [
    # date, category, quantity, operator, district, approval
    {"d": D(2024, 4, 29), "c": "at_mine", "q": 30, "o": "ANAMA", "a": "AZE.agdam"},
    {"d": D(2024, 5, 1), "c": "at_mine", "q": 23, "o": "MOD", "a": "AZE.fuzuli"},
    {"d": D(2024, 5, 2), "c": "ap_mine", "q": 26, "o": "ANAMA", "a": "AZE.fuzuli"},
    {"d": D(2024, 5, 5), "c": "uxo", "q": 378, "o": "MOD", "a": "AZE.agdam"},
    {"d": D(2024, 5, 3), "c": "submunition", "q": 4, "o": "ANAMA", "a": "AZE.agdam"},
    {"d": D(2024, 5, 3), "c": "abandoned_ordnance", "q": 2, "o": "MOD", "a": "AZE.agdam"},
    {"d": D(2024, 5, 4), "c": "ap_mine", "q": 9, "o": "ANAMA", "a": "AZE.agdam", "ap": "submitted"},
    {"d": D(2024, 4, 28), "c": "ap_mine", "q": 7, "o": "ANAMA", "a": "AZE.agdam"},
]
RELEASES: list[dict[str, Any]] = [
    {"d": D(2024, 4, 30), "m": "cleared", "m2": 12_000_000.0, "o": "ANAMA", "a": "AZE.agdam"},
    {"d": D(2024, 5, 2), "m": "cleared", "m2": 8_463_000.0, "o": "MOD", "a": "AZE.fuzuli"},
    {"d": D(2024, 5, 3), "m": "reduced", "m2": 150_000.0, "o": "MOD", "a": "AZE.fuzuli"},
    {"d": D(2024, 5, 4), "m": "cancelled", "m2": 40_000.0, "o": "ANAMA", "a": "AZE.agdam"},
    {"d": D(2024, 5, 6), "m": "cleared", "m2": 99_000.0, "o": "ANAMA", "a": "AZE.agdam"},
]
VICTIMS: list[dict[str, Any]] = [
    # accident key, group, outcome, sex, age band
    {"acc": 1, "g": "civilian", "out": "injured", "sex": "male", "band": "child"},
    {"acc": 1, "g": "civilian", "out": "killed", "sex": "female", "band": "elderly"},
    {"acc": 2, "g": "deminer", "out": "injured", "sex": "male", "band": "adult"},
    {"acc": 2, "g": "military", "out": "killed", "sex": "unknown", "band": "unknown"},
]
ACCIDENTS = {1: (D(2024, 5, 1), "AZE.agdam", "ap_mine"), 2: (D(2024, 5, 3), "AZE.fuzuli", "uxo")}


def approved(row: dict[str, Any]) -> bool:
    return row.get("ap", "approved") == "approved"


def in_week(day: dt.date) -> bool:
    return WEEK.date_from <= day <= WEEK.date_to


@pytest.fixture(scope="module")
def story(module_db: Database) -> Database:
    with module_db.session(actor="im-officer") as s:
        orgs = {
            "ANAMA": Organisation(code="ANAMA", name="ANAMA", type="national_authority"),
            "MOD": Organisation(code="MOD", name="Ministry of Defence", type="military"),
        }
        s.add_all(orgs.values())
        s.flush()
        area = {a.code: a.id for a in s.scalars(select(AdminArea))}
        for f in FINDS:
            s.add(
                Finding(
                    found_date=f["d"], category=f["c"], quantity=f["q"],
                    organisation_id=orgs[f["o"]].id, admin_area_id=area[f["a"]],
                    approval=f.get("ap", "approved"),
                )
            )  # fmt: skip
        for r in RELEASES:
            s.add(
                LandRelease(
                    release_date=r["d"], method=r["m"], area_m2=r["m2"],
                    reported_area_m2=r["m2"], organisation_id=orgs[r["o"]].id,
                    admin_area_id=area[r["a"]],
                )
            )  # fmt: skip
        accidents = {}
        for key, (day, district, device) in ACCIDENTS.items():
            accidents[key] = Accident(
                accident_date=day, accident_type="mine", device_category=device,
                admin_area_id=area[district],
            )  # fmt: skip
            s.add(accidents[key])
        s.flush()
        for v in VICTIMS:
            s.add(
                Victim(
                    accident_id=accidents[v["acc"]].id, victim_group=v["g"], outcome=v["out"],
                    sex=v["sex"], age_band=v["band"],
                )
            )  # fmt: skip
        s.add(
            EORESession(
                session_date=D(2024, 5, 2), organisation_id=orgs["ANAMA"].id,
                admin_area_id=area["AZE.agdam"], female_child=12, male_child=15, female_adult=4,
            )
        )  # fmt: skip
        detector = Equipment(
            equipment_type="detector", serial="D-1", organisation_id=orgs["ANAMA"].id,
            status="destroyed", status_date=D(2024, 5, 2), acquired_date=D(2023, 1, 1),
        )  # fmt: skip
        s.add(detector)
        s.flush()
        s.add_all(
            [
                EquipmentStatusChange(
                    equipment_id=detector.id, changed_date=D(2023, 1, 1), status="operational",
                    organisation_id=orgs["ANAMA"].id,
                ),
                EquipmentStatusChange(
                    equipment_id=detector.id, changed_date=D(2024, 5, 2), status="destroyed",
                    organisation_id=orgs["ANAMA"].id,
                ),
            ]
        )  # fmt: skip
    return module_db


def report(db: Database, name: str, params: ReportParams = WEEK) -> dict[str, Any]:
    with db.session() as s:
        return compute_report(session=s, name=name, params=params)


def test_the_weekly_operations_totals_match_the_approved_rows_of_the_week(story: Database) -> None:
    counted = [f for f in FINDS if approved(f) and in_week(f["d"])]
    items = Counter()
    for f in counted:
        items[f["c"]] += f["q"]
    released = Counter()
    for r in RELEASES:
        if in_week(r["d"]):
            released[r["m"]] += r["m2"]
    totals = report(story, "operations")["totals"]
    assert totals["at_mines"] == items["at_mine"] == 53
    assert totals["ap_mines"] == items["ap_mine"] == 26
    assert totals["uxo"] == items["uxo"] == 378
    assert totals["submunitions"] == items["submunition"]
    assert totals["other"] == items["abandoned_ordnance"]
    assert totals["ieds"] == 0
    assert totals["items_total"] == sum(items.values())
    assert totals["area_cleared_ha"] == round(released["cleared"] / 10_000, 1) == 2046.3
    assert totals["area_reduced_ha"] == round(released["reduced"] / 10_000, 1)
    assert totals["area_cancelled_ha"] == round(released["cancelled"] / 10_000, 1)
    assert totals["area_released_ha"] == pytest.approx(
        sum(round(released[m] / 10_000, 1) for m in ("cancelled", "reduced", "cleared"))
    )


def test_operators_and_districts_add_up_to_the_totals(story: Database) -> None:
    data = report(story, "operations")
    for part in ("by_operator", "by_district"):
        for key in ("items_total", "ap_mines", "at_mines", "uxo"):
            assert sum(r[key] for r in data[part]) == data["totals"][key]
    mod = next(r for r in data["by_operator"] if r["operator"] == "Ministry of Defence")
    assert mod["items_total"] == sum(
        f["q"] for f in FINDS if f["o"] == "MOD" and approved(f) and in_week(f["d"])
    )
    assert {r["district"] for r in data["by_district"]} == {"Agdam District", "Fuzuli District"}


def test_unapproved_records_count_only_when_asked(story: Database) -> None:
    params = ReportParams(WEEK.date_from, WEEK.date_to, include_unapproved=True)
    with_drafts = report(story, "operations", params)["totals"]
    draft = sum(f["q"] for f in FINDS if not approved(f) and in_week(f["d"]))
    assert with_drafts["ap_mines"] == report(story, "operations")["totals"]["ap_mines"] + draft
    with story.session() as s:
        out = render_report(session=s, name="operations", params=params, fmt="text")
    assert b"Includes unapproved" in out.content


def test_the_operations_json_contract_is_pinned(story: Database) -> None:
    data = report(story, "operations")
    figures = {
        "ap_mines", "at_mines", "uxo", "submunitions", "ieds", "other", "items_total",
        "area_cancelled_ha", "area_reduced_ha", "area_cleared_ha", "area_released_ha",
    }  # fmt: skip
    assert set(data) == {"period", "totals", "by_operator", "by_district", "by_model"}
    assert data["period"] == {"from": "2024-04-29", "to": "2024-05-05"}
    assert set(data["totals"]) == figures
    assert all(set(r) == figures | {"operator"} for r in data["by_operator"])
    assert all(set(r) == figures | {"district"} for r in data["by_district"])
    weekly = report(story, "operations", ReportParams(D(2024, 4, 1), D(2024, 5, 31), "week"))
    assert [r["period"] for r in weekly["by_period"]] == ["2024-W17", "2024-W18", "2024-W19"]
    assert all(set(r) == figures | {"period"} for r in weekly["by_period"])


def test_the_casualties_json_contract_and_figures(story: Database) -> None:
    data = report(story, "casualties")
    assert set(data["totals"]) == {"accidents", "victims", "killed", "injured"}
    assert set(data["by_group"]) == {"civilian", "military", "deminer", "unknown"}
    assert all(set(v) == {"killed", "injured"} for v in data["by_group"].values())
    assert set(data["by_sex"]) == {"male", "female", "unknown"}
    assert set(data["by_age_band"]) == {"child", "adult", "unknown"}
    assert data["totals"] == {
        "accidents": len(ACCIDENTS),
        "victims": len(VICTIMS),
        "killed": sum(v["out"] == "killed" for v in VICTIMS),
        "injured": sum(v["out"] == "injured" for v in VICTIMS),
    }
    for group in ("civilian", "military", "deminer"):
        for outcome in ("killed", "injured"):
            expected = sum(v["g"] == group and v["out"] == outcome for v in VICTIMS)
            assert data["by_group"][group][outcome] == expected
    assert data["by_sex"] == dict(Counter(v["sex"] for v in VICTIMS))
    bands = Counter({"elderly": "adult"}.get(v["band"], v["band"]) for v in VICTIMS)
    assert data["by_age_band"] == {k: bands[k] for k in ("child", "adult", "unknown")}


def test_the_landmine_monitor_table_counts_children_and_sex(story: Database) -> None:
    data = report(story, "landmine-monitor")
    (year,) = data["by_year"]
    assert year["year"] == 2024 and year["casualties"] == len(VICTIMS)
    assert year["children"] == sum(v["band"] == "child" for v in VICTIMS)
    assert year["female"] == sum(v["sex"] == "female" for v in VICTIMS)
    assert year["deminer"] == 1 and year["unknown_outcome"] == 0


def test_article7_counts_releases_in_square_metres_and_mines_destroyed(story: Database) -> None:
    data = report(story, "article7")
    week = [r for r in RELEASES if in_week(r["d"])]
    assert data["totals"]["cleared_m2"] == sum(r["m2"] for r in week if r["m"] == "cleared")
    assert data["totals"]["cleared_areas"] == sum(r["m"] == "cleared" for r in week)
    assert data["totals"]["ap_mines"] == sum(
        f["q"] for f in FINDS if f["c"] == "ap_mine" and approved(f) and in_week(f["d"])
    )


def test_eore_and_equipment_reports(story: Database) -> None:
    eore = report(story, "eore")["totals"]
    assert eore["sessions"] == 1 and eore["beneficiaries"] == 12 + 15 + 4
    equipment = report(story, "equipment")
    assert equipment["losses"] == {"damaged": 0, "destroyed": 1, "lost": 0}
    before = report(story, "equipment", ReportParams(D(2024, 1, 1), D(2024, 4, 30)))
    assert before["totals"]["operational"] == 1 and before["totals"]["destroyed"] == 0


def test_the_weekly_pdf_states_the_figures_in_its_text_layer(story: Database, tmp_path) -> None:
    with story.session() as s:
        pdf = render_report(session=s, name="operations", params=WEEK, fmt="pdf").content
    (tmp_path / "week.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "week.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    statement = " ".join(text.split())
    assert (
        "From 29 April to 5 May 2024, 53 anti-tank mines, 26 anti-personnel mines, 378 "
        "unexploded ordnance, 4 submunitions and 2 other explosive items were detected and "
        "neutralised" in statement
    )
    assert "2,046.3 ha cleared" in statement
    assert "Operations were carried out by ANAMA and Ministry of Defence." in statement


def test_every_report_renders_in_every_format_and_language(story: Database) -> None:
    formats = (("xlsx", "ru"), ("csv", "az"), ("html", "en"), ("text", "az"))
    with story.session() as s:
        for number, name in enumerate(REPORTS):
            fmt, lang = formats[number % len(formats)]
            out = render_report(session=s, name=name, params=WEEK, fmt=fmt, lang=lang)
            assert out.content and out.filename.startswith(f"{name}_2024-04-29_2024-05-05")
        xlsx = render_report(session=s, name="casualties", params=WEEK, fmt="xlsx").content
    cells = [c for sheet in load_workbook(io.BytesIO(xlsx)) for r in sheet.iter_rows() for c in r]
    assert len(VICTIMS) in [c.value for c in cells]


def test_it_refuses_a_period_backwards_and_a_grouping_a_report_lacks(story: Database) -> None:
    with pytest.raises(ValidationError, match="starts"):
        ReportParams(D(2024, 5, 5), D(2024, 4, 29))
    with pytest.raises(ValidationError, match="cannot be grouped by week"):
        report(story, "casualties", ReportParams(D(2024, 1, 1), D(2024, 5, 5), "week"))
    with pytest.raises(ValidationError, match="no report called"):
        report(story, "weekly")
    with pytest.raises(ValidationError, match="ISO week"):
        ReportParams.for_week("2024-18")
