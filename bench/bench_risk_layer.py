"""Saving a risk map and drawing it: ``risk publish`` and the map's risk layer, ~100,000 cells.

On an existing database holding evidence (e.g. the demo), builds the grid
(``--cell-m``; 400 m over the demo's districts gives about 100,000 cells),
trains with unlabelled cells as background, then times, each once, scoring
(as ``risk map``) and writing the run (``risk publish``), and, ``--repeat``
times each, the risk layer for three views beside the findings layer for the
same views (the records' map layer, the baseline).  Wall and CPU time are
both reported; medians for the views.  The database gains one risk run per
run of this script (the newest three are kept).

    python bench/bench_risk_layer.py --database sqlite:///demo.db --cell-m 400
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import shapely

from mineaction.analytics.risk.maps import score_map
from mineaction.analytics.risk.model import TrainSettings, spatial_groups, train
from mineaction.analytics.risk.output import write_table
from mineaction.analytics.risk.sources import grid_from_database
from mineaction.analytics.risk.table import read_table
from mineaction.services import map_layer, risk_layer, risk_runs
from mineaction.services.browse import Filters
from mineaction.services.catalogue import KINDS
from mineaction.services.policy import ReadScope
from mineaction.store.database import Database


def _timed(work: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _views(bounds: tuple[float, float, float, float]) -> dict[str, tuple[Any, int]]:
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return {
        "whole grid, zoom 9": ((x0, y0, x1, y1), 9),
        "about 40 km, zoom 11": ((cx - 0.25, cy - 0.18, cx + 0.25, cy + 0.18), 11),
        "about 10 km, zoom 13": ((cx - 0.06, cy - 0.045, cx + 0.06, cy + 0.045), 13),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--cell-m", type=float, default=400.0)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    db = Database(args.database)
    out: dict[str, Any] = {"database": db.dialect, "load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder:
        grid_file, model_file = Path(folder) / "grid.gpkg", Path(folder) / "model.json"
        with db.session() as session:
            grid, out["grid_s"], out["grid_cpu_s"] = _timed(
                lambda: grid_from_database(session, cell_m=args.cell_m)
            )
        write_table(grid.frame, grid_file, geometry=grid.wkb(), layer="risk_grid")
        table = read_table(grid_file)
        groups, held = spatial_groups(table, group=None, coords=None, block_km=10)
        model, out["train_s"], out["train_cpu_s"] = _timed(
            lambda: train(table=table, label="label", groups=groups, held_out=held, exclude=[],
                          settings=TrainSettings(unlabelled="negative"), tune=False)
        )  # fmt: skip
        model.save(model_file)
        with db.session(actor="bench") as session:
            scored, out["score_s"], out["score_cpu_s"] = _timed(
                lambda: score_map(session, model=model_file, grid=grid_file)
            )
            run, out["publish_s"], out["publish_cpu_s"] = _timed(
                lambda: risk_runs.publish(session, scored=scored, actor="bench", top_share=0.05)
            )
            run_id = run.id
        out["note"] = "publish_s: writing the run inside its transaction, before the commit"
    out["cells"] = len(scored.frame)
    out["candidates"] = len(scored.candidates)
    bounds = tuple(float(v) for v in shapely.total_bounds(scored.grid.cells))
    findings = KINDS["findings"]
    out["views"] = {}
    with db.session() as session:
        run = risk_runs.get_run(session, run_id)
        for name, (box, zoom) in _views(bounds).items():  # type: ignore[arg-type]
            figures: dict[str, Any] = {}
            for layer, draw in (
                ("risk", lambda b=box, z=zoom: risk_layer.cells_in_view(
                    session, run, bbox=b, zoom=z)),
                ("findings", lambda b=box, z=zoom: map_layer.features_in_view(
                    session, findings, scope=ReadScope(everything=True), filters=Filters(bbox=b),
                    zoom=z)),
            ):  # fmt: skip
                walls, cpus, size = [], [], 0
                for _ in range(args.repeat):
                    body, wall, cpu = _timed(draw)
                    walls.append(wall * 1000)
                    cpus.append(cpu * 1000)
                    size = json.loads(body)["numberReturned"]
                figures[layer] = {
                    "features": size,
                    "median_ms": round(statistics.median(walls), 1),
                    "median_cpu_ms": round(statistics.median(cpus), 1),
                }
            out["views"][name] = figures
    out["load_average_after"] = os.getloadavg()
    text = json.dumps(out, indent=2, default=str)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
