"""Temporal backtest: train on what was known before a date, score what was found after it.

The grid's features and labels come only from evidence dated before the
cutoff; the model is trained on them; every cell of the grid is then ranked
by risk and judged against the findings made on or after the cutoff.  Two
populations are reported: every cell, and only the cells with no earlier
finding (where a survey team would learn something new).  Beside the model:
distance to the nearest earlier finding and to the nearest recorded hazard.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from mineaction.analytics.risk.evidence import load_evidence
from mineaction.analytics.risk.grid import build_grid
from mineaction.analytics.risk.metrics import evaluate
from mineaction.analytics.risk.model import TrainSettings, train_on_grid
from mineaction.analytics.risk.settings import settings_name
from mineaction.analytics.risk.sources import study_area
from mineaction.errors import ValidationError

__all__ = ["backtest"]


def backtest(
    session: Session,
    *,
    cutoff: dt.date,
    cell_m: float = 500.0,
    districts: list[str] | None = None,
    block_km: float = 10.0,
    settings: TrainSettings | None = None,
    tune: bool = False,
) -> dict[str, Any]:
    """Return the model's and the baselines' figures on the finds made on or after ``cutoff``.

    With ``tune`` the settings are chosen as ``risk train --tune`` chooses
    them: by spatial cross-validation on the grid before the cutoff.
    """
    everything = load_evidence(session)
    known = everything.known_before(cutoff)
    area = study_area(session, districts or [], everything)
    grid = build_grid(evidence=known, area=area, cell_m=cell_m)
    model = train_on_grid(
        grid.frame,
        block_km=block_km,
        settings=settings,
        tune=tune,
        source=f"grid before {cutoff}",
    )
    risk, _ = model.predict(grid.frame)

    later = everything.findings.geoms[everything.findings.dates >= np.datetime64(cutoff, "D")]
    if len(later) == 0:
        raise ValidationError(
            f"Nothing was found on or after {cutoff}: there is nothing to score.",
            hint="Choose an earlier --cutoff.",
        )
    cell = grid.cell_of(later)
    outcome = np.zeros(len(grid.frame))
    outcome[cell[cell >= 0]] = 1
    earlier = grid.frame["cell_findings"].to_numpy() > 0
    scorers = {
        "risk model": risk,
        "nearest earlier finding": -grid.frame["dist_finding_m"].to_numpy(),
        "nearest recorded hazard": -grid.frame["dist_hazard_m"].to_numpy(),
    }
    result: dict[str, Any] = {
        "cutoff": cutoff.isoformat(),
        "cells": len(grid.frame),
        "cell_m": cell_m,
        "training": {k: model.training[k] for k in ("labelled", "positives")},
        "cv": {k: model.cv[k] for k in ("held_out", "roc_auc", "recall_top20")},
        "settings": model.cv["tuning"]["chosen"] if tune else settings_name(model.settings),
        "later_findings": len(later),
        "later_findings_outside_grid": int((cell < 0).sum()),
        "all_cells": {},
        "cells_without_earlier_finds": {},
    }
    for name, score in scorers.items():
        result["all_cells"][name] = _safe(outcome, score)
        result["cells_without_earlier_finds"][name] = _safe(outcome[~earlier], score[~earlier])
    return result


def _safe(outcome: np.ndarray, score: np.ndarray) -> dict[str, Any]:
    try:
        return evaluate(outcome, score)
    except ValidationError as exc:
        return {"error": exc.message}
