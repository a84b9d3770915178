"""Minefield records (CCW Amended Protocol II) and the development projects waiting for land."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import numpy as np
import shapely

from mineaction.domain import vocab
from synth.layout import Hazards
from synth.sink import Batch
from synth.space import K, bounds, fans, metres_to_degrees, star_vertices
from synth.world import World

LINEAR_PROJECTS = ("road", "railway", "power_line")


def minefield_records(world: World) -> Iterator[Batch]:
    """Write records whose perimeters are those of mined hazards, with points and mine rows."""
    rng = world.rng
    hz: Hazards = world.links["hazards"]
    mined = np.flatnonzero(hz.contamination <= 2)  # ap, at or mixed mines
    pool = mined if len(mined) >= world.plan.minefield_records else np.arange(len(hz.ids))
    n = min(world.plan.minefield_records, len(pool))
    h = np.sort(rng.choice(pool, n, replace=False))
    ids = world.take_ids("minefield_records", n)
    world.links["minefield_records"] = ids
    v = hz.verts[h]
    rows = shapely.linestrings(np.stack([v[:, [2, 14]], v[:, [6, 18]]], axis=1).reshape(-1, 2, 2))
    laid = world.days(n, np.datetime64("1992-01-01"), np.datetime64("1994-05-12"))
    yield Batch(
        "minefield_records",
        {
            **world.record(ids),
            "reference": [f"SYN-MR-{i:05d}" for i in ids],
            "source": "Handed over by the party that laid the mines (synthetic)",
            "received_date": world.days(
                n, np.datetime64("2021-01-01"), np.datetime64("2023-12-31")
            ),
            "laid_date": laid,
            "laying_method": world.pick(["hand", "mechanical", "unknown"], n, [70, 20, 10]),
            "expected_ap": rng.integers(0, 400, n),
            "expected_at": rng.integers(0, 120, n),
            "anti_handling": rng.uniform(0, 1, n) < 0.1,
            "admin_area_id": world.districts.ids[hz.district[h]],
            "geom": hz.geoms[h],
            "reference_points": shapely.multipoints(v[:, [0, K // 3, 2 * K // 3]]),
            "mine_rows": shapely.multilinestrings(rows.reshape(n, 2)),
            "area_m2": hz.area_m2[h],
            **bounds(hz.geoms[h]),
        },
    )


def record_mine_types(world: World) -> Iterator[Batch]:
    """Write one or two mine types per record (AP and, often, AT)."""
    rng = world.rng
    eo = world.links["eo"]
    records = world.links["minefield_records"]
    with_at = rng.uniform(0, 1, len(records)) < 0.6
    record = np.concatenate([records, records[with_at]])
    category = np.concatenate(
        [np.zeros(len(records), np.int64), np.ones(int(with_at.sum()), np.int64)]
    )
    ap, at = eo["categories"].index("ap_mine"), eo["categories"].index("at_mine")
    index = np.where(category == 0, ap, at)
    yield Batch(
        "record_mine_types",
        {
            "id": world.take_ids("record_mine_types", len(record)),
            "record_id": record,
            "eo_model_id": world.uniform_index(eo["first"][index], eo["count"][index]),
            "expected_count": rng.integers(10, 300, len(record)),
        },
    )


def projects(world: World) -> Iterator[Batch]:
    """Write projects: roads, railways and power lines as lines, the others as areas."""
    rng = world.rng
    n = world.plan.projects
    kind = world.pick(list(vocab.PROJECT_TYPE), n, [30, 5, 15, 10, 5, 20, 10, 5])
    linear = np.isin(kind, LINEAR_PROJECTS)
    lines, _d, _x, _y = world.districts.place(rng, int(linear.sum()), partial(_lines, world))
    areas, _d, _x, _y = world.districts.place(rng, n - len(lines), partial(_areas, world))
    geoms = np.empty(n, dtype=object)
    geoms[linear], geoms[~linear] = lines, areas
    yield Batch(
        "projects",
        {
            **world.record(world.take_ids("projects", n)),
            "name": [f"Project {i:05d} (synthetic)" for i in range(1, n + 1)],
            "project_type": kind,
            "owner": "Reconstruction agency (synthetic)",
            "priority": rng.integers(1, 6, n),
            "planned_start": world.days(
                n, np.datetime64("2024-01-01"), np.datetime64("2027-12-31")
            ),
            "notes": "Waiting for released land",
            "geom": geoms,
            **bounds(geoms),
        },
    )


def _areas(world: World, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return an irregular site of 10–200 ha around each point."""
    v = star_vertices(world.rng, x, y, world.rng.uniform(100_000, 2_000_000, len(x)))
    whole = np.full(len(x), K)
    return fans(np.column_stack([x, y]), v, np.arange(len(x)), whole - K, whole)


def _lines(world: World, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return a wandering line of five legs, 300–1,500 m each, from each start point."""
    rng = world.rng
    n = len(x)
    heading = rng.uniform(0, 2 * np.pi, (n, 1)) + np.cumsum(rng.normal(0, 0.3, (n, 5)), axis=1)
    leg = rng.uniform(300, 1_500, (n, 5))
    dx, dy = metres_to_degrees(leg * np.cos(heading), leg * np.sin(heading), y[:, None])
    xs = np.concatenate([x[:, None], x[:, None] + np.cumsum(dx, axis=1)], axis=1)
    ys = np.concatenate([y[:, None], y[:, None] + np.cumsum(dy, axis=1)], axis=1)
    return np.asarray(shapely.linestrings(np.stack([xs, ys], axis=-1)))
