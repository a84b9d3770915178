"""User administration over HTTP: Nigar (admin) manages accounts from a script.

The same rules as `mineaction users`: the password policy, an organisation
for operator officers, a disabled account's tokens stop working; and every
change lands in the history, never with a password or its hash.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select

from mineaction.store.tables import AuditEntry
from tests.api.conftest import PASSWORD, World


def _history(world: World, username: str) -> list[AuditEntry]:
    with world.db.session() as s:
        from mineaction.services import users

        user_id = users.get_user(s, username).id
        return list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.kind == "users", AuditEntry.record_id == user_id)
                .order_by(AuditEntry.id)
            )
        )


def test_an_administrator_adds_disables_enables_and_resets_a_user(world: World) -> None:
    nigar = world.client("nigar")
    added = nigar.post(
        "/api/users",
        json={"username": "samir", "role": "operator_officer", "organisation": "SBS",
              "password": PASSWORD, "full_name": "Samir M."},
    )  # fmt: skip
    assert added.status_code == 201, added.text
    assert added.json() == {
        "username": "samir",
        "role": "operator_officer",
        "organisation": "SBS",
        "full_name": "Samir M.",
        "disabled": False,
    }
    listed = nigar.get("/api/users").json()
    assert listed["count"] == len(listed["data"]) and "samir" in [
        u["username"] for u in listed["data"]
    ]

    token = nigar.post("/api/users/samir/tokens", json={"name": "kobo sync"})
    assert token.status_code == 201 and token.json()["token"].startswith("ma_")
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    assert TestClient(world.app).get("/api/me", headers=headers).json()["username"] == "samir"

    disabled = nigar.patch("/api/users/samir", json={"disabled": True})
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert TestClient(world.app).get("/api/me", headers=headers).status_code == 401

    new_password = "granite orchard sleepy 42"
    changed = nigar.patch("/api/users/samir", json={"disabled": False, "password": new_password})
    assert changed.status_code == 200 and changed.json()["disabled"] is False
    signed = TestClient(world.app).post(
        "/api/session", json={"username": "samir", "password": new_password}
    )
    assert signed.status_code == 200

    history = _history(world, "samir")
    assert [h.action for h in history[:3]] == ["create", "token", "update"]
    assert all(h.actor == "nigar" for h in history)
    assert history[1].after == {"api_token": "kobo sync"}
    assert history[2].after == {"disabled": True}
    changes = [h.after for h in history[3:]]
    assert {"password_hash": "<redacted>"} in changes and {"disabled": False} in changes
    text = json.dumps([[h.before, h.after] for h in history])
    assert new_password not in text and PASSWORD not in text and "argon2" not in text


def test_it_refuses_a_weak_password_a_missing_organisation_and_a_taken_name(
    world: World,
) -> None:
    nigar = world.client("nigar")
    weak = nigar.post(
        "/api/users", json={"username": "tural", "role": "viewer", "password": "tural123"}
    )
    assert weak.status_code == 422 and "at least 12" in weak.json()["error"]["message"]
    assert weak.json()["error"]["problems"][0]["field"] == "password"
    orphan = nigar.post(
        "/api/users",
        json={"username": "tural", "role": "operator_officer", "password": PASSWORD},
    )
    assert orphan.status_code == 422 and orphan.json()["error"]["problems"][0]["field"] == (
        "organisation"
    )
    taken = nigar.post(
        "/api/users", json={"username": "rauf", "role": "viewer", "password": PASSWORD}
    )
    assert taken.status_code == 409
    assert "tural" not in [u["username"] for u in nigar.get("/api/users").json()["data"]]


def test_an_administrator_cannot_disable_herself_nor_reach_a_missing_user(world: World) -> None:
    nigar = world.client("nigar")
    itself = nigar.patch("/api/users/nigar", json={"disabled": True})
    assert itself.status_code == 422 and "your own account" in itself.json()["error"]["message"]
    assert nigar.get("/api/me").status_code == 200
    missing = nigar.patch("/api/users/nobody", json={"disabled": True})
    assert missing.status_code == 404


def test_a_bad_new_password_changes_nothing(world: World) -> None:
    nigar = world.client("nigar")
    refused = nigar.patch("/api/users/rauf", json={"disabled": True, "password": "short"})
    assert refused.status_code == 422
    rauf = next(u for u in nigar.get("/api/users").json()["data"] if u["username"] == "rauf")
    assert rauf["disabled"] is False
