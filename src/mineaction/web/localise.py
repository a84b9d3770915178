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

import shapely

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


#: How people call a record's fields (import columns and table columns), in English;
#: the catalogue translates them.
FIELD_LABELS: dict[str, str] = {
    "id": "Record number",
    "accident_id": "Accident",
    "accident_type": "Accident type",
    "acquired_date": "Acquired on",
    "activity_id": "Activity",
    "activity_type": "Activity type",
    "admin_area_id": "Administrative area",
    "age": "Age",
    "aliases": "Other names",
    "anti_handling": "Anti-handling devices",
    "approval": "Approval",
    "area_m2": "Area (m²)",
    "assistance_type": "Assistance type",
    "attribution": "Attribution",
    "benchmark_point": "Benchmark point",
    "blockages": "Blockages",
    "category": "Category",
    "closed_date": "Closed on",
    "code": "Code",
    "contamination": "Contamination",
    "country": "Country",
    "created_at": "Created",
    "date": "Date",
    "date_precision": "Date precision",
    "depth_cm": "Depth (cm)",
    "device_category": "Device category",
    "district": "District",
    "end_date": "End date",
    "eo_found": "EO found",
    "equipment_type": "Equipment type",
    "evidence": "Evidence",
    "evidence_notes": "Evidence notes",
    "expected_ap": "Expected AP mines",
    "expected_at": "Expected AT mines",
    "expected_beneficiaries": "Expected beneficiaries",
    "female_adult": "Women",
    "female_child": "Girls",
    "female_elderly": "Elderly women",
    "fuzes": "Fuzes",
    "geom": "Geometry",
    "geometry": "Geometry",
    "group": "Group",
    "hazard_id": "Hazardous area",
    "hazard_type": "Hazard type",
    "laid_date": "Laid on",
    "lat": "Latitude",
    "laying_method": "Laying method",
    "level": "Level",
    "location": "Location",
    "lon": "Longitude",
    "male_adult": "Men",
    "male_child": "Boys",
    "male_elderly": "Elderly men",
    "method": "Method",
    "mine_rows": "Mine rows",
    "model": "Model",
    "name": "Name",
    "name_az": "Name in Azerbaijani",
    "name_ru": "Name in Russian",
    "notes": "Notes",
    "operator": "Operator",
    "organisation_id": "Organisation",
    "outcome": "Outcome",
    "owner": "Owner",
    "parent": "Parent area",
    "parent_id": "Parent area",
    "planned_start": "Planned start",
    "priority": "Priority",
    "project_type": "Project type",
    "quantity": "Quantity",
    "received_date": "Received on",
    "recorded_date": "Recorded on",
    "reference": "Reference",
    "reference_points": "Reference points",
    "released_m2": "Released (m²)",
    "remaining_geom": "Remaining area",
    "serial": "Serial number",
    "sex": "Sex",
    "source": "Source",
    "source_id": "Source ID",
    "start_date": "Start date",
    "status": "Status",
    "status_date": "Status date",
    "team": "Team",
    "team_days": "Team-days",
    "team_id": "Team",
    "type": "Type",
    "updated_at": "Updated",
    "version": "Version",
    "victim_id": "Victim",
    "accident_date": "Accident date",
    "active": "Active",
    "activity_at_time": "Activity at the time",
    "age_band": "Age band",
    "assistance_date": "Assistance date",
    "condition": "Condition",
    "counted_geom": "Counted area",
    "description": "Description",
    "disposal": "Disposal",
    "eo_model_id": "EO model",
    "found_date": "Found on",
    "overlap_m2": "Overlap (m²)",
    "counted_area_m2": "Counted area (m²)",
    "release_date": "Released on",
    "reported_area_m2": "Reported area (m²)",
    "session_date": "Session date",
    "tampering": "Tampering",
    "victim_group": "Victim group",
}


def term(code: Any, vocabulary: str) -> str:
    """Return the label of ``code`` in the named vocabulary (the code itself if unknown)."""
    words = vocab.ALL.get(vocabulary)
    if words is None or not isinstance(code, str) or code not in words:
        return "" if code is None else str(code)
    return words.label(code, current_language())


def field_value(value: Any, field: str, kind: str = "") -> str:
    """Return a record's field as people read it.

    A code as its label; an area in square metres with its hectares; a
    moment of the record's life (``*_at``) as a date and UTC time; anything
    else (coordinates included) as stored, never rounded.
    """
    words = KIND_FIELD_VOCABULARIES.get((kind, field)) or FIELD_VOCABULARIES.get(field)
    if words is not None and isinstance(value, str) and value in words:
        return words.label(value, current_language())
    if field.endswith("_m2") and isinstance(value, int | float):
        return f"{number(value)} ({number(value / 10_000, 2)} ha)"
    if field.endswith("_at") and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
            return f"{day(moment.date())}, {moment:%H:%M} UTC"
    return "" if value is None else str(value)


#: Names a column takes in one kind only: a land release's import ``area_m2`` is the figure
#: reported, beside the area the ledger counted from its polygon.
KIND_FIELD_LABELS: dict[tuple[str, str], str] = {
    ("land-releases", "area_m2"): "Reported area (m²)",
}


def field_label(field: str, kind: str = "") -> str:
    """Return the translated name of a record's field (the field's code when it has none)."""
    english = KIND_FIELD_LABELS.get((kind, field)) or FIELD_LABELS.get(field)
    return gettext(english) if english is not None else field


def shape_summary(wkt: str) -> str:
    """Return a geometry written as WKT in a few words: its type and how many points it has."""
    try:
        geometry = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException:
        return wkt[:40]
    return gettext("{shape} of {points} points").format(
        shape=geometry.geom_type, points=shapely.get_num_coordinates(geometry)
    )


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
    "field_label": field_label,
    "shape_summary": shape_summary,
}
TEMPLATE_FILTERS: dict[str, Callable[..., str]] = {"number": number, "day": day}
