"""Productivity learned from the database's own progress reports.

A rate is m² per team-day.  For each method (activity type) it is a
distribution, not a number: the pooled rate (all area over all team-days),
the spread of single reports (P10–P90), and the spread of a *run's* average
(how much a whole quarter's rate wandered from the pooled rate), which is
what makes a forecast band honest.  By operator and by contamination the
rate is shrunk towards the method's, and where history is thin the method
falls back to the documented priors in :mod:`.priors`.

>>> import datetime as dt
>>> from mineaction.analytics.planning.inputs import ReportRow
>>> reports = [ReportRow(dt.date(2024, 1, 7), "bac", "A", "uxo", 5_000.0, 1.0)] * 40
>>> table = learn(reports)
>>> table.methods["bac"].rate, table.methods["bac"].source
(5000.0, 'history')
>>> table.methods["nts"].source
'prior'
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mineaction.analytics.planning import priors
from mineaction.analytics.planning.inputs import ReportRow
from mineaction.domain.vocab import ACTIVITY_TYPE


@dataclass(frozen=True)
class Rate:
    """m² per team-day for one cell (a method, or a method and an operator or contamination)."""

    method: str
    rate: float
    p10: float
    p50: float
    p90: float
    sigma_run: float
    sigma_month: float
    reports: int
    team_days: float
    source: str  # "history", "shrunk" (history mixed with the method's) or "prior"
    operator: str | None = None
    contamination: str | None = None

    @property
    def thin(self) -> bool:
        """Tell whether the cell has too little history to stand on its own."""
        return self.team_days < priors.THIN_TEAM_DAYS

    def as_dict(self) -> dict[str, Any]:
        """Return the rate as a JSON-ready dict."""
        return {
            "method": self.method,
            "operator": self.operator,
            "contamination": self.contamination,
            "m2_per_team_day": round(self.rate, 1),
            "p10": round(self.p10, 1),
            "p50": round(self.p50, 1),
            "p90": round(self.p90, 1),
            "sigma_run": round(self.sigma_run, 3),
            "sigma_month": round(self.sigma_month, 3),
            "reports": self.reports,
            "team_days": round(self.team_days, 1),
            "source": self.source,
            "thin": self.thin,
        }


@dataclass
class ProductivityTable:
    """Rates by method, by method and operator, by method and contamination; seasonal factors."""

    methods: dict[str, Rate]
    by_operator: dict[tuple[str, str], Rate]
    by_contamination: dict[tuple[str, str], Rate]
    #: Twelve factors (January … December), mean 1: a month's rate over the year's.
    seasonal: list[float]
    notes: list[str] = field(default_factory=list)

    def rate_for(self, method: str, operator: str | None = None) -> Rate:
        """Return the operator's rate for a method if known, else the method's."""
        if operator is not None and (method, operator) in self.by_operator:
            return self.by_operator[(method, operator)]
        return self.methods[method]


def learn(reports: list[ReportRow], *, since: dt.date | None = None) -> ProductivityTable:
    """Learn the productivity table from progress reports (see the module docstring).

    With ``since``, a method's rate comes from its reports since that day, so
    that a programme that got faster is judged by what it does now; a method
    with too little recent history uses all of its history.
    """
    usable = [r for r in reports if r.team_days > 0 and r.area_m2 >= 0]
    notes: list[str] = []
    by_method: dict[str, list[ReportRow]] = defaultdict(list)
    for r in usable:
        by_method[r.method].append(r)
    if since is not None:
        for method, rows in list(by_method.items()):
            recent = [r for r in rows if r.day >= since]
            if sum(r.team_days for r in recent) >= priors.THIN_TEAM_DAYS:
                by_method[method] = recent
        usable = [r for rows in by_method.values() for r in rows]
    methods: dict[str, Rate] = {}
    for method in ACTIVITY_TYPE:
        rows = by_method.get(method, [])
        cell = _cell(method, rows)
        if cell.thin:
            prior = priors.RATE_M2_PER_TEAM_DAY[method]
            if rows:
                notes.append(
                    f"{method}: only {cell.team_days:.0f} team-days of history; "
                    f"the prior {prior:,.0f} m²/team-day is used."
                )
            cell = _prior(method, len(rows), cell.team_days)
        methods[method] = cell
    by_operator = _shrunk(usable, methods, lambda r: r.operator, "operator")
    by_contamination = _shrunk(
        [r for r in usable if r.contamination],
        methods,
        lambda r: r.contamination or "",
        "contamination",
    )
    if not usable:
        notes.append("No progress reports with team-days: every rate is a documented prior.")
    return ProductivityTable(
        methods=methods,
        by_operator=by_operator,
        by_contamination=by_contamination,
        seasonal=seasonal_factors(usable, methods),
        notes=notes,
    )


def _cell(method: str, rows: list[ReportRow], **key: str) -> Rate:
    team_days = sum(r.team_days for r in rows)
    area = sum(r.area_m2 for r in rows)
    if team_days <= 0:
        return _prior(method, 0, 0.0, **key)
    rate = area / team_days
    singles = np.array([r.area_m2 / r.team_days for r in rows])
    p10, p50, p90 = (float(v) for v in np.quantile(singles, [0.1, 0.5, 0.9]))
    return Rate(
        method=method,
        rate=rate,
        p10=p10,
        p50=p50,
        p90=p90,
        sigma_run=persistent_spread(
            _sigma_between(rows, rate, "quarter"), _sigma_between(rows, rate, "month")
        ),
        sigma_month=_sigma_between(rows, rate, "month") or priors.SIGMA_MONTH,
        reports=len(rows),
        team_days=team_days,
        source="history",
        **key,
    )


def _prior(method: str, reports: int, team_days: float, **key: str) -> Rate:
    rate = priors.RATE_M2_PER_TEAM_DAY[method]
    spread = math.exp(1.2816 * priors.SIGMA_RUN)
    return Rate(
        method=method,
        rate=rate,
        p10=rate / spread,
        p50=rate,
        p90=rate * spread,
        sigma_run=priors.SIGMA_RUN,
        sigma_month=priors.SIGMA_MONTH,
        reports=reports,
        team_days=team_days,
        source="prior",
        **key,
    )


def _period(day: dt.date, grain: str) -> tuple[int, int]:
    return (day.year, (day.month - 1) // 3 if grain == "quarter" else day.month)


def _sigma_between(rows: list[ReportRow], rate: float, grain: str) -> float | None:
    """Return the spread of log(period rate / pooled rate) over periods with enough work.

    None when fewer than three periods qualify: the caller then uses the prior.
    """
    area: dict[tuple[int, int], float] = defaultdict(float)
    days: dict[tuple[int, int], float] = defaultdict(float)
    for r in rows:
        key = _period(r.day, grain)
        area[key] += r.area_m2
        days[key] += r.team_days
    minimum = 10.0 if grain == "quarter" else 4.0
    logs = [
        math.log(area[k] / days[k] / rate)
        for k in days
        if days[k] >= minimum and area[k] > 0 and rate > 0
    ]
    if len(logs) < 3:
        return None
    return float(np.sqrt(np.mean(np.square(logs))))  # about the pooled rate, not the mean


#: Share of a month's log-variance left in the mean of three months (AR(1), a = 0.5).
_QUARTER_SHARE = (3 + 2 * (2 * 0.5 + 0.5**2)) / 9


def persistent_spread(sigma_quarter: float | None, sigma_month: float | None) -> float:
    """Return the spread of a run's lasting level: the quarters' spread less the months'.

    A quarter's rate wanders for two reasons: the level moved, and its months were
    noisy.  The months' noise is simulated month by month already, so only what is
    left of the quarters' variance is drawn once per run (never below 0.1).

    >>> round(persistent_spread(0.5, 0.4), 3)
    0.39
    """
    if sigma_quarter is None:
        return priors.SIGMA_RUN
    month = sigma_month if sigma_month is not None else 0.0
    return float(math.sqrt(max(sigma_quarter**2 - _QUARTER_SHARE * month**2, 0.01)))


def _shrunk(
    rows: list[ReportRow], methods: dict[str, Rate], key_of: Any, kind: str
) -> dict[tuple[str, str], Rate]:
    """Return rates by method and ``kind``, each shrunk towards its method's rate."""
    groups: dict[tuple[str, str], list[ReportRow]] = defaultdict(list)
    for r in rows:
        groups[(r.method, key_of(r))].append(r)
    out: dict[tuple[str, str], Rate] = {}
    k = priors.SHRINK_TEAM_DAYS
    for (method, value), members in sorted(groups.items()):
        base = methods[method]
        raw = _cell(method, members, **{kind: value})
        mixed = (raw.team_days * raw.rate + k * base.rate) / (raw.team_days + k)
        ratio = mixed / raw.rate if raw.rate > 0 else 1.0
        out[(method, value)] = Rate(
            method=method,
            rate=mixed,
            p10=raw.p10 * ratio,
            p50=raw.p50 * ratio,
            p90=raw.p90 * ratio,
            sigma_run=raw.sigma_run if raw.sigma_run != priors.SIGMA_RUN else base.sigma_run,
            sigma_month=(
                raw.sigma_month if raw.sigma_month != priors.SIGMA_MONTH else base.sigma_month
            ),
            reports=raw.reports,
            team_days=raw.team_days,
            source="shrunk" if base.source == "history" else "prior",
            **{kind: value},
        )
    return out


def seasonal_factors(rows: list[ReportRow], methods: dict[str, Rate]) -> list[float]:
    """Return twelve monthly factors (mean 1) learned from the weekly reports.

    Each report's rate is divided by its method's pooled rate, so a month with
    more mechanical work does not look more productive; each month's factor is
    shrunk towards 1 by ``SHRINK_SEASON_TEAM_DAYS``.
    """
    area = np.zeros(12)
    expected = np.zeros(12)
    days = np.zeros(12)
    for r in rows:
        m = r.day.month - 1
        area[m] += r.area_m2
        expected[m] += r.team_days * methods[r.method].rate
        days[m] += r.team_days
    raw = np.divide(area, expected, out=np.ones(12), where=expected > 0)
    k = priors.SHRINK_SEASON_TEAM_DAYS
    factors = (days * raw + k) / (days + k)
    factors = factors / factors.mean()
    return [round(float(f), 4) for f in factors]
