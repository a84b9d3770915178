"""A small saved risk run written straight to the tables, for the role matrix.

The matrix checks who may read the risk routes, not how a run is computed
(tests/services/test_risk_runs.py does that from a trained model): four cells
over Aghdam, the first hazard's risk and one candidate area.
"""

from __future__ import annotations

import shapely
from sqlalchemy import select

from mineaction.store.database import Database
from mineaction.store.tables import Hazard
from mineaction.store.tables.risk import RiskCandidate, RiskCell, RiskHazard, RiskRun
from tests.factories import AGDAM


def saved_run(db: Database) -> tuple[int, int]:
    """Return the id of the saved run (writing it the first time) and of a hazard it covers."""
    with db.session() as s:
        hazard_id = s.scalars(select(Hazard.id).order_by(Hazard.id)).first()
        assert hazard_id is not None
        run_id = s.scalars(select(RiskRun.id)).first()
        if run_id is not None:
            return run_id, hazard_id
        run = RiskRun(created_by="test", cell_m=500, cells=4, top_share=0.25, summary={})
        s.add(run)
        s.flush()
        lon, lat = AGDAM
        for n in range(4):
            x, y = lon + 0.006 * (n % 2), lat + 0.0045 * (n // 2)
            s.add(
                RiskCell(
                    run_id=run.id,
                    cell=n + 1,
                    geom=shapely.box(x, y, x + 0.006, y + 0.0045),
                    probability=0.1 * (n + 1),
                    percentile=25.0 * (n + 1),
                    why=[["dist_hazard_m", 0.5]] if n == 3 else None,
                )
            )
        s.add(RiskHazard(run_id=run.id, hazard_id=hazard_id, cells=2, risk_max=0.4, risk_mean=0.3))
        s.add(
            RiskCandidate(
                run_id=run.id,
                rank=1,
                geom=shapely.box(lon + 0.05, lat, lon + 0.056, lat + 0.0045),
                cells=1,
                area_ha=25.0,
                risk_max=0.4,
                risk_mean=0.4,
                centre_lon=lon + 0.053,
                centre_lat=lat + 0.00225,
            )
        )
        s.flush()
        return run.id, hazard_id
