"""Fuzzing budgets: a small Hypothesis profile for CI, a big one for the figures.

``MINEACTION_FUZZ=figures`` selects the big profile.  The profile is applied
to the fuzz tests only (``FUZZ`` as their ``@settings``), never loaded for the
whole run, so that other property tests keep their own budgets.  ``TALLY``
counts what was fuzzed (see conftest.py).
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

_COMMON = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    print_blob=True,
)
PROFILES = {
    "ci": settings(_COMMON, max_examples=25),
    "figures": settings(_COMMON, max_examples=400),
}
PROFILE = os.environ.get("MINEACTION_FUZZ", "ci")
if PROFILE not in PROFILES:
    raise RuntimeError(f"MINEACTION_FUZZ={PROFILE!r}: use one of {', '.join(PROFILES)}")
FUZZ = PROFILES[PROFILE]

#: What was fuzzed: "files <format>", "requests <role>", "found <what>".
TALLY: Counter[str] = Counter()
