"""Hold-out validation: train on one region, score another, beside the baselines.

Only the test table's header is looked at before scoring: the model uses
the feature columns both tables have (a feature the target region lacks
cannot help there).  Settings are chosen, if at all, by spatial
cross-validation on the training table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

from mineaction.analytics.risk.baselines import run_baselines
from mineaction.analytics.risk.metrics import evaluate
from mineaction.analytics.risk.model import TrainSettings, spatial_groups, train
from mineaction.analytics.risk.table import (
    FeatureTable,
    align,
    feature_columns,
    read_groups,
    read_labels,
)

__all__ = ["hold_out"]


def _within_groups(
    table: FeatureTable, group: str | None, y: NDArray[np.float64], risk: NDArray[np.float64]
) -> dict[str, float]:
    """Return the ROC-AUC inside each group of the scored table (both outcomes needed)."""
    if group is None or group not in table.frame.columns:
        return {}
    names = read_groups(table, group)
    found: dict[str, float] = {}
    for name in sorted(set(names)):
        rows = (names == name) & ~np.isnan(y)
        if 0 < y[rows].sum() < rows.sum():
            found[str(name)] = round(float(roc_auc_score(y[rows], risk[rows])), 4)
    return found


def hold_out(
    *,
    train_table: FeatureTable,
    test_table: FeatureTable,
    label: str,
    group: str | None,
    block_km: float = 10.0,
    settings: TrainSettings | None = None,
    tune: bool = False,
    exclude: list[str] | None = None,
) -> dict[str, Any]:
    """Train on ``train_table``, score ``test_table``; return the model's and baselines' figures.

    ``exclude`` names columns the model must not use (e.g. coordinates, which
    cannot carry over to a region outside the training one); the baselines
    still see every shared feature, as the issue defines them.
    """
    skip = [label, *([group] if group else [])]
    features, _ = feature_columns(train_table.frame, exclude=skip)
    shared = [f for f in features if f in test_table.frame.columns]
    absent = [f for f in features if f not in test_table.frame.columns]
    groups, held_out = spatial_groups(train_table, group=group, coords=None, block_km=block_km)
    model = train(
        table=train_table,
        label=label,
        groups=groups,
        held_out=held_out,
        exclude=[*skip, *absent, *(exclude or [])],
        settings=settings,
        tune=tune,
    )
    y_test = read_labels(test_table, label)
    risk, _ = model.predict(test_table.frame)
    y_train = read_labels(train_table, label)
    keep_train = ~np.isnan(y_train)
    keep_test = ~np.isnan(y_test)
    x_train, _ = align(train_table.frame.loc[keep_train], shared)
    x_test, _ = align(test_table.frame.loc[keep_test], shared)
    baselines = run_baselines(
        features=shared,
        x_train=x_train,
        y_train=y_train[keep_train],
        x_test=x_test,
        y_test=y_test[keep_test],
    )
    return {
        "train": train_table.source,
        "test": test_table.source,
        "features_used": model.features,
        "features_absent_from_test": absent,
        "features_excluded": list(exclude or []),
        "group_constant_dropped": model.training["group_constant_columns_dropped"],
        "settings": model.cv.get("tuning", {}).get("chosen", "given"),
        "cv": {k: v for k, v in model.cv.items() if k not in ("reliability", "tuning")},
        "tuning": model.cv.get("tuning"),
        "model": evaluate(y_test, risk),
        "model_within_group": _within_groups(test_table, group, y_test, risk),
        "baselines": baselines,
    }
