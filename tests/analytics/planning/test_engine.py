"""The Monte Carlo engine on hand-made numbers: exact when nothing is uncertain, honest else."""

from __future__ import annotations

import numpy as np
import pytest

from mineaction.analytics.planning.simulate import (
    Engine,
    Units,
    crossing,
    crossing_sorted,
    quantile,
)


def one_method(team_days: list[float], rate: float, sigma_run: float, **kw) -> Engine:
    units = Units(
        method=np.zeros(len(team_days), dtype=int),
        team_days=np.array(team_days),
        rate=np.full(len(team_days), rate),
        sigma_run=np.full(len(team_days), sigma_run),
    )
    kw.setdefault("work", np.array([[1_000.0, 3_000.0, 2_000.0]]))
    return Engine(["clearance_manual"], units=units, sigma_month=np.array([0.0]), **kw)


def test_with_nothing_uncertain_a_hazard_is_finished_when_the_work_before_it_is_done() -> None:
    # 2 teams × 10 team-days × 50 m² = 1,000 m² a month; queue: hazard 0, 1, 2.
    engine = one_method([10.0, 10.0], 50.0, 0.0, simulations=8, months=12, seed=3)
    outcome = engine.run({"first": np.array([0]), "second": np.array([1]), "all": np.arange(3)})
    assert outcome.completion["first"] == pytest.approx(np.full(8, 1.0))
    assert outcome.completion["second"] == pytest.approx(np.full(8, 4.0))
    assert outcome.completion["all"] == pytest.approx(np.full(8, 6.0))
    assert outcome.hazards[:, 1].tolist() == pytest.approx([1.0, 4.0, 6.0])


def test_work_beyond_the_horizon_is_never_finished_rather_than_guessed() -> None:
    engine = one_method([1.0], 100.0, 0.0, simulations=4, months=12, seed=1)
    outcome = engine.run({"all": np.arange(3)})
    assert np.isinf(outcome.completion["all"]).all()  # 6,000 m² at 100 m² a month


def test_the_band_stays_wide_when_teams_multiply_because_good_years_are_shared() -> None:
    # Forty teams with independent luck would average it away; shared luck does not.
    many = one_method([1.0] * 40, 100.0, 0.4, simulations=4_000, months=240, seed=5)
    alone = one_method(
        [1.0] * 40, 100.0, 0.4, simulations=4_000, months=240, seed=5, correlation=0.0
    )
    spread = {}
    for name, engine in (("shared", many), ("independent", alone)):
        p10, _, p90 = quantile(engine.run({"all": np.arange(3)}).completion["all"])
        spread[name] = p90 / p10
    # With correlation 0.6 the run factor keeps a log-spread of at least sqrt(0.6) × 0.4.
    assert spread["shared"] > np.exp(2 * 1.2816 * np.sqrt(0.6) * 0.4) * 0.9
    # Independent luck of forty teams averages to a spread of 0.4 / sqrt(40).
    assert spread["independent"] < np.exp(2 * 1.2816 * 0.4 / np.sqrt(40)) * 1.05
    assert spread["shared"] > 1.5 * spread["independent"]


def test_crossing_agrees_with_a_month_by_month_search() -> None:
    rng = np.random.default_rng(11)
    cumulative = np.cumsum(rng.uniform(0, 5, size=(30, 20)), axis=1)
    limits = np.array([0.0, 3.0, 25.0, 49.9, 1e6])
    found = crossing(cumulative, limits)
    for s in range(30):
        for j, limit in enumerate(limits):
            month = next((t for t in range(20) if cumulative[s, t] >= limit), None)
            if limit == 0:
                assert found[j, s] == 0
            elif month is None:
                assert np.isinf(found[j, s])
            else:
                assert month <= found[j, s] <= month + 1


def test_jittered_queues_let_a_low_ranked_hazard_sometimes_come_first() -> None:
    work = np.array([[1_000.0] * 10])
    straight = one_method([10.0], 100.0, 0.0, simulations=200, months=24, seed=2, work=work)
    rng = np.random.default_rng(0)
    orders = [np.arange(10)] + [np.argsort(np.arange(10) + rng.normal(0, 3, 10)) for _ in range(9)]
    jittered = one_method(
        [10.0], 100.0, 0.0, simulations=200, months=24, seed=2, work=work, orders=orders
    )
    last = {"last": np.array([9])}
    assert straight.run(last).completion["last"].min() == pytest.approx(10.0)
    assert jittered.run(last).completion["last"].min() < 10.0


def test_the_fast_search_for_sorted_limits_agrees_with_the_general_one() -> None:
    rng = np.random.default_rng(4)
    cumulative = np.cumsum(rng.uniform(0, 5, size=40))
    limits = np.sort(np.concatenate([[0.0, 0.0], rng.uniform(0, 250, size=300)]))
    assert crossing_sorted(cumulative, limits) == pytest.approx(
        crossing(cumulative[None, :], limits)[:, 0]
    )
