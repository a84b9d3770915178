"""Rows packed into bytea in PostgreSQL read back as the binary COPY reads them."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.analytics.spatial import postgis
from mineaction.store.database import Database

FIELDS = [("id", ">i8"), ("x", ">f8"), ("code", ">i2"), ("day", ">i4")]
ROWS = (
    "SELECT g::int8, (g * 0.1 + 1e-9 * g * g)::float8, (g % 7)::int2, (g * 3 - 5000)::int4 "
    "FROM generate_series(1, {n}) AS g"
)


@pytest.mark.parametrize("n", [0, 1, 5_000])
@pytest.mark.parametrize("by_id", [False, True])
def test_packed_rows_are_the_copied_rows(
    postgis_db: Database, monkeypatch: pytest.MonkeyPatch, n: int, by_id: bool
) -> None:
    monkeypatch.setattr(postgis, "PACK_ROWS", 1_000)  # runs of a thousand ids, one query each
    key = (0, 1, n) if by_id else None
    with postgis_db.session() as session:
        copied = postgis.copy_rows(session, ROWS.format(n=n), FIELDS)
        packed = postgis.packed_rows(session, ROWS.format(n=n), FIELDS, key=key)
    packed = packed[np.argsort(packed["id"], kind="stable")]
    assert len(packed) == n
    for name, _ in FIELDS:
        assert packed[name].tobytes() == copied[name].tobytes()
