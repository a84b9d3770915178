"""Baselines a risk model must beat to be worth its complexity.

Each baseline is fitted on the training rows only and scores the test rows:

- every single distance feature as a score, its sign (near = risky or far =
  risky) chosen on the training rows;
- logistic regression on every feature (median-filled, standardised);
- LightGBM with its default parameters on every feature, uncalibrated.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mineaction.analytics.risk.metrics import evaluate

__all__ = ["distance_features", "run_baselines"]


def distance_features(features: list[str]) -> list[str]:
    """Return the features whose names say they are distances.

    >>> distance_features(["elevation", "roads_dist", "dist_finding_m", "Distance to road"])
    ['roads_dist', 'dist_finding_m', 'Distance to road']
    """
    return [f for f in features if "dist" in f.lower()]


def run_baselines(
    *,
    features: list[str],
    x_train: NDArray[np.float64],
    y_train: NDArray[np.float64],
    x_test: NDArray[np.float64],
    y_test: NDArray[np.float64],
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Return each baseline's figures on the test rows (see ``metrics.evaluate``)."""
    results: dict[str, dict[str, Any]] = {}
    for name in distance_features(features):
        j = features.index(name)
        train_col = x_train[:, j]
        ok = ~np.isnan(train_col)
        if np.isnan(x_test[:, j]).all() or len(np.unique(train_col[ok])) < 2:
            continue
        # Sign from the training rows only: is being near riskier than being far?
        sign = -1.0 if roc_auc_score(y_train[ok], -train_col[ok]) >= 0.5 else 1.0
        score = sign * np.nan_to_num(x_test[:, j], nan=float(np.nanmedian(train_col)))
        results[f"distance: {name} ({'near' if sign < 0 else 'far'} = risky)"] = evaluate(
            y_test, score
        )
    logistic = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(max_iter=5000),
    ).fit(x_train, y_train)
    results["logistic regression"] = evaluate(y_test, logistic.predict_proba(x_test)[:, 1])
    names = [f"f{j}" for j in range(x_train.shape[1])]
    default = lgb.train(
        {
            "objective": "binary",
            "verbosity": -1,
            "num_threads": 1,
            "seed": seed,
            "deterministic": True,
        },
        lgb.Dataset(x_train, label=y_train, feature_name=names),
        num_boost_round=100,
    )
    results["gradient boosting, default settings"] = evaluate(
        y_test, default.predict(x_test, num_threads=1)
    )
    return results
