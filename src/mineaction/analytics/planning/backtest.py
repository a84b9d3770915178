"""Backtests: forecast from the data before a day, compare with what happened after.

On the database (:func:`backtest_database`) the forecast is the very one
``mineaction plan forecast`` makes, from the data as it stood on ``as_of``;
the outcomes are the land released on the hazards known that day in each of
the following months, nationally and per district, and the dates on which
those hazards were finished.  On a monthly series of released area (such as
Colombia's humanitarian demining returns, :func:`backtest_series`) the same
engine runs with one capacity unit per series, learned from the months before.

Each outcome is inside or outside its P10–P90 band; the share inside should
be near 80%.  The error of P50 is (P50 − actual) / actual.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from mineaction.analytics.planning import allocation, priors
from mineaction.analytics.planning import weights as weights_mod
from mineaction.analytics.planning.inputs import FINISHED_M2, load
from mineaction.analytics.planning.params import BacktestParams, ForecastParams
from mineaction.analytics.planning.plan import TREND_SE_FACTOR, engine, month_date, prepare
from mineaction.analytics.planning.productivity import persistent_spread
from mineaction.analytics.planning.simulate import MONTH_DAYS, Engine, Units
from mineaction.errors import ValidationError


@dataclass
class Check:
    """One outcome compared with its band."""

    scope: str
    origin: dt.date
    month: int
    date: dt.date
    actual: float
    p10: float
    p50: float
    p90: float

    @property
    def inside(self) -> bool:
        """Tell whether the actual outcome lies in the P10–P90 band."""
        return self.p10 <= self.actual <= self.p90

    def as_dict(self, unit: str = "ha") -> dict[str, Any]:
        """Return the check as a JSON-ready dict (areas in ``unit``)."""
        k = 10_000 if unit == "ha" else 1.0
        return {
            "scope": self.scope,
            "origin": self.origin.isoformat(),
            "month": self.month,
            "date": self.date.isoformat(),
            f"actual_{unit}": round(self.actual / k, 3),
            f"p10_{unit}": round(self.p10 / k, 3),
            f"p50_{unit}": round(self.p50 / k, 3),
            f"p90_{unit}": round(self.p90 / k, 3),
            "inside": self.inside,
        }


@dataclass
class Backtest:
    """The checks of one or more forecast origins and their summary."""

    source: str
    origins: list[dt.date]
    horizon_months: int
    checks: list[Check] = field(default_factory=list)
    hazard_checks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Return the share inside the band and the P50 error, overall and by scope."""
        national = [c for c in self.checks if c.scope == "national"]
        final = [c for c in national if c.month == self.horizon_months]
        return {
            "outcomes": len(self.checks),
            "share_inside_p10_p90": _share(self.checks),
            "national_share_inside": _share(national),
            "district_share_inside": _share([c for c in self.checks if c.scope != "national"]),
            "national_p50_error_median": _median_error(national),
            "national_p50_error_at_horizon": [
                {"origin": c.origin.isoformat(), "error": _error(c)} for c in final
            ],
            "hazards_finished_checked": len(self.hazard_checks),
            "hazards_share_inside_p10_p90": _share_dicts(self.hazard_checks),
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the whole backtest as a JSON-ready dict."""
        return {
            "source": self.source,
            "origins": [d.isoformat() for d in self.origins],
            "horizon_months": self.horizon_months,
            "summary": self.summary(),
            "checks": [c.as_dict() for c in self.checks],
            "hazards": self.hazard_checks,
            "notes": self.notes,
        }


def backtest_database(session: Session, params: BacktestParams) -> Backtest:
    """Forecast from the data before ``params.as_of``; compare with the months after."""
    everything = load(session)
    end = everything.as_of
    months = params.horizon_months
    if params.as_of + dt.timedelta(days=round(MONTH_DAYS)) > end:
        raise ValidationError(
            f"The data ends on {end - dt.timedelta(days=1)}: nothing happened after "
            f"{params.as_of} to compare a forecast with.",
            hint="Choose an --as-of date at least a month before the end of the data.",
        )
    plan = prepare(session, as_of=params.as_of, weights=weights_mod.load())
    if not len(plan.data.hazards):
        raise ValidationError(
            f"No hazard was open on {params.as_of}: there is nothing to forecast.",
            hint="Choose an --as-of date after the first hazards were recorded.",
        )
    order = allocation.priority_order(plan.ranked_positions())
    fparams = ForecastParams(
        as_of=params.as_of,
        simulations=params.simulations,
        seed=params.seed,
        trend=params.trend,
        order_noise=params.order_noise,
    )
    sim = engine(plan, order, fparams, months=months)
    h = plan.data.hazards
    position = {hid: i for i, hid in enumerate(h.ids)}
    # What happened: releases on the hazards known on as_of, by month after it.
    ends = [month_date(params.as_of, float(t + 1)) for t in range(months)]
    observable = [t for t, e in enumerate(ends) if e is not None and e <= end]
    released = np.zeros((len(h), months))
    finished_on: dict[int, dt.date] = {}
    cumulative: dict[int, float] = defaultdict(float)
    for r in plan.data.releases:
        if r.day < params.as_of or r.hazard_id not in position:
            continue
        i = position[r.hazard_id]
        for t, e in enumerate(ends):
            if e is not None and r.day < e:
                released[i, t] += r.area_m2
        cumulative[i] += r.area_m2
        if i not in finished_on and cumulative[i] >= h.remaining_m2[i] - FINISHED_M2:
            finished_on[i] = r.day
    released = np.minimum(released, h.remaining_m2[:, None])
    # What the forecast said, per simulation: released in each month, nationally and by district.
    districts = sorted(set(h.districts))
    forecast = {name: np.zeros((sim.simulations, months)) for name in ["national", *districts]}
    for m, output in sim.outputs():
        forecast["national"] += np.minimum(output, sim.work[m].sum())
        for rows, queue, cumwork in sim.groups():
            steps = np.concatenate([[0.0], cumwork[m]])
            for d in districts:
                mine = np.array([h.districts[p] == d for p in queue])
                prefix = np.concatenate([[0.0], np.cumsum(np.where(mine, sim.work[m, queue], 0.0))])
                forecast[d][rows] += np.interp(output[rows], steps, prefix)
    result = Backtest("database", [params.as_of], months)
    for name, paths in forecast.items():
        scope_rows = (
            range(len(h))
            if name == "national"
            else [i for i, d in enumerate(h.districts) if d == name]
        )
        actual = released[list(scope_rows)].sum(axis=0)
        q = np.quantile(paths, [0.1, 0.5, 0.9], axis=0)
        for t in observable:
            day = ends[t]
            assert day is not None
            result.checks.append(
                Check(
                    name, params.as_of, t + 1, day, float(actual[t]), *(float(v) for v in q[:, t])
                )
            )
    result.hazard_checks = _hazard_checks(plan, order, fparams, finished_on, end)
    result.notes = [
        *plan.notes,
        f"Forecast from {len(h)} hazards known on {params.as_of} "
        f"({h.remaining_m2.sum() / 10_000:,.1f} ha); land found later is not counted.",
    ]
    if not observable:
        result.notes.append("No whole month after the as-of date lies inside the data.")
    return result


def _hazard_checks(
    plan: Any,
    order: np.ndarray,
    params: ForecastParams,
    finished_on: dict[int, dt.date],
    end: dt.date,
) -> list[dict[str, Any]]:
    """Compare each hazard's completion band with the day it was actually finished.

    A hazard not finished when the data ends counts only if its P90 was before
    the end (then it was late); otherwise the outcome is not known yet.
    """
    sim = engine(plan, order, params)
    bands = sim.run({}, hazards=True).hazards
    out = []
    for i, ref in enumerate(plan.data.hazards.references):
        p10, p50, p90 = (month_date(plan.as_of, float(v)) for v in bands[i])
        actual = finished_on.get(i)
        if actual is None and (p90 is None or p90 >= end):
            continue
        inside = actual is not None and (p10 or dt.date.max) <= actual <= (p90 or dt.date.max)
        out.append(
            {
                "hazard": ref,
                "finished": actual.isoformat() if actual else None,
                "p10": p10.isoformat() if p10 else None,
                "p50": p50.isoformat() if p50 else None,
                "p90": p90.isoformat() if p90 else None,
                "inside": inside,
            }
        )
    return out


# -- monthly series (e.g. Colombia's returns) -----------------------------------------------

#: Column names recognised in a series file: (year, month) or date; area; group.
_YEAR, _MONTH = ("ano", "year"), ("mes", "month")
_AREA = ("area_m2", "areadespejada", "area")
_GROUP = ("district", "departamento", "region")


def read_series(path: Path) -> list[tuple[dt.date, str, float]]:
    """Read (first of month, group, m²) rows from a CSV of monthly released area."""
    if not path.exists():
        raise ValidationError(f"The series file {path} does not exist.", hint="Check the path.")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        names = {n.lower(): n for n in reader.fieldnames or []}

        def pick(options: tuple[str, ...], what: str) -> str:
            for o in options:
                if o in names:
                    return names[o]
            raise ValidationError(
                f"{path} has no {what} column.",
                hint=f"Name it one of: {', '.join(options)}.",
            )

        year, month = pick(_YEAR, "year"), pick(_MONTH, "month")
        area, group = pick(_AREA, "area"), pick(_GROUP, "district")
        rows = []
        for number, row in enumerate(reader, start=2):
            try:
                day = dt.date(int(row[year]), int(row[month]), 1)
                m2 = float(row[area])
            except (TypeError, ValueError) as exc:
                raise ValidationError(
                    f"{path}, row {number}: {exc}.",
                    hint=f"Each row needs a year, a month and a number of m² ({area}).",
                ) from exc
            rows.append((day, row[group].strip() or "unknown", m2))
    return rows


def backtest_series(
    rows: list[tuple[dt.date, str, float]],
    params: BacktestParams,
    *,
    source: str,
    window_months: int = 12,
    history_months: int = 24,
) -> Backtest:
    """Forecast each group's and the national monthly released area; compare with the data.

    The level is the mean monthly area of the ``window_months`` before the origin; the
    run spread and the month spread are learned from the ``history_months`` before it
    (quarters and months about that level), the growth from the last eight quarters.
    """
    as_of = params.as_of.replace(day=1)
    months = params.horizon_months
    if not rows:
        raise ValidationError(f"{source} holds no rows.", hint="Check the file.")
    last = max(d for d, _, _ in rows)
    if as_of > last:
        raise ValidationError(
            f"{source} ends in {last:%B %Y}: nothing happened after {as_of} to compare with.",
            hint="Choose an --as-of date inside the series.",
        )
    by_group: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for d, g, m2 in rows:
        by_group[g][d] += m2
        by_group["national"][d] += m2
    result = Backtest(source, [as_of], months)
    starts = [_add_months(as_of, t) for t in range(months + 1)]
    for g, series in sorted(by_group.items(), key=lambda kv: (kv[0] != "national", kv[0])):
        history = [series.get(_add_months(as_of, -k), 0.0) for k in range(history_months, 0, -1)]
        level = float(np.mean(history[-window_months:]))
        if level <= 0:
            continue
        sim = _series_engine(history, level, months, params, seed_offset=len(result.checks))
        cumulative = sim.output(0)
        q = np.quantile(cumulative, [0.1, 0.5, 0.9], axis=0)
        actual = np.cumsum([series.get(starts[t], 0.0) for t in range(months)])
        for t in range(months):
            if starts[t] > last:
                break
            result.checks.append(
                Check(
                    g, as_of, t + 1, starts[t + 1], float(actual[t]), *(float(v) for v in q[:, t])
                )
            )
    if not result.checks:
        raise ValidationError(
            f"Nothing was released in {source} in the 12 months before {as_of}: "
            "there is no level to forecast from.",
            hint="Choose a later --as-of date.",
        )
    return result


def _series_engine(
    history: list[float], level: float, months: int, params: BacktestParams, seed_offset: int
) -> Engine:
    """Return an engine of one unit whose mean monthly output is ``level``.

    A month has work with the share of months that had work; the spread of an
    active month and of a run (quarters) are learned about the level.
    """
    active = sum(v > 0 for v in history) / len(history)
    busy = level / max(active, 0.01)
    month_logs = [math.log(v / busy) for v in history if v > 0]
    sigma_month = (
        float(np.sqrt(np.mean(np.square(month_logs))))
        if len(month_logs) >= 3
        else (priors.SIGMA_MONTH)
    )
    floor = 0.1 * level  # a quarter without work counts as a tenth of the level
    quarters = [sum(history[i : i + 3]) / 3 for i in range(len(history) % 3, len(history), 3)]
    quarter_logs = [math.log(max(v, floor) / level) for v in quarters]
    sigma_run = persistent_spread(
        float(np.sqrt(np.mean(np.square(quarter_logs)))) if len(quarters) >= 3 else None,
        sigma_month * math.sqrt(active),  # months without work are simulated too
    )
    growth, se = 0.0, 0.0
    if params.trend and len(quarters) >= 4:
        x = np.arange(len(quarters), dtype=float)
        y = np.log(np.maximum(quarters, floor))
        slope, intercept = np.polyfit(x, y, 1)
        resid = y - (slope * x + intercept)
        spread = float(resid @ resid) / max(len(x) - 2, 1) / float(((x - x.mean()) ** 2).sum())
        growth, se = float(slope) / 3, math.sqrt(spread) / 3
    units = Units(
        method=np.array([0]),
        team_days=np.array([1.0]),
        rate=np.array([level]),
        sigma_run=np.array([sigma_run]),
    )
    return Engine(
        ["released"],
        np.array([[1.0]]),
        units,
        sigma_month=np.array([sigma_month]),
        simulations=params.simulations,
        months=months,
        seed=params.seed + seed_offset,
        growth=growth,
        growth_se=TREND_SE_FACTOR * se,
        active=np.array([active]),
    )


def combine(results: list[Backtest]) -> Backtest:
    """Return one backtest holding the checks of several origins."""
    first = results[0]
    out = Backtest(first.source, [], first.horizon_months)
    for r in results:
        out.origins += r.origins
        out.checks += r.checks
        out.hazard_checks += r.hazard_checks
        out.notes += [n for n in r.notes if n not in out.notes]
    return out


def _add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _share(checks: list[Check]) -> float | None:
    return round(sum(c.inside for c in checks) / len(checks), 3) if checks else None


def _share_dicts(rows: list[dict[str, Any]]) -> float | None:
    return round(sum(bool(r["inside"]) for r in rows) / len(rows), 3) if rows else None


def _error(c: Check) -> float | None:
    return round((c.p50 - c.actual) / c.actual, 3) if c.actual > 0 else None


def _median_error(checks: list[Check]) -> float | None:
    errors = [abs(e) for c in checks if (e := _error(c)) is not None]
    return round(float(np.median(errors)), 3) if errors else None
