"""Accidents and their victims, victim assistance, and EORE sessions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import shapely

from mineaction.domain import vocab
from mineaction.store.tables import BENEFICIARY_COLUMNS
from synth.layout import Activities, Hazards, during
from synth.sink import Batch
from synth.space import points_in_sectors
from synth.world import World, chunks, nullable

#: Share of accidents that happen to deminers at work, and of the others inside a hazard.
DEMINING = 0.08
IN_HAZARD = 0.5
#: Mean beneficiaries of an EORE session per sex × age band (BENEFICIARY_COLUMNS order).
EORE_MEANS = (8, 8, 10, 10, 3, 3)


def accidents(world: World) -> Iterator[Batch]:
    """Write accidents: demining ones during an activity, mine ones in or near hazards."""
    rng = world.rng
    hz: Hazards = world.links["hazards"]
    acts: Activities = world.links["activities"]
    n = world.plan.accidents
    ids = world.take_ids("accidents", n)
    demining = rng.uniform(0, 1, n) < DEMINING
    linked = np.flatnonzero(acts.hazard >= 0)
    activity = linked[rng.integers(0, len(linked), n)]
    in_hazard = demining | (rng.uniform(0, 1, n) < IN_HAZARD)
    hazard = np.where(demining, acts.hazard[activity], rng.integers(0, len(hz.ids), n))
    hx, hy = points_in_sectors(rng, hz.centres, hz.verts, hz.cumulative[:, 1:], hazard)
    fx, fy, free_district = world.districts.sample(rng, n)
    x, y = np.where(in_hazard, hx, fx), np.where(in_hazard, hy, fy)
    district = np.where(in_hazard, hz.district[hazard], free_district)
    category = world.pick(
        ["ap_mine", "at_mine", "uxo", "submunition", "ied", "other"], n, [40, 20, 25, 8, 2, 5]
    )
    world.links["accidents"] = {"ids": ids, "district": district, "demining": demining}
    yield Batch(
        "accidents",
        {
            **world.record(ids),
            "accident_date": np.where(demining, during(world, acts, activity), world.days(n)),
            "accident_type": np.where(demining, "demining", "mine"),
            "device_category": category,
            "admin_area_id": world.districts.ids[district],
            "activity_id": nullable(world.links["activity_ids"][activity], demining),
            "organisation_id": nullable(acts.organisation[activity], demining),
            "geom": shapely.points(x, y),
            "min_x": x,
            "min_y": y,
            "max_x": x,
            "max_y": y,
        },
    )


def victims(world: World) -> Iterator[Batch]:
    """Write the victims: one per accident, the rest added to random accidents."""
    rng = world.rng
    acc = world.links["accidents"]
    n = world.plan.victims
    n_acc = len(acc["ids"])
    accident = np.concatenate([np.arange(n_acc), rng.integers(0, n_acc, n - n_acc)])
    deminer = acc["demining"][accident]
    age = rng.integers(5, 80, n)
    known = rng.uniform(0, 1, n) < 0.85
    band = np.where(age < 18, "child", np.where(age < 60, "adult", "elderly"))
    group = np.where(
        deminer, "deminer", world.pick(["civilian", "military", "unknown"], n, [70, 25, 5])
    )
    doing = np.where(deminer, "demining", world.pick(list(vocab.VICTIM_ACTIVITY), n))
    sex = world.pick(["male", "female", "unknown"], n, [75, 20, 5])
    world.links["victims"] = {
        "ids": world.take_ids("victims", n),
        "accident": accident,
        "sex": sex,
        "band": np.where(known, band, "unknown"),
    }
    yield Batch(
        "victims",
        {
            **world.record(world.links["victims"]["ids"]),
            "accident_id": acc["ids"][accident],
            "sex": sex,
            "age": nullable(age, known),
            "age_band": np.where(known, band, "unknown"),
            "victim_group": group,
            "outcome": world.pick(["killed", "injured"], n, [30, 70]),
            "activity_at_time": doing,
            "tampering": nullable(rng.uniform(0, 1, n) < 0.1, rng.uniform(0, 1, n) < 0.7),
        },
    )


def assistance(world: World) -> Iterator[Batch]:
    """Write victim assistance: most to one victim, the rest to programmes' beneficiaries."""
    rng = world.rng
    vic = world.links["victims"]
    acc = world.links["accidents"]
    n = world.plan.assistance
    victim = rng.integers(0, len(vic["ids"]), n)
    personal = rng.uniform(0, 1, n) < 0.8
    _x, _y, free_district = world.districts.sample(rng, n)
    district = np.where(personal, acc["district"][vic["accident"][victim]], free_district)
    yield Batch(
        "assistance",
        {
            **world.record(world.take_ids("assistance", n)),
            "assistance_date": world.days(n, np.datetime64("2021-03-01")),
            "assistance_type": world.pick(list(vocab.ASSISTANCE_TYPE), n, [40, 25, 15, 15, 5]),
            "organisation_id": world.pick(world.links["operators"], n),
            "admin_area_id": world.districts.ids[district],
            "victim_id": nullable(vic["ids"][victim], personal),
            **_assisted(world, vic["sex"][victim], vic["band"][victim], personal),
        },
    )


def _assisted(world: World, sex: Any, band: Any, personal: Any) -> dict[str, Any]:
    """Return the beneficiary columns: the victim's own cell, or a programme's counts."""
    n = len(sex)
    counts = world.rng.poisson(4, (n, len(BENEFICIARY_COLUMNS)))
    columns = {}
    for j, name in enumerate(BENEFICIARY_COLUMNS):
        col_sex, col_band = name.split("_")
        own = (np.where(sex == "female", "female", "male") == col_sex) & (
            np.where(band == "child", "child", np.where(band == "elderly", "elderly", "adult"))
            == col_band
        )
        columns[name] = np.where(personal, own.astype(np.int64), counts[:, j])
    return columns


def eore_sessions(world: World) -> Iterator[Batch]:
    """Write EORE sessions at random places in the districts."""
    rng = world.rng
    n = world.plan.eore_sessions
    ids = world.take_ids("eore_sessions", n)
    for part in chunks(n):
        m = len(ids[part])
        x, y, district = world.districts.sample(rng, m)
        yield Batch(
            "eore_sessions",
            {
                **world.record(ids[part]),
                **{
                    c: rng.poisson(mu, m)
                    for c, mu in zip(BENEFICIARY_COLUMNS, EORE_MEANS, strict=True)
                },
                "session_date": world.days(m, np.datetime64("2021-01-15")),
                "organisation_id": world.pick(world.links["operators"], m),
                "admin_area_id": world.districts.ids[district],
                "method": world.pick(list(vocab.EORE_METHOD), m, [50, 25, 20, 5]),
                "geom": shapely.points(x, y),
                "min_x": x,
                "min_y": y,
                "max_x": x,
                "max_y": y,
            },
        )
