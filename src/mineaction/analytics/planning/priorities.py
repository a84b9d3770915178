"""The priority score of every open hazard, with its explanation.

Impact (projects, blockages, beneficiaries) and threat (accidents nearby,
contamination, evidence) add points; cost (team-days the remaining area
needs at the learned rates) takes points away.  Each criterion's share is
kept, so every score says which criteria gave how much.

>>> saturate(np.array([0.0, 1.0, 3.0]), 1.0).tolist()
[0.0, 0.5, 0.75]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mineaction.analytics.planning.blocking import accidents_near
from mineaction.analytics.planning.inputs import PlanningData
from mineaction.analytics.planning.weights import Weights


@dataclass
class HazardScore:
    """One open hazard's score, rank and the points each criterion gave."""

    position: int
    hazard_id: int
    reference: str
    district: str
    contamination: str
    remaining_m2: float
    effort_team_days: float
    score: float
    rank: int
    parts: dict[str, dict[str, Any]]
    projects: list[str]

    def as_dict(self) -> dict[str, Any]:
        """Return the score as a JSON-ready dict."""
        return {
            "rank": self.rank,
            "hazard": self.reference,
            "district": self.district,
            "contamination": self.contamination,
            "remaining_ha": round(self.remaining_m2 / 10_000, 2),
            "effort_team_days": round(self.effort_team_days, 1),
            "score": round(self.score, 2),
            "projects": self.projects,
            "explanation": self.parts,
        }


def saturate(value: np.ndarray, half: float) -> np.ndarray:
    """Map counts ≥ 0 to 0–1: ``value / (value + half)``."""
    return value / (value + half)


def score(
    data: PlanningData,
    weights: Weights,
    *,
    effort_team_days: np.ndarray,
    blocked: dict[int, np.ndarray],
) -> list[HazardScore]:
    """Return every open hazard's score, best first (ties broken by hazard reference)."""
    h = data.hazards
    k = len(h)
    project_load = np.zeros(k)
    project_names: list[list[str]] = [[] for _ in range(k)]
    for project in data.projects:
        for pos in blocked.get(project.id, []):
            project_load[pos] += 1.0 / max(project.priority, 1)
            project_names[pos].append(project.name)
    blockage = weights["blockages"].values or {}
    raw: dict[str, np.ndarray] = {
        "projects": project_load,
        "blockages": np.array([sum(blockage.get(b, 0.5) for b in bs) for bs in h.blockages]),
        "beneficiaries": h.beneficiaries,
        "accidents": accidents_near(
            data, radius_m=weights["accidents"].radius_m, years=weights["accidents"].years
        ),
        "contamination": np.array(
            [(weights["contamination"].values or {}).get(c, 0.5) for c in h.contamination]
        ),
        "evidence": np.array(
            [(weights["evidence"].values or {}).get(e or "", 0.3) for e in h.evidence]
        ),
        "effort": effort_team_days,
    }
    points: dict[str, np.ndarray] = {}
    for name, values in raw.items():
        criterion = weights[name]
        share = (
            values
            if criterion.values is not None and name != "blockages"
            else saturate(values, criterion.half)
        )
        sign = -1.0 if criterion.group == "cost" else 1.0
        points[name] = sign * criterion.weight * share
    total = sum(points.values(), np.zeros(k))
    order = sorted(range(k), key=lambda i: (-round(float(total[i]), 9), h.references[i]))
    out = []
    for rank, i in enumerate(order, start=1):
        parts = {
            name: {
                "group": weights[name].group,
                "value": round(float(raw[name][i]), 3),
                "points": round(float(points[name][i]), 2),
            }
            for name in raw
        }
        out.append(
            HazardScore(
                position=i,
                hazard_id=h.ids[i],
                reference=h.references[i],
                district=h.districts[i],
                contamination=h.contamination[i],
                remaining_m2=float(h.remaining_m2[i]),
                effort_team_days=float(effort_team_days[i]),
                score=float(total[i]),
                rank=rank,
                parts=parts,
                projects=project_names[i],
            )
        )
    return out
