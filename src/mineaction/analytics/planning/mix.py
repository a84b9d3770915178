"""How the remaining area of a hazard will be released: the share of each method.

Learned from the land releases of the history by contamination type (area
released by each activity type), shrunk towards the national mix and, where
a contamination type has no history, the documented prior of :mod:`.priors`.

>>> m = {"uxo": {"bac": 0.5, "nts": 0.5}}
>>> split(np.array([100.0]), ["uxo"], m, ["nts", "bac"]).tolist()
[[50.0], [50.0]]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from mineaction.analytics.planning import priors
from mineaction.analytics.planning.inputs import ReleaseRow
from mineaction.domain.vocab import CONTAMINATION

#: m² of the national mix mixed into each contamination type's own mix.
SHRINK_M2 = 200_000.0

Mix = dict[str, dict[str, float]]


def learn(releases: list[ReleaseRow], *, as_of: dt.date) -> tuple[Mix, dict[str, str]]:
    """Return the method mix by contamination and where each came from (history or prior)."""
    area: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    national: dict[str, float] = defaultdict(float)
    for r in releases:
        if r.day >= as_of or r.area_m2 <= 0:
            continue
        method = r.activity_type or priors.RELEASE_METHOD_TO_ACTIVITY.get(r.release_method)
        if method is None or method == "eod":
            continue
        area[r.contamination or "unknown"][method] += r.area_m2
        national[method] += r.area_m2
    total = sum(national.values())
    mix: Mix = {}
    source: dict[str, str] = {}
    for contamination in CONTAMINATION:
        own = area.get(contamination, {})
        own_total = sum(own.values())
        if total <= 0:
            mix[contamination] = dict(priors.METHOD_MIX[contamination])
            source[contamination] = "prior"
            continue
        methods = set(own) | set(national)
        mixed = {m: (own.get(m, 0.0) + SHRINK_M2 * national.get(m, 0.0) / total) for m in methods}
        norm = sum(mixed.values())
        mix[contamination] = {m: v / norm for m, v in sorted(mixed.items()) if v > 0}
        source[contamination] = "history" if own_total >= SHRINK_M2 else "national"
    return mix, source


def split(
    remaining: np.ndarray, contamination: list[str], mix: Mix, methods: list[str]
) -> np.ndarray:
    """Return (M, K): each hazard's remaining m² divided between ``methods`` by its mix."""
    index = {m: i for i, m in enumerate(methods)}
    work = np.zeros((len(methods), len(remaining)))
    kinds = np.asarray(contamination, dtype=object)
    for kind in set(contamination):
        mine = kinds == kind
        shares = mix.get(kind) or priors.METHOD_MIX.get(kind) or {"clearance_manual": 1.0}
        for method, share in shares.items():
            if method in index:
                work[index[method], mine] += remaining[mine] * share
    return work
