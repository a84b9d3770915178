"""``mineaction plan``: priorities, forecasts, projects, backtest, capacity, weights.

Each command parses its options, calls one planning function with its params
dataclass and writes the answer: text (a table), json (the documented
contract), csv, or xlsx/html/pdf through the shared rendering layer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from mineaction.analytics import planning
from mineaction.analytics.planning import backtest as backtests
from mineaction.analytics.planning import capacity as capacities
from mineaction.analytics.planning import documents, exports
from mineaction.analytics.planning import weights as weights_mod
from mineaction.analytics.planning.plan import prepare
from mineaction.cli.common import DatabaseOption, check_format, console, open_database
from mineaction.domain.rules import parse_day
from mineaction.errors import ValidationError

app = typer.Typer(
    help="Planning: priorities, completion forecasts, projects, backtests, capacity.",
    no_args_is_help=True,
)

DOCUMENT_FORMATS = exports.DOCUMENT_FORMATS
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Plan as the data stood on this day (YYYY-MM-DD). Default: all data."
    ),
]
Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file (needed for xlsx and pdf)."),
]
Format = Annotated[str, typer.Option("--format", "-f", help="text, json, csv, xlsx, html or pdf.")]
Weights = Annotated[
    Path | None, typer.Option("--weights", help="Priority weights YAML (default: shipped).")
]
Simulations = Annotated[int, typer.Option("--simulations", "-n", help="Monte Carlo runs.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed: the same seed, the same answer.")]
AddTeams = Annotated[
    list[str] | None,
    typer.Option("--add-teams", help="What-if: METHOD=N more teams (negative removes). Repeat."),
]
ScaleTeams = Annotated[
    list[str] | None,
    typer.Option("--scale-teams", help="What-if: METHOD=FACTOR times the teams. Repeat."),
]
CapacityFile = Annotated[
    Path | None,
    typer.Option("--capacity", help="Capacity table (CSV or YAML) instead of the database's."),
]
Optimise = Annotated[
    bool,
    typer.Option("--optimise/--no-optimise", help="Work first on what blocks projects (OR-Tools)."),
]
Trend = Annotated[
    bool, typer.Option("--trend/--no-trend", help="Project the programme's growth (damped).")
]


def _pairs(values: list[str] | None, option: str) -> tuple[tuple[str, float], ...]:
    out = []
    for value in values or []:
        method, _, number = value.partition("=")
        try:
            out.append((method.strip(), float(number)))
        except ValueError:
            raise ValidationError(
                f"{option} {value!r} is not METHOD=NUMBER.",
                hint=f"For example {option} clearance_manual=5.",
            ) from None
    return tuple(out)


def _write(
    data: dict[str, Any],
    fmt: str,
    output: Path | None,
    *,
    rows: list[dict[str, Any]],
    document: Any,
    text: Any,
) -> None:
    """Write ``data`` in ``fmt``: json and csv here, documents through mineaction.render."""
    if fmt in ("xlsx", "pdf") and output is None:
        raise ValidationError(
            f"--format {fmt} writes a binary file.", hint="Name it with --output FILE."
        )
    if fmt not in ("json", "csv", *DOCUMENT_FORMATS):
        text(data)
        return
    payload = exports.payload(data, fmt, rows=rows, document=document)
    if output is None:
        typer.echo(payload if isinstance(payload, str) else payload.decode("utf-8"), nl=False)
    elif isinstance(payload, str):
        output.write_text(payload, encoding="utf-8")
    else:
        output.write_bytes(payload)
    if output is not None:
        console.print(f"Wrote {output}.")


@app.command("priorities")
def priorities(
    database: DatabaseOption = None,
    as_of: AsOf = None,
    weights: Weights = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Show the first N.")] = None,
    format: Format = "text",
    output: Output = None,
) -> None:
    """Rank the open hazards by impact, threat and cost, with each score explained.

    --format geojson writes the ranking as a map layer (live hazard shapes).
    """
    check_format(format, ("text", "json", "csv", "geojson", *DOCUMENT_FORMATS))
    db = open_database(database)
    params = planning.PriorityParams(
        as_of=parse_day(as_of, "--as-of"), weights=weights, limit=limit
    )
    if format == "geojson":
        with db.session() as session:
            layer = planning.priorities_layer(session, params)
        text = json.dumps(layer, ensure_ascii=False) + "\n"
        if output is None:
            typer.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            console.print(f"Wrote {output}.")
        return
    with db.session() as session:
        data = planning.priorities_report(session, params)
    _write(
        data,
        format,
        output,
        rows=exports.priority_rows(data),
        document=documents.priorities_document,
        text=_priorities_text,
    )


def _priorities_text(data: dict[str, Any]) -> None:
    table = Table(title=f"Priorities as of {data['as_of']} (weights: {data['weights']})")
    for column in ("rank", "hazard", "district", "ha", "score", "biggest reasons"):
        table.add_column(column, justify="right" if column in ("rank", "ha", "score") else "left")
    for h in data["hazards"]:
        parts = sorted(h["explanation"].items(), key=lambda kv: -abs(kv[1]["points"]))[:3]
        reasons = ", ".join(f"{n} {p['points']:+.1f}" for n, p in parts if p["points"])
        table.add_row(
            str(h["rank"]),
            h["hazard"],
            h["district"],
            f"{h['remaining_ha']:,.1f}",
            f"{h['score']:.1f}",
            reasons,
        )
    console.print(table)
    _notes(data)


def _forecast_data(database: str | None, **kw: Any) -> dict[str, Any]:
    """Return the forecast (as a dict) that ``forecast`` and ``projects`` both show."""
    scenario = planning.Scenario(
        add_teams=_pairs(kw.pop("add_teams"), "--add-teams"),
        scale_teams=_pairs(kw.pop("scale_teams"), "--scale-teams"),
        capacity_file=kw.pop("capacity"),
    )
    as_of = parse_day(kw.pop("as_of"), "--as-of")
    params = planning.ForecastParams(as_of=as_of, scenario=scenario, **kw)
    db = open_database(database)
    with db.session() as session:
        return planning.forecast(session, params).as_dict()


@app.command("forecast")
def forecast(
    database: DatabaseOption = None,
    as_of: AsOf = None,
    simulations: Simulations = 10_000,
    seed: Seed = 2020,
    add_teams: AddTeams = None,
    scale_teams: ScaleTeams = None,
    capacity: CapacityFile = None,
    optimise: Optimise = False,
    trend: Trend = True,
    weights: Weights = None,
    format: Format = "text",
    output: Output = None,
) -> None:
    """Forecast completion dates (P10/P50/P90): national, per district, per project."""
    check_format(format, ("text", "json", "csv", *DOCUMENT_FORMATS))
    data = _forecast_data(
        database,
        as_of=as_of,
        simulations=simulations,
        seed=seed,
        add_teams=add_teams,
        scale_teams=scale_teams,
        capacity=capacity,
        optimise=optimise,
        trend=trend,
        weights=weights,
    )
    _write(
        data,
        format,
        output,
        rows=exports.forecast_rows(data),
        document=documents.forecast_document,
        text=_forecast_text,
    )


def _forecast_text(data: dict[str, Any]) -> None:
    n = data["national"]
    console.print(
        f"[bold]Completion forecast[/] as of {data['as_of']} — {data['scenario']} "
        f"({data['simulations']:,} simulations)"
    )
    console.print(
        f"National: {n['remaining_ha']:,.1f} ha in {n['hazards']} hazards — "
        f"P10 {n['p10'] or 'beyond'}, P50 {n['p50'] or 'beyond'}, P90 {n['p90'] or 'beyond'}"
    )
    table = Table(title="Districts")
    for column in ("district", "hazards", "ha", "P10", "P50", "P90"):
        table.add_column(column)
    for d in data["districts"]:
        table.add_row(
            d["district"],
            str(d["hazards"]),
            f"{d['remaining_ha']:,.1f}",
            d["p10"] or "beyond",
            d["p50"] or "beyond",
            d["p90"] or "beyond",
        )
    console.print(table)
    _projects_text(data)
    _notes(data)


@app.command("projects")
def projects(
    database: DatabaseOption = None,
    as_of: AsOf = None,
    simulations: Simulations = 10_000,
    seed: Seed = 2020,
    add_teams: AddTeams = None,
    scale_teams: ScaleTeams = None,
    capacity: CapacityFile = None,
    optimise: Optimise = False,
    trend: Trend = True,
    weights: Weights = None,
    format: Format = "text",
    output: Output = None,
) -> None:
    """Show each project's blocking hazards, when they are cleared, and the chance it is on time."""
    check_format(format, ("text", "json", "csv", *DOCUMENT_FORMATS))
    data = _forecast_data(
        database,
        as_of=as_of,
        simulations=simulations,
        seed=seed,
        add_teams=add_teams,
        scale_teams=scale_teams,
        capacity=capacity,
        optimise=optimise,
        trend=trend,
        weights=weights,
    )
    rows = exports.project_rows(data)
    body = {k: data[k] for k in ("as_of", "synthetic", "scenario", "allocation", "projects")}
    _write(
        body if format == "json" else data,
        format,
        output,
        rows=rows,
        document=documents.forecast_document,
        text=_projects_text,
    )


def _projects_text(data: dict[str, Any]) -> None:
    table = Table(title=f"Projects ({data['allocation']['mode']} allocation)")
    for column in ("project", "planned start", "blocking", "ha", "P50 ready", "P90", "on time"):
        table.add_column(column)
    for p in data["projects"]:
        chance = p["probability_on_time"]
        table.add_row(
            p["project"],
            p["planned_start"] or "—",
            str(len(p["blocking_hazards"])),
            f"{p['blocking_ha']:,.1f}",
            p["p50"] or "beyond",
            p["p90"] or "beyond",
            "—" if chance is None else f"{chance:.0%}",
        )
    console.print(table)


@app.command("backtest")
def backtest(
    as_of: Annotated[
        list[str],
        typer.Option("--as-of", help="Forecast from the data before this day. Repeat for more."),
    ],
    database: DatabaseOption = None,
    series: Annotated[
        Path | None,
        typer.Option("--series", help="Backtest a CSV of monthly released area instead."),
    ] = None,
    horizon: Annotated[int, typer.Option("--horizon", help="Months compared.")] = 12,
    simulations: Simulations = 2_000,
    seed: Seed = 2020,
    trend: Trend = True,
    format: Format = "text",
    output: Output = None,
) -> None:
    """Forecast from the data before --as-of and compare with what happened after."""
    check_format(format, ("text", "json", "csv", *DOCUMENT_FORMATS))
    days = [d for d in (parse_day(a, "--as-of") for a in as_of) if d is not None]
    results = []
    if series is not None:
        rows = backtests.read_series(series)
        for day in days:
            params = planning.BacktestParams(day, horizon, simulations, seed, trend)
            results.append(backtests.backtest_series(rows, params, source=series.name))
    else:
        db = open_database(database)
        with db.session() as session:
            for day in days:
                params = planning.BacktestParams(day, horizon, simulations, seed, trend)
                results.append(backtests.backtest_database(session, params))
    data = backtests.combine(results).as_dict()
    _write(
        data,
        format,
        output,
        rows=data["checks"],
        document=documents.backtest_document,
        text=_backtest_text,
    )


def _backtest_text(data: dict[str, Any]) -> None:
    s = data["summary"]

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.0%}"

    console.print(
        f"[bold]Backtest[/] of {data['source']}, origins {', '.join(data['origins'])}, "
        f"{data['horizon_months']} months ahead"
    )
    console.print(
        f"Outcomes inside P10–P90: {pct(s['share_inside_p10_p90'])} of {s['outcomes']} "
        f"(national {pct(s['national_share_inside'])}, "
        f"districts {pct(s['district_share_inside'])}; 80% expected)"
    )
    console.print(f"Median |P50 error|, national: {pct(s['national_p50_error_median'])}")
    for row in s["national_p50_error_at_horizon"]:
        console.print(f"  from {row['origin']}: P50 error at the horizon {pct(row['error'])}")
    if s["hazards_finished_checked"]:
        console.print(
            f"Hazard completion dates inside P10–P90: "
            f"{pct(s['hazards_share_inside_p10_p90'])} of {s['hazards_finished_checked']}"
        )
    _notes(data)


@app.command("capacity")
def capacity(
    database: DatabaseOption = None,
    as_of: AsOf = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text, json or csv.")] = "text",
) -> None:
    """Show the teams, team-days and learned productivity the forecast uses (editable CSV)."""
    check_format(format, ("text", "json", "csv"))
    db = open_database(database)
    with db.session() as session:
        plan = prepare(session, as_of=parse_day(as_of, "--as-of"), weights=weights_mod.load())
    if format == "csv":
        typer.echo(capacities.to_csv(plan.capacity), nl=False)
        return
    model = planning.forecast_model(plan)
    if format == "json":
        typer.echo(json.dumps({"as_of": plan.as_of.isoformat(), **model}, indent=2))
        return
    table = Table(title=f"Capacity as of {plan.as_of}")
    for column in ("operator", "method", "teams", "team-days/week/team", "source"):
        table.add_column(column)
    for r in plan.capacity.rows:
        table.add_row(r.operator, r.method, f"{r.teams:g}", f"{r.team_days_per_week:.2f}", r.source)
    console.print(table)
    rates = Table(title="Productivity (m² per team-day)")
    for column in ("method", "rate", "P10", "P90", "team-days", "source"):
        rates.add_column(column)
    for r in model["productivity"]:
        rates.add_row(
            r["method"],
            f"{r['m2_per_team_day']:,.0f}",
            f"{r['p10']:,.0f}",
            f"{r['p90']:,.0f}",
            f"{r['team_days']:,.0f}",
            r["source"],
        )
    console.print(rates)
    _notes({"notes": plan.notes})


@app.command("weights")
def weights() -> None:
    """Print the default priority weights (YAML): copy, edit, pass with --weights."""
    typer.echo(weights_mod.default_text(), nl=False)


def _notes(data: dict[str, Any]) -> None:
    for note in data.get("notes", []):
        console.print(f"[yellow]Note:[/] {note}")
    if data.get("synthetic"):
        console.print("[bold yellow]SYNTHETIC DEMO DATA[/] — not real figures.")
