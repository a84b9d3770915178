"""Capacity: teams by operator and method, how many team-days they work, and the trend.

The default comes from the database: the active teams registered for each
operator and capability, and the team-days their progress reports show over
the last weeks (a team that exists on paper but reports nothing adds
nothing).  A planner can edit it: write it out with ``mineaction plan
capacity --format csv``, change teams or team-days, and give the file back
with ``--capacity FILE``.  A scenario adds teams of a method on top.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from mineaction.analytics.planning import priors
from mineaction.analytics.planning.inputs import ReportRow
from mineaction.domain.vocab import ACTIVITY_TYPE
from mineaction.errors import Problem, ValidationError

COLUMNS = ("operator", "method", "teams", "team_days_per_week")


@dataclass(frozen=True)
class CapacityRow:
    """Teams of one operator and method, and the team-days each works in a week."""

    operator: str
    method: str
    teams: float
    team_days_per_week: float
    source: str = "history"

    @property
    def team_days_per_month(self) -> float:
        """Return the team-days the row provides in an average month."""
        return self.teams * self.team_days_per_week * 365.25 / 12 / 7

    def as_dict(self) -> dict[str, Any]:
        """Return the row as a JSON-ready dict."""
        return {
            "operator": self.operator,
            "method": self.method,
            "teams": self.teams,
            "team_days_per_week": round(self.team_days_per_week, 3),
            "team_days_per_month": round(self.team_days_per_month, 1),
            "source": self.source,
        }


@dataclass(frozen=True)
class Trend:
    """Growth of the programme's monthly output: log-slope per month and its standard error."""

    per_month: float = 0.0
    standard_error: float = 0.0
    quarters: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the trend as a JSON-ready dict."""
        return {
            "growth_per_month": round(self.per_month, 4),
            "standard_error": round(self.standard_error, 4),
            "quarters": self.quarters,
        }


@dataclass
class Capacity:
    """The capacity table and the trend the forecast projects it with."""

    rows: list[CapacityRow]
    trend: Trend = field(default_factory=Trend)
    notes: list[str] = field(default_factory=list)

    def team_days_per_month(self, method: str) -> float:
        """Return the team-days per month all operators give to ``method``."""
        return sum(r.team_days_per_month for r in self.rows if r.method == method)

    def with_teams(self, method: str, teams: float) -> Capacity:
        """Return a copy with ``teams`` more (or fewer, if negative) teams of ``method``.

        New teams work as many team-days a week as the method's teams do now
        (the documented prior when the method has none).
        """
        if method not in ACTIVITY_TYPE:
            raise ValidationError(
                f"{method!r} is not a method.",
                hint=f"Use one of: {', '.join(ACTIVITY_TYPE)}.",
            )
        same = [r for r in self.rows if r.method == method and r.teams > 0]
        per_team = (
            sum(r.teams * r.team_days_per_week for r in same) / sum(r.teams for r in same)
            if same
            else priors.TEAM_DAYS_PER_WEEK
        )
        rows = list(self.rows)
        if teams >= 0:
            rows.append(CapacityRow("scenario", method, teams, per_team, "scenario"))
        else:
            left = -teams
            for i, r in enumerate(rows):  # remove from the largest operator first
                if r.method != method or left <= 0:
                    continue
                cut = min(r.teams, left)
                rows[i] = replace(r, teams=r.teams - cut, source="scenario")
                left -= cut
        return Capacity(rows, self.trend, list(self.notes))

    def scaled(self, method: str, factor: float) -> Capacity:
        """Return a copy in which ``method``'s teams are multiplied by ``factor``."""
        rows = [
            replace(r, teams=r.teams * factor, source="scenario") if r.method == method else r
            for r in self.rows
        ]
        return Capacity(rows, self.trend, list(self.notes))


def from_history(
    reports: list[ReportRow],
    teams: dict[tuple[str, str], int],
    *,
    as_of: dt.date,
    window_days: int = 182,
) -> Capacity:
    """Return the capacity the database shows in the ``window_days`` before ``as_of``."""
    since = as_of - dt.timedelta(days=window_days)
    worked: dict[tuple[str, str], float] = defaultdict(float)
    for r in reports:
        if since <= r.day < as_of and r.team_days > 0:
            worked[(r.operator, r.method)] += r.team_days
    weeks = window_days / 7
    rows = []
    notes = []
    average = _average_per_team(reports, teams, as_of=as_of)
    for key in sorted(set(worked) | set(teams)):
        operator, method = key
        registered = teams.get(key, 0)
        days = worked.get(key, 0.0)
        if days <= 0:
            # Registered but silent in the window: it works as the method's teams did on
            # average over the whole history (nothing, if the method never reported work).
            if average.get(method, 0.0) > 0:
                rows.append(
                    CapacityRow(operator, method, float(registered), average[method], "average")
                )
            continue
        if registered == 0:
            notes.append(
                f"{operator} reported {method} work but has no active {method} team registered; "
                "counted as one team."
            )
        count = max(registered, 1)
        rows.append(CapacityRow(operator, method, float(count), days / weeks / count))
    if not rows:
        notes.append(
            f"No progress reports in the {window_days} days before {as_of}: capacity is empty. "
            "Give a capacity file (--capacity) or add teams to a scenario."
        )
    return Capacity(rows, trend(reports, as_of=as_of), notes)


def _average_per_team(
    reports: list[ReportRow], teams: dict[tuple[str, str], int], *, as_of: dt.date
) -> dict[str, float]:
    """Return per method the team-days a registered team worked per week over all history."""
    days: dict[str, float] = defaultdict(float)
    first: dict[str, dt.date] = {}
    for r in reports:
        if r.day < as_of and r.team_days > 0:
            days[r.method] += r.team_days
            first[r.method] = min(first.get(r.method, r.day), r.day)
    registered: dict[str, int] = defaultdict(int)
    for (_, method), n in teams.items():
        registered[method] += n
    return {
        m: days[m] / max((as_of - first[m]).days / 7, 1.0) / max(registered[m], 1) for m in days
    }


def trend(reports: list[ReportRow], *, as_of: dt.date, quarters: int = 8) -> Trend:
    """Fit the growth of quarterly output (m² reported) over the last full quarters.

    A log-linear least-squares fit; its slope per month and standard error
    feed the forecast, which damps it (growth does not go on for ever).
    """
    current = (as_of.year, (as_of.month - 1) // 3)
    area: dict[tuple[int, int], float] = defaultdict(float)
    for r in reports:
        q = (r.day.year, (r.day.month - 1) // 3)
        if q < current:
            area[q] += r.area_m2
    index = [(y * 4 + q) for (y, q) in sorted(area) if area[(y, q)] > 0]
    if not index:
        return Trend()
    last = current[0] * 4 + current[1] - 1
    picked = [(i, area[(i // 4, i % 4)]) for i in index if last - quarters < i <= last]
    if len(picked) < 4:
        return Trend(quarters=len(picked))
    x = np.array([i for i, _ in picked], dtype=float)
    y = np.log(np.array([a for _, a in picked]))
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    dof = max(len(x) - 2, 1)
    se = math.sqrt(float(residual @ residual) / dof / float(((x - x.mean()) ** 2).sum()))
    return Trend(per_month=float(slope) / 3, standard_error=se / 3, quarters=len(picked))


def read_file(path: Path) -> Capacity:
    """Read a capacity table from a CSV or YAML file.

    Columns: operator, method, teams, team_days_per_week.  A row that is not a
    method or not a number is refused, with its row number.
    """
    if not path.exists():
        raise ValidationError(
            f"The capacity file {path} does not exist.",
            hint="Write one with `mineaction plan capacity --format csv > capacity.csv`.",
        )
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        loaded = yaml.safe_load(text) or {}
        records = loaded.get("capacity", loaded) if isinstance(loaded, dict) else loaded
    else:
        records = list(csv.DictReader(io.StringIO(text)))
    if not isinstance(records, list):
        raise ValidationError(
            f"{path} holds no list of capacity rows.",
            hint="Give rows with operator, method, teams and team_days_per_week.",
        )
    rows, problems = [], []
    for number, record in enumerate(records, start=2 if path.suffix == ".csv" else 1):
        row, problem = _row(record, number, str(path))
        if problem:
            problems.append(problem)
        elif row:
            rows.append(row)
    if problems:
        raise ValidationError(
            f"The capacity file {path} has {len(problems)} problem(s); nothing was used.",
            hint="Fix the rows named below and run the command again.",
            problems=problems,
        )
    return Capacity(rows, Trend(), [f"Capacity read from {path}."])


def _row(record: Any, number: int, source: str) -> tuple[CapacityRow | None, Problem | None]:
    if not isinstance(record, dict):
        return None, Problem("is not a row with named columns", row=number, source=source)
    method = str(record.get("method", "")).strip()
    if method not in ACTIVITY_TYPE:
        return None, Problem(
            f"{method!r} is not a method",
            field="method",
            value=method,
            row=number,
            source=source,
            hint=f"Use one of: {', '.join(ACTIVITY_TYPE)}.",
        )
    values = {}
    for column in ("teams", "team_days_per_week"):
        try:
            values[column] = float(record.get(column, ""))
            if not math.isfinite(values[column]) or values[column] < 0:
                raise ValueError
        except (TypeError, ValueError):
            return None, Problem(
                "is not a number of zero or more",
                field=column,
                value=record.get(column),
                row=number,
                source=source,
            )
    operator = str(record.get("operator") or "unknown").strip()
    return CapacityRow(
        operator, method, values["teams"], values["team_days_per_week"], "file"
    ), None


def to_csv(capacity: Capacity) -> str:
    """Return the capacity table as CSV, ready to edit and give back with --capacity."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in capacity.rows:
        writer.writerow([r.operator, r.method, _num(r.teams), _num(r.team_days_per_week)])
    return out.getvalue()


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"
