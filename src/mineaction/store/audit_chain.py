"""The audit log as a hash chain: each entry seals its own content and the entry before it.

An entry's ``hash`` is the SHA-256 of the previous entry's ``hash`` (stored
again as ``prev_hash``) and of the entry's content in one canonical form
(``content_text``).  Changing, deleting or reordering any entry breaks the
chain from that entry on, which ``services.audit.verify_chain`` finds.

Entries are chained in id order, so the writer must know the last entry
and choose the next ids without another writer slipping in between:

- SQLite allows one writer at a time, and a transaction that has written
  holds that lock until it ends; every audit write follows the records it
  describes, so the lock is already held when the chain is read.
- PostgreSQL lets writers run side by side, so every transaction that
  writes records takes one transaction-level advisory lock first (see
  ``lock``) and keeps it until it commits or rolls back.  Taking it before
  the records' own row locks keeps two writers from waiting on each other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, Text, cast, column, select, table, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from mineaction.chain_worker import ChainWorker, link
from mineaction.store.sequences import next_values
from mineaction.store.types import UTCDateTime

#: The ``prev_hash`` of the very first entry.
GENESIS = "0" * 64
#: The key of the advisory lock that serialises audit writers on PostgreSQL ("MACHAIN").
PG_LOCK_KEY = int.from_bytes(b"MACHAIN", "big")
#: Where ``lock_session`` remembers the transaction it locked.
_LOCKED = "audit_chain.locked_transaction"

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def json_text(value: Any) -> str:
    """Return ``value`` as canonical JSON text: sorted keys, no spaces, non-ASCII escaped."""
    return _dumps(value)


def timestamp_text(at: dt.datetime) -> str:
    """Return ``at`` in UTC with microseconds, the one form the chain hashes."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_text(
    *,
    id: int,
    at: dt.datetime,
    actor: str,
    action: str,
    kind: str,
    record_id: int | None,
    record_version: int | None,
    before: str,
    after: str,
    note: str | None,
) -> str:
    """Return the canonical text of one entry; ``before`` and ``after`` as ``json_text``."""
    head = _dumps([id, timestamp_text(at), actor, action, kind, record_id, record_version, note])
    return f"{head}\n{before}\n{after}"


def lock(conn: Connection) -> None:
    """Make ``conn``'s transaction the only one extending the chain until it ends.

    PostgreSQL: a transaction-level advisory lock (taking it again in the same
    transaction does not wait).  SQLite needs none: its single writer lock
    already serialises writers.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def lock_session(session: Session) -> None:
    """``lock`` the transaction of ``session``, once per transaction (later calls cost nothing)."""
    transaction = session.get_transaction()
    if session.info.get(_LOCKED) is transaction and transaction is not None:
        return
    lock(session.connection())
    session.info[_LOCKED] = session.get_transaction()


def tail(conn: Connection) -> tuple[int, str]:
    """Return the id and hash of the last entry, or (0, GENESIS) for an empty log."""
    row = conn.execute(text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
    if row is None:
        return 0, GENESIS
    return int(row[0]), str(row[1] or GENESIS)


def next_ids(conn: Connection, last_id: int, n: int) -> list[int]:
    """Return ``n`` ids for new entries, in order, all after ``last_id`` (call under ``lock``)."""
    if conn.dialect.name == "postgresql":
        return next_values(conn, "audit_log", "id", n)
    return list(range(last_id + 1, last_id + 1 + n))


def seal(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Give each new entry of ``rows`` (audit_log columns) its id, prev_hash and hash, in order.

    Call with the chain locked (``lock``).
    """
    if not rows:
        return
    last_id, prev = tail(conn)
    for row, new_id in zip(rows, next_ids(conn, last_id, len(rows)), strict=True):
        row["id"] = new_id
        before, after = json_text(row.get("before")), json_text(row.get("after"))
        row["prev_hash"] = prev
        prev = row["hash"] = link(prev, _content(row, before, after))


def seal_columns(
    conn: Connection,
    columns: dict[str, Any],
    n: int,
    afters: Iterable[str],
    *,
    known_tail: tuple[int, str] | None = None,
    ids: list[int] | None = None,
) -> None:
    """Like ``seal`` for column-wise rows (the bulk writer): ``afters`` are the JSON texts.

    Every row has ``before`` null and shares ``at``, ``actor``, ``action``,
    ``kind``, ``record_version`` and ``note``; ``record_id`` is a list.
    Adds the ``id``, ``prev_hash`` and ``hash`` lists to ``columns``.
    ``known_tail`` is the chain's last entry (id, hash) when the caller knows it
    (its own last seal, nothing written since); else it is read.  ``ids`` are
    the entries' ids when the caller took them (``next_ids``); else they are taken.
    """
    last_id, prev = known_tail if known_tail is not None else tail(conn)
    if ids is None:
        ids = next_ids(conn, last_id, n)
    prevs: list[str] = []
    hashes: list[str] = []
    template = _template(columns, "%s")
    for new_id, record_id, after in zip(ids, columns["record_id"], afters, strict=True):
        prevs.append(prev)
        content = template % (new_id, "null" if record_id is None else int(record_id), after)
        prev = link(prev, content)
        hashes.append(prev)
    columns["id"], columns["prev_hash"], columns["hash"] = ids, prevs, hashes


def send_seal(
    worker: ChainWorker,
    conn: Connection,
    columns: dict[str, Any],
    afters: Any,
    *,
    known_tail: tuple[int, str | None] | None = None,
    ids: list[int] | None = None,
) -> None:
    """Like ``seal_columns``, the hashes made by ``worker`` (``chain_worker.py``).

    ``afters`` is an Arrow string array of the canonical texts; every
    ``record_id`` is a whole number.  Adds the ``id`` list to ``columns``;
    ``receive_seal`` adds the hashes once the worker has made them.
    ``known_tail`` is (id, None) when the worker holds the last hash (it made it).
    """
    last_id, prev = known_tail if known_tail is not None else tail(conn)
    n = len(afters)
    if ids is None:
        ids = next_ids(conn, last_id, n)
    offsets, texts = afters.buffers()[1:]
    begin, end = afters.offset, afters.offset + n + 1
    index = memoryview(offsets).cast("i")[begin:end]
    worker.send(
        prev,
        _template(columns, "%d"),
        ids,
        columns["record_id"],
        index,
        memoryview(texts)[index[0] : index[-1]] if texts is not None else memoryview(b""),
    )
    columns["id"] = ids


def receive_seal(worker: ChainWorker, columns: dict[str, Any]) -> None:
    """Add the ``prev_hash`` and ``hash`` lists ``send_seal`` asked ``worker`` for."""
    hashes = worker.receive(len(columns["id"]))
    columns["prev_hash"], columns["hash"] = hashes[:-1], hashes[1:]


def _template(columns: dict[str, Any], record_id: str) -> str:
    """Return the text ``content_text`` gives for a row of ``columns``, its own parts left out.

    ``%d`` stands for the entry's id, ``record_id`` (``%s`` or ``%d``) for its
    record's and ``%s`` for its canonical ``after``; every row has ``before``
    null and shares the other parts.  Ids are whole numbers, which canonical
    JSON writes as Python does.
    """
    shared = (
        timestamp_text(columns["at"]),
        columns["actor"],
        columns["action"],
        columns["kind"],
    )
    version, note = columns["record_version"], columns["note"]
    null = json_text(None)
    middle = _dumps([*shared])[1:-1].replace("%", "%%")
    last = _dumps([version, note])[1:-1].replace("%", "%%")
    return f"[%d,{middle},{record_id},{last}]\n{null}\n%s"


def _content(row: dict[str, Any], before: str, after: str) -> str:
    return content_text(
        id=row["id"],
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        kind=row["kind"],
        record_id=row.get("record_id"),
        record_version=row.get("record_version"),
        before=before,
        after=after,
        note=row.get("note"),
    )


class StoredEntry(NamedTuple):
    """One audit entry as stored: its id, its two hashes and its canonical content."""

    id: int
    prev_hash: str | None
    hash: str | None
    content: str


_AUDIT = table(
    "audit_log",
    column("id", Integer),
    column("at", UTCDateTime()),
    column("actor", String),
    column("action", String),
    column("kind", String),
    column("record_id", Integer),
    column("record_version", Integer),
    column("before", Text),
    column("after", Text),
    column("note", Text),
    column("prev_hash", String),
    column("hash", String),
)


def stored(
    conn: Connection, *, after_id: int = 0, limit: int | None = None, hashes: bool = True
) -> Iterator[StoredEntry]:
    """Yield the stored entries with an id above ``after_id``, in id order.

    Reads the JSON columns as their stored text and canonicalises it, so the
    content is the same whichever backend (or backup restore) stored it.
    ``hashes=False`` reads a log that has no hash columns yet (the migration).
    """
    c = _AUDIT.c
    stmt = select(
        c.id,
        c.at,
        c.actor,
        c.action,
        c.kind,
        c.record_id,
        c.record_version,
        cast(c.before, Text),
        cast(c.after, Text),
        c.note,
        *((c.prev_hash, c.hash) if hashes else ()),
    )
    stmt = stmt.where(c.id > after_id).order_by(c.id).limit(limit)
    for row in conn.execute(stmt):
        content = content_text(
            id=row[0],
            at=row[1],
            actor=row[2],
            action=row[3],
            kind=row[4],
            record_id=row[5],
            record_version=row[6],
            before=_canonical(row[7]),
            after=_canonical(row[8]),
            note=row[9],
        )
        prev_hash, hash_ = (row[10], row[11]) if hashes else (None, None)
        yield StoredEntry(row[0], prev_hash, hash_, content)


def _canonical(stored_text: str | None) -> str:
    return json_text(None if stored_text is None else json.loads(stored_text))
