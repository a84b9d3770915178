"""``eore``: risk-education sessions and beneficiaries by sex × age band, district, operator."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mineaction.analytics.reports import beneficiaries
from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import Data, ReportSpec
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import EORE_METHOD
from mineaction.render.document import Section
from mineaction.store.tables import EORERollup, EORESession


def compute(session: Session, params: ReportParams) -> Data:
    """Return the period's EORE sessions and beneficiaries."""
    return beneficiaries.compute(
        session,
        params,
        model=EORESession,
        rollup=EORERollup,
        date=EORESession.session_date,
        kind=EORESession.method,
        kind_key="method",
        count_key="sessions",
    )


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the EORE document's sections."""
    return beneficiaries.sections(
        data,
        count_key="sessions",
        count_label=T.SESSIONS,
        kind_key="method",
        kind_label=T.METHOD,
        vocabulary=EORE_METHOD,
    )


REPORT = ReportSpec(name="eore", title=T.EORE, compute=compute, sections=sections)
