"""The pages without a browser: sign-in form, CSRF on forms, redirects, error pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, World

HTML = {"Accept": "text/html"}


def _login_form(client: TestClient) -> str:
    page = client.get("/login", headers=HTML)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the sign-in form has no CSRF token"
    return match.group(1)


def test_the_sign_in_form_needs_its_token_and_never_redirects_off_site(world: World) -> None:
    client = TestClient(world.app, follow_redirects=False)
    token = _login_form(client)
    forged = TestClient(world.app, follow_redirects=False).post(
        "/login", data={"username": "rauf", "password": PASSWORD, "csrf_token": token}
    )
    assert forged.status_code == 400 and "mineaction_session" not in forged.headers.get(
        "set-cookie", ""
    )
    signed = client.post(
        "/login",
        data={
            "username": "rauf",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/dashboard"
    assert "httponly" in signed.headers["set-cookie"].lower()


def test_a_wrong_password_shows_the_form_again_with_the_reason(world: World) -> None:
    client = TestClient(world.app)
    token = _login_form(client)
    page = client.post(
        "/login", data={"username": "nigar", "password": "nope", "csrf_token": token}
    )
    assert page.status_code == 401
    assert "The user name or the password is wrong." in page.text


def test_forms_of_a_signed_in_user_need_the_session_csrf_token(world: World) -> None:
    client, csrf = world.signed_in("elvin")
    row = {"date": "2024-05-02", "category": "uxo", "quantity": "1", "lon": "46.93", "lat": "39.99"}
    refused = client.post("/records/findings/new", data=row, headers=HTML)
    assert refused.status_code == 403 and "security token" in refused.text
    created = client.post(
        "/records/findings/new",
        data=row | {"csrf_token": csrf, "then": "draft"},
        headers=HTML,
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"], headers=HTML)
    assert 'data-testid="approval" data-state="draft">Draft<' in page.text
    assert client.post("/logout", headers=HTML, follow_redirects=False).status_code == 403
    out = client.post("/logout", data={"csrf_token": csrf}, headers=HTML, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/me").json()["role"] == "public"


def test_a_refused_page_is_an_error_page_not_json(world: World) -> None:
    rauf = world.client("rauf")
    page = rauf.get("/review", headers=HTML)
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "Only an IM officer approves or rejects records." in page.text
    public = TestClient(world.app, follow_redirects=False).get("/dashboard", headers=HTML)
    assert public.status_code == 303 and public.headers["location"] == "/login?next=/dashboard"


def test_the_home_page_shows_released_land_by_district_as_the_summary_says(
    world: World,
) -> None:
    summary = world.client(None).get("/api/public/summary").json()
    page = world.client(None).get("/", headers=HTML).text
    assert summary["released_hectares_total"] > 0
    for district, methods in summary["released_hectares_by_district"].items():
        assert district in page
        for hectares in methods.values():
            assert f"{hectares:,.1f}" in page
    assert "coordinates" not in page
