"""The Monte Carlo engine: vectorised NumPy, no database, no dates.

Each simulation is one possible future.  Per run, every operator-method
unit draws its own average productivity (log-normal about its learned rate,
spread ``sigma_run``), correlated across units through a shared factor, so
that a good or bad year lifts or sinks every team together: drawing each
team-day independently would average the uncertainty away and give a band
far too narrow.  On top, each month wanders (AR(1), spread ``sigma_month``;
a month may see no work at all, with probability ``1 - active``), follows the
seasonal factor, and the programme grows or shrinks along a damped trend
drawn from its fitted growth.

Each method's teams work down one queue of hazards.  Real teams do not keep
to the ranking exactly, so the simulations are split into groups, each with
its own queue (the ranking, jittered by ``order_noise`` in :mod:`.plan`).
A hazard's part for a method is finished when the method's cumulative output
reaches the cumulative work up to that hazard in the queue; a target (the
whole country, a district, a project) is finished when its last hazard is,
for every method.  That is exact per simulation and needs one cumulative sum
per method, not one step per hazard: 10,000 runs over 50,000 hazards take
seconds.

>>> import numpy as np
>>> units = Units(method=np.array([0]), team_days=np.array([10.0]),
...               rate=np.array([100.0]), sigma_run=np.array([0.0]))
>>> engine = Engine(["bac"], np.array([[500.0, 500.0]]), units, sigma_month=np.array([0.0]),
...                 simulations=4, months=12, seed=1)
>>> engine.run({"all": np.array([0, 1])}).completion["all"].tolist()
[1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

#: Days in an average month: how fractional months become dates.
MONTH_DAYS = 365.25 / 12
#: Growth beyond this (per month, either way) is not believed.
MAX_GROWTH = 0.05
#: Stands for "never" where quantiles are taken.
NEVER = 1e9


@dataclass
class Units:
    """Operator-method units of capacity: each a pool of teams with one learned rate."""

    method: np.ndarray  # (U,) index of the unit's method
    team_days: np.ndarray  # (U,) team-days per month
    rate: np.ndarray  # (U,) m² per team-day (mean)
    sigma_run: np.ndarray  # (U,) spread of the log of a run's average rate


@dataclass
class Outcome:
    """What one run of the engine found (see :meth:`Engine.run`)."""

    completion: dict[str, np.ndarray]  # target → (N,) months
    hazards: np.ndarray  # (K, 3) months at P10, P50, P90, by hazard position
    fan: np.ndarray  # (3, H) share of all work done by the end of each month


@dataclass
class Engine:
    """One forecast's simulations: work per method and hazard, queues, units, settings."""

    methods: list[str]
    work: np.ndarray  # (M, K) m² of each method's work, by hazard position
    units: Units
    sigma_month: np.ndarray  # (M,)
    simulations: int = 10_000
    months: int = 120
    seed: int = 0
    orders: list[np.ndarray] = field(default_factory=list)  # queues; default: positions
    seasonal: np.ndarray = field(default_factory=lambda: np.ones(12))
    first_month: int = 0  # calendar month (0 = January) of the first simulated month
    correlation: float = 0.6
    growth: float = 0.0
    growth_se: float = 0.0
    damping: float = 0.85
    autocorrelation: float = 0.5
    active: np.ndarray | None = None  # (M,) chance a month has any work

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        n, u = self.simulations, len(self.units.method)
        k = self.work.shape[1]
        if not self.orders:
            self.orders = [np.arange(k)]
        shared = rng.standard_normal(n)[:, None]
        own = rng.standard_normal((n, u))
        z = np.sqrt(self.correlation) * shared + np.sqrt(1 - self.correlation) * own
        sigma = self.units.sigma_run[None, :]
        self._run = np.exp(sigma * z - sigma**2 / 2)  # mean one
        growth = self.growth + self.growth_se * rng.standard_normal(n)
        steps = np.arange(self.months) + 0.5
        damped = (1 - self.damping**steps) / (1 - self.damping)
        self._growth = np.exp(np.clip(growth, -MAX_GROWTH, MAX_GROWTH)[:, None] * damped[None, :])
        self._season = self.seasonal[(self.first_month + np.arange(self.months)) % 12]
        self._noise_seeds = rng.integers(0, 2**63 - 1, size=len(self.methods))
        self._group = np.arange(n) % len(self.orders)
        self._cumwork = [np.cumsum(self.work[:, o], axis=1) for o in self.orders]
        self._rank = []
        for o in self.orders:
            rank = np.empty(k, dtype=int)
            rank[o] = np.arange(k)
            self._rank.append(rank)

    def output(self, m: int) -> np.ndarray:
        """Return method ``m``'s cumulative output (m²) by the end of each month, (N, H)."""
        mine = self.units.method == m
        base = self.units.team_days[mine] * self.units.rate[mine]
        level = self._run[:, mine] @ base  # (N,) the run's average monthly output
        rng = np.random.default_rng(self._noise_seeds[m])
        sigma, a = float(self.sigma_month[m]), self.autocorrelation
        # Months as rows (H, N) so that the AR(1) recursion runs over contiguous rows.
        noise = rng.standard_normal((self.months, self.simulations))
        keep = np.sqrt(1 - a * a)
        for t in range(1, self.months):
            noise[t] *= keep
            noise[t] += a * noise[t - 1]
        monthly = np.exp(sigma * noise - sigma**2 / 2)
        monthly *= level[None, :]
        monthly *= self._growth.T
        monthly *= self._season[:, None]
        if self.active is not None and self.active[m] < 1:
            p = max(float(self.active[m]), 0.01)
            monthly *= (rng.random(monthly.shape) < p) / p
        return np.ascontiguousarray(np.cumsum(monthly, axis=0).T)

    def outputs(self) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (method index, cumulative output) for each method that has work."""
        for m in range(len(self.methods)):
            if self.work[m].sum() > 0:
                yield m, self.output(m)

    def groups(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Yield, per queue: the simulations using it, its order and its cumulative work."""
        for g, order in enumerate(self.orders):
            yield np.flatnonzero(self._group == g), order, self._cumwork[g]

    def thresholds(self, targets: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Return per queue (M, T): the work each method has done when each target is finished.

        That is the cumulative work up to the target's last hazard needing the method.
        """
        needs = {}
        for j, positions in enumerate(targets.values()):
            for m in range(len(self.methods)):
                mine = positions[self.work[m, positions] > 0] if len(positions) else positions
                if len(mine):
                    needs[(m, j)] = mine
        out = []
        for g in range(len(self.orders)):
            limits = np.zeros((len(self.methods), len(targets)))
            for (m, j), mine in needs.items():
                limits[m, j] = self._cumwork[g][m, self._rank[g][mine].max()]
            out.append(limits)
        return out

    def run(
        self, targets: dict[str, np.ndarray], *, hazards: bool = True, hazard_runs: int = 200
    ) -> Outcome:
        """Simulate every method once and return what the forecast reports.

        Per target (a set of hazard positions), the month (fractional, from the
        start) it is finished in each simulation (``inf`` when not within the
        horizon); per hazard, its P10/P50/P90 months over the first
        ``hazard_runs`` simulations; and the fan: P10/P50/P90 of the share of all
        work done by the end of each month.
        """
        n, k = self.simulations, self.work.shape[1]
        limits = self.thresholds(targets)
        done = np.zeros((len(targets), n))
        sample = min(hazard_runs, n) if hazards else 0
        per_hazard = np.zeros((sample, k))  # runs as rows: each row is written at once
        total = float(self.work.sum())
        worked = np.zeros((n, self.months))
        for m in range(len(self.methods)):
            needs = self.work[m] > 0
            if not needs.any():
                continue
            if not self._has_capacity(m):
                for g in range(len(self.orders)):
                    rows = self._group == g
                    never = np.where(limits[g][m][:, None] > 0, np.inf, 0.0)
                    done[:, rows] = np.maximum(done[:, rows], never)
                per_hazard[:, needs] = np.inf
                continue
            cumulative = self.output(m)
            worked += np.minimum(cumulative, self.work[m].sum())
            for g, (rows, order, cumwork) in enumerate(self.groups()):
                done[:, rows] = np.maximum(done[:, rows], crossing(cumulative[rows], limits[g][m]))
                picked = rows[rows < sample]
                if not len(picked):
                    continue
                # The queue's cumulative work is sorted, so one search serves every hazard.
                needed = self.work[m, order] > 0
                for run in picked:
                    at = np.where(needed, crossing_sorted(cumulative[run], cumwork[m]), 0.0)
                    np.maximum(per_hazard[run], at[self._rank[g]], out=per_hazard[run])
        fan = (
            np.quantile(worked, [0.1, 0.5, 0.9], axis=0) / total
            if total > 0
            else np.ones((3, self.months))
        )
        quantiles = (
            quantile(np.ascontiguousarray(per_hazard.T), axis=1).T if sample else np.zeros((k, 3))
        )
        return Outcome(dict(zip(targets, done, strict=True)), quantiles, fan)

    def _has_capacity(self, m: int) -> bool:
        mine = self.units.method == m
        return bool((self.units.team_days[mine] * self.units.rate[mine]).sum() > 0)


def quantile(months: np.ndarray, axis: int = 0) -> np.ndarray:
    """Return P10, P50, P90 of ``months`` along ``axis``; ``inf`` (never) stays ``inf``.

    >>> quantile(np.array([1.0, 2.0, np.inf, np.inf, np.inf])).tolist()
    [1.0, inf, inf]
    """
    finite = np.where(np.isfinite(months), months, NEVER)
    n = finite.shape[axis]
    # The "inverted CDF" quantile: the smallest value with at least q of the runs at or below.
    kth = [max(int(np.ceil(q * n)) - 1, 0) for q in (0.1, 0.5, 0.9)]
    q = np.moveaxis(np.take(np.partition(finite, kth, axis=axis), kth, axis=axis), axis, 0)
    return np.where(q >= NEVER, np.inf, q)


def crossing_sorted(cumulative: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Return the fractional month one run's ``cumulative`` (H,) reaches each sorted limit.

    The same answer as :func:`crossing` for one row, in time proportional to the
    number of limits (no search per limit): count how many limits each month
    reaches, and spread the months over the limits with one ``repeat``.
    """
    h, k = len(cumulative), len(limits)
    reached = np.searchsorted(limits, cumulative, side="right")  # limits reached by month t
    month = np.repeat(np.arange(h + 1), np.diff(np.concatenate(([0], reached, [k]))))
    inside = month < h
    at = np.minimum(month, h - 1)
    after = cumulative[at]
    before = np.where(at > 0, cumulative[np.maximum(at - 1, 0)], 0.0)
    share = np.clip((limits - before) / np.maximum(after - before, 1e-12), 0.0, 1.0)
    return np.where(limits <= 0, 0.0, np.where(inside, at + share, np.inf))


def crossing(cumulative: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Return (T, N): the fractional month each row of ``cumulative`` first reaches each limit.

    ``cumulative`` is (N, H) and non-decreasing along each row; a limit of 0 is
    reached at 0, one never reached is ``inf``.  All rows are searched at once:
    each row is lifted by its own offset into one sorted array.
    """
    n, h = cumulative.shape
    if n == 0 or h == 0:
        return np.zeros((len(limits), n))
    top = float(cumulative[:, -1].max())
    lift = np.arange(n, dtype=float) * (top + max(float(limits.max(initial=0.0)), 1.0) + 1.0)
    flat = (cumulative + lift[:, None]).ravel()
    wanted = limits[None, :] + lift[:, None]  # (N, T)
    index = np.searchsorted(flat, wanted, side="left") - (np.arange(n) * h)[:, None]
    index = np.clip(index, 0, h)
    inside = index < h
    at = np.minimum(index, h - 1)
    rows = np.arange(n)[:, None]
    after = cumulative[rows, at]
    before = np.where(at > 0, cumulative[rows, np.maximum(at - 1, 0)], 0.0)
    step = np.maximum(after - before, 1e-12)
    share = np.clip((limits[None, :] - before) / step, 0.0, 1.0)
    months = np.where(inside, at + share, np.inf)
    months = np.where(limits[None, :] <= 0, 0.0, months)
    return months.T
