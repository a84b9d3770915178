"""What every report shares: its specification, the approval and period filters, the header."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import Labels
from mineaction.render.document import Document, Section
from mineaction.render.labels import DEFAULT_ISSUER, SYNTHETIC, UNAPPROVED
from mineaction.services.status import is_synthetic
from mineaction.store.tables import AdminArea, Organisation

#: A report's data object: JSON-ready (str, int, float, None, lists and dicts).
Data = dict[str, Any]

GROUP_LABELS: dict[str, Labels] = {
    "operator": T.OPERATOR,
    "district": T.DISTRICT,
    "week": T.WEEK,
    "month": T.MONTH,
}


@dataclass(frozen=True)
class ReportSpec:
    """A report: its name, title, computation and the sections of its document."""

    name: str
    title: Labels
    compute: Callable[[Session, ReportParams], Data]
    sections: Callable[[Session, Data, ReportParams], list[Section]]
    statement: Callable[[Data], list[Labels]] | None = None
    groupings: tuple[str, ...] = ()


def approved(model: Any, params: ReportParams) -> ColumnElement[bool]:
    """Return the filter that keeps approved records only, unless the params say otherwise.

    With ``include_unapproved``, drafts and submitted records count too; rejected
    records never do, nor superseded ones (their superseding record counts).
    """
    return approved_column(model.approval, params)


def approved_column(column: Any, params: ReportParams) -> ColumnElement[bool]:
    """Return ``approved``'s filter on an approval ``column`` (e.g. one of a roll-up's)."""
    if params.include_unapproved:
        return column.in_(("approved", "submitted", "draft"))
    return column == "approved"


def in_period(column: Any, params: ReportParams, *, scan: bool = False) -> ColumnElement[bool]:
    """Return ``column BETWEEN date_from AND date_to`` (both ends included).

    With ``scan`` the column is wrapped so that no index serves the test:
    SQLite keeps no range statistics and would walk the date index even for a
    period that covers most rows, fetching each row at random, which costs
    several times a plain scan of a table.
    """
    if scan:
        column = func.coalesce(column, column)
    return column.between(params.date_from, params.date_to)


#: Periods longer than this are read by a table scan on SQLite (see ``in_period``).
SCAN_AFTER_DAYS = 366


def prefers_scan(session: Session, params: ReportParams) -> bool:
    """Tell whether the period is long enough that SQLite should scan rather than seek."""
    return params.days > SCAN_AFTER_DAYS and session.get_bind().dialect.name == "sqlite"


def period(params: ReportParams) -> dict[str, str]:
    """Return the period as the data objects carry it."""
    return {"from": params.date_from.isoformat(), "to": params.date_to.isoformat()}


def ha(m2: float | None) -> float:
    """Return square metres as hectares to 0.1 ha (the agency's precision).

    >>> ha(53_499.999_999_9), ha(53_500.000_000_1), ha(54_500)
    (5.4, 5.4, 5.4)

    >>> ha(20_463_000), ha(None)
    (2046.3, 0.0)
    """
    # Counted in whole 0.01 m² (far below any area's accuracy) first, so that two float sums
    # of the same areas added in another order (a roll-up, another backend) give the same
    # hectares; then to the tenth of a hectare, an exact half to the even tenth.
    return round(round((m2 or 0.0) * 100) / 100_000) / 10


def ha_list(m2: npt.NDArray[np.float64]) -> list[float]:
    """Return ``ha`` of each of ``m2`` (no NULLs), the same floats, a whole column at once.

    The same operations on the same doubles: the product to 0.01 m² and each
    rounding (half to even) are IEEE's in both, and a quotient of two whole
    numbers below 2**53 is the correctly rounded double in Python as in numpy.
    """
    hectares: list[float] = (np.rint(np.rint(m2 * 100) / 100_000) / 10).tolist()
    return hectares


def tenths_list(values: npt.NDArray[np.float64]) -> list[float]:
    """Return ``round(v, 1)`` of each of ``values`` (finite), the same floats, at once.

    Python rounds the exact double to the nearest tenth (an exact half to the
    even tenth); ``rint(v * 10) / 10`` gives the same tenth unless ``v * 10``
    lies within float error of a half, and those few are handed to Python.
    """
    tens = values * 10
    out: list[float] = (np.rint(tens) / 10).tolist()
    for i in np.flatnonzero(np.abs(tens - np.floor(tens) - 0.5) < 1e-6).tolist():
        out[i] = round(float(values[i]), 1)
    return out


def whole_m2(m2: float | None) -> int:
    """Return square metres to the whole m², through 0.01 m² as ``ha`` does.

    >>> whole_m2(881_147.499_999_99), whole_m2(881_147.500_000_01)
    (881148, 881148)
    """
    return round(round((m2 or 0.0) * 100) / 100)


def issuer(session: Session) -> Labels:
    """Return the name of the national authority (the first such organisation), else a default."""
    name = session.scalar(
        select(Organisation.name)
        .where(Organisation.type == "national_authority")
        .order_by(Organisation.id)
        .limit(1)
    )
    return Labels(name, name, name) if name else DEFAULT_ISSUER


def operator_names(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    """Return organisation names by id (None → "Unknown")."""
    known = {i for i in ids if i is not None}
    rows = session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(known))
    ).all()
    return {**{i: n for i, n in rows}, None: "Unknown"}


def district_names(session: Session, ids: set[int | None]) -> dict[int | None, Labels]:
    """Return district names in en/az/ru by id (None → "District not recorded")."""
    known = {i for i in ids if i is not None}
    rows = session.execute(
        select(AdminArea.id, AdminArea.name, AdminArea.name_az, AdminArea.name_ru).where(
            AdminArea.id.in_(known)
        )
    ).all()
    names: dict[int | None, Labels] = {i: Labels(n, az or n, ru or n) for i, n, az, ru in rows}
    names[None] = T.UNKNOWN_DISTRICT
    return names


def document(session: Session, spec: ReportSpec, data: Data, params: ReportParams) -> Document:
    """Return the report's document: header, notices, statement and its sections."""
    parameters: list[tuple[Labels | str, Labels | str]] = [
        (T.SCOPE, T.ALL_RECORDS if params.include_unapproved else T.APPROVED_ONLY)
    ]
    if params.group_by:
        parameters.append((T.GROUPED_BY, GROUP_LABELS[params.group_by]))
    notices: list[Labels | str] = []
    if is_synthetic(session):
        notices.append(SYNTHETIC)
    if params.include_unapproved:
        notices.append(UNAPPROVED)
    return Document(
        title=spec.title,
        issuer=issuer(session),
        period=(params.date_from, params.date_to),
        parameters=parameters,
        notices=notices,
        summary=list(spec.statement(data)) if spec.statement else [],
        sections=spec.sections(session, data, params),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        name=spec.name,
    )
