"""Publishing a real risk run for tests: a 1 km grid over Fuzuli, a model trained on it.

The same steps as `risk build-grid`, `risk train --unlabelled negative` and
`risk publish`, through the library functions the commands call.
"""

from __future__ import annotations

from pathlib import Path

from mineaction.analytics.risk.maps import RiskMap, score_map
from mineaction.analytics.risk.model import TrainSettings, spatial_groups, train
from mineaction.analytics.risk.output import write_table
from mineaction.analytics.risk.sources import grid_from_database
from mineaction.analytics.risk.table import read_table
from mineaction.services import risk_runs
from mineaction.store.database import Database

DISTRICT = "Fuzuli"


def publish_fuzuli(db: Database, folder: Path) -> tuple[RiskMap, int, dict[str, Path]]:
    """Build, train, score and publish; return the scored map, the run's id and the files."""
    files = {"grid": folder / "grid.gpkg", "model": folder / "model.json"}
    with db.session() as session:
        grid = grid_from_database(session, cell_m=1000, districts=[DISTRICT])
    write_table(grid.frame, files["grid"], geometry=grid.wkb(), layer="risk_grid")
    table = read_table(files["grid"])
    groups, held_out = spatial_groups(table, group=None, coords=None, block_km=5)
    model = train(
        table=table,
        label="label",
        groups=groups,
        held_out=held_out,
        exclude=[],
        settings=TrainSettings(unlabelled="negative"),
        tune=False,
    )
    model.save(files["model"])
    with db.session(actor="rashad") as session:
        scored = score_map(session, model=files["model"], grid=files["grid"], top_share=0.05)
        run = risk_runs.publish(session, scored=scored, actor="rashad", top_share=0.05)
        run_id = run.id
    return scored, run_id, files
