"""Write a field form as an XLSForm workbook for ODK Collect and KoboToolbox.

The workbook has the three sheets XLSForm reads: ``survey`` (one row per
question, labels, hints and constraint messages in a column per language),
``choices`` (the vocabularies' codes with their labels) and ``settings``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from mineaction.domain.vocab import LANGUAGES
from mineaction.errors import Problem, ValidationError
from mineaction.intake.forms.labels import LANGUAGE_NAMES, text
from mineaction.intake.forms.registry import get_form
from mineaction.intake.forms.spec import Field, FormSpec, Group

__all__ = ["build_xlsform", "check_languages", "xform_of"]

Row = dict[str, str]

# The survey sheet's columns in the order people read them: what, then what it says.
_COLUMN_ORDER = (
    "type", "name", "label", "hint", "required", "constraint", "constraint_message",
    "calculation", "default", "readonly", "appearance",
)  # fmt: skip

# An operator code becomes the ``default`` of a question; only plain characters,
# so pyxform never takes it for an expression.
_OPERATOR_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")


def check_languages(languages: Sequence[str] | str) -> tuple[str, ...]:
    """Return the language codes in order, each once; "en,az,ru" is read as three.

    Raise ValidationError for an empty list or a language there are no labels in.
    """
    items = languages.split(",") if isinstance(languages, str) else list(languages)
    codes = tuple(dict.fromkeys(c.strip().lower() for c in items if c.strip()))
    allowed = ", ".join(LANGUAGES)
    unknown = [c for c in codes if c not in LANGUAGES]
    if unknown or not codes:
        what = ", ".join(repr(c) for c in unknown) if unknown else "no language"
        raise ValidationError(
            f"The forms cannot be written in {what}.",
            hint=f"Choose one or more of {allowed}, separated by commas (e.g. en,az,ru).",
            problems=[
                Problem(reason="unknown language", field="languages", value=c, hint=allowed)
                for c in unknown or [""]
            ],
        )
    return codes


def build_xlsform(
    kind: str,
    path: Path,
    *,
    languages: Sequence[str] = ("en", "az", "ru"),
    operator_code: str | None = None,
    version: str | None = None,
) -> Path:
    """Write the XLSForm of form ``kind`` and return the path written.

    ``path`` is the ``.xlsx`` file to write, or a directory to write
    ``mineaction_<kind>.xlsx`` into.  The first of ``languages`` is the
    form's default language.  ``operator_code`` fills in (and locks) the
    operator question, for a form handed to one operator.  ``version``
    defaults to the build's date and hour, ``yyyymmddhh``, so a form built
    again later uploads to ODK Central or KoboToolbox as a newer version.
    Raise ValidationError for an unknown form, language, operator code or
    version, or a path that is not an ``.xlsx`` file.
    """
    form = get_form(kind)
    langs = check_languages(languages)
    presets = {} if operator_code is None else {"operator": _checked_operator(operator_code)}
    version = _checked_version(version)
    target = Path(path)
    if target.is_dir():
        target = target / f"{form.form_id}.xlsx"
    if target.suffix.lower() != ".xlsx":
        raise ValidationError(
            f"An XLSForm is written as an .xlsx workbook, not {target.name!r}.",
            hint="Give a file name ending in .xlsx, or a directory.",
            problems=[Problem(reason="not an .xlsx path", field="path", value=str(target))],
        )
    title = text(form.title_key, langs[0])
    settings = {
        "form_title": f"{title} ({operator_code})" if operator_code else title,
        "form_id": form.form_id,
        "version": version,
        "default_language": LANGUAGE_NAMES[langs[0]],
        "instance_name": form.instance_name or "",
    }
    sheets = {
        "survey": survey_rows(form, langs, presets),
        "choices": choice_rows(form, langs),
        "settings": [settings],
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_workbook(target, sheets)
    return target


def survey_rows(form: FormSpec, languages: Sequence[str], presets: dict[str, str]) -> list[Row]:
    """Return the rows of the ``survey`` sheet: metadata, then the form's items."""
    rows: list[Row] = [{"type": "start", "name": "start"}, {"type": "end", "name": "end"}]
    for item in form.items:
        if isinstance(item, Group):
            which = "repeat" if item.repeat else "group"
            row = {"type": f"begin {which}", "name": item.name, "appearance": item.appearance or ""}
            rows.append(row | _translated("label", item.label_key, languages))
            rows.extend(_field_row(f, languages, presets) for f in item.fields)
            rows.append({"type": f"end {which}"})
        else:
            rows.append(_field_row(item, languages, presets))
    return rows


def choice_rows(form: FormSpec, languages: Sequence[str]) -> list[Row]:
    """Return the rows of the ``choices`` sheet: every code of every vocabulary the form uses."""
    rows: list[Row] = []
    for vocabulary in form.vocabularies():
        for code in vocabulary:
            row = {"list_name": vocabulary.name, "name": code}
            for lang in languages:
                row[f"label::{LANGUAGE_NAMES[lang]}"] = vocabulary.label(code, lang)
            rows.append(row)
    return rows


def xform_of(xlsform: Path) -> str:
    """Return the XForm XML that pyxform makes of an XLSForm; raise ValidationError if it cannot."""
    from pyxform.errors import PyXFormError  # type: ignore[import-untyped]
    from pyxform.xls2xform import convert  # type: ignore[import-untyped]

    try:
        return str(convert(xlsform=str(xlsform), warnings=[]).xform)
    except PyXFormError as exc:
        raise ValidationError(
            f"{xlsform.name} is not a valid XLSForm: {exc}",
            hint="Rebuild it with `mineaction forms build`, or fix the row named.",
        ) from exc


def _field_row(field: Field, languages: Sequence[str], presets: dict[str, str]) -> Row:
    row = {
        "type": field.xlsform_type,
        "name": field.name,
        "required": "yes" if field.required else "",
        "constraint": field.constraint or "",
        "calculation": field.calculation or "",
        "default": field.default or "",
        "appearance": field.appearance or "",
    }
    if field.preset and field.name in presets:
        row |= {"default": presets[field.name], "readonly": "yes"}
    if field.label_key is not None:
        row |= _translated("label", field.label_key, languages)
    if field.hint is not None:
        row |= _translated("hint", field.hint, languages)
    if field.constraint_message is not None:
        row |= _translated("constraint_message", field.constraint_message, languages)
    return row


def _translated(column: str, key: str, languages: Sequence[str]) -> Row:
    return {f"{column}::{LANGUAGE_NAMES[lang]}": text(key, lang) for lang in languages}


def _write_workbook(path: Path, sheets: dict[str, list[Row]]) -> None:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        header: list[str] = []
        for row in rows:
            header.extend(k for k in row if k not in header)
        header.sort(key=_column_rank)  # stable: languages keep their order
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(k) or None for k in header])
    book.save(path)


def _column_rank(column: str) -> int:
    base = column.split("::")[0]
    return _COLUMN_ORDER.index(base) if base in _COLUMN_ORDER else len(_COLUMN_ORDER)


def _checked_operator(code: str) -> str:
    if not _OPERATOR_CODE.fullmatch(code):
        raise ValidationError(
            f"{code!r} is not an operator code.",
            hint="Use the organisation's code as in the national database, e.g. ANAMA "
            "(letters, digits, '.', '-' or '_', at most 40).",
            problems=[Problem(reason="invalid operator code", field="operator", value=code)],
        )
    return code


def _checked_version(version: str | None) -> str:
    if version is None:
        return dt.datetime.now().strftime("%Y%m%d%H")
    if not re.fullmatch(r"[0-9]{1,10}", version):
        raise ValidationError(
            f"{version!r} is not a form version.",
            hint="A version is a whole number of at most 10 digits, e.g. 2024050201 "
            "(yyyymmdd and a revision); each upload needs a larger one.",
            problems=[Problem(reason="invalid version", field="version", value=version)],
        )
    return version
