"""Hazardous areas and the land released from them.

``create_hazard``, ``reshape_hazard`` and ``release_land`` are the only ways
a hazard's shape or released area changes, for every face (CLI, imports,
API, web, demo): each validates, applies the ledger and leaves history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from mineaction.domain import vocab
from mineaction.domain.ledger import (
    HazardLedger,
    ReleaseOutcome,
    apply_release,
    polygonal,
    slack_m2,
)
from mineaction.domain.rules import Problems
from mineaction.errors import LedgerError, Problem, ValidationError
from mineaction.geo import geodesic_area_m2, validate_polygon
from mineaction.services import admin_areas
from mineaction.services.country import CONFIGURED, CountryChoice, resolve_country
from mineaction.services.records import apply_fields, check_version, get_record
from mineaction.store.base import utcnow
from mineaction.store.tables import Hazard, HazardBlockage, LandRelease, Organisation


def create_hazard(
    *,
    session: Session,
    reference: str,
    hazard_type: str,
    contamination: str,
    geom: object,
    recorded_date: dt.date,
    country: CountryChoice = CONFIGURED,
    organisation_id: int | None = None,
    admin_area_id: int | None = None,
    status: str = "open",
    evidence: str | None = None,
    evidence_notes: str | None = None,
    blockages: Iterable[str] = (),
    expected_beneficiaries: int | None = None,
    name: str | None = None,
    source_id: str | None = None,
    approval: str = "approved",
) -> Hazard:
    """Validate and record a hazardous area; return it with its geodesic area.

    Positions are checked against ``country``: by default the configured
    country (MINEACTION_COUNTRY) when its boundary is loaded; None checks none.
    A reference already used by another hazard is refused.
    """
    blockages = list(blockages)
    problems = _attribute_problems(
        session,
        reference=reference,
        hazard_type=hazard_type,
        contamination=contamination,
        status=status,
        evidence=evidence,
        recorded_date=recorded_date,
        blockages=blockages,
        expected_beneficiaries=expected_beneficiaries,
        organisation_id=organisation_id,
        approval=approval,
    )
    taken = session.scalar(select(Hazard.id).where(Hazard.reference == reference))
    if taken is not None:
        problems.add(
            "reference",
            reference,
            f"A hazard with the reference {reference!r} is recorded already.",
            "Give the new hazard its own reference; to change the recorded one, update it.",
        )
    problems.raise_if_any(f"hazard {reference}")
    shape = polygonal(validate_polygon(geom, country=resolve_country(session, country)))
    if admin_area_id is None:
        admin_area_id = admin_areas.district_id_of(session, shape)
    hazard = Hazard(
        reference=reference,
        name=name,
        hazard_type=hazard_type,
        contamination=contamination,
        status=status,
        evidence=evidence,
        evidence_notes=evidence_notes,
        expected_beneficiaries=expected_beneficiaries,
        recorded_date=recorded_date,
        organisation_id=organisation_id,
        admin_area_id=admin_area_id,
        geom=shape,
        remaining_geom=shape,
        benchmark_point=shape.representative_point(),
        area_m2=geodesic_area_m2(shape),
        released_m2=0.0,
        source_id=source_id,
        approval=approval,
        blockages=[HazardBlockage(blockage=b) for b in sorted(set(blockages))],
    )
    session.add(hazard)
    session.flush()
    return hazard


def update_hazard(
    *,
    session: Session,
    hazard: Hazard,
    hazard_type: str,
    contamination: str,
    recorded_date: dt.date,
    status: str,
    approval: str,
    name: str | None = None,
    evidence: str | None = None,
    evidence_notes: str | None = None,
    blockages: Iterable[str] = (),
    expected_beneficiaries: int | None = None,
    organisation_id: int | None = None,
    admin_area_id: int | None = None,
) -> Hazard:
    """Give a hazard that is not approved yet new attributes (a new version, with history).

    Its shape changes only through :func:`reshape_hazard`, its released area only
    through :func:`release_land`.  A hazard the ledger closed (nothing remains)
    cannot be reopened here.
    """
    blockages = sorted(set(blockages))
    problems = _attribute_problems(
        session,
        reference=hazard.reference,
        hazard_type=hazard_type,
        contamination=contamination,
        status=status,
        evidence=evidence,
        recorded_date=recorded_date,
        blockages=blockages,
        expected_beneficiaries=expected_beneficiaries,
        organisation_id=organisation_id,
        approval=approval,
    )
    if status != hazard.status and hazard.status == "closed" and hazard.remaining_m2 <= 0.5:
        problems.add(
            "status",
            status,
            f"Hazard {hazard.reference} is closed: all of its land has been released.",
            "A closed hazard stays closed; record new contamination as a new hazard.",
        )
    problems.raise_if_any(f"hazard {hazard.reference}")
    fields: dict[str, object] = {
        "name": name,
        "hazard_type": hazard_type,
        "contamination": contamination,
        "status": status,
        "evidence": evidence,
        "evidence_notes": evidence_notes,
        "expected_beneficiaries": expected_beneficiaries,
        "recorded_date": recorded_date,
        "organisation_id": organisation_id,
        "approval": approval,
    }
    if admin_area_id is not None:
        fields["admin_area_id"] = admin_area_id
    changed = apply_fields(hazard, fields)
    if sorted(b.blockage for b in hazard.blockages) != blockages:
        for gone in [b for b in hazard.blockages if b.blockage not in blockages]:
            hazard.blockages.remove(gone)
        session.flush()  # the removed rows go before the added ones (a code is unique)
        held = {b.blockage for b in hazard.blockages}
        hazard.blockages.extend(HazardBlockage(blockage=b) for b in blockages if b not in held)
        if not changed:  # the blockages are a child table: make the hazard a new version too
            hazard.updated_at = utcnow()
    session.flush()
    return hazard


def _attribute_problems(
    session: Session,
    *,
    reference: str | None,
    hazard_type: str | None,
    contamination: str | None,
    status: str | None,
    evidence: str | None,
    recorded_date: dt.date | None,
    blockages: Iterable[str],
    expected_beneficiaries: int | None,
    organisation_id: int | None,
    approval: str,
) -> Problems:
    """Return the problems of a hazard's attributes (everything but its shape)."""
    problems = Problems()
    if not reference:
        problems.add(
            "reference", reference, "A hazard needs a reference.", "Give it, e.g. HA-AGD-0001."
        )
    problems.code(vocab.HAZARD_TYPE, hazard_type, "hazard_type")
    problems.code(vocab.CONTAMINATION, contamination, "contamination")
    problems.code(vocab.HAZARD_STATUS, status, "status")
    problems.code(vocab.EVIDENCE, evidence, "evidence", required=False)
    problems.code(vocab.APPROVAL, approval, "approval")
    problems.date(recorded_date, "recorded_date")
    for blockage in blockages:
        problems.code(vocab.BLOCKAGE, blockage, "blockages")
    if expected_beneficiaries is not None and expected_beneficiaries < 0:
        problems.add("expected_beneficiaries", expected_beneficiaries, "cannot be negative")
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        problems.add("operator", organisation_id, "no such organisation")
    return problems


def reshape_hazard(
    *,
    session: Session,
    hazard_id: int,
    geom: object,
    expected_version: int,
    country: CountryChoice = CONFIGURED,
) -> Hazard:
    """Give a hazard a new recorded shape (after re-survey), keeping its releases counted.

    Refused when land already released would no longer fit in the new shape.
    """
    hazard = get_record(session, Hazard, hazard_id)
    check_version(hazard, expected_version)
    shape = polygonal(validate_polygon(geom, country=resolve_country(session, country)))
    releases = list(session.scalars(select(LandRelease).where(LandRelease.hazard_id == hazard.id)))
    drawn = [r.counted_geom for r in releases if r.counted_geom is not None]
    released_shape = polygonal(shapely.union_all(drawn)) if drawn else polygonal(None)
    reported_only = sum(r.area_m2 for r in releases if r.counted_geom is None)
    area = geodesic_area_m2(shape)
    released = geodesic_area_m2(polygonal(shapely.intersection(released_shape, shape)))
    released += reported_only
    outside = geodesic_area_m2(polygonal(shapely.difference(released_shape, shape)))
    if outside > 1.0 or released > area + 0.5:
        raise LedgerError(
            f"The new shape of hazard {hazard.reference} leaves out land already released "
            f"({outside / 10_000:,.2f} ha of released polygons fall outside it).",
            hint="Draw the new shape so that it still contains every released polygon.",
            problems=[
                Problem(
                    reason="released land outside new shape",
                    field="geometry",
                    value=hazard.reference,
                )
            ],
        )
    hazard.geom = shape
    hazard.area_m2 = area
    hazard.remaining_geom = polygonal(shapely.difference(shape, released_shape))
    hazard.released_m2 = released
    session.flush()
    return hazard


def release_land(
    *,
    session: Session,
    method: str,
    release_date: dt.date,
    organisation_id: int,
    hazard_id: int | None = None,
    geom: object | None = None,
    reported_area_m2: float | None = None,
    activity_id: int | None = None,
    admin_area_id: int | None = None,
    depth_cm: int | None = None,
    country: CountryChoice = CONFIGURED,
    source_id: str | None = None,
    approval: str = "approved",
    date_precision: str = "day",
) -> LandRelease:
    """Record land cancelled, reduced or cleared; the ledger decides what counts.

    With a hazard, the released polygon (or the reported area) is checked
    against what remains of it, the hazard's remaining shape shrinks and it
    closes when nothing remains.  Raises LedgerError, writing nothing, when
    the release does not fit.  ``date_precision`` says how much of ``release_date`` is
    known: day, month or year.
    """
    problems = Problems()
    problems.code(vocab.RELEASE_METHOD, method, "method")
    problems.date(release_date, "release_date")
    problems.code(vocab.DATE_PRECISION, date_precision, "date_precision")
    problems.code(vocab.APPROVAL, approval, "approval")
    problems.positive(reported_area_m2, "area_m2", required=geom is None)
    if depth_cm is not None and depth_cm < 0:
        problems.add("depth_cm", depth_cm, "depth cannot be negative")
    if session.get(Organisation, organisation_id) is None:
        problems.add("operator", organisation_id, "no such organisation")
    problems.raise_if_any("land release")
    shape = None
    if geom is not None:
        shape = polygonal(validate_polygon(geom, country=resolve_country(session, country)))
    hazard = get_record(session, Hazard, hazard_id) if hazard_id is not None else None
    if hazard is not None:
        if approval == "approved":
            _require_open(hazard)
            ledger = _ledger(hazard)
        else:
            # Not approved yet: it must fit the hazard, but it takes no land until approved
            # (settle_releases), when it counts what is then still unreleased. It may be the
            # correction of the release that closed the hazard, so it is checked against the
            # hazard's recorded shape and its area shown as that part.
            ledger = HazardLedger(hazard.reference, hazard.geom, hazard.geom, hazard.area_m2, 0.0)
        outcome = apply_release(ledger, geom=shape, reported_m2=reported_area_m2)
        counted_geom, counted_m2, overlap = (
            outcome.counted_geom,
            outcome.counted_m2,
            outcome.overlap_m2,
        )
        if approval == "approved":
            _take(hazard, outcome, release_date)
        admin_area_id = admin_area_id or hazard.admin_area_id
    else:
        counted_geom = shape
        counted_m2 = geodesic_area_m2(shape) if shape is not None else float(reported_area_m2 or 0)
        overlap = 0.0
    if admin_area_id is None and shape is not None:
        admin_area_id = admin_areas.district_id_of(session, shape)
    release = LandRelease(
        method=method,
        release_date=release_date,
        date_precision=date_precision,
        organisation_id=organisation_id,
        hazard_id=hazard_id,
        activity_id=activity_id,
        admin_area_id=admin_area_id,
        depth_cm=depth_cm,
        geom=shape,
        counted_geom=counted_geom,
        reported_area_m2=reported_area_m2,
        area_m2=counted_m2,
        overlap_m2=overlap,
        source_id=source_id,
        approval=approval,
    )
    session.add(release)
    session.flush()
    return release


def update_release(
    *,
    session: Session,
    release: LandRelease,
    release_date: dt.date,
    method: str,
    organisation_id: int,
    approval: str,
    date_precision: str = "day",
    admin_area_id: int | None = None,
) -> LandRelease:
    """Change what the ledger does not count on (date, method, operator, district) of a release.

    Only for releases not approved yet; the polygon, area and hazard stay as counted.
    """
    problems = Problems()
    problems.code(vocab.RELEASE_METHOD, method, "method")
    problems.date(release_date, "release_date")
    problems.code(vocab.DATE_PRECISION, date_precision, "date_precision")
    problems.code(vocab.APPROVAL, approval, "approval")
    if session.get(Organisation, organisation_id) is None:
        problems.add("operator", organisation_id, "no such organisation")
    problems.raise_if_any("land release")
    fields: dict[str, object] = {
        "release_date": release_date,
        "method": method,
        "organisation_id": organisation_id,
        "approval": approval,
        "date_precision": date_precision,
    }
    if admin_area_id is not None:
        fields["admin_area_id"] = admin_area_id
    apply_fields(release, fields)
    session.flush()
    return release


def _ledger(hazard: Hazard) -> HazardLedger:
    return HazardLedger(
        hazard.reference,
        hazard.geom,
        hazard.remaining_geom or hazard.geom,
        hazard.area_m2,
        hazard.released_m2,
    )


def _take(hazard: Hazard, outcome: ReleaseOutcome, release_date: dt.date) -> None:
    """Shrink ``hazard`` by an approved release's outcome; close it when nothing remains."""
    hazard.remaining_geom = outcome.remaining_geom
    hazard.released_m2 = outcome.released_m2
    if outcome.closes(hazard.area_m2):
        hazard.status, hazard.closed_date = "closed", release_date


def settle_releases(session: Session, hazard_id: int) -> None:
    """Make the hazard's ledger what its approved releases say, oldest first.

    Called when a release of the hazard is approved, rejected or superseded
    (``services.approval``): the hazard starts again from its recorded shape
    and each approved release, in the order they were recorded, counts what
    of it was still unreleased. A release that was corrected (superseded)
    gives its land back, and its correction counts instead; a draft or a
    rejected release never took any. Raises LedgerError, so that the step is
    refused and nothing is written, when the approved releases no longer fit
    (the land was released by another approved release in between).
    """
    hazard = get_record(session, Hazard, hazard_id)
    was_closed_by_ledger = hazard.status == "closed" and hazard.released_m2 >= hazard.area_m2 - (
        slack_m2(hazard.area_m2)
    )
    approved = session.scalars(
        select(LandRelease)
        .where(LandRelease.hazard_id == hazard.id, LandRelease.approval == "approved")
        .order_by(LandRelease.id)
    ).all()
    hazard.remaining_geom, hazard.released_m2 = hazard.geom, 0.0
    if was_closed_by_ledger:
        hazard.status, hazard.closed_date = "open", None
    for release in approved:
        outcome = apply_release(
            _ledger(hazard), geom=release.geom, reported_m2=release.reported_area_m2
        )
        release.counted_geom = outcome.counted_geom
        release.area_m2 = outcome.counted_m2
        release.overlap_m2 = outcome.overlap_m2
        _take(hazard, outcome, release.release_date)
    session.flush()


def _require_open(hazard: Hazard) -> None:
    if hazard.status != "open":
        raise ValidationError(
            f"Hazard {hazard.reference} is {hazard.status}; land can only be released from an "
            "open hazard.",
            hint="Check the hazard reference, or reopen the hazard first.",
            problems=[Problem(reason="hazard not open", field="hazard_id", value=hazard.reference)],
        )
