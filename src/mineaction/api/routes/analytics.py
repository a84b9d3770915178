"""Reports, minefield-record verification and planning over HTTP: the CLI's data, as JSON or files.

Each route parses its query, calls the same analytics function as the command
line and returns the same JSON (or the same rendered file).  Official
statistics built from approved records are public; anything with unapproved
records, per-hazard detail or record verification needs a signed-in user
(``services.policy`` decides).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from mineaction.api.deps import CurrentPrincipal, DatabaseDep
from mineaction.domain.rules import parse_day
from mineaction.errors import ValidationError
from mineaction.services.policy import PUBLIC_REPORTS, require_report, require_signed_in

if TYPE_CHECKING:
    from mineaction.analytics.planning.exports import PlanFile

router = APIRouter(prefix="/api", tags=["reports and analysis"])

ReportFormat = Literal["json", "csv", "xlsx", "html", "pdf", "text"]


@router.get("/reports")
def list_reports() -> dict[str, Any]:
    """List the reports, their groupings and formats, and which are public."""
    from mineaction.analytics.reports import FORMATS, REPORTS, get_report

    return {
        "reports": [
            {
                "name": name,
                "groupings": list(get_report(name).groupings),
                "public": name in PUBLIC_REPORTS,
            }
            for name in REPORTS
        ],
        "formats": list(FORMATS),
    }


@router.get("/reports/{name}", response_model=None)
def report(
    name: str,
    who: CurrentPrincipal,
    db: DatabaseDep,
    date_from: Annotated[
        str | None, Query(alias="from", description="First day (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[str | None, Query(alias="to", description="Last day, inclusive.")] = None,
    week: Annotated[str | None, Query(description="An ISO week instead, e.g. 2024-W18.")] = None,
    group_by: Annotated[str | None, Query(description="operator, district, week or month.")] = None,
    format: ReportFormat = "json",
    lang: Literal["en", "az", "ru"] = "en",
    include_unapproved: bool = False,
) -> Any:
    """Return report ``name`` for the period: the CLI's JSON, or the rendered file."""
    from mineaction.analytics.reports import get_report, params_from_text, render_report

    get_report(name)  # an unknown name is a 400 naming the reports
    require_report(who, name, include_unapproved=include_unapproved)
    params = params_from_text(
        date_from=date_from,
        date_to=date_to,
        week=week,
        group_by=group_by,
        include_unapproved=include_unapproved,
    )
    with db.session() as session:
        output = render_report(session=session, name=name, params=params, fmt=format, lang=lang)
    if format == "json":
        import json

        return json.loads(output.content)
    disposition = "inline" if format in ("html", "text") else "attachment"
    return Response(
        output.content,
        media_type=output.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{output.filename}"'},
    )


@router.get("/minefield-records/verification")
def verification(
    who: CurrentPrincipal,
    db: DatabaseDep,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
    buffer_m: Annotated[float | None, Query(gt=0, le=10_000)] = None,
) -> dict[str, Any]:
    """Verify every minefield record: the same JSON as `mineaction records verify`."""
    from mineaction.analytics.verification import load_rules, verify_records

    require_signed_in(who, "Minefield-record verification")
    rules = load_rules(None).with_buffer(buffer_m)
    with db.session() as session:
        result = verify_records(
            session,
            start=parse_day(date_from, "from"),
            end=parse_day(date_to, "to"),
            rules=rules,
        )
    data: dict[str, Any] = result.as_dict()
    return data


def _teams(values: list[str], name: str) -> tuple[tuple[str, float], ...]:
    pairs = []
    for value in values:
        method, _, number = value.partition(":")
        try:
            pairs.append((method.strip(), float(number)))
        except ValueError:
            raise ValidationError(
                f"{name}={value!r} is not METHOD:NUMBER.", hint="E.g. clearance_manual:5."
            ) from None
    return tuple(pairs)


@router.get("/plan/forecast")
def plan_forecast(
    who: CurrentPrincipal,
    db: DatabaseDep,
    as_of: str | None = None,
    simulations: Annotated[int, Query(ge=100, le=10_000)] = 2_000,
    seed: Annotated[
        int, Query(ge=0, description="Random seed: the same seed, the same answer.")
    ] = 2020,
    add_teams: Annotated[list[str] | None, Query(description="METHOD:N, repeatable.")] = None,
    scale_teams: Annotated[list[str] | None, Query(description="METHOD:FACTOR.")] = None,
    format: Literal["json", "csv", "xlsx", "html", "pdf"] = "json",
) -> Any:
    """Completion forecast P10/P50/P90: the same JSON (or file) as `mineaction plan forecast`."""
    from mineaction.analytics import planning
    from mineaction.analytics.planning import exports

    require_signed_in(who, "The completion forecast")
    scenario = planning.Scenario(
        add_teams=_teams(add_teams or [], "add_teams"),
        scale_teams=_teams(scale_teams or [], "scale_teams"),
    )
    params = planning.ForecastParams(
        as_of=parse_day(as_of, "as_of"), simulations=simulations, seed=seed, scenario=scenario
    )
    with db.session() as session:
        data: dict[str, Any] = planning.forecast(session, params).as_dict()
    return data if format == "json" else _file(exports.forecast_file(data, format))


@router.get("/plan/priorities")
def plan_priorities(
    who: CurrentPrincipal,
    db: DatabaseDep,
    as_of: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 100,
    format: Literal["json", "csv", "geojson", "xlsx", "html", "pdf"] = "json",
) -> Any:
    """Open hazards ranked by priority, each score explained (`mineaction plan priorities`).

    ``geojson`` is the ranked list as a map layer: live hazard shapes with their points.
    """
    from mineaction.analytics import planning
    from mineaction.analytics.planning import exports

    require_signed_in(who, "The priority list")
    params = planning.PriorityParams(as_of=parse_day(as_of, "as_of"), limit=limit)
    with db.session() as session:
        if format == "geojson":
            layer = planning.priorities_layer(session, params)
            day = params.as_of.isoformat() if params.as_of else "latest"
            return _file(exports.geojson_file(layer, day))
        data: dict[str, Any] = planning.priorities_report(session, params)
    return data if format == "json" else _file(exports.priorities_file(data, format))


def _file(output: PlanFile) -> Response:
    """Answer a planning file: HTML inline, anything else as a download."""
    disposition = "inline" if output.media_type.startswith("text/html") else "attachment"
    return Response(
        output.content,
        media_type=output.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{output.filename}"'},
    )
