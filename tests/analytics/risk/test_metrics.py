"""The figures a survey manager reads, checked against a plain count."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.analytics.risk.metrics import evaluate, recall_at_top, reliability
from mineaction.errors import ValidationError


def _count_recall(labels: np.ndarray, scores: np.ndarray, share: float) -> float:
    """Recall in the top share by sorting, for scores without ties."""
    n = len(scores)
    cut = share * n
    order = np.argsort(-scores)
    whole = int(np.floor(cut))
    found = labels[order[:whole]].sum()
    if whole < n:
        found += labels[order[whole]] * (cut - whole)
    return float(found / labels.sum())


@pytest.mark.parametrize("share", [0.1, 0.2, 0.37])
def test_recall_at_top_counts_the_positives_in_the_riskiest_share(share: float) -> None:
    rng = np.random.default_rng(3)
    labels = (rng.random(503) < 0.2).astype(float)
    scores = rng.random(503) + labels * 0.3
    assert recall_at_top(labels, scores, share) == pytest.approx(
        _count_recall(labels, scores, share)
    )


def test_recall_at_top_by_area_counts_hectares_not_rows() -> None:
    # A planner's budget is area: one big risky cell fills the top 50% alone.
    labels = np.array([0.0, 1.0, 1.0])
    scores = np.array([0.9, 0.5, 0.4])
    area = np.array([2.0, 1.0, 1.0])
    assert recall_at_top(labels, scores, 0.5, area) == 0.0
    assert recall_at_top(labels, scores, 0.75, area) == pytest.approx(0.5)


def test_ties_do_not_depend_on_row_order() -> None:
    labels = np.array([1.0, 0.0, 0.0, 1.0])
    scores = np.array([0.5, 0.5, 0.5, 0.5])
    assert recall_at_top(labels, scores, 0.25) == recall_at_top(labels[::-1], scores, 0.25)


def test_evaluate_leaves_unlabelled_rows_out() -> None:
    labels = np.array([1, 0, -1, 1, 0, np.nan])
    scores = np.array([0.9, 0.1, 0.99, 0.8, 0.2, 0.95])
    figures = evaluate(labels, scores)
    assert figures["n"] == 4
    assert figures["positives"] == 2
    assert figures["roc_auc"] == 1.0


def test_it_refuses_to_score_a_set_with_one_outcome() -> None:
    with pytest.raises(ValidationError, match="one class"):
        evaluate([1, 1, -1], [0.2, 0.3, 0.4])


def test_reliability_bins_compare_predicted_with_observed() -> None:
    labels = np.array([0, 0, 1, 1, 1])
    probs = np.array([0.05, 0.15, 0.85, 0.95, 0.9])
    rows = reliability(labels, probs, bins=2)
    assert [r["n"] for r in rows] == [2, 3]
    assert rows[0]["observed"] == 0.0
    assert rows[1]["mean_predicted"] == pytest.approx(0.9)
