"""What the planning page shows: the ranked list, the forecast and a what-if, with its fan chart.

The forecasts are the same functions as ``mineaction plan`` and ``/api/plan``;
a page view runs the baseline (and the what-if, when one is asked) and keeps
each answer for the same parameters until the data changes (the audit log
grows with every write) or :data:`CACHE_SECONDS` pass.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction.analytics import planning
from mineaction.analytics.planning import documents
from mineaction.errors import ValidationError
from mineaction.store.tables import AuditEntry

#: Answers kept (one per database, data state and parameters), and for how long.
CACHE_SIZE = 48
CACHE_SECONDS = 900.0


@dataclass(frozen=True)
class PlanRequest:
    """What the page asks: the day, how many ranked hazards, the simulations, a what-if."""

    as_of: dt.date | None = None
    top: int = 20
    simulations: int = 2_000
    seed: int = 2020
    #: (method, teams): teams added (negative: removed) in the what-if; None: no what-if.
    what_if: tuple[str, float] | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.top <= 500:
            raise ValidationError(
                f"{self.top} ranked hazards is outside 1–500.",
                hint="Show fewer; export the whole list as CSV.",
            )
        if not 100 <= self.simulations <= 10_000:
            raise ValidationError(
                f"{self.simulations:,} simulations is outside 100–10,000.",
                hint="2,000 answers in about a second; 10,000 gives a steadier P10/P90.",
            )
        if self.what_if is not None and not self.what_if[0]:
            raise ValidationError(
                f"The what-if adds {self.what_if[1]:g} teams of no method.",
                hint="Choose the method the added teams work with.",
            )
        if self.what_if is not None and self.what_if[1] == 0:
            raise ValidationError(
                "The what-if adds no teams.",
                hint="Give a number of teams to add (or a negative number to remove).",
            )

    def scenario(self) -> planning.Scenario:
        """Return the what-if as a planning scenario (the baseline when there is none)."""
        return planning.Scenario(add_teams=(self.what_if,) if self.what_if else ())


@dataclass(frozen=True)
class PlanView:
    """The page's content: each a planning function's JSON object, the fan chart, the time taken."""

    priorities: dict[str, Any]
    baseline: dict[str, Any]
    scenario: dict[str, Any] | None
    fan_svg: str
    seconds: float


T = TypeVar("T")
_cache: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
_lock = threading.Lock()


def forget() -> None:
    """Empty the memory of answers (the next view computes everything again)."""
    with _lock:
        _cache.clear()


def data_state(session: Session) -> int:
    """Return a number that changes whenever the data does (the newest audit entry)."""
    return int(session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0)


def plan_view(session: Session, request: PlanRequest) -> PlanView:
    """Return the page's ranked list, forecasts and fan chart for ``request``.

    Each planning answer is kept for the same database, data state and
    parameters, so a what-if re-runs only the what-if.
    """
    started = time.perf_counter()
    state = (str(session.get_bind().engine.url), data_state(session))
    priorities = _cached(
        (*state, "priorities", request.as_of, request.top),
        lambda: planning.priorities_report(
            session, planning.PriorityParams(as_of=request.as_of, limit=request.top)
        ),
    )

    def run(scenario: planning.Scenario) -> dict[str, Any]:
        params = planning.ForecastParams(
            as_of=request.as_of,
            simulations=request.simulations,
            seed=request.seed,
            scenario=scenario,
        )
        return _cached((*state, params), lambda: planning.forecast(session, params).as_dict())

    baseline = run(planning.Scenario())
    scenario = run(request.scenario()) if request.what_if else None
    svg = _cached(
        (*state, "fan", request),
        lambda: _fan_svg(documents.fan_chart(baseline, scenario)),
    )
    return PlanView(priorities, baseline, scenario, svg, time.perf_counter() - started)


def _fan_svg(chart: Any) -> str:
    from mineaction.render.charts import fan_svg

    return fan_svg(chart, "en")


def _cached(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Return the answer kept for ``key`` (fresh enough), else compute and keep it."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            _cache.move_to_end(key)
            return cast(T, hit[1])
    value = compute()
    with _lock:
        _cache[key] = (now, value)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value
