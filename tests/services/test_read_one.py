"""A record read in one Core statement gives what the ORM read gives: the same JSON, the same facts.

``browse.read_one`` serves the API's first ask of a record (a third of the
CPU of ``records.get_record`` plus ``browse.facts``); here both are compared
for every kind of record the demo holds, on both backends, including a
record whose submission names another organisation than its own column.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mineaction.demo import build_demo
from mineaction.errors import NotFoundError
from mineaction.services import browse, records
from mineaction.services.catalogue import KINDS
from mineaction.store.database import Database
from mineaction.store.tables import Finding, Organisation, Submission


def test_every_kind_reads_the_same_in_one_statement(db: Database) -> None:
    build_demo(db, seed=3, scale=0.01)
    compared = 0
    with db.session() as s:
        for info in {i.name: i for i in KINDS.values()}.values():
            ids = s.scalars(select(info.model.id).order_by(info.model.id).limit(3)).all()
            for record_id in ids:
                record = records.get_record(s, info.model, record_id)
                row, facts = browse.read_one(s, info, record_id)
                assert browse.as_dict(row, model=info.model) == browse.as_dict(record)
                if info.geometry:
                    assert browse.as_feature(row, info, model=info.model) == browse.as_feature(
                        record, info
                    )
                assert facts == browse.facts(s, info, record)
                compared += 1
    assert compared > 20, "the demo holds records of many kinds"


def test_a_submission_names_the_organisation_the_policy_sees(db: Database) -> None:
    build_demo(db, seed=3, scale=0.01)
    info = KINDS["findings"]
    with db.session() as s:
        finding = s.scalars(select(Finding).order_by(Finding.id).limit(1)).one()
        other = s.scalars(
            select(Organisation.id).where(Organisation.id != finding.organisation_id).limit(1)
        ).one()
        s.add(
            Submission(
                kind=info.name, record_id=finding.id, organisation_id=other, created_by="leyla"
            )
        )
        s.commit()
    with db.session() as s:
        _row, facts = browse.read_one(s, info, finding.id)
        record = records.get_record(s, info.model, finding.id)
        assert facts == browse.facts(s, info, record)
        assert facts.organisation_id == other != record.organisation_id


@pytest.mark.parametrize("record_id", [0, 10**9, 2**31, 2**63 - 1])
def test_no_such_record_is_refused_as_the_orm_read_refuses(db: Database, record_id: int) -> None:
    info = KINDS["findings"]
    with db.session() as s:
        with pytest.raises(NotFoundError) as core:
            browse.read_one(s, info, record_id)
        with pytest.raises(NotFoundError) as orm:
            records.get_record(s, info.model, record_id)
    assert str(core.value) == str(orm.value)
