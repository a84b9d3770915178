"""What templates call to show codes, numbers and dates in the current language.

Codes (a status, a category, a role) are shown with their label from
``domain/vocab.py``; numbers and dates with the separators and month names
the report renderers use (``render/labels.py``).  Each helper falls back to
the value as stored when it is not a known code or date, so no page breaks
on a value the vocabulary does not hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from mineaction.domain import vocab
from mineaction.render import labels
from mineaction.services.catalogue import KINDS
from mineaction.web.i18n import current_language, gettext

#: The vocabulary of a record field, by field name, where the name alone says it.
FIELD_VOCABULARIES: dict[str, vocab.Vocabulary] = {
    "approval": vocab.APPROVAL,
    "category": vocab.EO_CATEGORY,
    "device_category": vocab.EO_CATEGORY,
    "contamination": vocab.CONTAMINATION,
    "hazard_type": vocab.HAZARD_TYPE,
    "evidence": vocab.EVIDENCE,
    "condition": vocab.FINDING_CONDITION,
    "disposal": vocab.DISPOSAL,
    "accident_type": vocab.ACCIDENT_TYPE,
    "outcome": vocab.OUTCOME,
    "sex": vocab.SEX,
    "age_band": vocab.AGE_BAND,
    "group": vocab.VICTIM_GROUP,
    "activity_at_time": vocab.VICTIM_ACTIVITY,
    "activity_type": vocab.ACTIVITY_TYPE,
    "assistance_type": vocab.ASSISTANCE_TYPE,
    "equipment_type": vocab.EQUIPMENT_TYPE,
    "laying_method": vocab.LAYING_METHOD,
    "project_type": vocab.PROJECT_TYPE,
    "level": vocab.ADMIN_LEVEL,
    "date_precision": vocab.DATE_PRECISION,
    "role": vocab.ROLE,
}
#: Fields whose vocabulary depends on the kind of record ("status" of a hazard or a machine).
KIND_FIELD_VOCABULARIES: dict[tuple[str, str], vocab.Vocabulary] = {
    ("hazards", "status"): vocab.HAZARD_STATUS,
    ("activities", "status"): vocab.ACTIVITY_STATUS,
    ("equipment", "status"): vocab.EQUIPMENT_STATUS,
    ("land-releases", "method"): vocab.RELEASE_METHOD,
    ("eore-sessions", "method"): vocab.EORE_METHOD,
    ("organisations", "type"): vocab.ORGANISATION_TYPE,
}


def term(code: Any, vocabulary: str) -> str:
    """Return the label of ``code`` in the named vocabulary (the code itself if unknown)."""
    words = vocab.ALL.get(vocabulary)
    if words is None or not isinstance(code, str) or code not in words:
        return "" if code is None else str(code)
    return words.label(code, current_language())


def field_value(value: Any, field: str, kind: str = "") -> str:
    """Return a record's field as people read it: a code as its label, anything else as stored."""
    words = KIND_FIELD_VOCABULARIES.get((kind, field)) or FIELD_VOCABULARIES.get(field)
    if words is not None and isinstance(value, str) and value in words:
        return words.label(value, current_language())
    return "" if value is None else str(value)


def kind_label(name: str) -> str:
    """Return the translated name of the kind of record called ``name``."""
    info = KINDS.get(name)
    return gettext(info.label) if info is not None else name


def number(value: Any, digits: int = 0) -> str:
    """Write a number with the current language's separators (2,046.3 / 2 046,3)."""
    if not isinstance(value, int | float):
        return "" if value is None else str(value)
    return labels.number(value, current_language(), digits)


def day(value: Any, year: bool = True) -> str:
    """Write a date (or an ISO date text) as the reports do: 5 May 2024 / 5 мая 2024."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    return labels.date_text(value, current_language(), year=year)


def period(start: str | dt.date, end: str | dt.date) -> str:
    """Write a period as the reports do: 29 April – 5 May 2024 (ISO date texts accepted)."""
    first = dt.date.fromisoformat(start) if isinstance(start, str) else start
    last = dt.date.fromisoformat(end) if isinstance(end, str) else end
    return labels.period_text((first, last), current_language())


def map_terms() -> dict[str, str]:
    """Return the labels the map's popups show for finding categories and release methods."""
    lang = current_language()
    return {
        code: words.label(code, lang)
        for words in (vocab.EO_CATEGORY, vocab.RELEASE_METHOD)
        for code in words
    }


TEMPLATE_GLOBALS: dict[str, Callable[..., Any]] = {
    "map_terms": map_terms,
    "period": period,
    "term": term,
    "field_value": field_value,
    "kind_label": kind_label,
}
TEMPLATE_FILTERS: dict[str, Callable[..., str]] = {"number": number, "day": day}
