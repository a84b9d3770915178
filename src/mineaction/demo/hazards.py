"""About 2,000 hazardous areas inside the liberated districts, recorded through the service."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import shapely
from shapely.geometry import Polygon
from sqlalchemy.orm import Session

from mineaction.demo.context import Demo, District, HazardInfo
from mineaction.demo.reference import NGO_WITHDRAWN
from mineaction.demo.shapes import irregular_polygon, point_in
from mineaction.demo.timeline import random_date
from mineaction.services import hazards as hazard_service

FULL_SCALE_HAZARDS = 2_000

# Shares of contamination types: mines dominate along the former line of contact,
# UXO wherever there was fighting.
_CONTAMINATION = {
    "mixed_mines": 0.25,
    "ap_mines": 0.15,
    "at_mines": 0.20,
    "uxo": 0.30,
    "cluster_munitions": 0.07,
    "ied": 0.03,
}
_BLOCKAGE = {
    "agriculture": 0.5,
    "pasture": 0.35,
    "road": 0.3,
    "housing": 0.2,
    "infrastructure": 0.15,
    "water": 0.1,
}
_EVIDENCE = {
    "sha": {"indirect": 0.5, "informant": 0.3, "minefield_record": 0.2},
    "cha": {"direct": 0.7, "accident": 0.2, "minefield_record": 0.1},
}
# Most hazards were recorded in the first survey of the territories, fewer later.
_RECORDED = (
    (0.55, dt.date(2020, 11, 15), dt.date(2021, 12, 31)),
    (0.25, dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
    (0.12, dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    (0.08, dt.date(2024, 1, 1), dt.date(2024, 10, 31)),
)
_CELL = 0.05  # degrees: the grid used to look for overlapping neighbours
_SEGMENT_DEG = 0.002


@dataclass
class _Planned:
    district: District
    polygon: Polygon
    recorded: dt.date


def create_hazards(session: Session, demo: Demo) -> None:
    """Draw hazards inside the districts (none overlapping) and record them with create_hazard.

    Fills ``demo.hazards``.
    """
    rng = demo.rng("hazards")
    total = demo.count(FULL_SCALE_HAZARDS, minimum=20)
    planned = _place(rng, demo, total)
    planned.sort(key=lambda p: (p.recorded, p.district.code))
    numbers: dict[str, int] = {}
    for done, item in enumerate(planned, start=1):
        numbers[item.district.code] = numbers.get(item.district.code, 0) + 1
        hazard_type = "sha" if rng.random() < 0.6 else "cha"
        contamination = _pick(rng, _CONTAMINATION)
        blockages = [b for b, share in _BLOCKAGE.items() if rng.random() < share]
        beneficiaries = None if rng.random() < 0.1 else int(min(rng.lognormvariate(5.5, 1), 20_000))
        surveyor = _pick(
            rng,
            {
                "ANAMA": 0.7,
                "MOD": 0.15,
                "MES": 0.1,
                "FORMER-NGO": 0.05 if item.recorded < NGO_WITHDRAWN else 0.0,
            },
        )
        reference = f"HA-{item.district.code}-{numbers[item.district.code]:04d}"
        hazard = hazard_service.create_hazard(
            session=session,
            reference=reference,
            hazard_type=hazard_type,
            contamination=contamination,
            geom=item.polygon,
            recorded_date=item.recorded,
            country=demo.country,
            organisation_id=demo.orgs[surveyor],
            admin_area_id=item.district.id,
            evidence=_pick(rng, _EVIDENCE[hazard_type]),
            blockages=blockages,
            expected_beneficiaries=beneficiaries,
            name=f"{item.district.name.replace(' District', '')} hazard "
            f"{numbers[item.district.code]}",
        )
        # Work goes first to hazards that block roads, housing and many people.
        priority = rng.random() + 0.15 * len(blockages) + (0.2 if "road" in blockages else 0.0)
        demo.hazards.append(
            HazardInfo(
                hazard.id,
                reference,
                item.district,
                hazard_type,
                contamination,
                hazard.geom,
                hazard.area_m2,
                item.recorded,
                priority,
            )
        )
        if done % 100 == 0 or done == total:
            demo.progress("hazards", done, total)


def _place(rng: random.Random, demo: Demo, total: int) -> list[_Planned]:
    """Return ``total`` non-overlapping polygons, each inside its district."""
    grid: dict[tuple[int, int], list[Polygon]] = {}
    placed: list[_Planned] = []
    for _ in range(total):
        district = demo.district(rng)
        # 50–300 ha, most around 100–200 ha; never more than 2% of a small city.
        area = min(50 + 250 * rng.betavariate(1.3, 1.5), 300) * 10_000
        area = min(area, 0.02 * district.area_m2)
        polygon = None
        for attempt in range(60):
            centre = point_in(rng, district.geom)
            candidate = irregular_polygon(rng, centre.x, centre.y, area * (0.97**attempt))
            if district.geom.contains(candidate) and not _overlaps(grid, candidate):
                # Corners every ~200 m: geodesic areas are only additive to a fraction of a
                # m² when the bands that cut the hazard into releases add no long-edge corners.
                polygon = shapely.segmentize(candidate, _SEGMENT_DEG)
                break
        if polygon is None:
            continue  # a full district: leave this one out rather than overlap
        for key in _cells(polygon):
            grid.setdefault(key, []).append(polygon)
        placed.append(_Planned(district, polygon, _recorded(rng)))
    return placed


def _cells(polygon: Polygon) -> list[tuple[int, int]]:
    min_x, min_y, max_x, max_y = polygon.bounds
    return [
        (i, j)
        for i in range(int(min_x // _CELL), int(max_x // _CELL) + 1)
        for j in range(int(min_y // _CELL), int(max_y // _CELL) + 1)
    ]


def _overlaps(grid: dict[tuple[int, int], list[Polygon]], polygon: Polygon) -> bool:
    return any(polygon.intersects(other) for key in _cells(polygon) for other in grid.get(key, ()))


def _recorded(rng: random.Random) -> dt.date:
    _share, first, last = rng.choices(_RECORDED, weights=[r[0] for r in _RECORDED])[0]
    return random_date(rng.random(), first, last)


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]
