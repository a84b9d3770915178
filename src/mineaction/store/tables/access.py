"""Who is signed in and how, and which records entered through the approval workflow."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mineaction.store.base import Base, utcnow
from mineaction.store.types import UTCDateTime


class UserSession(Base):
    """A signed-in browser: the hash of its cookie, its CSRF token and when it ends.

    Only the SHA-256 of the cookie value is kept, so a copy of the database
    does not let anyone sign in as the user.
    """

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class ApiToken(Base):
    """A bearer token a script uses instead of a password (only its hash is kept)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    revoked: Mapped[bool] = mapped_column(default=False, nullable=False)


class LoginFailure(Base):
    """One failed sign-in, kept to slow down password guessing (shared by every worker)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, index=True, nullable=False
    )


class Submission(Base):
    """A record that entered through the approval workflow: whose it is, what it replaces.

    Records imported from the command line have none; they belong to the
    national database.  ``reason`` is the last rejection's reason.
    """

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("kind", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(80), nullable=False)
    supersedes_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
