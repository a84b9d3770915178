"""A record read on the event loop (``LoopRecords``) reads as ``browse.read_one`` does.

The loop reader runs ``read_one``'s statement without SQLAlchemy's engine and
passes each value through the column's result processor itself; here its row,
the JSON and GeoJSON made from it, and the policy's facts are compared with
``read_one``'s for every kind of record the demo holds, on both backends; and
what it does when it cannot read (no such record, an in-memory database, a
server gone, every connection busy) is pinned.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text

from mineaction.demo import build_demo
from mineaction.errors import NotFoundError
from mineaction.services import browse, loop_records
from mineaction.services.catalogue import KINDS
from mineaction.services.loop_records import LoopRecords
from mineaction.store.database import Database


def _read(reader: LoopRecords, kind: str, record_id: int) -> Any:
    return asyncio.run(reader.read(KINDS[kind], record_id))


def _demo_findings(db: Database, count: int) -> list[int]:
    """Build the demo in ``db``; return the ids of ``count`` of its findings."""
    build_demo(db, seed=3, scale=0.01)
    with db.session() as s:
        return list(s.scalars(select(KINDS["findings"].model.id).limit(count)))


def test_every_kind_reads_as_read_one_reads_it(db: Database) -> None:
    build_demo(db, seed=3, scale=0.01)
    reader = LoopRecords(db.engine)
    compared = 0

    async def compare() -> None:
        nonlocal compared
        with db.session() as s:
            for info in {i.name: i for i in KINDS.values()}.values():
                ids = s.scalars(select(info.model.id).order_by(info.model.id).limit(3)).all()
                for record_id in ids:
                    found = await reader.read(info, record_id)
                    assert found is not None, info.name
                    row, facts = found
                    expected_row, expected_facts = browse.read_one(s, info, record_id)
                    assert tuple(row) == tuple(expected_row)
                    assert row._fields == tuple(expected_row._fields)
                    assert browse.as_dict(row, model=info.model) == browse.as_dict(
                        expected_row, model=info.model
                    )
                    if info.geometry:
                        assert browse.as_feature(row, info, model=info.model) == (
                            browse.as_feature(expected_row, info, model=info.model)
                        )
                    assert facts == expected_facts
                    compared += 1

    asyncio.run(compare())
    reader.close()
    assert compared > 20, "the demo holds records of many kinds"


@pytest.mark.parametrize("record_id", [0, 10**9, 2**31, 2**63 - 1])
def test_no_such_record_is_refused_as_read_one_refuses(db: Database, record_id: int) -> None:
    reader = LoopRecords(db.engine)
    with pytest.raises(NotFoundError) as on_loop:
        _read(reader, "findings", record_id)
    with db.session() as s, pytest.raises(NotFoundError) as in_session:
        browse.read_one(s, KINDS["findings"], record_id)
    assert str(on_loop.value) == str(in_session.value)


def test_an_in_memory_database_is_left_to_the_caller() -> None:
    db = Database("sqlite:///:memory:")
    assert _read(LoopRecords(db.engine), "findings", 1) is None


def test_a_server_that_dropped_the_connection_is_left_to_the_caller_then_read_again(
    postgis_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    [first] = _demo_findings(postgis_db, 1)
    reader = LoopRecords(postgis_db.engine)

    async def twice_then_after_the_wait() -> list[Any]:
        answers = [await reader.read(KINDS["findings"], first)]
        with postgis_db.session() as s:  # the server ends the reader's connection
            s.execute(
                text(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = current_database() and pid <> pg_backend_pid() "
                    "and query like '%submitted_by%'"
                )
            )
        await asyncio.sleep(0.2)
        answers.append(await reader.read(KINDS["findings"], first))
        answers.append(await reader.read(KINDS["findings"], first))  # within the wait
        monkeypatch.setattr(loop_records.time, "monotonic", lambda: 10**9)
        answers.append(await reader.read(KINDS["findings"], first))  # after it
        return answers

    answers = asyncio.run(twice_then_after_the_wait())
    assert [a is not None for a in answers] == [True, False, False, True]
    assert answers[0] == answers[3]


def test_reads_beyond_the_connections_wait_for_one(
    postgis_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _demo_findings(postgis_db, 6)
    monkeypatch.setattr(loop_records, "MAX_CONNECTIONS", 2)
    reader = LoopRecords(postgis_db.engine)
    opened = 0
    connect = reader._connect

    async def counted() -> Any:
        nonlocal opened
        opened += 1
        return await connect()

    monkeypatch.setattr(reader, "_connect", counted)

    async def at_once() -> list[Any]:
        return await asyncio.gather(*(reader.read(KINDS["findings"], i) for i in ids))

    answers = asyncio.run(at_once())
    assert all(a is not None for a in answers)
    assert [row.id for row, _facts in answers] == ids
    assert opened == 2  # the other four reads waited for one of the two
    asyncio.run(at_once())
    assert opened == 4  # a new loop opens its own connections
    reader.close()
