"""Importing an uploaded file for a user: the CLI's pipeline, with the user's role applied.

An operator officer's rows arrive as ``submitted`` and must be their own
organisation's (an empty operator cell becomes it); the national roles'
imports are ``approved`` as from the command line, or the state they choose.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mineaction.errors import Problem, ValidationError
from mineaction.intake import pipeline
from mineaction.intake.readers.base import SourceRow
from mineaction.services.catalogue import KindInfo
from mineaction.services.policy import Forbidden, Principal, require
from mineaction.store.database import Database
from mineaction.store.tables import Organisation


class OwnOperatorRows:
    """A row mapper that keeps an operator officer's rows to their own organisation."""

    def __init__(self, code: str) -> None:
        self.code = code

    def columns(self, source_columns: list[str]) -> list[str]:
        """Return the file's columns, with ``operator`` added when it is missing."""
        return source_columns if "operator" in source_columns else [*source_columns, "operator"]

    def prepare(self, session: Session, *, dry_run: bool) -> None:
        """Nothing has to exist before the rows are written."""

    def map_rows(self, row: Any) -> list[Any]:
        """Return the row with the officer's organisation as operator, or with a problem."""
        given = row.values.get("operator")
        values = dict(row.values)
        problems = list(row.problems)
        if given is None or not str(given).strip():
            values["operator"] = self.code
        elif str(given).strip().casefold() != self.code.casefold():
            problems.append(
                Problem(
                    reason=f"An officer of {self.code} imports only {self.code}'s work.",
                    field="operator",
                    value=given,
                    row=row.number,
                    hint=f"Write {self.code} or leave the cell empty.",
                )
            )
        return [SourceRow(row.number, values, getattr(row, "geometry", None), problems)]


class ThenOwnOperator:
    """A user's column mapping followed by the operator officer's own-organisation check."""

    def __init__(self, first: pipeline.RowMapper, then: OwnOperatorRows) -> None:
        self.first = first
        self.then = then
        self.country = getattr(first, "country", None)

    def check_kind(self, kind_name: str) -> None:
        """Refuse a mapping written for another kind (as the mapping alone would)."""
        check = getattr(self.first, "check_kind", None)
        if check is not None:
            check(kind_name)

    def columns(self, source_columns: list[str]) -> list[str]:
        """Return the mapped columns, with ``operator`` added when the mapping has none."""
        return self.then.columns(self.first.columns(source_columns))

    def prepare(self, session: Session, *, dry_run: bool) -> None:
        """Let the mapping create what must exist first."""
        self.first.prepare(session, dry_run=dry_run)

    def map_rows(self, row: Any) -> list[Any]:
        """Return the mapped rows, each kept to the officer's organisation."""
        return [out for mapped in self.first.map_rows(row) for out in self.then.map_rows(mapped)]


#: The approval states a national role may give an import; an operator's is always submitted.
STATES = ("approved", "submitted", "draft")


def status_for(who: Principal, chosen: str | None) -> str:
    """Return the approval state ``who``'s import gets: an operator's is submitted (only).

    A national role may choose draft, submitted or approved (approved when none).
    """
    if who.role == "operator_officer":
        if chosen not in (None, "", "submitted"):
            raise Forbidden(
                f"An operator officer's imports arrive as submitted, not {chosen}.",
                hint="Leave the state out; an IM officer approves the records after review.",
            )
        return "submitted"
    if chosen is None or chosen == "":
        return "approved"
    if chosen not in STATES:
        raise ValidationError(
            f"{chosen!r} is not a state an import can give its records.",
            hint=f"Use one of: {', '.join(STATES)}.",
            problems=[Problem(reason="unknown state", field="status", value=chosen)],
        )
    return chosen


def import_upload(
    db: Database,
    info: KindInfo,
    path: Path,
    *,
    who: Principal,
    dry_run: bool = False,
    mapping: pipeline.RowMapper | None = None,
    status: str | None = None,
) -> pipeline.ImportReport:
    """Import ``path`` as records of ``info`` for ``who``; raise ImportRefused on bad rows.

    ``mapping`` is a column mapping (``load_mapping``) for a foreign file;
    ``status`` the state a national role chooses (see ``status_for``).
    """
    require(who, "import", info.name)
    require(who, "create", info.name)
    assert info.writable is not None
    approval = status_for(who, status)
    if who.role == "operator_officer":
        with db.session() as session:
            code = session.get_one(Organisation, who.organisation_id).code
        own = OwnOperatorRows(code)
        mapping = own if mapping is None else ThenOwnOperator(mapping, own)
    report = pipeline.import_file(
        db,
        info.writable,
        path,
        approval=approval,
        dry_run=dry_run,
        actor=who.username,
        mapping=mapping,
    )
    return replace(report, source=path.name)
