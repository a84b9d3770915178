"""The parameters of each planning function: one frozen dataclass each, for every face."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mineaction.errors import Problem, ValidationError


@dataclass(frozen=True)
class PriorityParams:
    """Parameters of :func:`mineaction.analytics.planning.priorities_report`."""

    as_of: dt.date | None = None
    weights: Path | None = None
    limit: int | None = None


@dataclass(frozen=True)
class Scenario:
    """A what-if: teams added (or removed, if negative) and methods' teams scaled."""

    add_teams: tuple[tuple[str, float], ...] = ()
    scale_teams: tuple[tuple[str, float], ...] = ()
    capacity_file: Path | None = None

    @property
    def is_baseline(self) -> bool:
        """Tell whether the scenario changes nothing."""
        return not (self.add_teams or self.scale_teams or self.capacity_file)

    def describe(self) -> str:
        """Return the scenario in words."""
        parts = [f"{n:+g} {m} team(s)" for m, n in self.add_teams]
        parts += [f"{m} teams ×{f:g}" for m, f in self.scale_teams]
        if self.capacity_file:
            parts.insert(0, f"capacity from {self.capacity_file}")
        return ", ".join(parts) or "baseline: capacity as the database shows it"


@dataclass(frozen=True)
class ForecastParams:
    """Parameters of :func:`mineaction.analytics.planning.forecast`."""

    as_of: dt.date | None = None
    simulations: int = 10_000
    seed: int = 2020
    scenario: Scenario = Scenario()
    weights: Path | None = None
    optimise: bool = False
    optimise_seconds: float = 10.0
    optimise_confidence: float = 0.8
    #: Days of progress reports before ``as_of`` that show the current capacity.
    capacity_window_days: int = 182
    #: Days of progress reports the rates are learned from (all, if a method has too few).
    history_days: int = 730
    #: Project the programme's growth (damped) instead of holding capacity level.
    trend: bool = True
    max_years: int = 50
    #: How far the working order strays from the ranking (spread of a hazard's place, as a
    #: share of the queue); simulations are split among ``queues`` jittered queues.
    order_noise: float = 0.15
    queues: int = 20

    def __post_init__(self) -> None:
        check_seed(self.seed)


@dataclass(frozen=True)
class BacktestParams:
    """Parameters of :func:`mineaction.analytics.planning.backtest_database`."""

    as_of: dt.date
    horizon_months: int = 12
    simulations: int = 2_000
    seed: int = 2020
    trend: bool = True
    order_noise: float = 0.15

    def __post_init__(self) -> None:
        check_seed(self.seed)


def check_seed(seed: int) -> None:
    """Refuse a random seed numpy cannot take (a negative one) with a sentence."""
    if seed < 0:
        raise ValidationError(
            f"The random seed must be 0 or more, not {seed}.",
            hint="Give any whole number from 0 up (the same seed gives the same answer).",
            problems=[Problem(reason="negative seed", field="seed", value=seed)],
        )
