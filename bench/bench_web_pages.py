"""Planning and reports pages: how long /plan and /reports take to answer on a database.

Times, in one process with the application in-process (no network), on a
database such as the full demo (``mineaction demo --no-serve``):

- ``/api/plan/forecast`` with the page's parameters (the baseline: one forecast);
- ``/plan`` with nothing kept in memory (a ranked list, one forecast, the fan chart);
- ``/plan`` with a what-if, the baseline kept (one more forecast, a new fan chart);
- ``/plan`` again with the same parameters (answered from memory);
- ``/reports`` previews (operations for a week and for a year) against the JSON and
  the HTML file of ``/api/reports/operations`` for the same period.

Median of ``--repeat`` runs, wall and CPU time (the application runs in this
process, so its CPU time is the process's); memory is emptied before each cold run.

    python bench/bench_web_pages.py --database sqlite:///mineaction-demo.db
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from fastapi.testclient import TestClient

from mineaction.api.app import create_app
from mineaction.config import get_settings
from mineaction.services import auth, plan_view
from mineaction.store.database import Database

HTML = {"Accept": "text/html"}


def _median(repeat: int, setup: Callable[[], None], call: Callable[[], int]) -> tuple[float, float]:
    """Return the median wall and CPU seconds of ``call`` (the app runs in this process)."""
    wall, cpu = [], []
    for _ in range(repeat):
        setup()
        started, used = time.perf_counter(), time.process_time()
        status = call()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
        assert status == 200, status
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", required=True, help="a database with the demo or real data")
    parser.add_argument("--user", default="demo-im", help="a signed-in user of that database")
    parser.add_argument("--simulations", type=int, default=2_000)
    parser.add_argument("--week", default="2024-W18")
    parser.add_argument("--year", default="2024")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    db = Database(args.database)
    with db.session(actor="bench") as session:
        token = auth.create_token(
            session=session, username=args.user, name="bench", secret=get_settings().secret_key
        )
    client = TestClient(create_app(args.database), headers={"Authorization": f"Bearer {token}"})
    runs = {"simulations": args.simulations, "seed": 2020}
    what_if = runs | {"method": "clearance_mechanical", "teams": 10}

    def get(path: str, params: dict[str, object], headers: dict[str, str] | None = None) -> int:
        return client.get(path, params=params, headers=headers or {}).status_code

    def empty() -> None:
        plan_view.forget()

    def baseline_only() -> None:
        empty()
        get("/plan", runs, HTML)

    get("/plan", runs, HTML)  # imports (matplotlib, the planning modules) out of the timings
    figures = {
        "api_forecast": _median(args.repeat, lambda: None, lambda: get("/api/plan/forecast", runs)),
        "plan_cold": _median(args.repeat, empty, lambda: get("/plan", runs, HTML)),
        "plan_what_if": _median(args.repeat, baseline_only, lambda: get("/plan", what_if, HTML)),
        "plan_again": _median(args.repeat, lambda: None, lambda: get("/plan", runs, HTML)),
    }
    week = {"week": args.week}
    year = {"from": f"{args.year}-01-01", "to": f"{args.year}-12-31"}
    pages = {
        "week": {"report": "operations", "week": args.week},
        "year": {"report": "operations", "date_from": year["from"], "date_to": year["to"]},
    }

    def nothing() -> None:
        return None

    for name, period in (("week", week), ("year", year)):
        as_html: dict[str, object] = {**period, "format": "html"}
        report = "/api/reports/operations"
        figures[f"api_report_{name}_json"] = _median(
            args.repeat, nothing, partial(get, report, dict(period))
        )
        figures[f"api_report_{name}_html"] = _median(
            args.repeat, nothing, partial(get, report, as_html)
        )
        figures[f"reports_page_{name}"] = _median(
            args.repeat, nothing, partial(get, "/reports", dict(pages[name]), HTML)
        )

    def ratio(a: str, b: str) -> float:
        return round(figures[a][1] / figures[b][1], 2)

    result = {
        "database": db.display_url(),
        "simulations": args.simulations,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "figures_wall_s": {k: round(v[0], 3) for k, v in figures.items()},
        "figures_cpu_s": {k: round(v[1], 3) for k, v in figures.items()},
        "ratios_cpu": {
            "plan_cold_over_api_forecast": ratio("plan_cold", "api_forecast"),
            "plan_what_if_over_api_forecast": ratio("plan_what_if", "api_forecast"),
            "reports_page_week_over_api_html": ratio("reports_page_week", "api_report_week_html"),
            "reports_page_year_over_api_html": ratio("reports_page_year", "api_report_year_html"),
        },
    }
    print(json.dumps(result, indent=2))
    if args.output:
        args.output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
