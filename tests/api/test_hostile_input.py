"""Hostile strings in every filter, query parameter and path: a 4xx or nothing, never more.

Story: an outsider (and, worse, a signed-in viewer) pastes SQL-injection and
markup payloads into every filter of the list endpoints, the OGC items
(bbox, datetime, limit, offset), the report and analysis parameters and the
pages' query strings, on SQLite and PostGIS.  Each answer is a clear 4xx or
a valid, empty result; nothing is a 500, nothing leaks rows the filter did
not ask for, no table changes and the audit chain still verifies.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from mineaction.services.audit import verify_chain
from mineaction.services.catalogue import KINDS
from mineaction.store.tables import Base
from tests.api.conftest import World

HOSTILE = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "1; DROP TABLE findings; --",
    "x' UNION SELECT username, password_hash FROM users --",
    '" OR ""="',
    "%",
    "_",
    "%' OR 'a' LIKE '%",
    "\\'; SELECT pg_sleep(3); --",
    "1)) OR ((1=1",
    "ANAMA'/*",
    "\x00",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "ａｄｍｉｎ' --",
    "9" * 400,
]
#: Filters that match a text value; a hostile value must match nothing.
TEXT_FILTERS = ("operator", "district", "status", "approval")
#: Filters that parse their value; a hostile value is refused (4xx) or matches nothing.
PARSED_FILTERS = ("period", "bbox", "limit", "offset", "format")


def counts(world: World) -> dict[str, int]:
    with world.db.engine.connect() as conn:
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
            if t.name not in ("login_failures", "user_sessions", "audit_log", "api_tokens")
        }


@pytest.fixture
def untouched(world: World):
    """Fail the test if the hostile requests changed any table or broke the audit chain."""
    before = counts(world)
    yield
    assert counts(world) == before
    assert verify_chain(world.db).intact


def check(answer: Any, what: str) -> None:
    assert answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:300]}"
    if answer.status_code >= 400:
        body = answer.json() if "json" in answer.headers.get("content-type", "") else None
        if body is not None:
            assert set(body["error"]) >= {"code", "message"}, what
    if "html" in answer.headers.get("content-type", ""):
        assert "<script>alert(1)" not in answer.text, f"{what}: markup came back unescaped"


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize("kind", list(KINDS))
def test_list_filters_match_nothing_or_refuse(world: World, kind: str) -> None:
    elvin = world.client("elvin")
    for name in TEXT_FILTERS + PARSED_FILTERS:
        for value in HOSTILE:
            what = f"/api/records/{kind}?{name}={value!r}"
            answer = elvin.get(f"/api/records/{kind}", params={name: value})
            check(answer, what)
            if answer.status_code == 200 and name in TEXT_FILTERS:
                assert answer.json()["count"] == 0, f"{what} matched records"


@pytest.mark.usefixtures("untouched")
def test_hostile_paths_are_not_found(world: World) -> None:
    elvin, public = world.client("elvin"), world.client(None)
    for value in (v.replace("\x00", "%00") for v in HOSTILE):  # a URL cannot hold NUL itself
        for client in (elvin, public):
            for path in (
                f"/api/records/{value}",
                f"/api/records/findings/{value}",
                f"/api/records/findings/{value}/history",
                f"/api/reports/{value}",
                f"/ogc/collections/{value}/items",
                f"/ogc/collections/findings/items/{value}",
                f"/records/{value}",
                f"/records/findings/{value}",
            ):
                answer = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
                check(answer, path)
                assert answer.status_code != 200 or path.startswith("/ogc"), path


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize("collection", ["districts", "hazards", "findings", "accidents"])
def test_ogc_items_refuse_hostile_bbox_datetime_and_paging(world: World, collection: str) -> None:
    viewer = world.client("rauf")
    url = f"/ogc/collections/{collection}/items"
    for name in ("bbox", "datetime", "limit", "offset"):
        for value in [*HOSTILE, "1,2,3", "-200,-100,200,100", "2024-01-01/' OR 1=1 --"]:
            answer = viewer.get(url, params={name: value})
            check(answer, f"{url}?{name}={value!r}")
            if answer.status_code == 200 and name in ("bbox", "datetime"):
                matched = answer.json()["numberMatched"]
                everything = viewer.get(url, params={"limit": 1}).json()["numberMatched"]
                assert matched == 0 or matched <= everything


@pytest.mark.usefixtures("untouched")
def test_report_and_analysis_parameters_refuse_hostile_values(world: World) -> None:
    elvin, public = world.client("elvin"), world.client(None)
    good = {"from": "2023-01-01", "to": "2024-12-31"}
    for value in HOSTILE:
        for name in ("from", "to", "week", "group_by", "format", "lang"):
            for client in (elvin, public):
                url = "/api/reports/casualties"
                answer = client.get(url, params={**good, name: value})
                check(answer, f"{url}?{name}={value!r}")
        for url, name in (
            ("/api/minefield-records/verification", "from"),
            ("/api/minefield-records/verification", "buffer_m"),
            ("/api/plan/forecast", "as_of"),
            ("/api/plan/forecast", "add_teams"),
            ("/api/plan/forecast", "scale_teams"),
            ("/api/plan/priorities", "as_of"),
            ("/api/plan/priorities", "limit"),
        ):
            answer = elvin.get(url, params={name: value, "simulations": 100})
            check(answer, f"{url}?{name}={value!r}")


@pytest.mark.usefixtures("untouched")
def test_page_query_strings_refuse_hostile_values(world: World) -> None:
    rauf = world.client("rauf")
    for value in [*HOSTILE, "//evil.example/x", "https://evil.example/", "/\\evil.example"]:
        for url, params in (
            ("/records/findings", {"approval_state": value}),
            ("/records/findings", {"page": value}),
            ("/records/districts", {"approval_state": value}),
            ("/map", {"layer": value}),
            ("/login", {"next": value}),
            ("/", {"q": value}),
            ("/language", {"lang": "az", "next": value}),
            ("/language", {"lang": value}),
            ("/reports", {"report": value, "week": "2024-W18"}),
        ):
            answer = rauf.get(
                url, params=params, headers={"Accept": "text/html"}, follow_redirects=False
            )
            check(answer, f"{url}?{params!r}")
            location = answer.headers.get("location", "/")
            assert location.startswith("/") and not location.startswith("//"), location
            if url == "/records/findings" and "approval_state" in params:
                assert (
                    answer.status_code >= 400
                    or "No records" in answer.text
                    or ("<td" not in answer.text)
                ), f"{url}?{params!r} listed records"


@pytest.mark.usefixtures("untouched")
def test_a_nul_in_a_record_or_a_form_is_refused_not_a_crash(world: World) -> None:
    elvin = world.client("elvin")
    row = {"code": "NUL1", "name": "Team\x00One", "type": "ngo"}
    answer = elvin.post("/api/records/organisations", json={"row": row})
    check(answer, "POST /api/records/organisations with a NUL")
    assert answer.status_code == 422
    form = {"date": "2024-05-02", "category": "uxo", "quantity": "1", "lon": "46.93"}
    answer = elvin.post("/records/findings/new", data={**form, "lat": "39.99\x00"})
    check(answer, "POST /records/findings/new with a NUL")
    assert answer.status_code in (200, 422)  # the form again, with the problem
