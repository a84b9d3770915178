"""Report roll-ups: findings and land releases summed per span (or per hazard), approval, dimension.

Derived data, kept exact by database triggers (``store/rollup_ddl.py``) on
every write to ``findings`` and ``land_releases``: an insert adds its row's
figures, a delete takes them away, an update does both. A span is the part
of an ISO week inside one month (``domain/spans.py``). Each source row counts
once per dimension: the operator (``organisation_id``), the district
(``admin_area_id``) and, for findings, the EO model (``eo_model_id``), in
``member_id``; 0 stands for "not recorded" so that the key has no NULLs.
The tables are not backed up: a restore rebuilds them from the records.

``EORERollup`` and ``AssistanceRollup`` do the same for the EORE and
assistance reports, by calendar month (``store/beneficiary_rollup_ddl.py``);
``AccidentRollup`` and ``VictimRollup`` for the casualties report, by month of
the accident (``store/casualty_rollup_ddl.py``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mineaction.store.base import Base

#: Marks a table whose rows are derived from others (left out of backups, rebuilt on restore).
DERIVED = {"derived": True}


class FindingRollup(Base):
    """Items found per span, approval state, category and one dimension's member."""

    __tablename__ = "finding_rollup"
    __table_args__ = ({"sqlite_with_rowid": False, "info": DERIVED},)

    span_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    approval: Mapped[str] = mapped_column(String(16), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    items: Mapped[int] = mapped_column(BigInteger, nullable=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False)


class ReleaseRollup(Base):
    """Square metres released per span, approval state, method and one dimension's member."""

    __tablename__ = "release_rollup"
    __table_args__ = ({"sqlite_with_rowid": False, "info": DERIVED},)

    span_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    approval: Mapped[str] = mapped_column(String(16), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    method: Mapped[str] = mapped_column(String(16), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False)


class HazardReleaseRollup(Base):
    """Square metres released from each hazard, all time, per approval state.

    ``dimension`` is always ``hazard`` and ``member_id`` the hazard's id (0 for
    releases recorded without a hazard), as in the span roll-ups' key.
    """

    __tablename__ = "hazard_release_rollup"
    __table_args__ = ({"sqlite_with_rowid": False, "info": DERIVED},)

    approval: Mapped[str] = mapped_column(String(16), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False)


class _BeneficiaryRollup:
    """Records and beneficiaries per month, approval state and one dimension's member.

    The dimensions are the district and the operator (their id in
    ``member_id``, 0 when not recorded, ``kind`` empty) and the kind — the
    EORE method or the assistance type (in ``kind``, ``member_id`` 0). Each
    record counts once in each dimension (``store/beneficiary_rollup_ddl.py``).
    """

    __table_args__ = ({"sqlite_with_rowid": False, "info": DERIVED},)

    month_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    approval: Mapped[str] = mapped_column(String(16), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False)
    female_child: Mapped[int] = mapped_column(BigInteger, nullable=False)
    male_child: Mapped[int] = mapped_column(BigInteger, nullable=False)
    female_adult: Mapped[int] = mapped_column(BigInteger, nullable=False)
    male_adult: Mapped[int] = mapped_column(BigInteger, nullable=False)
    female_elderly: Mapped[int] = mapped_column(BigInteger, nullable=False)
    male_elderly: Mapped[int] = mapped_column(BigInteger, nullable=False)


class EORERollup(_BeneficiaryRollup, Base):
    """EORE sessions and their beneficiaries per month, approval state and dimension member."""

    __tablename__ = "eore_rollup"


class AssistanceRollup(_BeneficiaryRollup, Base):
    """Assistance records and their beneficiaries per month, approval state and dimension member."""

    __tablename__ = "assistance_rollup"


class AccidentRollup(Base):
    """Accidents per month and approval state (``store/casualty_rollup_ddl.py``)."""

    __tablename__ = "accident_rollup"
    __table_args__ = ({"sqlite_with_rowid": False, "info": DERIVED},)

    month_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    approval: Mapped[str] = mapped_column(String(16), primary_key=True)
    accidents: Mapped[int] = mapped_column(Integer, nullable=False)


class VictimRollup(Base):
    """Victims per month of their accident, both approval states, one dimension's member, outcome.

    Each victim counts once per dimension: ``group``, ``sex`` and ``age`` (the
    victim's own, in ``member``), ``device`` (the accident's category, in
    ``member``) and ``district`` (the accident's ``admin_area_id`` in
    ``member_id``, 0 when not recorded). The other member column holds ``''``
    or 0, so that the key has no NULLs.
    """

    __tablename__ = "victim_rollup"
    __table_args__ = ({"sqlite_with_rowid": False, "info": DERIVED},)

    month_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    accident_approval: Mapped[str] = mapped_column(String(16), primary_key=True)
    victim_approval: Mapped[str] = mapped_column(String(16), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    member: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(8), primary_key=True)
    victims: Mapped[int] = mapped_column(Integer, nullable=False)
