"""Real-data validation of the risk model: RELand's Colombian grid, Antioquia → Caldas.

Trains on ``train_all.csv`` (19 municipalities of eastern Antioquia) with the
configuration chosen by ``bench/risk_transfer_search.py`` (leave-one-
municipality-out cross-validation on that file only): LightGBM defaults,
without the coordinates (decided a priori: they cannot carry over to another
region) and without the columns constant within a municipality.  Then scores
``test_all.csv`` (3 municipalities of Caldas) once, beside the baselines
fitted on the same training rows: each single distance feature, logistic
regression and LightGBM with default settings on every shared feature.
``--tune`` instead runs the older protocol (12 candidates, 5 folds).

    python bench/risk_validation.py --output bench/results/risk-validation.json

The data and its provenance: ``../shared/data/colombia-reland-risk-grid/``
(MIT licence, Dulce Rubio et al. 2024).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mineaction.analytics.risk.model import TrainSettings
from mineaction.analytics.risk.table import read_table
from mineaction.analytics.risk.validation import hold_out

COORDINATES = ("LATITUD_Y", "LONGITUD_X")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/colombia-reland-risk-grid"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--tune", action="store_true", help="the older 12-candidate search")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    result = hold_out(
        train_table=read_table(args.data / "train_all.csv"),
        test_table=read_table(args.data / "test_all.csv"),
        label="mines_outcome",
        group="Municipio",
        settings=TrainSettings() if args.tune else TrainSettings(drop_group_constant=True),
        tune=args.tune,
        exclude=[] if args.tune else list(COORDINATES),
    )
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(f"settings chosen by spatial CV on the training file: {result['settings']}")
    print(
        f"features: {len(result['features_used'])} used; absent from the test file: "
        f"{', '.join(result['features_absent_from_test'])}"
    )
    print(f"group-constant columns dropped: {len(result['group_constant_dropped'])}")
    print()
    print("| scorer | CV ROC-AUC | hold-out ROC-AUC | PR-AUC | recall top 10% | recall top 20% |")
    print("|---|---|---|---|---|---|")
    rows = [("**risk model**", result["model"], result["cv"]["roc_auc"])]
    rows += [(name, figures, None) for name, figures in result["baselines"].items()]
    for name, f, cv in rows:
        cv_text = "" if cv is None else f"{cv:.3f}"
        print(
            f"| {name} | {cv_text} | {f['roc_auc']:.3f} | {f['pr_auc']:.3f} | "
            f"{f['recall_top10']:.1%} | {f['recall_top20']:.1%} |"
        )
    print(f"\nwithin each test municipality: {result['model_within_group']}")
    print(f"\n{result['seconds']} s")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
