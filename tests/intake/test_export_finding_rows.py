"""The findings layer read as columns gives the features the generic layer gives, value for value.

``layers.kind_layer`` reads findings through ``export/finding_rows.py`` (a
million of them: 13 s to CSV instead of 58 s); every other kind goes
through the records and ``Kind.row_of``.  Here both are asked for the same
findings, on both databases: imported ones (source ids, operators given in
either case, districts taken from the point, an activity, month-precision
dates) and ones written by the services (no source id, no position, no
operator, model or district, every approval state).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mineaction.intake.export import layers
from mineaction.intake.export.finding_rows import finding_features
from mineaction.intake.kinds import get_kind
from mineaction.intake.pipeline import import_file
from mineaction.store.database import Database
from tests.analytics.test_operations_rollup import fill_at_random
from tests.intake.test_bulk import plain_rows, setup_references, write


@pytest.fixture
def mixed(db: Database, tmp_path: Path) -> Database:
    with db.session(actor="setup") as s:
        setup_references(s)
        rows = plain_rows(s, 120, seed=3)
    import_file(db, "findings", write(tmp_path / "findings.csv", rows))
    with db.session(actor="setup") as s:
        fill_at_random(s, seed=5)
    return db


@pytest.mark.parametrize("include_unapproved", [False, True])
def test_the_findings_layer_read_as_columns_equals_the_generic_layer(
    mixed: Database, include_unapproved: bool
) -> None:
    kind = get_kind("findings")
    with mixed.session() as s:
        generic = list(layers._kind_features(s, kind, include_unapproved))
    with mixed.session() as s:
        fast = list(
            finding_features(s, include_unapproved=include_unapproved, batch_rows=7)
        )  # batches that end inside the data
    assert len(fast) == len(generic) > 120
    for got, want in zip(fast, generic, strict=True):
        assert got.values == want.values
        assert got.geometry == want.geometry
    values = [f.values for f in fast]
    assert any(v["activity_id"] == "ACT-1" for v in values)  # the import's activity
    assert any(v["id"].startswith("findings-") for v in values)  # no source id
    assert any(v["lon"] is None for v in values) and any(v["district"] for v in values)
    assert any(v["date_precision"] == "month" for v in values)


def test_a_findings_export_layer_reads_its_rows_as_columns(mixed: Database) -> None:
    with mixed.session() as s:
        layer = layers.kind_layer(s, get_kind("findings"))
        assert layer.features.__name__ == "finding_features"  # type: ignore[attr-defined]
