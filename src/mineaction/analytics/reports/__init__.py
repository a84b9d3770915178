"""Official statistics: one module per report, each a pure function of the records.

Every report is ``compute(session, params) -> dict`` — the JSON data object
documented in docs/reports.md — over approved records unless
``params.include_unapproved``.  The same data object gives the report's
:class:`~mineaction.render.Document`, rendered by :mod:`mineaction.render`.

For the CLI, the API and the web::

    from mineaction.analytics.reports import ReportParams, compute_report, render_report

    params = ReportParams(dt.date(2024, 4, 29), dt.date(2024, 5, 5), group_by="operator")
    data = compute_report(session=session, name="operations", params=params)
    output = render_report(session=session, name="operations", params=params,
                           fmt="pdf", lang="az")
    output.content, output.media_type, output.filename
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from mineaction.analytics.reports.base import Data, ReportSpec, document
from mineaction.analytics.reports.params import GROUPINGS, ReportParams, iso_week, params_from_text
from mineaction.errors import ValidationError
from mineaction.render import Document, get_renderer
from mineaction.render.labels import check_lang

#: Report name → module (each defines ``REPORT``), imported on first use.
REPORTS: dict[str, str] = {
    "operations": "mineaction.analytics.reports.operations",
    "land-release": "mineaction.analytics.reports.land_release",
    "casualties": "mineaction.analytics.reports.casualties",
    "eore": "mineaction.analytics.reports.eore",
    "assistance": "mineaction.analytics.reports.assistance",
    "equipment": "mineaction.analytics.reports.equipment",
    "operators": "mineaction.analytics.reports.operators",
    "landmine-monitor": "mineaction.analytics.reports.landmine_monitor",
    "article7": "mineaction.analytics.reports.article7",
}
#: Output formats: json (the data object itself) and the renderers' formats.
FORMATS = ("json", "csv", "xlsx", "html", "pdf", "text")


def get_report(name: str) -> ReportSpec:
    """Return the report called ``name``; raise ValidationError naming the reports."""
    module = REPORTS.get(name)
    if module is None:
        raise ValidationError(
            f"There is no report called {name!r}.",
            hint=f"Use one of: {', '.join(REPORTS)}.",
        )
    spec: ReportSpec = importlib.import_module(module).REPORT
    return spec


def compute_report(*, session: Session, name: str, params: ReportParams) -> Data:
    """Return the data object of report ``name`` for ``params``."""
    spec = get_report(name)
    if params.group_by and params.group_by not in spec.groupings:
        allowed = ", ".join(spec.groupings) or "nothing"
        raise ValidationError(
            f"The {name} report cannot be grouped by {params.group_by}.",
            hint=f"It can be grouped by: {allowed}.",
        )
    return spec.compute(session, params)


def report_document(
    *, session: Session, name: str, params: ReportParams, data: Data | None = None
) -> Document:
    """Return the document of report ``name`` (computing its data unless given)."""
    if data is None:
        data = compute_report(session=session, name=name, params=params)
    return document(session, get_report(name), data, params)


@dataclass(frozen=True)
class ReportOutput:
    """A rendered report: its bytes, media type and a suggested file name."""

    content: bytes
    media_type: str
    filename: str


def render_report(
    *, session: Session, name: str, params: ReportParams, fmt: str, lang: str = "en"
) -> ReportOutput:
    """Compute report ``name`` and render it as ``fmt`` (json, csv, xlsx, html, pdf, text)."""
    import json

    check_lang(lang)
    stem = f"{name}_{params.date_from.isoformat()}_{params.date_to.isoformat()}"
    if fmt == "json":
        data = compute_report(session=session, name=name, params=params)
        body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        return ReportOutput(body + b"\n", "application/json", f"{stem}.json")
    if fmt not in FORMATS:
        raise ValidationError(
            f"There is no {fmt!r} output format.", hint=f"Use one of: {', '.join(FORMATS)}."
        )
    doc = report_document(session=session, name=name, params=params)
    renderer = get_renderer(fmt)
    return ReportOutput(
        renderer.render(doc, lang),
        renderer.media_type_for(doc),
        f"{stem}{renderer.extension_for(doc)}",
    )


__all__ = [
    "FORMATS",
    "GROUPINGS",
    "REPORTS",
    "Data",
    "ReportOutput",
    "ReportParams",
    "ReportSpec",
    "compute_report",
    "get_report",
    "iso_week",
    "params_from_text",
    "render_report",
    "report_document",
]
