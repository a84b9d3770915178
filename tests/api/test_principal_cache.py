"""A token's principal is kept per data version: a disabled user or a revoked token is refused
on the very next request, and a kept one costs no token lookup."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, select

from mineaction.config import get_settings
from mineaction.services import auth, users
from mineaction.store.tables import User
from tests.api.conftest import PASSWORD, World


def _new_reader(world: World, username: str, role: str = "viewer") -> dict[str, str]:
    """Add an account of its own (the personas are shared) with a token; return the header."""
    with world.db.session(actor="nigar") as session:
        users.add_user(session=session, username=username, role=role, password=PASSWORD)
        token = auth.create_token(
            session=session, username=username, name="script", secret=get_settings().secret_key
        )
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def _token_lookups(world: World) -> Iterator[list[str]]:
    """Collect the SQL statements the application sends that read the API tokens."""
    seen: list[str] = []
    engine = world.app.state.db.engine

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "api_tokens" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_kept_token_costs_no_lookup_until_the_data_changes(world: World) -> None:
    header = _new_reader(world, "tahir")
    client = world.client(None)
    with _token_lookups(world) as seen:
        assert client.get("/api/kinds", headers=header).status_code == 200
        assert len(seen) == 1
        assert client.get("/api/kinds", headers=header).status_code == 200
        assert client.get("/api/records/findings?limit=2", headers=header).status_code == 200
        assert len(seen) == 1  # kept
        with world.db.session(actor="nigar") as session:
            users.get_user(session, "tahir").full_name = "Tahir M."  # any audited change
        assert client.get("/api/kinds", headers=header).status_code == 200
        assert len(seen) == 2  # a new data version: looked up again


def test_it_refuses_a_disabled_users_token_on_the_very_next_request(world: World) -> None:
    header = _new_reader(world, "ilkin")
    client = world.client(None)
    for _ in range(2):  # the second answer comes from the kept principal
        assert client.get("/api/records/findings?limit=1", headers=header).status_code == 200
    with world.db.session(actor="nigar") as session:  # as another worker or the CLI would
        users.disable_user(session=session, username="ilkin", by="nigar")
    refused = client.get("/api/records/findings?limit=1", headers=header)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


def test_it_refuses_a_revoked_token_on_the_very_next_request(world: World) -> None:
    header = _new_reader(world, "vusal")
    client, nigar = world.client(None), world.client("nigar")
    assert client.get("/api/kinds", headers=header).status_code == 200
    assert client.get("/api/kinds", headers=header).status_code == 200
    # Disabling revokes the tokens; enabling again leaves them revoked.
    assert nigar.patch("/api/users/vusal", json={"disabled": True}).status_code == 200
    assert nigar.patch("/api/users/vusal", json={"disabled": False}).status_code == 200
    with world.db.session() as session:
        assert session.scalar(select(User.disabled).where(User.username == "vusal")) is False
    assert client.get("/api/kinds", headers=header).status_code == 401


def test_a_changed_role_applies_on_the_very_next_request(world: World) -> None:
    header = _new_reader(world, "sabina")
    client = world.client(None)
    assert client.get("/api/review", headers=header).status_code == 403
    assert client.get("/api/review", headers=header).status_code == 403
    with world.db.session(actor="nigar") as session:
        users.get_user(session, "sabina").role = "im_officer"
    assert client.get("/api/review", headers=header).status_code == 200


def test_an_unknown_token_is_refused_every_time(world: World) -> None:
    header = {"Authorization": "Bearer ma_not-a-token"}
    client = world.client(None)
    with _token_lookups(world) as seen:
        for _ in range(3):
            assert client.get("/api/kinds", headers=header).status_code == 401
        assert len(seen) == 3  # a refusal is never kept
