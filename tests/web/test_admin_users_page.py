"""The administrator's users page, without a browser: Nigar manages the accounts.

Every action takes the page's CSRF token, goes through the users service
and lands in the history under Nigar's name; a mistake shows the form again
with the reason and writes nothing; other roles are refused.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mineaction.services import users
from mineaction.store.tables import AuditEntry
from tests.api.conftest import PASSWORD, World

HTML = {"Accept": "text/html"}


def _post(client: TestClient, path: str, csrf: str, **data: str) -> object:
    return client.post(path, data={"csrf_token": csrf, **data}, headers=HTML)


def _account(world: World, username: str) -> dict[str, object] | None:
    with world.db.session() as s:
        return next((u for u in users.list_users(s) if u["username"] == username), None)


def test_an_administrator_adds_an_operator_officer_from_the_page(world: World) -> None:
    nigar, csrf = world.signed_in("nigar")
    page = nigar.get("/admin/users", headers=HTML)
    assert page.status_code == 200 and 'data-testid="user-rauf"' in page.text
    added = _post(
        nigar, "/admin/users", csrf, username="gunel", role="operator_officer",
        organisation="MES", full_name="Günel A.", password=PASSWORD,
    )  # fmt: skip
    assert added.status_code == 200  # after the redirect
    assert 'data-testid="notice"' in added.text and 'data-testid="user-gunel"' in added.text
    assert _account(world, "gunel") == {
        "username": "gunel",
        "full_name": "Günel A.",
        "role": "operator_officer",
        "organisation": "MES",
        "disabled": False,
    }
    signed = TestClient(world.app).post(
        "/api/session", json={"username": "gunel", "password": PASSWORD}
    )
    assert signed.json()["role"] == "operator_officer"


def test_a_refused_account_shows_the_reason_and_keeps_the_form(world: World) -> None:
    nigar, csrf = world.signed_in("nigar")
    weak = _post(
        nigar, "/admin/users", csrf, username="farid", role="viewer", password="farid1234567"
    )
    assert weak.status_code == 422 and "The password contains the user name." in weak.text
    assert 'value="farid"' in weak.text  # typed again only the password
    orphan = _post(
        nigar, "/admin/users", csrf, username="farid", role="operator_officer", password=PASSWORD
    )
    assert orphan.status_code == 422 and "works for one organisation" in orphan.text
    assert _account(world, "farid") is None


def test_disable_enable_reset_and_token_are_in_the_history(world: World) -> None:
    nigar, csrf = world.signed_in("nigar")
    _post(nigar, "/admin/users", csrf, username="orxan", role="viewer", password=PASSWORD)
    orxan, _ = world.signed_in("orxan")

    disabled = _post(nigar, "/admin/users/orxan/disable", csrf)
    assert 'data-testid="state-orxan">disabled<' in disabled.text
    assert orxan.get("/api/me").json()["role"] == "public"  # signed out everywhere
    enabled = _post(nigar, "/admin/users/orxan/enable", csrf)
    assert 'data-testid="state-orxan">active<' in enabled.text

    short = _post(nigar, "/admin/users/orxan/password", csrf, password="short")
    assert short.status_code == 422 and "needs at least 12" in short.text
    new = "meadow copper violin 58"
    _post(nigar, "/admin/users/orxan/password", csrf, password=new)
    again = TestClient(world.app).post("/api/session", json={"username": "orxan", "password": new})
    assert again.status_code == 200

    issued = _post(nigar, "/admin/users/orxan/token", csrf, label="nightly export")
    token = re.search(r'data-testid="token">(ma_[^<]+)<', issued.text)
    assert token
    me = TestClient(world.app).get("/api/me", headers={"Authorization": f"Bearer {token[1]}"})
    assert me.json()["username"] == "orxan"
    assert token[1] not in nigar.get("/admin/users", headers=HTML).text  # shown once

    with world.db.session() as s:
        user_id = users.get_user(s, "orxan").id
        history = s.scalars(
            select(AuditEntry).where(AuditEntry.kind == "users", AuditEntry.record_id == user_id)
        ).all()
    assert {h.actor for h in history} == {"nigar"}
    changes = [h.after for h in history]
    for expected in (
        {"disabled": True},
        {"disabled": False},
        {"password_hash": "<redacted>"},
        {"api_token": "nightly export"},
    ):
        assert expected in changes
    assert not any(token[1] in str(c) or new in str(c) for c in changes)


def test_an_administrator_cannot_disable_herself_from_the_page(world: World) -> None:
    nigar, csrf = world.signed_in("nigar")
    refused = _post(nigar, "/admin/users/nigar/disable", csrf)
    assert refused.status_code == 422 and "your own account" in refused.text
    assert _account(world, "nigar")["disabled"] is False  # type: ignore[index]


def test_a_change_without_the_page_token_is_refused(world: World) -> None:
    nigar, _ = world.signed_in("nigar")
    forged = nigar.post("/admin/users/rauf/disable", headers=HTML)
    assert forged.status_code == 403
    assert _account(world, "rauf")["disabled"] is False  # type: ignore[index]


@pytest.mark.parametrize("persona", ["elvin", "leyla", "aysel", "rauf"])
def test_only_an_administrator_reaches_the_users_page(world: World, persona: str) -> None:
    client, csrf = world.signed_in(persona)
    assert client.get("/admin/users", headers=HTML).status_code == 403
    assert 'href="/admin/users"' not in client.get("/dashboard", headers=HTML).text
    refused = _post(client, "/admin/users/kamran/disable", csrf)
    assert refused.status_code == 403
    assert _account(world, "kamran")["disabled"] is False  # type: ignore[index]
