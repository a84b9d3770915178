"""The national-scale generator still runs, and what it writes keeps the ledger."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mineaction.services.status import counts, is_synthetic
from mineaction.store.database import Database
from mineaction.store.tables import Hazard, LandRelease
from tests.conftest import BACKENDS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("empty_db", BACKENDS, indirect=True)
def test_the_generator_writes_a_small_national_data_set(empty_db: Database) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate.py"),
            "--database",
            empty_db.url,
            "--scale",
            "0.002",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with empty_db.session() as s:
        totals = counts(s)
        assert totals["hazards"] == 100 and totals["findings"] == 4_000
        assert totals["land_releases"] == 1_000 and totals["victims"] == 100
        assert is_synthetic(s)
        released = dict(
            s.execute(
                select(LandRelease.hazard_id, func.sum(LandRelease.area_m2)).group_by(
                    LandRelease.hazard_id
                )
            ).all()
        )
        for h in s.scalars(select(Hazard)):
            assert released.get(h.id, 0.0) <= h.area_m2 + 1e-6
            assert h.released_m2 == pytest.approx(released.get(h.id, 0.0), abs=0.01)
            assert h.geom.is_valid
