"""An import killed at any moment leaves the database whole, and the file then imports.

The import is SIGKILLed 25 times per path and backend (50 per backend): on the
per-row path (accidents) and the bulk path (findings), at random moments of
a run, so that kills land while the file is read, checked, written and
committed.  After each kill the database must pass its integrity and
foreign-key checks and hold all of the file or none of it, with one history
row per record; after the last kill the same import, run by the real
``mineaction`` command, completes.

The seed is printed in every failure; set MINEACTION_CRASH_SEED to replay one.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from bench.reliability.crashes import finish, kill_loop, zygote
from mineaction.store.database import Database

KILLS = 25  # per path: 50 per backend
#: Rows per file: an import of about a second on a quiet machine, so kills spread over it.
ROWS = {"per-row": 60, "bulk": 3000}
SEED = int(os.environ.get("MINEACTION_CRASH_SEED") or random.SystemRandom().randrange(10**6))


@pytest.mark.slow
@pytest.mark.parametrize("path", ["per-row", "bulk"])
def test_an_import_killed_at_any_moment_leaves_all_or_nothing(
    db: Database, tmp_path: Path, path: str
) -> None:
    print(f"crash seed {SEED} (MINEACTION_CRASH_SEED={SEED} replays it)")
    with zygote() as zyg:
        figures = kill_loop(db, zyg, tmp_path, path=path, rows=ROWS[path], kills=KILLS, seed=SEED)
    print(figures.as_dict())
    assert figures.kills == KILLS and figures.broken == 0
    assert figures.none_written + figures.all_written == KILLS
    assert figures.none_written > 0, f"seed {SEED}: no kill landed before the commit"
    assert finish(db, tmp_path, path=path, rows=ROWS[path], seed=SEED) == 0
