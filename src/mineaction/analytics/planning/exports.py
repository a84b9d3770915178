"""Planning outputs as files: the same bytes for ``mineaction plan``, the API and the web page.

JSON is each function's own data object; CSV is one flat table of it (the
points of every criterion, one column each); XLSX, HTML and PDF go through the
shared rendering layer (:mod:`mineaction.analytics.planning.documents`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mineaction.analytics.planning import documents
from mineaction.errors import ValidationError

#: Formats of the ranked list and of the forecast (geojson: the ranked list as a map layer,
#: which needs the hazards' shapes and so is written by ``priorities_layer``).
DOCUMENT_FORMATS = ("xlsx", "html", "pdf")
FORECAST_FORMATS = ("json", "csv", *DOCUMENT_FORMATS)
PRIORITY_FORMATS = ("json", "csv", "geojson", *DOCUMENT_FORMATS)
MEDIA_TYPES = {
    "json": "application/json",
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class PlanFile:
    """A planning output as a file: its bytes, media type and a suggested file name."""

    content: bytes
    media_type: str
    filename: str


def priority_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the ranked hazards as flat rows, with one ``points_*`` column per criterion."""
    return [
        {k: v for k, v in h.items() if k not in ("explanation", "projects")}
        | {"projects": "; ".join(h["projects"])}
        | {f"points_{n}": p["points"] for n, p in h["explanation"].items()}
        for h in data["hazards"]
    ]


def forecast_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the forecast as rows: the nation, each district, each project."""

    def band(row: dict[str, Any], chance: float | None = None) -> dict[str, Any]:
        return {"p10": row["p10"], "p50": row["p50"], "p90": row["p90"]} | {
            "probability_on_time": chance
        }

    rows = [{"scope": "national", "name": "national"} | band(data["national"])]
    rows += [{"scope": "district", "name": d["district"]} | band(d) for d in data["districts"]]
    rows += [
        {"scope": "project", "name": p["project"]} | band(p, p["probability_on_time"])
        for p in data["projects"]
    ]
    return rows


def project_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return each project's row of the forecast, its blocking hazards joined by ``; ``."""
    return [p | {"blocking_hazards": "; ".join(p["blocking_hazards"])} for p in data["projects"]]


def csv_text(rows: list[dict[str, Any]]) -> str:
    """Return ``rows`` as CSV text (a header from the first row's keys)."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def payload(
    data: dict[str, Any],
    fmt: str,
    *,
    rows: list[dict[str, Any]],
    document: Callable[[dict[str, Any]], Any],
) -> str | bytes:
    """Return ``data`` written as ``fmt``: json and csv as text, documents as bytes."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return csv_text(rows)
    if fmt in DOCUMENT_FORMATS:
        from mineaction.render import render

        return render(document(data), fmt)
    raise ValidationError(
        f"There is no {fmt!r} format here.", hint="Use json, csv, xlsx, html or pdf."
    )


def priorities_file(data: dict[str, Any], fmt: str) -> PlanFile:
    """Return the ranked list (``priorities_report``'s object) as a file of ``fmt``."""
    _check(fmt, FORECAST_FORMATS)  # geojson needs the shapes: see geojson_file
    body = payload(data, fmt, rows=priority_rows(data), document=documents.priorities_document)
    return _file(body, fmt, f"priorities_{data['as_of']}")


def forecast_file(data: dict[str, Any], fmt: str) -> PlanFile:
    """Return a forecast (``Forecast.as_dict()``) as a file of ``fmt``."""
    _check(fmt, FORECAST_FORMATS)
    body = payload(data, fmt, rows=forecast_rows(data), document=documents.forecast_document)
    return _file(body, fmt, f"forecast_{data['as_of']}")


def geojson_file(layer: dict[str, Any], as_of: str) -> PlanFile:
    """Return the ranked list as a map layer (``priorities_layer``'s FeatureCollection)."""
    body = json.dumps(layer, ensure_ascii=False) + "\n"
    return _file(body, "geojson", f"priorities_{as_of}")


def _check(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise ValidationError(
            f"There is no {fmt!r} format here.", hint=f"Use one of: {', '.join(allowed)}."
        )


def _file(body: str | bytes, fmt: str, stem: str) -> PlanFile:
    content = body.encode("utf-8") if isinstance(body, str) else body
    return PlanFile(content, MEDIA_TYPES[fmt], f"{stem}.{fmt}")
