"""Saved risk maps: publish a scored grid as a run; read runs, risk per hazard and candidates.

``publish`` writes the run, every cell (square, probability, percentile and,
for the riskiest, the features that raise the risk most), each hazard's risk
and the candidate new suspected hazardous areas in the caller's transaction,
then deletes the runs older than the last ``keep``.  Readers ask for the
latest run unless they name one.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.stats import rankdata
from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from mineaction.analytics.risk.maps import EXPLAINED_SHARE, RiskMap
from mineaction.domain.vocab import HAZARD_STATUS
from mineaction.errors import NotFoundError, ValidationError
from mineaction.services.records import MAX_RECORD_ID
from mineaction.store.spatial_ddl import rtree_filled_after_inserts
from mineaction.store.tables import AuditEntry, Hazard
from mineaction.store.tables.risk import RiskCandidate, RiskCell, RiskHazard, RiskRun

__all__ = [
    "DEFAULT_KEEP",
    "candidates",
    "candidates_geopackage",
    "get_run",
    "hazard_counts",
    "hazard_ranking",
    "hazard_risk",
    "list_runs",
    "percentiles",
    "publish",
    "run_dict",
]

#: Runs kept by default: the newest, and two before it to compare with.
DEFAULT_KEEP = 3
#: Cells inserted per statement.
_CHUNK = 5_000


def percentiles(risk: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return per cell the share (in %) of cells whose risk is at most its own.

    >>> percentiles(np.array([0.1, 0.5, 0.5, 0.9])).tolist()
    [25.0, 75.0, 75.0, 100.0]
    """
    if len(risk) == 0:
        return np.zeros(0)
    return np.round(rankdata(risk, method="max") / len(risk) * 100.0, 2)


def _summary(scored: RiskMap) -> dict[str, Any]:
    model = scored.model
    cv = {k: v for k, v in model.cv.items() if k != "tuning"}
    return {
        "model": {
            "label": model.label,
            "features": model.features,
            "calibration": model.calibration.get("method"),
            "settings": dataclasses.asdict(model.settings),
            "cv": cv,
            "training": model.training,
        },
        "grid": {"epsg": scored.grid.epsg, "cell_m": scored.grid.cell_m},
        # The cells' extent (WGS84): the map layer estimates from it how many cells a view holds.
        "extent": [float(v) for v in shapely.total_bounds(scored.grid.cells)],
        "explained_share": EXPLAINED_SHARE,
        "missing_columns": scored.missing,
        "hazards": len(scored.hazards),
        "candidates": len(scored.candidates),
    }


def publish(
    session: Session,
    *,
    scored: RiskMap,
    actor: str,
    top_share: float,
    keep: int = DEFAULT_KEEP,
    note: str | None = None,
) -> RiskRun:
    """Save ``scored`` as a new run in the session's transaction; keep the last ``keep`` runs."""
    if keep < 1:
        raise ValidationError(
            f"--keep {keep} would delete the run just published.", hint="Give --keep 1 or more."
        )
    run = RiskRun(
        created_by=actor,
        cell_m=float(scored.grid.cell_m),
        cells=len(scored.frame),
        top_share=top_share,
        summary=_summary(scored),
        note=note,
    )
    session.add(run)
    session.flush()
    _write_cells(session, run.id, scored)
    _write_hazards(session, run.id, scored)
    _write_candidates(session, run.id, scored)
    session.add(
        AuditEntry(
            actor=actor,
            action="create",
            kind="risk_runs",
            record_id=run.id,
            after={"cells": run.cells, "cell_m": run.cell_m, "hazards": len(scored.hazards)},
            note=note,
        )
    )
    old = session.scalars(select(RiskRun.id).order_by(RiskRun.id.desc()).offset(keep)).all()
    if old:
        session.execute(delete(RiskRun).where(RiskRun.id.in_(old)))
    session.flush()
    return run


def _write_cells(session: Session, run_id: int, scored: RiskMap) -> None:
    conn = session.connection()
    cells = scored.grid.cells
    bounds = shapely.bounds(cells)
    wkb = shapely.to_wkb(cells)
    # Percentiles of the stored (rounded) probabilities, so that the two agree on ties.
    probability = np.round(scored.risk, 5)
    pct = percentiles(probability)
    ids = scored.frame["cell_id"].to_numpy()
    rows = [
        {
            "run_id": run_id,
            "cell": int(ids[i]),
            "geom": bytes(wkb[i]),
            "probability": float(probability[i]),
            "percentile": float(pct[i]),
            "why": scored.why.get(i),
            "min_x": float(bounds[i, 0]),
            "min_y": float(bounds[i, 1]),
            "max_x": float(bounds[i, 2]),
            "max_y": float(bounds[i, 3]),
        }
        for i in range(len(cells))
    ]
    table: Table = RiskCell.__table__  # type: ignore[assignment]
    if conn.dialect.name != "sqlite":
        for start in range(0, len(rows), _CHUNK):
            conn.execute(insert(table), rows[start : start + _CHUNK])
        return
    # One R*Tree insert for the run's cells instead of one trigger call per cell.
    with rtree_filled_after_inserts(conn, table.name) as fill:
        for start in range(0, len(rows), _CHUNK):
            conn.execute(insert(table), rows[start : start + _CHUNK])
        first, last = conn.exec_driver_sql(
            "SELECT min(id), max(id) FROM risk_cells WHERE run_id = ?", (run_id,)
        ).one()
        if first is not None:
            fill(first, last)


def _write_hazards(session: Session, run_id: int, scored: RiskMap) -> None:
    rows = [
        {
            "run_id": run_id,
            "hazard_id": int(r.hazard_id),
            "cells": int(r.cells),
            "risk_max": float(r.risk_max),
            "risk_mean": float(r.risk_mean),
        }
        for r in scored.hazards.itertuples()
        if r.cells > 0 and np.isfinite(r.risk_mean)
    ]
    if rows:
        session.execute(insert(RiskHazard), rows)


def _write_candidates(session: Session, run_id: int, scored: RiskMap) -> None:
    parts = scored.candidate_shapes
    rows = [
        {
            "run_id": run_id,
            "rank": int(r.candidate),
            "geom": parts[i],
            "cells": int(r.cells),
            "area_ha": float(r.area_ha),
            "risk_max": float(r.risk_max),
            "risk_mean": float(r.risk_mean),
            "centre_lon": float(r.centre_lon),
            "centre_lat": float(r.centre_lat),
        }
        for i, r in enumerate(scored.candidates.itertuples())
    ]
    if rows:
        session.execute(insert(RiskCandidate), rows)


def run_dict(run: RiskRun) -> dict[str, Any]:
    """Return a run as JSON-ready data."""
    return {
        "id": run.id,
        "created_at": run.created_at.isoformat(),
        "created_by": run.created_by,
        "cell_m": run.cell_m,
        "cells": run.cells,
        "top_share": run.top_share,
        "note": run.note,
        "summary": run.summary,
    }


def list_runs(session: Session) -> list[RiskRun]:
    """Return the saved runs, newest first."""
    return list(session.scalars(select(RiskRun).order_by(RiskRun.id.desc())))


def get_run(session: Session, run_id: int | None = None) -> RiskRun:
    """Return run ``run_id``, or the newest; refuse when there is none."""
    if run_id is None:
        run = session.scalars(select(RiskRun).order_by(RiskRun.id.desc()).limit(1)).first()
        if run is None:
            raise NotFoundError(
                "No risk map has been published yet.",
                hint="Publish one with `mineaction risk publish --model M --grid G`.",
            )
        return run
    # An id past the database's integers names no run (and would overflow the query).
    found = session.get(RiskRun, run_id) if 1 <= run_id <= MAX_RECORD_ID else None
    if found is None:
        raise NotFoundError(
            f"There is no risk run {run_id}.", hint="List the runs at /api/risk/runs."
        )
    return found


def _hazard_row(risk: RiskHazard, hazard: Hazard) -> dict[str, Any]:
    return {
        "hazard_id": hazard.id,
        "reference": hazard.reference,
        "status": hazard.status,
        "contamination": hazard.contamination,
        "cells": risk.cells,
        "risk_max": risk.risk_max,
        "risk_mean": risk.risk_mean,
    }


def hazard_ranking(
    session: Session, run: RiskRun, *, limit: int = 100, status: str | None = None
) -> list[dict[str, Any]]:
    """Return the hazards of ``run`` by mean risk, riskiest first; of one ``status`` if given."""
    query = (
        select(RiskHazard, Hazard)
        .join(Hazard, Hazard.id == RiskHazard.hazard_id)
        .where(RiskHazard.run_id == run.id)
    )
    if status is not None:
        if status not in HAZARD_STATUS:
            raise ValidationError(
                f"{status!r} is not a hazard status.",
                hint=f"Use one of: {', '.join(HAZARD_STATUS)}.",
            )
        query = query.where(Hazard.status == status)
    rows = session.execute(
        query.order_by(RiskHazard.risk_mean.desc(), Hazard.id).limit(limit)
    ).all()
    return [_hazard_row(r, h) for r, h in rows]


def hazard_counts(session: Session, run: RiskRun) -> dict[str, int]:
    """Return how many of the run's hazards are in each status."""
    rows = session.execute(
        select(Hazard.status, func.count())
        .join(RiskHazard, RiskHazard.hazard_id == Hazard.id)
        .where(RiskHazard.run_id == run.id)
        .group_by(Hazard.status)
    ).all()
    return {status: int(n) for status, n in rows}


def hazard_risk(
    session: Session, hazard_id: int, run_id: int | None = None
) -> dict[str, Any] | None:
    """Return the hazard's risk in the run (the newest by default); None if the run misses it."""
    run = get_run(session, run_id)
    if not 1 <= hazard_id <= MAX_RECORD_ID:  # names no hazard (and would overflow the query)
        return None
    row = session.execute(
        select(RiskHazard, Hazard)
        .join(Hazard, Hazard.id == RiskHazard.hazard_id)
        .where(RiskHazard.run_id == run.id, RiskHazard.hazard_id == hazard_id)
    ).first()
    if row is None:
        return None
    return {"run_id": run.id, "run_created_at": run.created_at.isoformat(), **_hazard_row(*row)}


def candidates(session: Session, run: RiskRun) -> list[RiskCandidate]:
    """Return the run's candidate areas, riskiest first."""
    return list(
        session.scalars(
            select(RiskCandidate).where(RiskCandidate.run_id == run.id).order_by(RiskCandidate.rank)
        )
    )


CANDIDATE_FIELDS = ("rank", "cells", "area_ha", "risk_max", "risk_mean", "centre_lon", "centre_lat")


def candidate_dict(candidate: RiskCandidate) -> dict[str, Any]:
    """Return a candidate's figures (no geometry)."""
    return {f: getattr(candidate, f) for f in CANDIDATE_FIELDS}


def candidates_geopackage(run: RiskRun, rows: list[RiskCandidate]) -> bytes:
    """Return the candidates as a GeoPackage file (layer ``candidate_areas``, WGS84)."""
    import pyogrio

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"risk-run-{run.id}-candidates.gpkg"
        fields = [np.array([getattr(c, f) for c in rows]) for f in CANDIDATE_FIELDS]
        pyogrio.raw.write(
            path,
            geometry=np.array([shapely.to_wkb(c.geom) for c in rows], dtype=object),
            field_data=fields,
            fields=list(CANDIDATE_FIELDS),
            crs="EPSG:4326",
            geometry_type="Polygon",
            layer="candidate_areas",
            driver="GPKG",
        )
        return path.read_bytes()
