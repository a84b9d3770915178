"""What the bulk path looks up once per file or per chunk instead of once per row.

References (operator codes, district names, activity ids) are resolved
through the same ``Context`` methods the per-row path uses, once per distinct
value; a value they refuse marks its rows for the per-row code.  The district
of a position is found for a whole chunk at once with an STRtree over the
districts, by the same rule as ``admin_areas.area_at`` (the district whose
boundary covers the point).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from sqlalchemy import func, select

from mineaction.errors import NotFoundError, ValidationError
from mineaction.intake.kinds import Context
from mineaction.store.tables import Activity, AdminArea, Finding

#: Values per ``IN (...)`` list, well under SQLite's limit of bound parameters.
IN_BATCH = 5000

#: District ids for positions: -1 where no district covers the point, -2 where
#: more than one does (on a shared border: the per-row code decides those).
NO_DISTRICT = -1
AMBIGUOUS = -2


@dataclass
class Lookups:
    """Cached answers for one import: references by value, districts by position."""

    ctx: Context
    _refused: object = field(default_factory=object)
    _orgs: dict[str | None, int | object | None] = field(default_factory=dict)
    _areas: dict[str | None, int | object | None] = field(default_factory=dict)
    _activities: dict[str, int | None] = field(default_factory=dict)
    _tree: shapely.STRtree | None = None
    _tree_ids: npt.NDArray[np.int64] | None = None
    _area_shapes: dict[int, Any] = field(default_factory=dict)

    def organisation_ids(self, codes: Sequence[str | None]) -> list[int | object | None]:
        """Return each code's organisation id, None for no code, or ``refused``."""
        for key in set(codes) - self._orgs.keys():
            self._orgs[key] = self._ask(self.ctx.organisation_id, key)
        return [self._orgs[c] for c in codes]

    def district_ids(self, names: Sequence[str | None]) -> list[int | object | None]:
        """Return each name's area id, None for no name, or ``refused``."""
        for key in set(names) - self._areas.keys():
            self._areas[key] = self._ask(self.ctx.district_id, key)
        return [self._areas[n] for n in names]

    @property
    def refused(self) -> object:
        """The marker of a value the per-row code refuses (and explains)."""
        return self._refused

    def activity_ids(self, source_ids: Sequence[str | None]) -> list[int | object | None]:
        """Return each activity's id, None for no id, or ``refused`` for an unknown one."""
        missing = {s for s in source_ids if s is not None} - self._activities.keys()
        for part in _batches(sorted(missing)):
            found = self.ctx.session.execute(
                select(Activity.source_id, Activity.id).where(Activity.source_id.in_(part))
            )
            self._activities.update({str(sid): int(i) for sid, i in found})
        return [None if s is None else self._activities.get(s, self._refused) for s in source_ids]

    def existing(self, source_ids: Iterable[str]) -> set[str]:
        """Return those of ``source_ids`` that a stored finding already has."""
        wanted = sorted(set(source_ids))
        found: set[str] = set()
        for part in _batches(wanted):
            found.update(
                self.ctx.session.scalars(
                    select(Finding.source_id).where(Finding.source_id.in_(part))
                )
            )
        return found

    def max_finding_id(self) -> int:
        """Return the highest id of a stored finding (0 when there is none)."""
        return int(self.ctx.session.scalar(select(func.coalesce(func.max(Finding.id), 0))) or 0)

    def districts_at(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        """Return the id of the district covering each point, NO_DISTRICT or AMBIGUOUS.

        The STRtree gives the districts whose boxes hold each point; then each
        district tests its candidate points in one ``intersects_xy`` call (for a
        point, intersecting a district is being covered by it), which GEOS does
        without making a geometry per point.
        """
        tree, ids = self._districts()
        out = np.full(len(x), NO_DISTRICT, dtype=np.int64)
        where = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        if not len(where):
            return out
        points, districts = tree.query(shapely.points(x[where], y[where]))
        order = np.argsort(districts, kind="stable")
        points, districts = where[points[order]], districts[order]
        counts = np.zeros(len(x), dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, districts[1:] != districts[:-1]])
        for rows, d in zip(np.split(points, starts[1:]), districts[starts].tolist(), strict=True):
            inside = rows[shapely.intersects_xy(tree.geometries[d], x[rows], y[rows])]
            out[inside] = ids[d]
            counts[inside] += 1
        out[counts > 1] = AMBIGUOUS
        return out

    def areas_cover(
        self, area_ids: Sequence[Any], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """Tell for each point whether the area named for it covers it (no boundary: yes)."""
        out = np.ones(len(x), dtype=bool)
        ids = np.array(area_ids, dtype=object)
        for area_id in set(area_ids):
            geom = self._area_geometry(int(area_id))
            if geom is not None:
                rows = np.flatnonzero(ids == area_id)
                out[rows] = shapely.intersects_xy(geom, x[rows], y[rows])
        return out

    def _area_geometry(self, area_id: int) -> Any:
        if area_id not in self._area_shapes:
            geom = self.ctx.session.scalar(select(AdminArea.geom).where(AdminArea.id == area_id))
            if geom is not None:
                shapely.prepare(geom)
            self._area_shapes[area_id] = geom
        return self._area_shapes[area_id]

    def _districts(self) -> tuple[shapely.STRtree, npt.NDArray[np.int64]]:
        if self._tree is None or self._tree_ids is None:
            rows = self.ctx.session.execute(
                select(AdminArea.id, AdminArea.geom).where(
                    AdminArea.level == "district", AdminArea.geom.is_not(None)
                )
            ).all()
            geoms = np.array([g for _, g in rows], dtype=object)
            shapely.prepare(geoms)
            self._tree = shapely.STRtree(geoms)
            self._tree_ids = np.array([i for i, _ in rows], dtype=np.int64)
        return self._tree, self._tree_ids

    def _ask(self, lookup: object, key: str | None) -> int | object | None:
        try:
            return lookup(key)  # type: ignore[operator]
        except (NotFoundError, ValidationError):
            return self._refused


def _batches(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), IN_BATCH):
        yield values[start : start + IN_BATCH]
