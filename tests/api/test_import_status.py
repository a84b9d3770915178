"""The state an import over HTTP gives its records: the IM officer chooses, an operator cannot."""

from __future__ import annotations

import io

from tests.api.conftest import World


def test_an_im_officer_chooses_the_state_of_an_api_import_and_an_operator_cannot(
    world: World,
) -> None:
    text = b"id,date,category,quantity,lon,lat\nST-1,2024-06-04,uxo,1,46.95,39.98\n"
    files = {"file": ("st.csv", io.BytesIO(text), "text/csv")}
    drafted = world.client("elvin").post(
        "/api/import/findings", files=files, data={"status": "draft"}
    )
    assert drafted.status_code == 200, drafted.text
    listed = world.client("elvin").get(
        "/api/records/findings", params={"approval": "draft", "period": "2024-06-04"}
    )
    assert [i["source_id"] for i in listed.json()["items"]] == ["ST-1"]
    wrong = world.client("elvin").post(
        "/api/import/findings",
        files={"file": ("st.csv", io.BytesIO(text.replace(b"ST-1", b"ST-2")), "text/csv")},
        data={"status": "published"},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["problems"][0]["field"] == "status"
    leyla = world.client("leyla").post(
        "/api/import/findings",
        files={"file": ("st.csv", io.BytesIO(text.replace(b"ST-1", b"ST-3")), "text/csv")},
        data={"status": "approved"},
    )
    assert leyla.status_code == 403 and "arrive as submitted" in leyla.json()["error"]["message"]
    everyone = world.client("elvin").get("/api/records/findings", params={"period": "2024-06-04"})
    assert [i["source_id"] for i in everyone.json()["items"]] == ["ST-1"]
