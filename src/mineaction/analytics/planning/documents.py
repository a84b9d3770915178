"""Planning outputs as documents of the shared rendering layer (XLSX, HTML, PDF).

JSON stays each function's own data object (its contract); these documents
are built from that object, so every format shows the same numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mineaction.analytics.planning.weights import GROUPS
from mineaction.domain.vocab import CONTAMINATION, Labels
from mineaction.render import Column, Document, FanBand, FanChart, Paragraph, Section, Table
from mineaction.render.labels import SYNTHETIC

FORECAST_TITLE = Labels("Completion forecast", "Tamamlanma proqnozu", "Прогноз завершения работ")
PRIORITIES_TITLE = Labels(
    "Priorities of open hazardous areas",
    "Açıq təhlükəli ərazilərin prioritetləri",
    "Приоритеты открытых опасных районов",
)
BACKTEST_TITLE = Labels("Forecast backtest", "Proqnozun geriyə yoxlanması", "Проверка прогноза")

_BAND = [
    Column("p10", "P10 (early)", "date"),
    Column("p50", "P50", "date"),
    Column("p90", "P90 (late)", "date"),
]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _dates(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **{k: _date(row.get(k)) for k in ("p10", "p50", "p90", "planned_start")}}


def fan_chart(data: dict[str, Any], compare: dict[str, Any] | None = None) -> FanChart:
    """Return the fan chart of a forecast (its JSON object): the last two years, then the band.

    ``compare`` (another forecast from the same day, a what-if) is drawn over it.
    """
    history = data["history"]
    done = sum(h["released_ha"] for h in history)
    months = max(len(data["fan"]), len(compare["fan"]) if compare else 0)
    x = [h["month_end"][:7] for h in history]
    x += [f["date"][:7] for f in max(data["fan"], (compare or {}).get("fan", []), key=len)]
    observed: list[float | None] = []
    running = 0.0
    for h in history:
        running += h["released_ha"]
        observed.append(round(running, 1))
    observed += [None] * months

    def bands(forecast: dict[str, Any]) -> dict[str, list[float | None]]:
        remaining = forecast["national"]["remaining_ha"]
        fan = list(forecast["fan"])
        # A forecast that finishes sooner stays finished to the end of the longer one.
        if fan and fan[-1]["p10"] >= 1.0:
            fan += [fan[-1]] * (months - len(fan))
        out: dict[str, list[float | None]] = {}
        for q in ("p10", "p50", "p90"):
            values: list[float | None] = [None] * (len(history) - 1) + [done]
            values += [round(done + f[q] * remaining, 1) for f in fan]
            values += [None] * (len(x) - len(values))
            out[q] = values[: len(x)]
        return out

    main = bands(data)
    other = None
    if compare is not None:
        b = bands(compare)
        other = FanBand(compare["scenario"], b["p10"], b["p50"], b["p90"])
    return FanChart(
        "Land released, cumulative (ha, the last two years and the forecast)",
        x=list(x),
        observed=observed,
        p10=main["p10"],
        p50=main["p50"],
        p90=main["p90"],
        unit="ha",
        compare=other,
    )


def forecast_document(data: dict[str, Any]) -> Document:
    """Return the forecast (its JSON object) as a document with its fan chart."""
    national = data["national"]
    remaining = national["remaining_ha"]
    projects = [
        _dates(p)
        | {
            # The renderer's percent columns take percentages (84.0 → "84.0 %").
            "probability_on_time": None
            if p["probability_on_time"] is None
            else round(100 * p["probability_on_time"], 1),
            "blocking": len(p["blocking_hazards"]),
        }
        for p in data["projects"]
    ]
    return Document(
        title=FORECAST_TITLE,
        parameters=[
            ("As of", data["as_of"]),
            ("Simulations", f"{data['simulations']:,}"),
            ("Scenario", data["scenario"]),
            ("Allocation", data["allocation"]["mode"]),
        ],
        notices=[SYNTHETIC] if data["synthetic"] else [],
        summary=[
            f"{remaining:,.1f} ha in {national['hazards']} open hazardous areas: "
            f"finished between {national['p10'] or 'beyond the horizon'} (P10) and "
            f"{national['p90'] or 'beyond the horizon'} (P90), most likely "
            f"{national['p50'] or 'beyond the horizon'} (P50)."
        ],
        sections=[
            Section(
                "National",
                [
                    fan_chart(data),
                    Table(
                        [Column("remaining_ha", "Remaining", "ha", unit="ha"), *_BAND],
                        [_dates(national)],
                        name="national",
                    ),
                ],
                name="national",
            ),
            Section(
                "Districts",
                [
                    Table(
                        [
                            Column("district", "District"),
                            Column("hazards", "Hazards", "int"),
                            Column("remaining_ha", "Remaining", "ha", unit="ha"),
                            *_BAND,
                        ],
                        [_dates(d) for d in data["districts"]],
                        name="districts",
                    )
                ],
                name="districts",
            ),
            Section(
                "Projects",
                [
                    Table(
                        [
                            Column("project", "Project"),
                            Column("planned_start", "Planned start", "date"),
                            Column("blocking", "Blocking hazards", "int"),
                            Column("blocking_ha", "Blocking area", "ha", unit="ha"),
                            *_BAND,
                            Column("probability_on_time", "On time", "percent"),
                        ],
                        projects,
                        name="projects",
                    )
                ],
                name="projects",
            ),
            Section("Notes", [Paragraph(n) for n in data["notes"]], name="notes"),
        ],
        name="forecast",
    )


def priorities_document(data: dict[str, Any]) -> Document:
    """Return the ranked hazards (their JSON object) as a document."""
    rows = []
    for h in data["hazards"]:
        row = {k: h[k] for k in ("rank", "hazard", "district", "contamination", "remaining_ha")}
        row["contamination"] = CONTAMINATION.get(h["contamination"], h["contamination"])
        row["score"] = h["score"]
        row["projects"] = ", ".join(h["projects"])
        for group in GROUPS:
            row[f"group_{group}"] = sum(
                part["points"] for part in h["explanation"].values() if part["group"] == group
            )
        rows.append(row)
    return Document(
        title=PRIORITIES_TITLE,
        subtitle=f"as of {data['as_of']}",
        parameters=[("As of", data["as_of"]), ("Weights", data["weights"])],
        notices=[SYNTHETIC] if data["synthetic"] else [],
        sections=[
            Section(
                "Ranking",
                [
                    Table(
                        [
                            Column("rank", "Rank", "int"),
                            Column("hazard", "Hazard"),
                            Column("district", "District"),
                            Column("contamination", "Contamination"),
                            Column("remaining_ha", "Remaining", "ha", unit="ha"),
                            Column("score", "Score", "decimal2"),
                            Column("group_impact", "Impact", "decimal"),
                            Column("group_threat", "Threat", "decimal"),
                            Column("group_cost", "Cost", "decimal"),
                            Column("projects", "Blocks projects"),
                        ],
                        rows,
                        name="priorities",
                    ),
                    Paragraph(
                        "Impact and threat add points, cost takes them away; the points of "
                        "every criterion are in the JSON and CSV outputs."
                    ),
                ],
                name="priorities",
            ),
            Section("Notes", [Paragraph(n) for n in data["notes"]], name="notes"),
        ],
        name="priorities",
    )


def backtest_document(data: dict[str, Any]) -> Document:
    """Return a backtest (its JSON object) as a document."""
    s = data["summary"]
    share = s["share_inside_p10_p90"]
    return Document(
        title=BACKTEST_TITLE,
        subtitle=f"{data['source']}: origins {', '.join(data['origins'])}",
        parameters=[
            ("Source", data["source"]),
            ("Horizon", f"{data['horizon_months']} months"),
        ],
        summary=[
            f"{s['outcomes']} outcomes compared; "
            + (f"{share:.0%} inside the P10–P90 band" if share is not None else "none inside")
            + " (80% expected)."
        ],
        sections=[
            Section(
                "Outcomes",
                [
                    Table(
                        [
                            Column("scope", "Scope"),
                            Column("date", "Month end", "date"),
                            Column("actual_ha", "Actual", "decimal2", unit="ha"),
                            Column("p10_ha", "P10", "decimal2", unit="ha"),
                            Column("p50_ha", "P50", "decimal2", unit="ha"),
                            Column("p90_ha", "P90", "decimal2", unit="ha"),
                            Column("inside", "Inside"),
                        ],
                        [
                            c | {"date": _date(c["date"]), "inside": "yes" if c["inside"] else "no"}
                            for c in data["checks"]
                        ],
                        name="outcomes",
                    )
                ],
                name="outcomes",
            ),
            Section("Notes", [Paragraph(n) for n in data["notes"]], name="notes"),
        ],
        name="backtest",
    )
