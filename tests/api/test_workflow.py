"""The approval workflow, told as the week of an operator's data officer and the IM officer."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from mineaction.intake.pipeline import ImportRefused, import_file
from tests.api.conftest import World

ROW = {"date": "2024-05-02", "category": "at_mine", "quantity": 2, "lon": 46.931, "lat": 39.991}


def test_leyla_drafts_submits_and_elvin_approves_with_every_step_in_the_history(
    world: World,
) -> None:
    leyla, kamran, elvin = world.client("leyla"), world.client("kamran"), world.client("elvin")
    draft = leyla.post("/api/records/findings", json={"row": ROW}).json()
    assert draft["approval"] == "draft"
    url = f"/api/records/findings/{draft['id']}"
    # Another operator's officer neither sees nor changes MES's draft.
    assert kamran.get(url).status_code == 403
    assert draft["id"] not in [
        i["id"] for i in kamran.get("/api/records/findings?limit=1000").json()["items"]
    ]
    assert kamran.put(url, json={"row": ROW, "version": draft["version"]}).status_code == 403
    # Leyla corrects her draft in place, then submits it.
    edited = leyla.put(url, json={"row": ROW | {"quantity": 3}, "version": draft["version"]})
    assert edited.status_code == 200 and edited.json()["quantity"] == 3
    assert edited.json()["id"] == draft["id"]
    submitted = leyla.post(f"{url}/submit", json={"version": edited.json()["version"]}).json()
    assert submitted["approval"] == "submitted"
    # Once submitted it waits: Leyla can no longer change it, and she cannot approve it.
    assert leyla.put(url, json={"row": ROW, "version": submitted["version"]}).status_code == 403
    assert leyla.post(f"{url}/approve", json={}).status_code == 403
    assert draft["id"] in [r["id"] for r in elvin.get("/api/review").json()["findings"]]
    # Elvin rejects it, with a reason; Leyla fixes it and submits again; Elvin approves.
    assert elvin.post(f"{url}/reject", json={}).status_code == 422
    rejected = elvin.post(f"{url}/reject", json={"reason": "Depth missing from the report"})
    assert rejected.json()["approval"] == "rejected"
    fixed = leyla.put(
        url,
        json={"row": ROW | {"quantity": 4}, "version": rejected.json()["version"], "submit": True},
    ).json()
    assert fixed["approval"] == "submitted"
    approved = elvin.post(f"{url}/approve", json={"version": fixed["version"]}).json()
    assert approved["approval"] == "approved" and approved["quantity"] == 4
    history = elvin.get(f"{url}/history").json()
    steps = [(h["actor"], h["changes"].get("approval")) for h in history if h["action"] == "update"]
    assert [s for s in steps if s[1]] == [
        ("leyla", "submitted"),
        ("elvin", "rejected"),
        ("leyla", "submitted"),
        ("elvin", "approved"),
    ]
    assert any("Depth missing from the report" in (h["note"] or "") for h in history)


def test_an_approved_record_is_superseded_never_edited(world: World) -> None:
    elvin = world.client("elvin")
    original = elvin.post("/api/records/findings", json={"row": ROW, "submit": True}).json()
    url = f"/api/records/findings/{original['id']}"
    approved = elvin.post(f"{url}/approve", json={}).json()
    correction = elvin.put(
        url, json={"row": ROW | {"quantity": 9}, "version": approved["version"], "submit": True}
    ).json()
    assert correction["id"] != original["id"] and correction["quantity"] == 9
    assert elvin.get(url).json() == approved  # untouched while the correction waits
    elvin.post(f"/api/records/findings/{correction['id']}/approve", json={})
    assert elvin.get(url).json()["approval"] == "superseded"
    assert elvin.get(url).json()["quantity"] == 2
    again = elvin.put(url, json={"row": ROW, "version": elvin.get(url).json()["version"]})
    assert again.status_code == 403  # history is not edited


def test_an_operator_records_only_for_its_own_organisation(world: World) -> None:
    leyla = world.client("leyla")
    refused = leyla.post("/api/records/findings", json={"row": ROW | {"operator": "SBS"}})
    assert refused.status_code == 403 and "MES" in refused.json()["error"]["message"]
    mine = leyla.post("/api/records/findings", json={"row": ROW | {"operator": "mes"}})
    assert mine.status_code == 201
    assert leyla.post("/api/records/organisations", json={"row": {}}).status_code == 403


def test_the_api_refuses_a_row_with_the_same_problems_as_an_import(
    world: World, tmp_path: Path
) -> None:
    bad = {"date": "2024-05-02", "category": "at_mnie", "quantity": "0", "lon": "46.93"}
    answer = world.client("elvin").post("/api/records/findings", json={"row": bad})
    assert answer.status_code == 422
    path = tmp_path / "week.csv"
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(bad))
        writer.writeheader()
        writer.writerow(bad)
    try:
        import_file(world.db, "findings", path, dry_run=True)
        raise AssertionError("the import accepted the row")
    except ImportRefused as refused:
        expected = [(p.field, p.reason, p.hint) for p in refused.report.problems]
    got = [(p["field"], p["reason"], p["hint"]) for p in answer.json()["error"]["problems"]]
    assert got == expected and len(got) >= 2


def test_an_operators_upload_arrives_submitted_with_the_cli_report(world: World) -> None:
    text = (
        "date,category,quantity,lon,lat\n"
        "2024-06-01,uxo,1,46.95,39.98\n"
        "2024-06-02,ap_mine,2,46.96,39.97\n"
    )
    leyla = world.client("leyla")
    files = {"file": ("week23.csv", io.BytesIO(text.encode()), "text/csv")}
    dry = leyla.post("/api/import/findings", files=files, data={"dry_run": "true"}).json()
    assert dry["rows"] == 2 and dry["created"] == 2 and dry["written"] is False
    files = {"file": ("week23.csv", io.BytesIO(text.encode()), "text/csv")}
    report = leyla.post("/api/import/findings", files=files).json()
    assert report == dry | {"written": True, "dry_run": False}
    assert set(report) == {
        "kind", "source", "rows", "created", "updated", "unchanged", "written", "dry_run",
        "problem_count", "problems", "warnings",
    }  # fmt: skip
    mine = (
        world.client("leyla")
        .get("/api/records/findings", params={"approval": "submitted", "period": "2024-06"})
        .json()
    )
    assert {(i["found_date"], i["quantity"]) for i in mine["items"]} >= {
        ("2024-06-01", 1),
        ("2024-06-02", 2),
    }
    other = "date,category,quantity,operator,lon,lat\n2024-06-03,uxo,1,SBS,46.95,39.98\n"
    files = {"file": ("sbs.csv", io.BytesIO(other.encode()), "text/csv")}
    refused = leyla.post("/api/import/findings", files=files)
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"][0]["field"] == "operator"
    assert json.dumps(refused.json()).count("row") >= 1
