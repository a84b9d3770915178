"""Hostile files: every importer, fed mutated files, fails clearly or imports all of it.

Valid seeds (``seeds.py``: the template's columns, good rows, in every format)
are damaged by Hypothesis (``mutations.py``) and imported by the real
``import_file`` into a real SQLite database.  Whatever the damage, the import
either raises a MineActionError (the kind the CLI and the API show as a
sentence, never a traceback) and leaves every table exactly as it was, or
succeeds and accounts for every row.  ``MINEACTION_FUZZ=figures`` runs many
more examples (see profile.py).
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from hypothesis import given
from sqlalchemy import func, select

from mineaction.errors import MineActionError
from mineaction.intake.kinds import get_kind
from mineaction.intake.pipeline import ImportReport, import_file
from mineaction.store.base import Base
from mineaction.store.database import Database
from tests.factories import operator
from tests.hardening.mutations import BY_FORMAT, Mutation
from tests.hardening.profile import FUZZ, TALLY
from tests.hardening.seeds import SEEDS


@pytest.fixture(scope="module")
def seed_bytes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("seeds")
    return {name: make(tmp) for name, (_kind, _file, make) in SEEDS.items()}


@pytest.fixture
def national_db(sqlite_db: Database) -> Database:
    """A national database on a real SQLite file, with the operator the seeds name."""
    with sqlite_db.session(actor="test-setup") as session:
        operator(session, "ANAMA")
    return sqlite_db


def fingerprint(db: Database) -> dict[str, int]:
    """Return the row count of every table (the audit log included)."""
    with db.session() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def import_all_or_nothing(db: Database, kind: str, path: Path) -> ImportReport | MineActionError:
    """Import ``path``; assert it failed cleanly with nothing written, or wrote all of it."""
    before = fingerprint(db)
    try:
        report = import_file(db, kind, path, actor="fuzzer")
    except MineActionError as refused:
        after = fingerprint(db)
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert not changed, f"refused ({refused.code}: {refused}) yet tables changed: {changed}"
        assert refused.message.strip() and "Traceback" not in str(refused)
        return refused
    except Exception as exc:  # the finding: anything else reaches the user as a traceback
        detail = "".join(traceback.format_exception(exc))
        raise AssertionError(f"{type(exc).__name__} escaped the importer:\n{detail}") from exc
    after = fingerprint(db)
    table = get_kind(kind).model.__tablename__
    assert report.created + report.updated + report.unchanged == report.rows, report.as_dict()
    assert after[table] - before[table] == report.created, (before[table], after[table])
    audit = after["audit_log"] - before["audit_log"]
    assert audit >= report.created + report.updated, (audit, report.as_dict())
    if not report.created and not report.updated:
        assert after == before, "nothing created or updated, yet tables changed"
    return report


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_seed_imports_cleanly(
    seed: str, seed_bytes: dict[str, bytes], national_db: Database, tmp_path: Path
) -> None:
    kind, name, _make = SEEDS[seed]
    path = tmp_path / name
    path.write_bytes(seed_bytes[seed])
    result = import_all_or_nothing(national_db, kind, path)
    assert isinstance(result, ImportReport), result
    assert result.created == result.rows >= 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_a_damaged_file_is_refused_cleanly_or_imported_whole(
    seed: str, seed_bytes: dict[str, bytes], national_db: Database, tmp_path: Path
) -> None:
    kind, name, _make = SEEDS[seed]
    fmt = seed.split("-")[0]
    counter = iter(range(10**9))

    @FUZZ
    @given(mutation=BY_FORMAT[fmt])
    def damaged(mutation: Mutation) -> None:
        folder = tmp_path / str(next(counter))
        folder.mkdir()
        path = folder / name
        try:
            path.write_bytes(mutation.apply(seed_bytes[seed]))
        except (ValueError, UnicodeError, KeyError, IndexError):
            return  # a mutation that does not fit this seed: nothing to import
        if not path.stat().st_size:
            path.write_bytes(b"\n")
        result = import_all_or_nothing(national_db, kind, path)
        outcome = "imported" if isinstance(result, ImportReport) else "refused"
        TALLY[f"files {fmt}"] += 1
        TALLY[f"files {fmt} {outcome}"] += 1
        TALLY[f"mutation {mutation.family}"] += 1

    damaged()
