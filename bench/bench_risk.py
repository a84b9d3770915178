"""Risk-model speed: grid and features for ~100,000 cells plus training, on the demo.

Wall and CPU seconds are both reported (the machine may be shared).
Builds the demo (``--scale``) in a temporary SQLite file, then times, each
once: reading the evidence and building the grid over every district that
holds evidence (``--cell-m``, 400 m gives about 100,000 cells), training with
5-fold spatial cross-validation and unlabelled cells as background, and
scoring every cell and explaining the riskiest 5% (as `risk map` does).

    python bench/bench_risk.py --scale 0.1 --cell-m 400
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from mineaction.analytics.risk.maps import EXPLAINED_SHARE
from mineaction.analytics.risk.model import TrainSettings, train_on_grid
from mineaction.analytics.risk.sources import grid_from_database
from mineaction.demo import build_demo
from mineaction.services import admin_areas
from mineaction.store import schema
from mineaction.store.database import Database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--cell-m", type=float, default=400.0)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        schema.upgrade(db)
        with db.session(actor="bench") as session:
            admin_areas.load_azerbaijan(session)
        started = time.perf_counter()
        summary = build_demo(db, seed=2020, scale=args.scale)
        demo_s = time.perf_counter() - started

        started, cpu = time.perf_counter(), time.process_time()
        with db.session() as session:
            grid = grid_from_database(session, cell_m=args.cell_m)
        grid_s, grid_cpu = time.perf_counter() - started, time.process_time() - cpu

        started, cpu = time.perf_counter(), time.process_time()
        model = train_on_grid(grid.frame, settings=TrainSettings(unlabelled="negative"))
        train_s, train_cpu = time.perf_counter() - started, time.process_time() - cpu

        started, cpu = time.perf_counter(), time.process_time()
        risk, _ = model.predict(grid.frame)
        score_s, score_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        riskiest = grid.frame.index[risk >= np.quantile(risk, 1.0 - EXPLAINED_SHARE)]
        model.contributions(grid.frame.loc[riskiest])
        explain_s, explain_cpu = time.perf_counter() - started, time.process_time() - cpu
        db.dispose()
    result = {
        "scale": args.scale,
        "findings": summary.counts["findings"],
        "hazards": summary.counts["hazards"],
        "cells": len(grid.frame),
        "cell_m": args.cell_m,
        "demo_build_s": round(demo_s, 1),
        "grid_and_features_s": round(grid_s, 1),
        "train_with_5_fold_cv_s": round(train_s, 1),
        "score_s": round(score_s, 1),
        "score_cpu_s": round(score_cpu, 1),
        "explain_riskiest_5pct_s": round(explain_s, 1),
        "explain_riskiest_5pct_cpu_s": round(explain_cpu, 1),
        "grid_cpu_s": round(grid_cpu, 1),
        "train_cpu_s": round(train_cpu, 1),
        "grid_plus_training_s": round(grid_s + train_s, 1),
        "grid_plus_training_cpu_s": round(grid_cpu + train_cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result, indent=1))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
