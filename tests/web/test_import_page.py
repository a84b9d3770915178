"""The import page: upload, a dry run's table of problems, then the confirmed import.

Leyla (MES's data officer) imports her week's findings: they arrive as
submitted.  A file with a bad row shows every problem and writes nothing.
Elvin (IM officer) chooses the state of his import.  The file waits on the
server under a random id only its uploader can confirm, and is gone after.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from mineaction.services import staged_uploads
from mineaction.store.tables import Finding
from tests.api.conftest import World

HTML = {"Accept": "text/html"}
GOOD = (
    b"id,date,category,quantity,lon,lat\n"
    b"WK18-1,2024-05-02,uxo,2,46.931,39.991\n"
    b"WK18-2,2024-05-03,at_mine,1,46.932,39.992\n"
)
BAD = (
    b"id,date,category,quantity,lon,lat\n"
    b"WK19-1,2024-05-02,uxo,2,46.931,39.991\n"
    b"WK19-2,2024-13-03,uxo,1,46.932,39.992\n"
    b"WK19-3,2024-05-03,at_mnie,1,46.932,39.992\n"
    b"WK19-4,2024-05-04,uxo,1,39.99,46.93\n"
)
MAPPING = b"""kind: findings
columns:
  id: Ref
  date: Day
  category: {from: Type, values: {Rocket: uxo}}
  quantity: {value: 1}
  lon: X
  lat: Y
"""
FOREIGN = b"Ref,Day,Type,X,Y\nMAP-1,2024-05-05,Rocket,46.933,39.993\n"


def _findings(world: World, prefix: str) -> list[tuple[str, str]]:
    with world.db.session() as s:
        rows = s.execute(
            select(Finding.source_id, Finding.approval).where(Finding.source_id.like(f"{prefix}%"))
        ).all()
    return sorted((str(a), str(b)) for a, b in rows)


def _dry_run(
    client: TestClient, csrf: str, data: bytes, *, name: str = "week.csv", **form: Any
) -> Any:
    files: dict[str, Any] = {"file": (name, io.BytesIO(data), "text/csv")}
    if "mapping" in form:
        files["mapping"] = ("register.yaml", io.BytesIO(form.pop("mapping")), "text/yaml")
    return client.post(
        "/import",
        data={"kind": "findings", "csrf_token": csrf, **form},
        files=files,
        headers=HTML,
    )


def _waiting() -> set[Path]:
    root = staged_uploads.default_root()
    return set(root.iterdir()) if root.is_dir() else set()


def _upload_id(page: str) -> str:
    found = re.search(r'name="upload_id" value="([^"]+)"', page)
    assert found, "no confirmation form"
    return found.group(1)


def test_an_operator_checks_then_imports_her_week_as_submitted(world: World) -> None:
    client, csrf = world.signed_in("leyla")
    form = client.get("/import", headers=HTML)
    assert form.status_code == 200 and 'name="kind"' in form.text
    assert 'name="status"' not in form.text  # an operator's imports are always submitted

    checked = _dry_run(client, csrf, GOOD)
    assert checked.status_code == 200, checked.text[-2000:]
    assert 'data-testid="would-create">2<' in checked.text
    assert 'data-testid="arrive-as">submitted<' in checked.text
    assert _findings(world, "WK18") == []  # a dry run writes nothing
    upload_id = _upload_id(checked.text)
    assert (staged_uploads.default_root() / upload_id / "week.csv").read_bytes() == GOOD

    done = client.post(
        "/import/confirm", data={"upload_id": upload_id, "csrf_token": csrf}, headers=HTML
    )
    assert done.status_code == 200 and 'data-testid="imported"' in done.text
    assert _findings(world, "WK18") == [("WK18-1", "submitted"), ("WK18-2", "submitted")]
    assert not (staged_uploads.default_root() / upload_id).exists()
    again = client.post(
        "/import/confirm", data={"upload_id": upload_id, "csrf_token": csrf}, headers=HTML
    )
    assert again.status_code == 404 and "no longer waiting" in again.text


def test_a_bad_file_shows_every_problem_by_row_and_writes_nothing(world: World) -> None:
    client, csrf = world.signed_in("leyla")
    page = _dry_run(client, csrf, BAD, name="week19.csv")
    assert page.status_code == 422
    table = page.text.split('data-testid="problem-table"', 1)[1]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", table)
    assert ("week19.csv", "3", "date") in rows and ("week19.csv", "4", "category") in rows
    assert any(r[1] == "5" for r in rows)  # swapped lon/lat
    assert 'data-testid="problem-count">3 problem(s) in 4 row(s)' in page.text
    assert "Did you mean &#39;at_mine&#39;" in table or "Did you mean 'at_mine'" in table
    assert 'name="upload_id"' not in page.text  # nothing to confirm
    assert _findings(world, "WK19") == []


def test_an_im_officer_chooses_the_state_and_may_use_a_column_mapping(world: World) -> None:
    client, csrf = world.signed_in("elvin")
    assert 'name="status"' in client.get("/import", headers=HTML).text
    checked = _dry_run(client, csrf, FOREIGN, name="register.csv", mapping=MAPPING, status="draft")
    assert checked.status_code == 200, checked.text[-2000:]
    upload_id = _upload_id(checked.text)
    client.post("/import/confirm", data={"upload_id": upload_id, "csrf_token": csrf}, headers=HTML)
    assert _findings(world, "MAP-") == [("MAP-1", "draft")]


def test_only_the_uploader_may_confirm_and_a_made_up_id_is_refused(world: World) -> None:
    leyla, leyla_csrf = world.signed_in("leyla")
    upload_id = _upload_id(_dry_run(leyla, leyla_csrf, GOOD.replace(b"WK18", b"WK20")).text)
    kamran, kamran_csrf = world.signed_in("kamran")
    for forged in (upload_id, "../../etc/passwd", "x" * 32):
        answer = kamran.post(
            "/import/confirm", data={"upload_id": forged, "csrf_token": kamran_csrf}, headers=HTML
        )
        assert answer.status_code in (404, 422)
    assert _findings(world, "WK20") == []
    assert (staged_uploads.default_root() / upload_id).exists()  # still Leyla's to confirm


@pytest.mark.parametrize(
    ("persona", "status"),
    [("nigar", 200), ("elvin", 200), ("leyla", 200), ("aysel", 403), ("rauf", 403)],
)
def test_the_import_page_is_for_roles_that_may_import(
    world: World, persona: str, status: int
) -> None:
    page = world.client(persona).get("/import", headers=HTML)
    assert page.status_code == status
    if status == 200:
        assert 'href="/import"' in page.text
    public = TestClient(world.app, follow_redirects=False).get("/import", headers=HTML)
    assert public.status_code == 303 and public.headers["location"].startswith("/login")


def test_a_viewer_cannot_import_even_by_posting(world: World) -> None:
    client, csrf = world.signed_in("rauf")
    assert _dry_run(client, csrf, GOOD.replace(b"WK18", b"WK21")).status_code == 403
    with world.db.session() as s:
        count = s.scalar(select(func.count()).where(Finding.source_id.like("WK21%")))
    assert count == 0


def test_an_operator_may_use_a_column_mapping_and_her_rows_stay_hers(world: World) -> None:
    client, csrf = world.signed_in("leyla")
    foreign = FOREIGN.replace(b"MAP-1", b"LMAP-1")
    checked = _dry_run(client, csrf, foreign, name="register.csv", mapping=MAPPING)
    assert checked.status_code == 200, checked.text[-2000:]
    upload_id = _upload_id(checked.text)
    client.post("/import/confirm", data={"upload_id": upload_id, "csrf_token": csrf}, headers=HTML)
    assert _findings(world, "LMAP-") == [("LMAP-1", "submitted")]
    with world.db.session() as s:
        found = s.scalars(select(Finding).where(Finding.source_id == "LMAP-1")).one()
        assert found.organisation is not None and found.organisation.code == "MES"


@pytest.mark.parametrize(
    ("name", "data", "mapping", "words"),
    [
        ("week.pdf", b"%PDF-1.4", None, "week.pdf"),
        ("week.csv", b"when,what\n2024-05-02,uxo\n", None, "date"),
        ("register.csv", FOREIGN, b"kind: findings\ncolumns: [oops\n", "not valid YAML"),
    ],
)
def test_a_file_that_cannot_be_read_says_why_and_keeps_nothing(
    world: World, name: str, data: bytes, mapping: bytes | None, words: str
) -> None:
    client, csrf = world.signed_in("elvin")
    before = _waiting()
    form: dict[str, Any] = {"mapping": mapping} if mapping else {}
    page = _dry_run(client, csrf, data, name=name, **form)
    assert 400 <= page.status_code < 500 and 'data-testid="problems"' in page.text
    assert words in page.text and "Traceback" not in page.text
    assert _waiting() == before
