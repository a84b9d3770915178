"""How Caldas differs from Antioquia, from the features alone (no test label is read).

For each feature the model uses (more than two values): the medians in both
files and the share of test cells outside the training cells' 1st–99th
percentile range (a shift of levels).  Then whether a default LightGBM can
tell a training cell from a test cell (5-fold ROC-AUC): 0.5 would mean the
regions look alike to a model; 1.0 that they occupy different combinations
of values even where every single feature stays within the training range.

    python bench/risk_shift_check.py
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_val_score

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/colombia-reland-risk-grid"
RESULTS = Path(__file__).resolve().parent / "results" / "risk-validation.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    features = json.loads(RESULTS.read_text(encoding="utf-8"))["features_used"]
    train = pd.read_csv(args.data / "train_all.csv", usecols=features)
    test = pd.read_csv(args.data / "test_all.csv", usecols=features)  # never the label
    print("| feature | training median | test median | test cells outside training 1–99% |")
    print("|---|---|---|---|")
    for name in features:
        a, b = train[name].astype(float), test[name].astype(float)
        if a.nunique() <= 2:
            continue
        low, high = a.quantile(0.01), a.quantile(0.99)
        outside = ((b < low) | (b > high)).mean()
        print(f"| {name} | {a.median():.2f} | {b.median():.2f} | {outside:.0%} |")
    x = pd.concat([train, test]).astype(float).to_numpy()
    which = np.r_[np.zeros(len(train)), np.ones(len(test))]
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    model = lgb.LGBMClassifier(verbosity=-1, n_jobs=1, random_state=0)
    auc = cross_val_score(model, x, which, cv=folds, scoring="roc_auc").mean()
    print(f"\ntraining cell vs test cell, LightGBM 5-fold ROC-AUC: {auc:.3f}")


if __name__ == "__main__":
    main()
