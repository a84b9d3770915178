"""Candidate search for a risk model that transfers between regions — training file only.

Reads ``train_all.csv`` (and only the header of ``test_all.csv``, to know
which columns the target region has); never a label of the test file.
Every candidate is scored by leave-one-municipality-out cross-validation:
each of the 19 Antioquia municipalities is scored by a model trained on the
other 18, and every choice a candidate makes from data (which features are
stable, which way a monotone constraint points) is made inside each fold
from the training municipalities only.

Selection criterion (fixed before any run): the mean, over held-out
municipalities with at least 10 positive and 10 negative cells, of the
ROC-AUC within that municipality — how well a model ranks the cells of a
region it never saw, which is what scoring Caldas asks.  Worst-group and
pooled figures are reported beside it.

    python bench/risk_transfer_search.py --output bench/results/risk-transfer-search.json
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from mineaction.analytics.risk.metrics import evaluate
from mineaction.analytics.risk.model import _fit_booster, _group_constant
from mineaction.analytics.risk.normalise import columns_to_normalise, normalise_within
from mineaction.analytics.risk.settings import CANDIDATES, TrainSettings
from mineaction.analytics.risk.stability import group_auc_signs
from mineaction.analytics.risk.table import align, feature_columns

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/colombia-reland-risk-grid"
LABEL, GROUP = "mines_outcome", "Municipio"
COORDINATES = ("LATITUD_Y", "LONGITUD_X")
MIN_CLASS = 10

Scorer = Callable[[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], list[int]], Any]


@dataclass
class Data:
    """The training file as matrices, with each row's municipality."""

    x: NDArray[np.float64]  # every row of the training file (labelled or not)
    y: NDArray[np.float64]  # NaN where unlabelled
    groups: NDArray[np.object_]
    features: list[str]


def load(folder: Path) -> Data:
    frame = pd.read_csv(folder / "train_all.csv", low_memory=False)
    test_header = pd.read_csv(folder / "test_all.csv", nrows=0).columns
    y = pd.to_numeric(frame[LABEL]).to_numpy(dtype=float)
    y[y == -1] = np.nan
    groups = frame[GROUP].astype(str).to_numpy(dtype=object)
    features, _ = feature_columns(frame, exclude=[LABEL, GROUP, *COORDINATES])
    features = [f for f in features if f in test_header]
    labelled = ~np.isnan(y)
    constant = _group_constant(frame.loc[labelled], features, groups[labelled])
    features = [f for f in features if f not in constant]
    x, _ = align(frame, features)
    return Data(x, y, groups, features)


def represent(data: Data, how: str) -> NDArray[np.float64]:
    """Return the matrix as raw values, within-municipality ranks or z-scores."""
    if how == "raw":
        return data.x
    columns = columns_to_normalise(data.x, data.features)
    index = [data.features.index(c) for c in columns]
    return normalise_within(data.x, data.groups, index, how)


def lomo(
    data: Data, x: NDArray[np.float64], fit_score: Callable[..., NDArray[np.float64]]
) -> NDArray[np.float64]:
    """Return out-of-municipality scores for the labelled rows (each group left out in turn)."""
    labelled = ~np.isnan(data.y)
    scores = np.full(len(data.y), np.nan)
    for name in np.unique(data.groups[labelled].astype(str)):
        test = labelled & (data.groups == name)
        train = labelled & (data.groups != name)
        scores[test] = fit_score(x[train], data.y[train], data.groups[train], x[test])
    return scores


def summarise(data: Data, scores: NDArray[np.float64]) -> dict[str, Any]:
    labelled = ~np.isnan(data.y)
    per_group: dict[str, float] = {}
    for name in np.unique(data.groups[labelled].astype(str)):
        rows = labelled & (data.groups == name)
        pos = int(data.y[rows].sum())
        if pos >= MIN_CLASS and rows.sum() - pos >= MIN_CLASS:
            per_group[name] = round(float(roc_auc_score(data.y[rows], scores[rows])), 4)
    within = list(per_group.values())
    pooled = evaluate(data.y[labelled], scores[labelled])
    return {
        "mean_within_auc": round(float(np.mean(within)), 4),
        "worst_within_auc": round(float(np.min(within)), 4),
        "groups_below_half": int(sum(v < 0.5 for v in within)),
        "pooled_auc": pooled["roc_auc"],
        "pooled_recall_top20": pooled["recall_top20"],
        "per_group": per_group,
    }


def stable_columns(
    x: NDArray[np.float64], y: NDArray[np.float64], groups: NDArray[np.object_], threshold: float
) -> tuple[list[int], list[int]]:
    """Return the features whose direction agrees in >= threshold of the training groups."""
    signs, agreement = group_auc_signs(x, y, groups, min_class=MIN_CLASS)
    keep = [j for j in range(x.shape[1]) if agreement[j] >= threshold]
    if not keep:  # nothing agrees enough: fall back on every feature
        keep = list(range(x.shape[1]))
    return keep, [int(signs[j]) for j in keep]


def lgb_scorer(
    shape: str | TrainSettings, *, stable: float | None, monotone: bool
) -> Callable[..., Any]:
    base = CANDIDATES[shape] if isinstance(shape, str) else shape

    def fit_score(xtr, ytr, gtr, xte):  # type: ignore[no-untyped-def]
        keep = list(range(xtr.shape[1]))
        signs = [0] * len(keep)
        if stable is not None or monotone:
            keep, signs = stable_columns(xtr, ytr, gtr, stable or 0.0)
        settings = replace(base, monotone=monotone)
        booster = _fit_booster(xtr[:, keep], ytr, settings, signs)
        return booster.predict(xte[:, keep], raw_score=True, num_threads=1)

    return fit_score


def logistic_scorer(*, stable: float | None) -> Callable[..., Any]:
    def fit_score(xtr, ytr, gtr, xte):  # type: ignore[no-untyped-def]
        keep = list(range(xtr.shape[1]))
        if stable is not None:
            keep, _ = stable_columns(xtr, ytr, gtr, stable)
        med = np.nanmedian(xtr[:, keep], axis=0)
        a = np.where(np.isnan(xtr[:, keep]), med, xtr[:, keep])
        b = np.where(np.isnan(xte[:, keep]), med, xte[:, keep])
        mu, sd = a.mean(axis=0), a.std(axis=0)
        sd[sd == 0] = 1
        model = LogisticRegression(max_iter=5000).fit((a - mu) / sd, ytr)
        return model.decision_function((b - mu) / sd)

    return fit_score


def vote_scorer(threshold: float) -> Callable[..., Any]:
    """No fitting: the mean of the stable features, each signed by its consistent direction."""

    def fit_score(xtr, ytr, gtr, xte):  # type: ignore[no-untyped-def]
        keep, signs = stable_columns(xtr, ytr, gtr, threshold)
        keep = [k for k, s in zip(keep, signs, strict=True) if s != 0]
        signs = [s for s in signs if s != 0]
        cols = np.where(np.isnan(xte[:, keep]), 0.5, xte[:, keep])
        return (cols * np.asarray(signs)).mean(axis=1)

    return fit_score


def ensemble_scorer(threshold: float) -> Callable[..., Any]:
    """Raw-feature boosting rank-averaged with the vote of the stable features' ranks.

    The vote uses the within-municipality ranks (columns after the raw ones in
    the "raw+rank" matrix); the boosting uses the raw columns.
    """

    def fit_score(xtr, ytr, gtr, xte):  # type: ignore[no-untyped-def]
        half = xtr.shape[1] // 2
        boost = lgb_scorer("default", stable=None, monotone=False)(
            xtr[:, :half], ytr, gtr, xte[:, :half]
        )
        vote = vote_scorer(threshold)(xtr[:, half:], ytr, gtr, xte[:, half:])
        return (
            pd.Series(boost).rank(pct=True).to_numpy() + pd.Series(vote).rank(pct=True).to_numpy()
        )

    return fit_score


def second_round() -> dict[str, tuple[str, Callable[..., Any]]]:
    """Return round 2's candidates, added after reading round 1's CV table (training only)."""
    leafy = replace(CANDIDATES["default"], min_child_samples=100, num_leaves=15)
    return {
        "raw | lgb default": ("raw", lgb_scorer("default", stable=None, monotone=False)),
        "raw+rank | lgb default": ("raw+rank", lgb_scorer("default", stable=None, monotone=False)),
        "raw | lgb leaves15 min100": (
            "raw",
            lgb_scorer(leafy, stable=None, monotone=False),
        ),
        "raw | lgb default, rank-averaged with vote of stable>=0.6": (
            "raw+rank",
            ensemble_scorer(0.6),
        ),
    }


def candidates() -> dict[str, tuple[str, Callable[..., Any]]]:
    found: dict[str, tuple[str, Callable[..., Any]]] = {}
    for how in ("raw", "rank", "zscore"):
        for shape in ("default", "regularised", "shallow"):
            for stable in (None, 0.6):
                for monotone in (False, True):
                    name = f"{how} | lgb {shape}"
                    name += "" if stable is None else f" | stable>={stable}"
                    name += " | monotone" if monotone else ""
                    found[name] = (how, lgb_scorer(shape, stable=stable, monotone=monotone))
        for stable in (None, 0.6):
            name = f"{how} | logistic" + ("" if stable is None else f" | stable>={stable}")
            found[name] = (how, logistic_scorer(stable=stable))
    found["rank | vote of stable>=0.6"] = ("rank", vote_scorer(0.6))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--round", type=int, choices=(1, 2), default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    data = load(args.data)
    matrices = {how: represent(data, how) for how in ("raw", "rank", "zscore")}
    matrices["raw+rank"] = np.hstack([matrices["raw"], matrices["rank"]])
    results: dict[str, Any] = {}
    chosen = candidates() if args.round == 1 else second_round()
    for name, (how, scorer) in chosen.items():
        results[name] = summarise(data, lomo(data, matrices[how], scorer))
        r = results[name]
        print(
            f"{r['mean_within_auc']:.3f} worst {r['worst_within_auc']:.3f} "
            f"<0.5: {r['groups_below_half']:2d} pooled {r['pooled_auc']:.3f} "
            f"top20 {r['pooled_recall_top20']:.3f}  {name}",
            flush=True,
        )
    best = max(results, key=lambda n: results[n]["mean_within_auc"])
    print(f"\nchosen by mean within-municipality AUC: {best}")
    if args.output:
        args.output.write_text(
            json.dumps(
                {
                    "round": args.round,
                    "criterion": "mean within-municipality ROC-AUC, leave-one-municipality-out",
                    "features": data.features,
                    "chosen": best,
                    "seconds": round(time.perf_counter() - started, 1),
                    "candidates": results,
                },
                indent=1,
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
