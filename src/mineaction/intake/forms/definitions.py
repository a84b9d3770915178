"""The five field forms the national database hands to operators' teams.

Field names are the importer's column names (``date``, ``category``,
``quantity``, ``activity_id``, ``lon``, ``lat`` …), so a submission export
maps onto the import formats without renaming.  ``id`` is a calculated ``once(uuid())``:
it is the record's source id, stays the same when a submission is edited,
and a victim's ``accident_id`` copies its accident's ``id``.
"""

from __future__ import annotations

from mineaction.domain import vocab
from mineaction.intake.forms.spec import Field, FormSpec, Group
from mineaction.store.tables.programmes import BENEFICIARY_COLUMNS

NOT_FUTURE = ". <= today()"
COUNT = ". >= 0"
RECORD_ID = "once(uuid())"


def _id() -> Field:
    return Field("id", "calculate", calculation=RECORD_ID)


def _date(hint: str = "date.hint") -> Field:
    return Field(
        "date",
        "date",
        required=True,
        hint=hint,
        constraint=NOT_FUTURE,
        constraint_message="msg.date",
    )


def _operator(required: bool = True) -> Field:
    return Field("operator", "text", required=required, hint="operator.hint", preset=True)


def _text(name: str, *, required: bool = False, hint: str | None = None) -> Field:
    return Field(name, "text", required=required, hint=hint)


def _select(name: str, choices: vocab.Vocabulary, *, required: bool = True) -> Field:
    return Field(name, "select_one", required=required, choices=choices)


def _position(
    *, required: bool, hint: str = "position.hint", appearance: str | None = None
) -> tuple[Field, Field, Field]:
    """Return the geopoint ``position`` and its longitude and latitude as their own values.

    A geopoint answer is the text "lat lon alt acc"; ``lon`` and ``lat`` pick
    its parts so that every export has the import's lon/lat columns as they are.
    """
    point = Field("position", "geopoint", required=required, hint=hint, appearance=appearance)
    return (point, _part_of_position("lon", 1), _part_of_position("lat", 0))


def _part_of_position(name: str, index: int) -> Field:
    pick = f"if(${{position}} = '', '', selected-at(${{position}}, {index}))"
    return Field(name, "calculate", calculation=pick)


def _count(name: str, *, default: str | None = None) -> Field:
    return Field(
        name,
        "integer",
        required=True,
        constraint=COUNT,
        constraint_message="msg.count",
        default=default,
    )


def _area(
    name: str, *, required: bool = True, constraint: str = COUNT, message: str = "msg.area"
) -> Field:
    return Field(
        name, "decimal", required=required, constraint=constraint, constraint_message=message
    )


_TEAM_DAYS = Field(
    "team_days",
    "decimal",
    required=True,
    hint="team_days.hint",
    constraint=". > 0 and . <= 31",
    constraint_message="msg.team_days",
)
_NOTES = Field("notes", "text", appearance="multiline")


NTS = FormSpec(
    kind="nts",
    feeds="hazards (SHA/CHA) and land cancelled by non-technical survey",
    items=(
        _id(),
        _text("activity_id", required=True, hint="activity_id.hint"),
        _operator(),
        _text("team", required=True, hint="team.hint"),
        _date(),
        _text("district", hint="district.hint"),
        _text("hazard_id", hint="hazard_id.hint"),
        # optional: a survey that finds no evidence cancels the land and records no hazard
        _select("hazard_type", vocab.HAZARD_TYPE, required=False),
        _select("contamination", vocab.CONTAMINATION, required=False),
        _select("evidence", vocab.EVIDENCE, required=False),
        Field("evidence_notes", "text", hint="evidence_notes.hint", appearance="multiline"),
        Field("blockages", "select_multiple", choices=vocab.BLOCKAGE, hint="blockages.hint"),
        Field(
            "expected_beneficiaries",
            "integer",
            hint="expected_beneficiaries.hint",
            constraint=COUNT,
            constraint_message="msg.count",
        ),
        *_position(required=True),
        Field("boundary", "geoshape", hint="boundary.hint"),
        _area("surveyed_m2"),
        _area("cancelled_m2", constraint=". >= 0 and . <= ${surveyed_m2}", message="msg.cancelled"),
        _TEAM_DAYS,
        _NOTES,
    ),
    instance_name="concat(${date}, ' ', ${activity_id}, ' ', ${team})",
)

CLEARANCE_PROGRESS = FormSpec(
    kind="clearance_progress",
    feeds="progress reports of clearance, technical survey and BAC activities",
    items=(
        _id(),
        _text("activity_id", required=True, hint="activity_id.hint"),
        _operator(),
        _text("team", required=True, hint="team.hint"),
        _date(),
        _text("hazard_id", hint="hazard_id.hint"),
        _area("area_m2"),
        _TEAM_DAYS,
        Field(
            "status",
            "select_one",
            required=True,
            choices=vocab.ACTIVITY_STATUS,
            default="ongoing",
            hint="status.hint",
        ),
        Field(
            "depth_cm", "integer", constraint=". >= 0 and . <= 300", constraint_message="msg.depth"
        ),
        Field(
            "eo_found",
            "integer",
            hint="eo_found.hint",
            constraint=COUNT,
            constraint_message="msg.count",
        ),
        *_position(required=False),
        _NOTES,
    ),
    instance_name="concat(${date}, ' ', ${activity_id}, ' ', ${team})",
)

FINDING = FormSpec(
    kind="finding",
    feeds="findings (explosive ordnance found)",
    items=(
        _id(),
        _date("finding_date.hint"),
        _operator(),
        _text("district", hint="district.hint"),
        _select("category", vocab.EO_CATEGORY),
        _text("model", hint="model.hint"),
        Field(
            "quantity",
            "integer",
            required=True,
            default="1",
            constraint=". >= 1",
            constraint_message="msg.quantity",
        ),
        *_position(required=True),
        _text("activity_id", hint="activity_id.hint"),
        _select("condition", vocab.FINDING_CONDITION, required=False),
        Field(
            "depth_cm",
            "integer",
            label="found_depth_cm",
            constraint=". >= 0 and . <= 300",
            constraint_message="msg.depth",
        ),
        _select("disposal", vocab.DISPOSAL, required=False),
        _NOTES,
    ),
    instance_name="concat(${date}, ' ', ${category}, ' ', ${quantity})",
)

ACCIDENT = FormSpec(
    kind="accident",
    feeds="accidents, and their victims from the repeat 'victims'",
    items=(
        _id(),
        _date("accident_date.hint"),
        *_position(required=True, hint="accident_position.hint", appearance="placement-map"),
        _text("district", hint="district.hint"),
        _select("device_category", vocab.EO_CATEGORY),
        _select("accident_type", vocab.ACCIDENT_TYPE),
        _text("model", hint="model.hint"),
        _operator(required=False),
        _text("activity_id", hint="activity_id.hint"),
        Field("description", "text", appearance="multiline"),
        Group(
            "victims",
            repeat=True,
            fields=(
                Field("id", "calculate", calculation=RECORD_ID),
                Field("accident_id", "calculate", calculation="../../id"),
                _select("sex", vocab.SEX),
                Field(
                    "age",
                    "integer",
                    hint="age.hint",
                    constraint=". >= 0 and . <= 110",
                    constraint_message="msg.age",
                ),
                _select("group", vocab.VICTIM_GROUP),
                _select("outcome", vocab.OUTCOME),
                _select("activity_at_time", vocab.VICTIM_ACTIVITY, required=False),
            ),
        ),
    ),
    instance_name="concat(${date}, ' ', ${accident_type}, ' ', ${district})",
)

EORE = FormSpec(
    kind="eore",
    feeds="explosive ordnance risk education sessions",
    items=(
        _id(),
        _date("eore_date.hint"),
        _operator(),
        _text("team", hint="team.hint"),
        _select("method", vocab.EORE_METHOD),
        _text("district", hint="district.hint"),
        _text("location", required=True, hint="location.hint"),
        *_position(required=False),
        Group(
            "beneficiaries",
            appearance="field-list",
            fields=tuple(_count(name, default="0") for name in BENEFICIARY_COLUMNS),
        ),
        _NOTES,
    ),
    instance_name="concat(${date}, ' ', ${location})",
)

FORMS: dict[str, FormSpec] = {f.kind: f for f in (NTS, CLEARANCE_PROGRESS, FINDING, ACCIDENT, EORE)}
