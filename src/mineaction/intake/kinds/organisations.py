"""Organisations: operators, authorities and the other bodies records name by code."""

from __future__ import annotations

from typing import Any

from mineaction.errors import Problem, ValidationError
from mineaction.intake.columns import Column, parse_code, parse_text
from mineaction.intake.kinds.base import Context, Kind
from mineaction.services import organisations
from mineaction.store.base import Record
from mineaction.store.tables import Organisation


def _write_organisation(ctx: Context, v: dict[str, Any], sid: str | None) -> Record:
    return organisations.create_organisation(
        session=ctx.session,
        code=v["code"],
        name=v["name"],
        type=v["type"],
        source_id=sid or v["code"],
        approval=ctx.approval,
    )


def _update_organisation(ctx: Context, record: Any, v: dict[str, Any]) -> Record:
    if v["code"].casefold() != record.code.casefold():
        raise ValidationError(
            f"The row with id {record.source_id!r} changes the code of organisation "
            f"{record.code!r}; codes are how other files name it and cannot change.",
            hint="Keep the code, or import the organisation under a new id.",
            problems=[Problem(reason="code cannot change", field="code", value=v["code"])],
        )
    return organisations.update_organisation(
        session=ctx.session, organisation=record, name=v["name"], type=v["type"]
    )


ORGANISATIONS = Kind(
    "organisations",
    Organisation,
    (
        Column("code", parse_text, True, "ANAMA", "short unique code, used in other files"),
        Column("name", parse_text, True, "Mine Action Agency of the Republic of Azerbaijan"),
        Column(
            "type",
            parse_code,
            True,
            "national_authority",
            "national_authority, military, civil_protection, border_service, ngo, commercial",
        ),
    ),
    _write_organisation,
    lambda o: {"code": o.code, "name": o.name, "type": o.type},
    update=_update_organisation,
    natural_key=lambda ctx, v: (
        organisations.find_by_code(ctx.session, v["code"]) if v.get("code") else None
    ),
)
