"""One plan: the data as of a day, the learned rates and mix, capacity, scores and queue.

Every planning command starts here, so priorities, forecasts, projects and
the backtest all see the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from mineaction.analytics.planning import capacity as capacity_mod
from mineaction.analytics.planning import mix as mix_mod
from mineaction.analytics.planning import productivity
from mineaction.analytics.planning import weights as weights_mod
from mineaction.analytics.planning.blocking import blocking
from mineaction.analytics.planning.inputs import PlanningData, load
from mineaction.analytics.planning.params import ForecastParams, Scenario
from mineaction.analytics.planning.priorities import HazardScore, score
from mineaction.analytics.planning.simulate import MONTH_DAYS, Engine, Units
from mineaction.domain.vocab import ACTIVITY_TYPE
from mineaction.services.status import is_synthetic

METHODS = list(ACTIVITY_TYPE)
#: The fitted trend's standard error is multiplied by this: a trend's future is less
#: certain than its fit over the past eight quarters.
TREND_SE_FACTOR = 2.0


@dataclass
class Plan:
    """What every planning output is computed from."""

    data: PlanningData
    table: productivity.ProductivityTable
    mix: mix_mod.Mix
    mix_source: dict[str, str]
    capacity: capacity_mod.Capacity
    weights: weights_mod.Weights
    blocked: dict[int, np.ndarray]
    scores: list[HazardScore]
    work: np.ndarray  # (M, K) by hazard position (not queue order)
    synthetic: bool
    notes: list[str]

    @property
    def as_of(self) -> dt.date:
        """Return the day the plan is made on."""
        return self.data.as_of

    def ranked_positions(self) -> list[int]:
        """Return hazard positions, best priority first."""
        return [s.position for s in self.scores]


def prepare(
    session: Session,
    *,
    as_of: dt.date | None,
    weights: weights_mod.Weights,
    scenario: Scenario | None = None,
    params: ForecastParams | None = None,
) -> Plan:
    """Read the data as of ``as_of`` and learn everything planning needs from it."""
    scenario = scenario or Scenario()
    params = params or ForecastParams()
    data = load(session, as_of=as_of)
    day = data.as_of
    table = productivity.learn(data.reports, since=day - dt.timedelta(days=params.history_days))
    mix, mix_source = mix_mod.learn(data.releases, as_of=day)
    cap = (
        capacity_mod.read_file(scenario.capacity_file)
        if scenario.capacity_file
        else capacity_mod.from_history(
            data.reports, data.teams, as_of=day, window_days=params.capacity_window_days
        )
    )
    if scenario.capacity_file:
        cap.trend = capacity_mod.trend(data.reports, as_of=day)
    for method, n in scenario.add_teams:
        cap = cap.with_teams(method, n)
    for method, factor in scenario.scale_teams:
        cap = cap.scaled(method, factor)
    work = mix_mod.split(data.hazards.remaining_m2, data.hazards.contamination, mix, METHODS)
    rates = np.array([table.methods[m].rate for m in METHODS])
    effort = (work / rates[:, None]).sum(axis=0) if len(data.hazards) else np.zeros(0)
    blocked = blocking(data, buffer_m=weights.project_buffer_m)
    scores = score(data, weights, effort_team_days=effort, blocked=blocked)
    notes = list(table.notes) + list(cap.notes)
    thin = [c for c, s in mix_source.items() if s != "history"]
    if thin:
        notes.append("Method mix from the national mix or the priors for: " + ", ".join(thin) + ".")
    return Plan(
        data,
        table,
        mix,
        mix_source,
        cap,
        weights,
        blocked,
        scores,
        work,
        is_synthetic(session),
        notes,
    )


def engine(
    plan: Plan, order: np.ndarray, params: ForecastParams, *, months: int | None = None
) -> Engine:
    """Return the Monte Carlo engine for ``plan`` with the queue ``order``."""
    rows = [r for r in plan.capacity.rows if r.teams > 0 and r.team_days_per_week > 0]
    index = {m: i for i, m in enumerate(METHODS)}
    rates = [plan.table.rate_for(r.method, r.operator) for r in rows]
    units = Units(
        method=np.array([index[r.method] for r in rows], dtype=int),
        team_days=np.array([r.team_days_per_month for r in rows]),
        rate=np.array([x.rate for x in rates]),
        sigma_run=np.array([x.sigma_run for x in rates]),
    )
    trend = plan.capacity.trend if params.trend else capacity_mod.Trend()
    return Engine(
        methods=METHODS,
        work=plan.work,
        units=units,
        orders=queues(order, params.order_noise, params.queues, params.seed),
        sigma_month=np.array([plan.table.methods[m].sigma_month for m in METHODS]),
        simulations=params.simulations,
        months=months or horizon(plan, units, params.max_years),
        seed=params.seed,
        seasonal=np.array(plan.table.seasonal),
        first_month=plan.as_of.month - 1,
        growth=trend.per_month,
        growth_se=TREND_SE_FACTOR * trend.standard_error,
    )


def queues(order: np.ndarray, noise: float, count: int, seed: int) -> list[np.ndarray]:
    """Return ``count`` queues: ``order`` with each hazard's place jittered by ``noise``.

    A hazard's key is its place in ``order`` as a share of the queue plus a normal
    draw of spread ``noise``; the first queue is ``order`` itself.
    """
    if noise <= 0 or count <= 1 or len(order) < 2:
        return [np.asarray(order)]
    rng = np.random.default_rng(seed + 7)
    place = np.linspace(0.0, 1.0, len(order))
    out = [np.asarray(order)]
    for _ in range(count - 1):
        out.append(np.asarray(order)[np.argsort(place + noise * rng.standard_normal(len(order)))])
    return out


def horizon(plan: Plan, units: Units, max_years: int) -> int:
    """Return the months to simulate: enough for the slow futures.

    Three times the expected time plus a year, at least two years, at most ``max_years``.
    """
    longest = 0.0
    for m in range(len(METHODS)):
        need = float(plan.work[m].sum())
        mine = units.method == m
        output = float((units.team_days[mine] * units.rate[mine]).sum())
        if need > 0 and output > 0:
            longest = max(longest, need / output)
    return int(min(max(math.ceil(3 * longest) + 12, 24), max_years * 12))


def month_date(as_of: dt.date, months: float) -> dt.date | None:
    """Return the day ``months`` (fractional) after ``as_of``; None for never (inf)."""
    if not math.isfinite(months) or months > 12 * 1000:
        return None
    return as_of + dt.timedelta(days=round(months * MONTH_DAYS))
