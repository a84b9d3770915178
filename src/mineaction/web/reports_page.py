"""The reports page: choose a report and its parameters, preview it, download it in every format.

The preview is the HTML rendering of the very document the API and
``mineaction report`` render; the download links are ``/api/reports/{name}``
with the same parameters, so every format holds the same numbers.  The public
is offered the public reports only (``services.policy``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from mineaction.analytics.reports import (
    FORMATS,
    REPORTS,
    get_report,
    params_from_text,
    report_document,
)
from mineaction.api.deps import CurrentPrincipal, DatabaseDep
from mineaction.errors import ValidationError
from mineaction.render.document import tr
from mineaction.render.html_renderer import body_html
from mineaction.render.labels import check_lang
from mineaction.services.policy import Principal, report_refusal, require_report
from mineaction.web.layout import render_page
from mineaction.web.pages import query

router = APIRouter(include_in_schema=False)
LANGUAGES = (("en", "English"), ("az", "Azərbaycanca"), ("ru", "Русский"))


def readable_reports(who: Principal) -> list[dict[str, Any]]:
    """Return the reports ``who`` may read: name, title and groupings."""
    return [
        {"name": name, "title": tr(spec.title, "en"), "groupings": spec.groupings}
        for name in REPORTS
        if report_refusal(who, name) is None
        for spec in [get_report(name)]
    ]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    who: CurrentPrincipal,
    db: DatabaseDep,
    report: str = "",
    date_from: str = "",
    date_to: str = "",
    week: str = "",
    group_by: str = "",
    lang: str = "en",
    include_unapproved: bool = False,
) -> HTMLResponse:
    """Show the chooser; with a report and a period, its preview and download links."""
    form = {
        "report": report,
        "date_from": date_from,
        "date_to": date_to,
        "week": week,
        "group_by": group_by,
        "lang": lang,
        "include_unapproved": include_unapproved,
    }
    context: dict[str, Any] = {
        "form": form,
        "reports": readable_reports(who),
        "report_languages": LANGUAGES,
        "may_unapproved": report_refusal(who, "operations", include_unapproved=True) is None,
        "formats": FORMATS,
    }
    if not report:
        return render_page(request, "reports.html", who, **context)
    try:
        get_report(report)
        require_report(who, report, include_unapproved=include_unapproved)
        check_lang(lang)
        params = params_from_text(
            date_from=date_from,
            date_to=date_to,
            week=week,
            group_by=group_by,
            include_unapproved=include_unapproved,
        )
        with db.session() as session:
            document = report_document(session=session, name=report, params=params)
    except ValidationError as exc:
        return render_page(request, "reports.html", who, 422, error=exc, **context)
    api_query = query(
        **({"week": week} if week.strip() else {"from": date_from, "to": date_to}),
        group_by=group_by,
        lang=lang,
        include_unapproved="true" if include_unapproved else None,
    )
    return render_page(
        request,
        "reports.html",
        who,
        preview=Markup(body_html(document, lang)),  # escaped by the HTML renderer
        download=f"/api/reports/{report}?{api_query}",
        **context,
    )
