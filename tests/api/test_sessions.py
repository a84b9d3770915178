"""Signing in: cookies, CSRF, API tokens, the limit on failed sign-ins, headers, the secret."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mineaction.api.app import create_app
from mineaction.config import DEV_SECRET, Settings
from mineaction.services import users
from tests.api.conftest import PASSWORD, World

FINDING = {"date": "2024-05-02", "category": "uxo", "quantity": 1, "lon": 46.93, "lat": 39.99}


def test_a_browser_session_cookie_is_httponly_and_samesite(world: World) -> None:
    client = TestClient(world.app)
    answer = client.post("/api/session", json={"username": "rauf", "password": PASSWORD})
    cookie = answer.headers["set-cookie"].lower()
    assert "mineaction_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # MINEACTION_SECURE_COOKIES is off by default
    assert client.get("/api/me").json()["username"] == "rauf"
    assert client.delete("/api/session", headers={"X-CSRF-Token": answer.json()["csrf_token"]})
    assert client.get("/api/me").json()["role"] == "public"


def test_the_cookie_is_secure_when_configured(world: World) -> None:
    settings = Settings(secure_cookies=True)
    client = TestClient(create_app(world.db.url, settings=settings))
    answer = client.post("/api/session", json={"username": "rauf", "password": PASSWORD})
    assert "secure" in answer.headers["set-cookie"].lower()
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_changes_with_the_cookie_need_the_csrf_token(world: World) -> None:
    client, csrf = world.signed_in("elvin")
    assert client.post("/api/records/findings", json={"row": FINDING}).status_code == 403
    wrong = client.post(
        "/api/records/findings", json={"row": FINDING}, headers={"X-CSRF-Token": "x" + csrf}
    )
    assert wrong.status_code == 403
    right = client.post(
        "/api/records/findings", json={"row": FINDING}, headers={"X-CSRF-Token": csrf}
    )
    assert right.status_code == 201, right.text


def test_a_script_signs_in_with_a_token_and_needs_no_csrf(world: World) -> None:
    answer = world.client("elvin").post("/api/records/findings", json={"row": FINDING})
    assert answer.status_code == 201
    assert world.client("elvin").get("/api/me").json() == {
        "username": "elvin",
        "role": "im_officer",
        "organisation_id": None,
    }


def test_failed_sign_ins_are_limited_per_user_name(world: World) -> None:
    client = TestClient(world.app)
    limit = world.app.state.settings.login_attempts
    for _ in range(limit):
        wrong = client.post("/api/session", json={"username": "aysel", "password": "not it"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["message"] == "The user name or the password is wrong."
    blocked = client.post("/api/session", json={"username": "aysel", "password": PASSWORD})
    assert blocked.status_code == 429 and blocked.json()["error"]["code"] == "too_many_attempts"
    # Another user is not affected; an unknown name answers like a wrong password.
    assert client.post("/api/session", json={"username": "rauf", "password": PASSWORD}).is_success
    unknown = client.post("/api/session", json={"username": "nobody", "password": PASSWORD})
    assert unknown.json()["error"]["message"] == "The user name or the password is wrong."


@pytest.mark.parametrize("username", ["\x00", "rauf\x00", "\x00rauf"])
def test_a_user_name_holding_a_nul_is_refused_as_a_wrong_password(
    world: World, username: str
) -> None:
    client = TestClient(world.app)
    # An unknown name of this test's own: failures count per name (the world is shared).
    unknown = "nobody-" + username.replace("\x00", "0")
    wrong = client.post("/api/session", json={"username": unknown, "password": PASSWORD})
    answer = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 401
    assert answer.json() == wrong.json()
    assert client.get("/api/me").json()["role"] == "public"


def test_a_disabled_user_loses_sessions_and_tokens(world: World) -> None:
    with world.db.session() as s:
        users.add_user(session=s, username="temporary", role="viewer", password=PASSWORD)
    client, _ = world.signed_in("temporary")
    from mineaction.config import get_settings
    from mineaction.services import auth

    with world.db.session() as s:
        token = auth.create_token(
            session=s, username="temporary", name="t", secret=get_settings().secret_key
        )
    scripted = TestClient(world.app, headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/me").json()["username"] == "temporary"
    assert scripted.get("/api/records/findings").status_code == 200
    with world.db.session() as s:
        users.disable_user(session=s, username="temporary")
    assert client.get("/api/me").json()["role"] == "public"
    assert scripted.get("/api/records/findings").status_code == 401
    refused = TestClient(world.app).post(
        "/api/session", json={"username": "temporary", "password": PASSWORD}
    )
    assert refused.status_code == 401


def test_every_answer_carries_the_security_headers(world: World) -> None:
    for path in ("/", "/api/health", "/api/records/hazards", "/static/mineaction.css"):
        headers = TestClient(world.app).get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("environment", ["production", "test"])
def test_the_default_secret_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValueError, match="MINEACTION_SECRET_KEY"):
        Settings(environment=environment, secret_key=DEV_SECRET)
    with pytest.raises(ValueError, match="shorter than 32"):
        Settings(environment=environment, secret_key="short-but-not-default")
    assert Settings(environment=environment, secret_key="k" * 40).secret_key == "k" * 40
    assert Settings(environment="development").secret_key == DEV_SECRET
