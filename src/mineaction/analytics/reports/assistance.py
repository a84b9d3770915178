"""``assistance``: victim assistance and its beneficiaries, by type, district, operator."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mineaction.analytics.reports import beneficiaries
from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import Data, ReportSpec
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import ASSISTANCE_TYPE
from mineaction.render.document import Section
from mineaction.store.tables import Assistance, AssistanceRollup


def compute(session: Session, params: ReportParams) -> Data:
    """Return the period's assistance records and beneficiaries."""
    return beneficiaries.compute(
        session,
        params,
        model=Assistance,
        rollup=AssistanceRollup,
        date=Assistance.assistance_date,
        kind=Assistance.assistance_type,
        kind_key="type",
        count_key="records",
    )


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the assistance document's sections."""
    return beneficiaries.sections(
        data,
        count_key="records",
        count_label=T.RECORDS,
        kind_key="type",
        kind_label=T.TYPE,
        vocabulary=ASSISTANCE_TYPE,
    )


REPORT = ReportSpec(name="assistance", title=T.ASSISTANCE, compute=compute, sections=sections)
