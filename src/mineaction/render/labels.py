"""The renderers' own words (period, page, notices) and number formatting per language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mineaction.domain.vocab import LANGUAGES, Labels
from mineaction.errors import ValidationError
from mineaction.render.document import Column, tr

PERIOD = Labels("Period", "Dövr", "Период")
GENERATED = Labels("Generated", "Hazırlanıb", "Сформировано")
PARAMETERS = Labels("Parameters", "Parametrlər", "Параметры")
NOTICE = Labels("Notice", "Qeyd", "Примечание")
PAGE = Labels("Page", "Səhifə", "Страница")
ABOUT = Labels("About", "Haqqında", "О документе")
TITLE = Labels("Title", "Başlıq", "Заголовок")
ISSUER = Labels("Issued by", "Hazırlayan", "Подготовлено")
TOTAL = Labels("Total", "Cəmi", "Итого")
BASELINE = Labels("baseline", "əsas ssenari", "базовый сценарий")
NO_DATA = Labels(
    "No records in this period.", "Bu dövrdə qeyd yoxdur.", "За этот период записей нет."
)
SYNTHETIC = Labels(
    "Synthetic demonstration data — not real figures.",
    "Sintetik nümayiş məlumatları — real rəqəmlər deyil.",
    "Синтетические демонстрационные данные — не реальные показатели.",
)
UNAPPROVED = Labels(
    "Includes unapproved (draft or submitted) records: not official statistics.",
    "Təsdiqlənməmiş (qaralama və ya təqdim edilmiş) qeydlər daxildir: rəsmi statistika deyil.",
    "Включает неутверждённые (черновые или представленные) записи: не официальная статистика.",
)
DEFAULT_ISSUER = Labels(
    "National mine action authority",
    "Milli minatəmizləmə agentliyi",
    "Национальный орган по разминированию",
)

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "az": [
        "yanvar",
        "fevral",
        "mart",
        "aprel",
        "may",
        "iyun",
        "iyul",
        "avqust",
        "sentyabr",
        "oktyabr",
        "noyabr",
        "dekabr",
    ],
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
}
#: Thousands separator and decimal mark per language (az and ru: no-break space, comma).
_SEPARATORS = {"en": (",", "."), "az": ("\u00a0", ","), "ru": ("\u00a0", ",")}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is supported; raise ValidationError naming the choices."""
    if lang not in LANGUAGES:
        raise ValidationError(
            f"The language {lang!r} is not supported.",
            hint=f"Use one of: {', '.join(LANGUAGES)}.",
        )
    return lang


def number(value: float | int, lang: str = "en", digits: int = 0) -> str:
    r"""Write a number with the language's separators.

    >>> number(2046.34, "en", 1), number(2046.34, "az", 1), number(1234567, "en")
    ('2,046.3', '2\xa0046,3', '1,234,567')
    """
    thousands, decimal = _SEPARATORS.get(lang, _SEPARATORS["en"])
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)


def date_text(day: dt.date, lang: str = "en", *, year: bool = True) -> str:
    """Write a date as the agency does: "29 April 2024" (az: "29 aprel 2024").

    >>> date_text(dt.date(2024, 5, 5)), date_text(dt.date(2024, 5, 5), "ru", year=False)
    ('5 May 2024', '5 мая')
    """
    text = f"{day.day} {_MONTHS[lang][day.month - 1]}"
    return f"{text} {day.year}" if year else text


def period_text(period: tuple[dt.date, dt.date], lang: str = "en") -> str:
    """Write a period: "29 April – 5 May 2024".

    >>> period_text((dt.date(2024, 4, 29), dt.date(2024, 5, 5)))
    '29 April – 5 May 2024'
    """
    start, end = period
    same_year = start.year == end.year
    return f"{date_text(start, lang, year=not same_year)} – {date_text(end, lang)}"


def cell_text(value: Any, column: Column, lang: str) -> str:
    """Write one table cell for people (HTML, PDF, text)."""
    if value is None:
        return ""
    if isinstance(value, Labels | str):
        return tr(value, lang)
    if isinstance(value, dt.date):
        return value.isoformat()
    if column.kind == "int":
        return number(value, lang, 0)
    if column.kind in ("ha", "decimal"):
        return number(value, lang, 1)
    if column.kind == "decimal2":
        return number(value, lang, 2)
    if column.kind == "percent":
        return number(value, lang, 1) + "\u00a0%"
    return str(value)


def cell_value(value: Any, lang: str) -> Any:
    """Return one cell for machines (CSV, XLSX): numbers stay numbers, labels become text."""
    if isinstance(value, Labels | str):
        return tr(value, lang)
    return value
