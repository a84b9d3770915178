"""Users: an administrator adds accounts from the command line; passwords are never kept."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from mineaction.services import organisations, users
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, User

GOOD = "harbour lantern quietly 7"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO(text + "\n"))


def test_an_administrator_adds_an_operator_officer_and_lists_them(
    db: Database, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as s:
        organisations.create_organisation(session=s, code="HALO", name="HALO Trust", type="ngo")
    _stdin(monkeypatch, GOOD)
    added = run(
        "users", "add", "leyla", "--role", "operator_officer", "--organisation", "HALO",
        "--password-stdin", "-d", db.url,
    )  # fmt: skip
    assert added.code == 0, added.err
    listed = json.loads(run("users", "list", "--format", "json", "-d", db.url).out)
    assert listed == [
        {
            "username": "leyla",
            "full_name": None,
            "role": "operator_officer",
            "organisation": "HALO",
            "disabled": False,
        }
    ]
    with db.session() as s:
        user = users.get_user(s, "leyla")
        assert user.password_hash and GOOD not in user.password_hash
        assert users.verify_password(user, GOOD) and not users.verify_password(user, "wrong")
        history = s.scalars(select(AuditEntry).where(AuditEntry.kind == "users")).all()
    assert history and all("argon2" not in json.dumps(h.after) for h in history)


def test_it_refuses_a_weak_password_and_says_why(
    db: Database, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, "rashad12")
    result = run("users", "add", "rashad", "--role", "viewer", "--password-stdin", "-d", db.url)
    assert result.code == 1
    assert "needs at least 12" in result.err and "Traceback" not in result.err
    with db.session() as s:
        assert s.scalars(select(User)).all() == []


def test_it_refuses_a_password_given_any_other_way_than_stdin(db: Database, run) -> None:
    result = run("users", "add", "rashad", "--role", "viewer", "-d", db.url)
    assert result.code == 1 and "--password-stdin" in result.err


def test_it_refuses_an_unknown_role_and_an_operator_without_organisation(db: Database) -> None:
    with db.session() as s:
        for role, org in (("superuser", None), ("operator_officer", None)):
            with pytest.raises(Exception) as caught:
                users.add_user(session=s, username="x", role=role, password=GOOD, organisation=org)
            assert "role" in str(caught.value) or "organisation" in str(caught.value)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 12"),
        ("my name is nigar ok", "user name"),
        ("aaaaaaaaaaaaaaa", "too easy"),
        ("password1234", "too easy"),
    ],
)
def test_the_password_policy_names_what_is_wrong(password: str, reason: str) -> None:
    problems = users.password_problems(password, username="nigar")
    assert any(reason in p for p in problems)


def test_disable_and_reset_password_from_the_command_line(
    db: Database, run, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as s:
        users.add_user(session=s, username="samir", role="viewer", password=GOOD)
    new = "another fine long phrase"
    _stdin(monkeypatch, new)
    assert run("users", "reset-password", "samir", "--password-stdin", "-d", db.url).code == 0
    assert run("users", "disable", "samir", "-d", db.url).code == 0
    with db.session() as s:
        user = users.get_user(s, "samir")
        assert user.disabled and users.verify_password(user, new)
    missing = run("users", "disable", "nobody", "-d", db.url)
    assert missing.code == 1 and "no user called 'nobody'" in missing.err
    assert run("users", "enable", "samir", "-d", db.url).code == 0
    with db.session() as s:
        assert not users.get_user(s, "samir").disabled
