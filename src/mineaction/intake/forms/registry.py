"""The forms by name, and the columns their submission exports hold."""

from __future__ import annotations

import difflib

from mineaction.errors import Problem, ValidationError
from mineaction.intake.forms.definitions import FORMS
from mineaction.intake.forms.spec import FormSpec

__all__ = ["FORMS", "form_columns", "get_form"]


def get_form(kind: str) -> FormSpec:
    """Return the form called ``kind``; raise ValidationError naming the forms there are."""
    try:
        return FORMS[kind]
    except KeyError:
        allowed = ", ".join(FORMS)
        close = difflib.get_close_matches(kind, list(FORMS), n=1)
        hint = f"Did you mean {close[0]}? " if close else ""
        raise ValidationError(
            f"There is no field form called {kind!r}.",
            hint=f"{hint}The forms are: {allowed}.",
            problems=[Problem(reason="unknown form", field="kind", value=kind, hint=allowed)],
        ) from None


def form_columns(kind: str, *, repeat: str | None = None) -> list[str]:
    """Return the columns of a flattened submission export of form ``kind``.

    This is what the importer should expect once it has *flattened* an export:

    - group prefixes dropped: ODK Central writes ``beneficiaries-female_child``
      and ``meta-instanceID``, KoboToolbox ``beneficiaries/female_child`` (or
      no prefix); every field name is unique within its table, so the part
      after the last ``-`` or ``/`` is the column;
    - a geopoint is the one column ``position`` holding ``"lat lon alt acc"``
      (KoboToolbox adds ``_position_latitude``, ``_position_longitude``,
      ``_position_altitude`` and ``_position_precision``; ODK Central's CSV
      splits it into ``position-Latitude``, ``position-Longitude``,
      ``position-Altitude`` and ``position-Accuracy``); the forms also
      compute ``lon`` and ``lat`` from it, so those import columns are there
      as they are; a geoshape is one column of ``"lat lon alt acc"`` points
      joined by ``;``;
    - a ``select_multiple`` is one column of codes separated by spaces;
    - ``start``, ``end`` (device timestamps) first; ``instanceID`` and
      ``instanceName`` (the name Collect lists a submission under) last.

    Columns the platforms add (``KEY``, ``SubmissionDate``, ``SubmitterID``,
    ``ReviewState``; ``_id``, ``_uuid``, ``_submission_time``, ``_index``…)
    are not listed.  ``id`` is the record's source id in every table.

    The accident form's victims are a repeat exported as a second sheet
    (KoboToolbox) or file (ODK Central, ``mineaction_accident-victims.csv``):
    pass ``repeat="victims"`` for its columns.  Each victim row carries
    ``accident_id``, the ``id`` of its accident, besides the platform's own
    ``PARENT_KEY`` / ``_parent_index`` link.

    >>> form_columns("finding")[:6]
    ['start', 'end', 'id', 'date', 'operator', 'district']
    >>> form_columns("accident", repeat="victims")[:3]
    ['id', 'accident_id', 'sex']
    """
    form = get_form(kind)
    if repeat is not None and repeat not in form.repeats:
        there = ", ".join(form.repeats) or "none"
        raise ValidationError(
            f"The {kind} form has no repeat called {repeat!r}.",
            hint=f"Its repeats are: {there}.",
            problems=[Problem(reason="unknown repeat", field="repeat", value=repeat)],
        )
    return form.columns(repeat)
