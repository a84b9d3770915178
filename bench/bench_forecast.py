"""Forecast benchmark: 10,000 Monte Carlo simulations over 50,000 hazards.

Builds a synthetic national queue (hazard areas log-normal around 6 ha, 13
districts, the contamination types' method mixes, 25 operator-method units,
20 jittered queues, one target per district and 20 projects of 5 blocking
hazards each) and times the engine: drawing every run's productivity,
cumulative output per method, completion of every target in every run, the
fan chart and P10/P50/P90 per hazard.  Median of ``--repeat`` runs.

With ``--database URL`` it also times the whole ``mineaction plan forecast``
pipeline (reading, learning, scoring, simulating) on that database, e.g. one
written by ``bench/generate.py --scale 1.0``; ``--capacity FILE`` gives it a
capacity table when the database has no progress reports to learn one from.

    python bench/bench_forecast.py --hazards 50000 --simulations 10000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from mineaction.analytics.planning import priors
from mineaction.analytics.planning.mix import split
from mineaction.analytics.planning.plan import METHODS, queues
from mineaction.analytics.planning.simulate import Engine, Units, quantile
from mineaction.domain.vocab import CONTAMINATION


def synthetic_engine(hazards: int, simulations: int, seed: int) -> tuple[Engine, dict]:
    """Return an engine over ``hazards`` synthetic hazards and its targets."""
    rng = np.random.default_rng(seed)
    remaining = rng.lognormal(np.log(60_000), 1.0, hazards)  # mean ~10 ha
    kinds = list(CONTAMINATION)
    contamination = [kinds[i] for i in rng.integers(0, len(kinds), hazards)]
    work = split(remaining, contamination, priors.METHOD_MIX, METHODS)
    # Four operators per method, sized so that the work takes about five years.
    units_method, team_days, rate = [], [], []
    for m, method in enumerate(METHODS):
        if work[m].sum() <= 0:
            continue
        for _operator in range(4):
            units_method.append(m)
            rate.append(priors.RATE_M2_PER_TEAM_DAY[method] * rng.uniform(0.7, 1.3))
            team_days.append(work[m].sum() / 60 / rate[-1] / 4 * rng.uniform(0.7, 1.3))
    units = Units(
        method=np.array(units_method),
        team_days=np.array(team_days),
        rate=np.array(rate),
        sigma_run=np.full(len(units_method), 0.3),
    )
    district = rng.integers(0, 13, hazards)
    targets = {"national": np.arange(hazards)}
    targets |= {f"district:{d}": np.flatnonzero(district == d) for d in range(13)}
    targets |= {f"project:{p}": rng.choice(hazards, 5, replace=False) for p in range(20)}
    engine = Engine(
        methods=METHODS,
        work=work,
        units=units,
        sigma_month=np.full(len(METHODS), 0.3),
        simulations=simulations,
        months=240,
        seed=seed,
        orders=queues(np.argsort(-remaining), 0.15, 20, seed),
        growth=0.005,
        growth_se=0.004,
    )
    return engine, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--hazards", type=int, default=50_000)
    parser.add_argument("--simulations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="also time `plan forecast` on this database")
    parser.add_argument("--capacity", type=Path, help="capacity file for --database")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    times, cpu = [], []
    for i in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        engine, targets = synthetic_engine(args.hazards, args.simulations, args.seed + i)
        outcome = engine.run(targets)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        p10, p50, p90 = quantile(outcome.completion["national"])
        print(
            f"run {i + 1}: {times[-1]:.2f} s wall, {cpu[-1]:.2f} s CPU — national P10/P50/P90 at "
            f"{p10:.1f} / {p50:.1f} / {p90:.1f} months; {engine.months} months simulated"
        )
    result = {
        "hazards": args.hazards,
        "simulations": args.simulations,
        "engine_seconds_median": round(statistics.median(times), 3),
        "engine_seconds": [round(t, 3) for t in times],
        "engine_cpu_seconds_median": round(statistics.median(cpu), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    if args.database:
        from mineaction.analytics.planning import ForecastParams, Scenario, forecast
        from mineaction.store.database import Database

        db = Database(args.database)
        with db.session() as session:
            start, start_cpu = time.perf_counter(), time.process_time()
            scenario = Scenario(capacity_file=args.capacity)
            params = ForecastParams(simulations=args.simulations, scenario=scenario)
            answer = forecast(session, params)
            result["pipeline_seconds"] = round(time.perf_counter() - start, 3)
            result["pipeline_cpu_seconds"] = round(time.process_time() - start_cpu, 3)
            result["pipeline_hazards"] = answer.national["hazards"]
            result["pipeline_national"] = answer.national
        print(
            f"plan forecast on {db.display_url()}: {result['pipeline_seconds']} s wall, "
            f"{result['pipeline_cpu_seconds']} s CPU "
            f"over {result['pipeline_hazards']:,} hazards"
        )
    print(json.dumps(result, indent=2))
    if args.output:
        args.output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
