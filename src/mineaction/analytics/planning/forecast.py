"""Forecasts: completion dates P10/P50/P90 nationally, per district, per project and hazard.

``forecast(session, params=ForecastParams())`` returns one :class:`Forecast`;
``as_dict()`` is the JSON contract (ISO dates; ``null`` where a date falls
beyond the horizon, i.e. not within ``max_years`` at that probability).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely.geometry
from sqlalchemy.orm import Session

from mineaction.analytics.planning import allocation
from mineaction.analytics.planning import weights as weights_mod
from mineaction.analytics.planning.params import ForecastParams, PriorityParams
from mineaction.analytics.planning.plan import METHODS, Plan, engine, month_date, prepare
from mineaction.analytics.planning.simulate import MONTH_DAYS, quantile
from mineaction.errors import ValidationError


@dataclass
class Forecast:
    """Everything ``mineaction plan forecast`` reports."""

    as_of: dt.date
    simulations: int
    seed: int
    scenario: str
    synthetic: bool
    national: dict[str, Any]
    districts: list[dict[str, Any]]
    projects: list[dict[str, Any]]
    hazards: list[dict[str, Any]]
    fan: list[dict[str, Any]]
    history: list[dict[str, Any]]
    allocation: dict[str, Any]
    model: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the forecast in its JSON shape (the documented contract)."""
        return {
            "as_of": self.as_of.isoformat(),
            "synthetic": self.synthetic,
            "simulations": self.simulations,
            "seed": self.seed,
            "scenario": self.scenario,
            "national": self.national,
            "districts": self.districts,
            "projects": self.projects,
            "hazards": self.hazards,
            "fan": self.fan,
            "history": self.history,
            "allocation": self.allocation,
            "model": self.model,
            "notes": self.notes,
        }


def priorities_report(session: Session, params: PriorityParams | None = None) -> dict[str, Any]:
    """Return the ranked open hazards with each score's explanation."""
    params = params or PriorityParams()
    plan = prepare(session, as_of=params.as_of, weights=weights_mod.load(params.weights))
    scores = plan.scores[: params.limit] if params.limit else plan.scores
    return {
        "as_of": plan.as_of.isoformat(),
        "synthetic": plan.synthetic,
        "weights": plan.weights.source,
        "hazards": [s.as_dict() for s in scores],
        "notes": plan.notes,
    }


def priorities_layer(session: Session, params: PriorityParams | None = None) -> dict[str, Any]:
    """Return the ranked open hazards as a GeoJSON FeatureCollection (a map layer).

    Each feature is the hazard's remaining shape with its rank, score and the points
    of each criterion.  Live hazard positions: for authorised users only.
    """
    params = params or PriorityParams()
    plan = prepare(session, as_of=params.as_of, weights=weights_mod.load(params.weights))
    scores = plan.scores[: params.limit] if params.limit else plan.scores
    features = []
    for s in scores:
        row = s.as_dict()
        properties = {k: v for k, v in row.items() if k != "explanation"}
        properties |= {f"points_{n}": p["points"] for n, p in row["explanation"].items()}
        properties["projects"] = "; ".join(row["projects"])
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(plan.data.hazards.shapes[s.position]),
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def forecast(session: Session, params: ForecastParams | None = None) -> Forecast:
    """Simulate the remaining work and return the completion dates (see the module)."""
    params = params or ForecastParams()
    if params.simulations < 100 or params.simulations > 100_000:
        raise ValidationError(
            f"{params.simulations} simulations is outside 100–100,000.",
            hint="Use --simulations 10000 (the default) for a stable P10/P90.",
        )
    plan = prepare(
        session,
        as_of=params.as_of,
        weights=weights_mod.load(params.weights),
        scenario=params.scenario,
        params=params,
    )
    order = allocation.priority_order(plan.ranked_positions())
    allocated: dict[str, Any] = {"mode": "priority"}
    if params.optimise:
        order, allocated = _optimised(plan, params)
    sim = engine(plan, order, params)
    h = plan.data.hazards
    districts = sorted(set(h.districts))
    targets: dict[str, np.ndarray] = {"national": np.arange(len(h))}
    for d in districts:
        targets[f"district:{d}"] = np.array([i for i, x in enumerate(h.districts) if x == d])
    for p in plan.data.projects:
        targets[f"project:{p.id}"] = plan.blocked.get(p.id, np.array([], int))
    outcome = sim.run(targets)
    when = outcome.completion

    def band(months: np.ndarray) -> dict[str, str | None]:
        q = quantile(months)
        return {
            name: _iso(month_date(plan.as_of, float(v)))
            for name, v in zip(("p10", "p50", "p90"), q, strict=True)
        }

    national = band(when["national"]) | {
        "remaining_ha": _ha(h.remaining_m2.sum()),
        "hazards": len(h),
    }
    district_rows = [
        {"district": d}
        | band(when[f"district:{d}"])
        | {
            "remaining_ha": _ha(
                sum(m2 for m2, x in zip(h.remaining_m2, h.districts, strict=True) if x == d)
            ),
            "hazards": sum(1 for x in h.districts if x == d),
        }
        for d in districts
    ]
    project_rows = []
    for p in plan.data.projects:
        positions = plan.blocked.get(p.id, np.array([], int))
        months = when[f"project:{p.id}"]
        deadline = (p.planned_start - plan.as_of).days / MONTH_DAYS if p.planned_start else None
        on_time = None if deadline is None else float(np.mean(months <= deadline))
        project_rows.append(
            {
                "project": p.name,
                "type": p.project_type,
                "priority": p.priority,
                "planned_start": _iso(p.planned_start),
                "blocking_hazards": [h.references[i] for i in positions],
                "blocking_ha": _ha(h.remaining_m2[positions].sum()),
            }
            | band(months)
            | {"probability_on_time": None if on_time is None else round(on_time, 3)}
        )
    hazard_rows = []
    for s in plan.scores:
        q = outcome.hazards[s.position]
        hazard_rows.append(
            {"hazard": s.reference, "rank": s.rank, "district": s.district}
            | {
                name: _iso(month_date(plan.as_of, float(v)))
                for name, v in zip(("p10", "p50", "p90"), q, strict=True)
            }
        )
    fan = [
        {
            "date": _iso(month_date(plan.as_of, t + 1.0)),
            "p10": round(float(outcome.fan[0, t]), 4),
            "p50": round(float(outcome.fan[1, t]), 4),
            "p90": round(float(outcome.fan[2, t]), 4),
        }
        for t in range(sim.months)
        if t == 0 or outcome.fan[0, t - 1] < 1.0
    ]
    notes = list(plan.notes)
    beyond = [k for k, v in when.items() if np.mean(~np.isfinite(v)) > 0.1]
    if beyond:
        notes.append(
            f"In more than 10% of the simulations some work is not finished within "
            f"{sim.months // 12} years (dates shown as null): "
            + ", ".join(b.split(":", 1)[-1] for b in beyond[:10])
            + (" …" if len(beyond) > 10 else "")
            + ". Check the capacity of the methods that work needs."
        )
    idle = [
        m
        for i, m in enumerate(METHODS)
        if plan.work[i].sum() > 0 and plan.capacity.team_days_per_month(m) <= 0
    ]
    if idle:
        notes.append(
            "No capacity for " + ", ".join(idle) + ", which the remaining work needs: "
            "add teams (--add-teams METHOD=N) or a capacity file."
        )
    notes.append("Only hazards known today are forecast: land found contaminated later adds work.")
    return Forecast(
        as_of=plan.as_of,
        simulations=params.simulations,
        seed=params.seed,
        scenario=params.scenario.describe(),
        synthetic=plan.synthetic,
        national=national,
        districts=district_rows,
        projects=project_rows,
        hazards=hazard_rows,
        fan=fan,
        history=_history(plan),
        allocation=allocated,
        model=model_summary(plan),
        notes=notes,
    )


def _optimised(plan: Plan, params: ForecastParams) -> tuple[np.ndarray, dict[str, Any]]:
    """Run the optimiser on the cautious output of a quick pilot simulation."""
    ranked = plan.ranked_positions()
    pilot = engine(
        plan,
        np.asarray(ranked, dtype=int),
        ForecastParams(**{**params.__dict__, "simulations": 500}),
    )
    cautious = np.zeros((len(METHODS), pilot.months))
    for m, cumulative in pilot.outputs():
        cautious[m] = np.quantile(cumulative, 1 - params.optimise_confidence, axis=0)
    needs = [
        allocation.ProjectNeed(
            name=p.name,
            priority=p.priority,
            deadline=(p.planned_start - plan.as_of).days / MONTH_DAYS
            if p.planned_start
            else float("inf"),
            positions=plan.blocked.get(p.id, np.array([], int)),
        )
        for p in plan.data.projects
    ]
    result = allocation.optimise(
        ranked_positions=ranked,
        work=plan.work,
        cautious_output=cautious,
        needs=needs,
        seconds=params.optimise_seconds,
    )
    return result.order, {
        "mode": "optimised",
        "solver": "OR-Tools CP-SAT",
        "status": result.status,
        "seconds": round(result.seconds, 3),
        "confidence": params.optimise_confidence,
        "projects_first": result.chosen,
    }


def model_summary(plan: Plan) -> dict[str, Any]:
    """Return what the forecast learned and assumed: rates, mix, capacity, trend."""
    return {
        "productivity": [plan.table.methods[m].as_dict() for m in METHODS],
        "productivity_by_operator": [r.as_dict() for r in plan.table.by_operator.values()],
        "productivity_by_contamination": [
            r.as_dict() for r in plan.table.by_contamination.values()
        ],
        "seasonal": plan.table.seasonal,
        "method_mix": {
            c: {m: round(v, 3) for m, v in shares.items()} for c, shares in plan.mix.items()
        },
        "method_mix_source": plan.mix_source,
        "capacity": [r.as_dict() for r in plan.capacity.rows],
        "trend": plan.capacity.trend.as_dict(),
    }


def _history(plan: Plan, months: int = 24) -> list[dict[str, Any]]:
    """Return the land released in each of the last ``months`` months, in hectares."""
    ends = [month_date(plan.as_of, float(-t)) for t in range(months, -1, -1)]
    edges = np.array([e.toordinal() for e in ends if e is not None])
    days = np.array([r.day.toordinal() for r in plan.data.releases])
    area = np.array([r.area_m2 for r in plan.data.releases])
    bucket = np.searchsorted(edges, days, side="right") - 1  # month of each release
    inside = (bucket >= 0) & (bucket < months)
    totals = np.bincount(bucket[inside], weights=area[inside], minlength=months)
    return [
        {"month_end": end.isoformat(), "released_ha": _ha(totals[t])}
        for t, end in enumerate(ends[1:])
        if end is not None
    ]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _ha(m2: float) -> float:
    return round(float(m2) / 10_000, 2)
