"""Which features point the same way in every region: a check of invariance.

The RELand authors' argument (invariant risk minimisation) is that a model
meant for a new region should rest on relations that hold in every training
region, not on ones that hold in the pooled data only.  A simple, readable
form of it: within each training group (municipality) with enough cells of
both outcomes, is the feature's ROC-AUC above or below 0.5?  A feature whose
direction agrees in most groups is stable; its consistent direction is also
the natural way for a monotone constraint to point.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import roc_auc_score

__all__ = ["group_auc_signs"]


def group_auc_signs(
    x: NDArray[np.float64], y: ArrayLike, groups: ArrayLike, *, min_class: int = 10
) -> tuple[NDArray[np.int_], NDArray[np.float64]]:
    """Return per feature its majority direction (+1 higher = riskier, -1, 0) and agreement.

    Agreement is the share of eligible groups (at least ``min_class``
    positive and negative labelled rows) whose within-group ROC-AUC lies on
    the majority side of 0.5; a group where the feature does not vary, or
    its AUC is exactly 0.5, votes for neither side.  Unlabelled rows (NaN)
    are ignored.

    >>> x = np.array([[1.0], [2.0], [3.0], [4.0]] * 2)
    >>> signs, agree = group_auc_signs(x, [0, 0, 1, 1] * 2, list("aaaabbbb"), min_class=2)
    >>> signs.tolist(), agree.tolist()
    ([1], [1.0])
    """
    labels = np.asarray(y, dtype=float)
    names = np.asarray(groups, dtype=object).astype(str)
    up = np.zeros(x.shape[1])
    down = np.zeros(x.shape[1])
    eligible = 0
    for name in np.unique(names):
        rows = (names == name) & ~np.isnan(labels)
        positives = int(labels[rows].sum())
        if positives < min_class or rows.sum() - positives < min_class:
            continue
        eligible += 1
        for j in range(x.shape[1]):
            column = x[rows, j]
            ok = ~np.isnan(column)
            if len(np.unique(column[ok])) < 2 or len(np.unique(labels[rows][ok])) < 2:
                continue
            auc = roc_auc_score(labels[rows][ok], column[ok])
            up[j] += auc > 0.5
            down[j] += auc < 0.5
    signs = np.where(up > down, 1, np.where(down > up, -1, 0))
    agreement = np.maximum(up, down) / max(eligible, 1)
    return signs, agreement
