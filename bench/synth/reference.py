"""Reference data: the EO catalogue, operators, their accreditations, teams and equipment."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from mineaction.domain import vocab
from synth.sink import Batch
from synth.world import World

#: A small EO catalogue: category -> models (Soviet-era types common in the region).
CATALOGUE: dict[str, list[str]] = {
    "ap_mine": ["PMN", "PMN-2", "PMN-4", "POMZ-2M", "OZM-72", "MON-50", "MON-100", "PFM-1"],
    "at_mine": ["TM-62M", "TM-57", "TM-72", "TM-89"],
    "uxo": [
        "122mm OF-462",
        "BM-21 122mm rocket",
        "VOG-17",
        "RGD-5",
        "F-1",
        "82mm mortar",
        "120mm mortar",
        "152mm projectile",
    ],
    "submunition": ["9N235", "M42", "M85"],
    "ied": ["Victim-operated IED", "Command-wire IED"],
    "abandoned_ordnance": ["Small arms ammunition", "Propellant charge"],
    "other": ["Unidentified item"],
}

OPERATOR_TYPES = ["military", "civil_protection", "border_service", "ngo", "commercial"]
TEAM_CAPABILITIES = [
    "nts",
    "ts",
    "clearance_manual",
    "clearance_mechanical",
    "clearance_dogs",
    "bac",
    "eod",
]


def eo_models(world: World) -> Iterator[Batch]:
    """Write the EO catalogue; remember each category's first model id and model count."""
    categories = [c for c in vocab.EO_CATEGORY if c in CATALOGUE]
    rows = [(c, m) for c in categories for m in CATALOGUE[c]]
    ids = world.take_ids("eo_models", len(rows))
    counts = np.array([len(CATALOGUE[c]) for c in categories])
    world.links["eo"] = {
        "categories": categories,
        "first": ids[0] + np.concatenate([[0], np.cumsum(counts)[:-1]]),
        "count": counts,
    }
    yield Batch(
        "eo_models",
        {
            **world.record(ids),
            "category": [c for c, _ in rows],
            "model": [m for _, m in rows],
            "origin": "synthetic catalogue",
        },
    )


def organisations(world: World) -> Iterator[Batch]:
    """Write the national authority and the operators (every other organisation)."""
    n = world.plan.organisations
    ids = world.take_ids("organisations", n)
    types = ["national_authority"] + [OPERATOR_TYPES[i % 5] for i in range(n - 1)]
    world.links["operators"] = ids[1:]
    yield Batch(
        "organisations",
        {
            **world.record(ids),
            "code": [f"SYN-ORG-{i:03d}" for i in range(1, n + 1)],
            "name": ["National Mine Action Agency (synthetic)"]
            + [f"Operator {i:03d} (synthetic)" for i in range(1, n)],
            "type": types,
            "country": "AZE",
            "active": True,
        },
    )


def accreditations(world: World) -> Iterator[Batch]:
    """Write two accreditations per operator."""
    operators = np.repeat(world.links["operators"], 2)
    n = len(operators)
    yield Batch(
        "accreditations",
        {
            **world.record(world.take_ids("accreditations", n)),
            "organisation_id": operators,
            "activity_type": world.pick(["nts", "ts", "clearance_manual", "eod"], n),
            "status": "granted",
            "valid_from": world.days(n, np.datetime64("2020-11-15"), np.datetime64("2021-06-30")),
        },
    )


def teams(world: World) -> Iterator[Batch]:
    """Write the teams, spread evenly over the operators; remember each operator's teams."""
    operators = world.links["operators"]
    n = max(world.plan.teams, len(operators))
    owner = np.sort(np.arange(n) % len(operators))
    ids = world.take_ids("teams", n)
    count = np.bincount(owner, minlength=len(operators))
    world.links["teams"] = {
        "ids": ids,
        "first": np.concatenate([[0], np.cumsum(count)[:-1]]),
        "count": count,
    }
    yield Batch(
        "teams",
        {
            **world.record(ids),
            "organisation_id": operators[owner],
            "code": [f"T{i:04d}" for i in range(1, n + 1)],
            "capability": world.pick(TEAM_CAPABILITIES, n),
            "size": world.rng.integers(4, 13, n),
            "active": True,
        },
    )


def operator_and_team(world: World, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``n`` random operators (organisation ids) and a team of each."""
    operators = world.links["operators"]
    teams_ = world.links["teams"]
    which = world.rng.integers(0, len(operators), n)
    team = world.uniform_index(teams_["first"][which], teams_["count"][which])
    return operators[which], teams_["ids"][team]


def equipment(world: World) -> Iterator[Batch]:
    """Write the operators' detectors, machines, kits, vehicles and dogs."""
    n = world.plan.equipment
    kind = world.pick(
        ["detector", "machine", "ppe", "vehicle", "dog", "other"], n, [40, 5, 35, 12, 5, 3]
    )
    status = world.pick(list(vocab.EQUIPMENT_STATUS), n, [88, 8, 3, 1])
    acquired = world.days(n, np.datetime64("2019-01-01"), np.datetime64("2024-12-31"))
    yield Batch(
        "equipment",
        {
            **world.record(world.take_ids("equipment", n)),
            "equipment_type": kind,
            "serial": [f"SN-{i:07d}" for i in range(1, n + 1)],
            "organisation_id": world.pick(world.links["operators"], n),
            "status": status,
            "status_date": world.days(n, acquired),
            "acquired_date": acquired,
        },
    )
