"""``equipment``: items by status and owner at the end of the period; losses during it.

An item's status at the end of the period is its last status change on or
before that day (ties: the change recorded last); items with no change by
then but acquired by then count with their current status.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mineaction.analytics.reports import labels as T
from mineaction.analytics.reports.base import (
    Data,
    ReportSpec,
    approved,
    in_period,
    operator_names,
    period,
)
from mineaction.analytics.reports.params import ReportParams
from mineaction.domain.vocab import EQUIPMENT_STATUS, EQUIPMENT_TYPE
from mineaction.render.document import Chart, Column, Section, Series, Table
from mineaction.store.tables import Equipment, EquipmentStatusChange

STATUSES = tuple(EQUIPMENT_STATUS)
LOSSES = ("damaged", "destroyed", "lost")


def compute(session: Session, params: ReportParams) -> Data:
    """Return the equipment by status and owner at the end of the period, and its losses."""
    ranked = (
        select(
            EquipmentStatusChange.equipment_id,
            EquipmentStatusChange.status,
            func.row_number()
            .over(
                partition_by=EquipmentStatusChange.equipment_id,
                order_by=(
                    EquipmentStatusChange.changed_date.desc(),
                    EquipmentStatusChange.id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(EquipmentStatusChange.changed_date <= params.date_to)
        .subquery()
    )
    last = select(ranked.c.equipment_id, ranked.c.status).where(ranked.c.rank == 1).subquery()
    status = func.coalesce(last.c.status, Equipment.status)
    held = session.execute(
        select(Equipment.organisation_id, Equipment.equipment_type, status, func.count())
        .outerjoin(last, last.c.equipment_id == Equipment.id)
        .where(
            approved(Equipment, params),
            or_(
                last.c.status.is_not(None),
                func.coalesce(Equipment.acquired_date, Equipment.status_date) <= params.date_to,
            ),
        )
        .group_by(Equipment.organisation_id, Equipment.equipment_type, status)
    ).all()
    lost = session.execute(
        select(
            Equipment.organisation_id,
            Equipment.equipment_type,
            EquipmentStatusChange.status,
            func.count(),
        )
        .join(Equipment, Equipment.id == EquipmentStatusChange.equipment_id)
        .where(
            in_period(EquipmentStatusChange.changed_date, params),
            EquipmentStatusChange.status.in_(LOSSES),
            approved(Equipment, params),
        )
        .group_by(Equipment.organisation_id, Equipment.equipment_type, EquipmentStatusChange.status)
    ).all()
    totals: dict[str, int] = dict.fromkeys(STATUSES, 0)
    by_owner: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for org, kind, state, n in held:
        for tally in (totals, by_owner[org], by_type[kind]):
            tally[state] = tally.get(state, 0) + n
    losses: dict[str, int] = dict.fromkeys(LOSSES, 0)
    loss_rows: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(LOSSES, 0))
    for org, kind, state, n in lost:
        losses[state] += n
        loss_rows[(org, kind)][state] += n
    owners: set[int | None] = {*by_owner, *(o for o, _k in loss_rows)}
    names = operator_names(session, owners)

    def figures(t: dict[str, int]) -> dict[str, int]:
        return {**t, "items": sum(t.values())}

    return {
        "period": period(params),
        "as_of": params.date_to.isoformat(),
        "totals": figures(totals),
        "by_owner": sorted(
            ({"owner": names[o], **figures(t)} for o, t in by_owner.items()),
            key=lambda r: r["owner"],
        ),
        "by_type": [{"type": k, **figures(by_type[k])} for k in sorted(by_type)],
        "losses": losses,
        "losses_by_owner": sorted(
            (
                {"owner": names[o], "type": k, **v, "items": sum(v.values())}
                for (o, k), v in loss_rows.items()
            ),
            key=lambda r: (r["owner"], r["type"]),
        ),
    }


def _label(vocabulary: Any, code: str) -> Any:
    return vocabulary.get(code, code)


def sections(session: Session, data: Data, params: ReportParams) -> list[Section]:
    """Return the equipment document's sections."""
    status_columns = [
        *(Column(s, EQUIPMENT_STATUS[s], "int") for s in STATUSES),
        Column("items", T.TOTAL, "int"),
    ]
    loss_columns = [
        *(Column(s, EQUIPMENT_STATUS[s], "int") for s in LOSSES),
        Column("items", T.TOTAL, "int"),
    ]
    owners = data["by_owner"]
    losses = data["losses_by_owner"]
    loss_total = {**data["losses"], "items": sum(data["losses"].values())}
    return [
        Section(
            T.BY_STATUS,
            [
                Table(
                    [Column("owner", T.OWNER), *status_columns],
                    owners,
                    total={"owner": T.TOTAL, **data["totals"]},
                    title=T.BY_OPERATOR,
                    name="by_owner",
                ),
                Chart(
                    "stacked_bar",
                    T.BY_STATUS,
                    [r["owner"] for r in owners],
                    [Series(EQUIPMENT_STATUS[s], [r[s] for r in owners]) for s in STATUSES],
                ),
                Table(
                    [Column("type", T.TYPE), *status_columns],
                    [{**r, "type": _label(EQUIPMENT_TYPE, r["type"])} for r in data["by_type"]],
                    total={"type": T.TOTAL, **data["totals"]},
                    title=T.BY_TYPE,
                    name="by_type",
                ),
            ],
            name="by_status",
        ),
        Section(
            T.LOSSES,
            [
                Table(
                    [Column("owner", T.OWNER), Column("type", T.TYPE), *loss_columns],
                    [{**r, "type": _label(EQUIPMENT_TYPE, r["type"])} for r in losses],
                    total={"owner": T.TOTAL, **loss_total},
                    name="losses",
                )
            ],
            name="losses",
        ),
    ]


REPORT = ReportSpec(name="equipment", title=T.EQUIPMENT, compute=compute, sections=sections)
