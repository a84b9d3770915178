"""The figures a survey manager judges a risk map by.

Every function takes labels (1 = mines found, 0 = searched, nothing found) and
scores (higher = riskier) for labelled rows only; callers drop unlabelled rows
first (``labelled``).  Recall at the top k% is the share of all positives
that fall inside the k% of rows (or of area, with ``weight``) that the scores
rank riskiest.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import average_precision_score, roc_auc_score

from mineaction.errors import ValidationError

__all__ = ["evaluate", "labelled", "recall_at_top", "reliability"]


def labelled(labels: ArrayLike) -> NDArray[np.bool_]:
    """Return a mask of the rows whose label is 0 or 1 (not -1, not missing)."""
    y = np.asarray(labels, dtype=float)
    return (y == 0) | (y == 1)


def recall_at_top(
    labels: ArrayLike, scores: ArrayLike, share: float, weight: ArrayLike | None = None
) -> float:
    """Return the share of positives inside the riskiest ``share`` of rows (or of weight).

    Rows are ranked by score, riskiest first, and taken until their weight
    (1 per row by default, a cell's area if given) reaches ``share`` of the
    total.  Rows tied on the boundary score count in proportion, so the
    answer does not depend on the order of ties.

    >>> recall_at_top([1, 0, 1, 0, 0], [0.9, 0.8, 0.1, 0.2, 0.3], 0.2)
    0.5
    >>> recall_at_top([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5], 0.5)
    0.5
    """
    y = np.asarray(labels, dtype=float)
    s = np.asarray(scores, dtype=float)
    w = np.ones_like(s) if weight is None else np.asarray(weight, dtype=float)
    positives = float((y * w).sum()) if weight is not None else float(y.sum())
    if positives == 0:
        return float("nan")
    budget = share * float(w.sum())
    # Group rows by score, riskiest first: whole groups are taken while they
    # fit, the group on the boundary counts in proportion.
    values, inverse = np.unique(-s, return_inverse=True)
    group_w = np.bincount(inverse, weights=w, minlength=len(values))
    group_pos = np.bincount(inverse, weights=y * w if weight is not None else y)
    before = np.concatenate(([0.0], np.cumsum(group_w)[:-1]))
    fraction = np.clip((budget - before) / np.where(group_w > 0, group_w, 1.0), 0.0, 1.0)
    found = float((group_pos * fraction).sum())
    return found / positives


def reliability(
    labels: ArrayLike, probabilities: ArrayLike, bins: int = 10
) -> list[dict[str, Any]]:
    """Return reliability-diagram data: per probability bin, mean predicted vs observed.

    Bins are equal-width over [0, 1]; empty bins are left out.

    >>> reliability([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2], bins=2)[1]["observed"]
    1.0
    """
    y = np.asarray(labels, dtype=float)
    p = np.asarray(probabilities, dtype=float)
    index = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        inside = index == b
        if not inside.any():
            continue
        rows.append(
            {
                "bin_low": b / bins,
                "bin_high": (b + 1) / bins,
                "n": int(inside.sum()),
                "mean_predicted": round(float(p[inside].mean()), 4),
                "observed": round(float(y[inside].mean()), 4),
            }
        )
    return rows


def evaluate(
    labels: ArrayLike, scores: ArrayLike, weight: ArrayLike | None = None
) -> dict[str, Any]:
    """Return ROC-AUC, PR-AUC, recall at the top 10% and 20%, n and positives.

    Rows whose label is not 0 or 1 are left out.  Refuses a set with only
    one class, where ROC-AUC has no meaning.
    """
    y_all = np.asarray(labels, dtype=float)
    keep = labelled(y_all)
    y = y_all[keep].astype(int)
    s = np.asarray(scores, dtype=float)[keep]
    w = None if weight is None else np.asarray(weight, dtype=float)[keep]
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        raise ValidationError(
            f"The labelled rows are all of one class ({positives} positives among {len(y)}).",
            hint="Evaluate on rows with both outcomes: some with finds (1), some without (0).",
        )
    return {
        "roc_auc": round(float(roc_auc_score(y, s, sample_weight=w)), 4),
        "pr_auc": round(float(average_precision_score(y, s, sample_weight=w)), 4),
        "recall_top10": round(recall_at_top(y, s, 0.10, w), 4),
        "recall_top20": round(recall_at_top(y, s, 0.20, w), 4),
        "n": len(y),
        "positives": positives,
    }
