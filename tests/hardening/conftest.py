"""Writes the fuzzing tally (MINEACTION_FUZZ_TALLY=FILE) when the run ends.

The figures in docs/reliability.md come from it: how many files per format and
requests per role were fuzzed, and what was found.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hardening.profile import PROFILE, TALLY


@pytest.fixture(scope="session", autouse=True)
def fuzz_tally() -> Iterator[Counter[str]]:
    """Count what was fuzzed; add the counts to the JSON file MINEACTION_FUZZ_TALLY names."""
    yield TALLY
    target = os.environ.get("MINEACTION_FUZZ_TALLY")
    if target:
        path = Path(target)
        counts = json.loads(path.read_text()) if path.exists() else {}
        for key, n in TALLY.items():
            counts[key] = counts.get(key, 0) + n
        counts["profile"] = PROFILE
        path.write_text(json.dumps(counts, indent=2, sort_keys=True))
