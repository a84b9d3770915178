"""Users, the append-only audit log, and facts about the data set itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mineaction.store.base import Base, Record, utcnow
from mineaction.store.types import UTCDateTime


class User(Record, Base):
    """A person who signs in, with one role and, for operators, an organisation."""

    __tablename__ = "users"
    __kind__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(24), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(default=False, nullable=False)


class AuditEntry(Base):
    """One change to one record: who, when, what before, what after.

    Rows are never updated or deleted (database triggers refuse it), and each
    is chained to the one before: ``hash`` seals this entry's content and
    ``prev_hash``, the previous entry's ``hash`` (see ``store/audit_chain``).
    """

    __tablename__ = "audit_log"
    #: A record's history (every record page, ``GET …/history``) finds its entries here;
    #: without it, a scan of the whole log (migration 0020).
    __table_args__ = (Index("ix_audit_log_record", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[int | None] = mapped_column(Integer)
    record_version: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class DatasetFact(Base):
    """A key/value fact about the data set (e.g. that it is synthetic demo data)."""

    __tablename__ = "dataset_facts"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
