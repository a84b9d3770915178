"""The state shared while one synthetic data set is built: random numbers, ids, dates, links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from synth.plan import Plan
from synth.space import Districts, FloatArray, IntArray

#: Rows per chunk written in one transaction.
CHUNK = 50_000
#: The synthetic programme runs from this day …
FIRST_DAY = np.datetime64("2021-01-01")
#: … to this one.
LAST_DAY = np.datetime64("2025-12-31")


@dataclass
class World:
    """Everything later tables need from earlier ones, plus the random generator."""

    rng: np.random.Generator
    plan: Plan
    districts: Districts
    loaded_at: dt.datetime
    next_ids: dict[str, int]
    links: dict[str, Any] = field(default_factory=dict)

    def take_ids(self, table: str, n: int) -> IntArray:
        """Reserve ``n`` consecutive ids of ``table`` and return them."""
        first = self.next_ids[table]
        self.next_ids[table] = first + n
        return np.arange(first, first + n, dtype=np.int64)

    def record(self, ids: IntArray) -> dict[str, Any]:
        """Return the columns every versioned record has: id, version, approval, timestamps."""
        return {
            "id": ids,
            "version": 1,
            "approval": "approved",
            "created_at": self.loaded_at,
            "updated_at": self.loaded_at,
        }

    def pick(self, codes: Sequence[Any], n: int, weights: Sequence[float] | None = None) -> Any:
        """Return ``n`` values drawn from ``codes`` (in proportion to ``weights`` if given)."""
        p = None if weights is None else np.asarray(weights) / np.sum(weights)
        return np.asarray(codes)[self.rng.choice(len(codes), size=n, p=p)]

    def days(self, n: int, first: Any = FIRST_DAY, last: Any = LAST_DAY) -> npt.NDArray[Any]:
        """Return ``n`` random days between ``first`` and ``last`` (arrays or scalars)."""
        span = (np.asarray(last) - np.asarray(first)).astype(np.int64)
        offset = np.floor(self.rng.uniform(0, 1, n) * (span + 1)).astype(np.int64)
        return (np.asarray(first) + offset.astype("timedelta64[D]")).astype("datetime64[D]")

    def uniform_index(self, first: IntArray, count: IntArray) -> IntArray:
        """Return, for each row, a random index in ``first .. first + count - 1``."""
        u = self.rng.uniform(0, 1, len(first))
        return first + np.minimum((u * count).astype(np.int64), count - 1)


def nullable(values: npt.NDArray[Any], keep: npt.NDArray[np.bool_]) -> list[Any]:
    """Return ``values`` as a list with None where ``keep`` is False."""
    return [v if k else None for v, k in zip(values.tolist(), keep.tolist(), strict=True)]


def chunks(n: int, size: int = CHUNK) -> list[slice]:
    """Return the slices that cut ``range(n)`` into chunks of at most ``size``."""
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def weighted(rng: np.random.Generator, n: int, weights: FloatArray) -> IntArray:
    """Return ``n`` indices into ``weights`` drawn in proportion to them."""
    return rng.choice(len(weights), size=n, p=weights / weights.sum()).astype(np.int64)
