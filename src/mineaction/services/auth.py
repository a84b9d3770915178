"""Signing in: browser sessions, API tokens for scripts, and the limit on failed sign-ins.

A session or token is a random value given to the client once; the database
keeps only its HMAC-SHA256 under the secret key (MINEACTION_SECRET_KEY), so
neither a copy of the database nor a leaked log signs anyone in.  Failed
sign-ins are counted in the database, so every worker process shares the
limit.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mineaction.errors import MineActionError
from mineaction.services import users
from mineaction.services.policy import Principal
from mineaction.store.base import utcnow
from mineaction.store.database import Database
from mineaction.store.tables import ApiToken, AuditEntry, LoginFailure, User, UserSession

#: What a wrong user name or a wrong password both answer (say nothing about which).
WRONG = "The user name or the password is wrong."


@functools.cache
def _dummy_hash() -> str:
    """Return a hash to verify when the user does not exist, so both cases take as long."""
    return users.hash_password("no user has this password")


class SignInRefused(MineActionError):
    """The user name, the password or the account does not allow signing in."""

    code = "sign_in_refused"
    http_status = 401


class TooManyAttempts(MineActionError):
    """Too many failed sign-ins for this user name: wait before trying again."""

    code = "too_many_attempts"
    http_status = 429


@dataclass(frozen=True)
class SignIn:
    """A new browser session: the cookie value (shown once) and its CSRF token."""

    cookie: str
    csrf_token: str
    principal: Principal
    expires_at: dt.datetime


def digest(value: str, *, secret: str) -> str:
    """Return the HMAC-SHA256 of ``value`` under ``secret``, as hex."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def sign_in(
    db: Database,
    *,
    username: str,
    password: str,
    secret: str,
    hours: float,
    attempts: int,
    window_minutes: int,
) -> SignIn:
    """Check the password and open a session; count and limit failures per user name.

    A failure is recorded in a transaction of its own, so that refusing the
    sign-in does not roll the count back. A user name holding a NUL character
    names no user (no text column can hold one; PostgreSQL refuses it in a
    query): it is refused as a wrong password is, and not counted.
    """
    if "\x00" in username:
        users.verify_hash(_dummy_hash(), "no user has this password")  # as long as a wrong one
        raise SignInRefused(
            WRONG, hint="Check the user name and the password (they are case-sensitive)."
        )
    try:
        with db.session(actor=username[:80] or "anonymous", note="sign in") as session:
            return _sign_in(session, username, password, secret, hours, attempts, window_minutes)
    except SignInRefused:
        with db.session(actor="anonymous", note="failed sign in") as session:
            session.add(LoginFailure(username=username[:80], at=utcnow()))
        raise


def _sign_in(
    session: Session,
    username: str,
    password: str,
    secret: str,
    hours: float,
    attempts: int,
    window_minutes: int,
) -> SignIn:
    now = utcnow()
    since = now - dt.timedelta(minutes=window_minutes)
    failures = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= since)
    )
    if (failures or 0) >= attempts:
        raise TooManyAttempts(
            f"Too many failed sign-ins for {username!r} in the last {window_minutes} minutes.",
            hint=f"Wait {window_minutes} minutes, or ask an administrator to reset the password.",
        )
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        users.verify_hash(_dummy_hash(), "no user has this password")
        ok = False
    else:
        ok = users.verify_password(user, password)
    if not ok or user is None or user.disabled:
        raise SignInRefused(
            WRONG if not ok or user is None else "This account is disabled.",
            hint="Check the user name and the password (they are case-sensitive).",
        )
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    session.execute(delete(UserSession).where(UserSession.expires_at < now))
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=hours)
    session.add(
        UserSession(
            token_hash=digest(cookie, secret=secret),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    return SignIn(cookie, csrf, users.principal_of(user), expires)


def session_principal(
    *, session: Session, cookie: str, secret: str
) -> tuple[Principal, str] | None:
    """Return who the session cookie signs in and its CSRF token; None when it does not."""
    found = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == digest(cookie, secret=secret))
    ).one_or_none()
    if found is None:
        return None
    user_session, user = found
    if user.disabled or user_session.expires_at <= utcnow():
        return None
    return users.principal_of(user), user_session.csrf_token


def sign_out(*, session: Session, cookie: str, secret: str) -> None:
    """End the session of ``cookie`` (nothing happens when there is none)."""
    session.execute(
        delete(UserSession).where(UserSession.token_hash == digest(cookie, secret=secret))
    )


def create_token(*, session: Session, username: str, name: str, secret: str) -> str:
    """Give ``username`` a new API token called ``name``; return it (shown only once)."""
    user = users.get_user(session, username)
    token = "ma_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name[:80], token_hash=digest(token, secret=secret)))
    # A token is not a versioned record, so its issue is written to the history by hand
    # (its name only, never its value or hash).
    session.add(
        AuditEntry(
            at=utcnow(),
            actor=str(session.info.get("actor", "system")),
            action="token",
            kind="users",
            record_id=user.id,
            record_version=user.version,
            after={"api_token": name[:80]},
            note=session.info.get("note"),
        )
    )
    return token


def token_principal(*, session: Session, token: str, secret: str) -> Principal | None:
    """Return who the API token signs in; None for an unknown, revoked or disabled one."""
    found = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(token, secret=secret))
    ).one_or_none()
    if found is None or found[0].revoked or found[1].disabled:
        return None
    return users.principal_of(found[1])
