"""Calibration: from boosting log-odds to probabilities, fitted on out-of-fold predictions.

Platt scaling (a logistic fit of the label on the log-odds) keeps the ranking
exactly, so ROC-AUC and recall at k% are those of the boosting itself;
isotonic regression follows any monotone shape but can tie cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from mineaction.errors import ValidationError

__all__ = ["apply_calibration", "fit_calibration"]


def apply_calibration(
    calibration: dict[str, Any], log_odds: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Map log-odds to probabilities with a stored Platt or isotonic calibration."""
    if calibration["method"] == "platt":
        z = calibration["a"] * log_odds + calibration["b"]
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=float)
    return np.asarray(np.interp(log_odds, calibration["x"], calibration["y"]), dtype=float)


def fit_calibration(
    method: str, log_odds: NDArray[np.float64], y: NDArray[np.float64]
) -> dict[str, Any]:
    """Fit a ``platt`` or ``isotonic`` map from out-of-fold log-odds to the labels."""
    if method == "platt":
        # Platt scaling keeps the ranking exactly (a strictly increasing map),
        # so ROC-AUC and recall at k% are those of the boosting itself.
        fit = LogisticRegression(C=1e6).fit(log_odds.reshape(-1, 1), y)
        return {"method": "platt", "a": float(fit.coef_[0, 0]), "b": float(fit.intercept_[0])}
    if method == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(log_odds, y)
        return {
            "method": "isotonic",
            "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_],
        }
    raise ValidationError(f"{method!r} is not a calibration method.", hint="Use platt or isotonic.")
