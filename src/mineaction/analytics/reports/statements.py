"""Press statements in the agency's style, in English, Azerbaijani and Russian.

Built from a report's data object only, so the statement and the tables can
never disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mineaction.domain.vocab import Labels
from mineaction.render.labels import date_text, number

#: Item keys with their words: (en singular, en plural), az, (ru one, few, many).
ITEM_WORDS: dict[str, tuple[tuple[str, str], str, tuple[str, str, str]]] = {
    "at_mines": (
        ("anti-tank mine", "anti-tank mines"),
        "tank əleyhinə mina",
        ("противотанковая мина", "противотанковые мины", "противотанковых мин"),
    ),
    "ap_mines": (
        ("anti-personnel mine", "anti-personnel mines"),
        "piyada əleyhinə mina",
        ("противопехотная мина", "противопехотные мины", "противопехотных мин"),
    ),
    "uxo": (
        ("unexploded ordnance", "unexploded ordnance"),
        "partlamamış hərbi sursat",
        (
            "неразорвавшийся боеприпас",
            "неразорвавшихся боеприпаса",
            "неразорвавшихся боеприпасов",
        ),
    ),
    "submunitions": (
        ("submunition", "submunitions"),
        "kaset sursatı elementi",
        ("суббоеприпас", "суббоеприпаса", "суббоеприпасов"),
    ),
    "ieds": (
        ("improvised explosive device", "improvised explosive devices"),
        "əldəqayırma partlayıcı qurğu",
        (
            "самодельное взрывное устройство",
            "самодельных взрывных устройства",
            "самодельных взрывных устройств",
        ),
    ),
    "other": (
        ("other explosive item", "other explosive items"),
        "digər partlayıcı sursat",
        (
            "иной взрывоопасный предмет",
            "иных взрывоопасных предмета",
            "иных взрывоопасных предметов",
        ),
    ),
}


def ru_plural(n: float, one: str, few: str, many: str) -> str:
    """Return the Russian word form for ``n``.

    >>> [ru_plural(n, "мина", "мины", "мин") for n in (1, 3, 5, 11, 21, 2.5)]
    ['мина', 'мины', 'мин', 'мин', 'мина', 'мины']
    """
    if not float(n).is_integer():
        return few
    n = int(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _join(parts: list[str], word: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def _period(data: dict[str, Any]) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(data["period"]["from"]), dt.date.fromisoformat(
        data["period"]["to"]
    )


def _from_to(start: dt.date, end: dt.date) -> Labels:
    same = start.year == end.year
    en = f"From {date_text(start, 'en', year=not same)} to {date_text(end, 'en')}"
    az = f"{date_text(start, 'az', year=not same)} – {date_text(end, 'az')} tarixlərində"
    first = date_text(start, "ru", year=not same) + ("" if same else " года")
    ru = f"С {first} по {date_text(end, 'ru')} года"
    return Labels(en, az, ru)


def operations_statement(data: dict[str, Any]) -> list[Labels]:
    """Return the weekly operations statement.

    >>> data = {"period": {"from": "2024-04-29", "to": "2024-05-05"},
    ...         "totals": {"at_mines": 53, "ap_mines": 26, "uxo": 378, "submunitions": 0,
    ...                    "ieds": 0, "other": 0, "area_cancelled_ha": 0.0,
    ...                    "area_reduced_ha": 0.0, "area_cleared_ha": 2046.3,
    ...                    "area_released_ha": 2046.3},
    ...         "by_operator": [{"operator": "ANAMA"}, {"operator": "Ministry of Defence"}]}
    >>> print(operations_statement(data)[0].en)
    From 29 April to 5 May 2024, 53 anti-tank mines, 26 anti-personnel mines and 378 unexploded ordnance were detected and neutralised, and 2,046.3 hectares of land were cleared. Operations were carried out by ANAMA and Ministry of Defence.
    """  # noqa: E501
    t = data["totals"]
    start, end = _period(data)
    when = _from_to(start, end)
    items = [(k, int(t[k])) for k in ITEM_WORDS if t.get(k)]
    en_items = [f"{number(n)} {ITEM_WORDS[k][0][n != 1]}" for k, n in items]
    az_items = [f"{number(n, 'az')} {ITEM_WORDS[k][1]}" for k, n in items]
    ru_items = [f"{number(n, 'ru')} {ru_plural(n, *ITEM_WORDS[k][2])}" for k, n in items]
    cleared, released = t["area_cleared_ha"], t["area_released_ha"]
    only_cleared = released == cleared

    def area(lang: str) -> str:
        total = number(released, lang, 1)
        if lang == "en":
            if only_cleared:
                return f"{total} hectares of land were cleared"
            return (
                f"{total} hectares of land were released ({number(cleared, 'en', 1)} ha cleared, "
                f"{number(t['area_reduced_ha'], 'en', 1)} ha reduced by technical survey and "
                f"{number(t['area_cancelled_ha'], 'en', 1)} ha cancelled by non-technical survey)"
            )
        if lang == "az":
            if only_cleared:
                return f"{total} hektar ərazi təmizlənib"
            return (
                f"{total} hektar ərazi azad edilib ({number(cleared, 'az', 1)} ha təmizlənib, "
                f"{number(t['area_reduced_ha'], 'az', 1)} ha texniki tədqiqatla azaldılıb, "
                f"{number(t['area_cancelled_ha'], 'az', 1)} ha qeyri-texniki tədqiqatla ləğv "
                "edilib)"
            )
        word = ru_plural(released, "гектар", "гектара", "гектаров")
        if only_cleared:
            return f"очищено {total} {word} земель"
        return (
            f"высвобождено {total} {word} земель (очищено {number(cleared, 'ru', 1)} га, "
            f"сокращено техническим обследованием {number(t['area_reduced_ha'], 'ru', 1)} га, "
            f"исключено нетехническим обследованием {number(t['area_cancelled_ha'], 'ru', 1)} га)"
        )

    if items:
        en = f"{when.en}, {_join(en_items, 'and')} were detected and neutralised, and {area('en')}."
        az = f"{when.az} {_join(az_items, 'və')} aşkarlanaraq zərərsizləşdirilib, {area('az')}."
        ru = f"{when.ru} обнаружено и обезврежено: {_join(ru_items, 'и')}; {area('ru')}."
    else:
        en = f"{when.en}, no explosive ordnance was reported found, and {area('en')}."
        az = f"{when.az} partlayıcı sursat aşkarlanmayıb, {area('az')}."
        ru = f"{when.ru} взрывоопасных предметов не обнаружено; {area('ru')}."
    paragraphs = [Labels(en, az, ru)]
    operators = [r["operator"] for r in data.get("by_operator", []) if r["operator"] != "Unknown"]
    if operators:
        paragraphs.append(
            Labels(
                f"Operations were carried out by {_join(operators, 'and')}.",
                f"Əməliyyatlar {_join(operators, 'və')} tərəfindən həyata keçirilib.",
                f"Работы проводили: {_join(operators, 'и')}.",
            )
        )
    # One paragraph reads better in a press statement: join them.
    return [
        Labels(*(" ".join(getattr(p, lang) for p in paragraphs) for lang in ("en", "az", "ru")))
    ]


def casualties_statement(data: dict[str, Any]) -> list[Labels]:
    """Return the casualty statement (victims, killed and injured, by group).

    >>> data = {"period": {"from": "2020-11-10", "to": "2023-10-26"},
    ...         "totals": {"accidents": 200, "victims": 334, "killed": 65, "injured": 269},
    ...         "by_group": {"civilian": {"killed": 50, "injured": 105},
    ...                      "military": {"killed": 15, "injured": 164},
    ...                      "deminer": {"killed": 0, "injured": 0},
    ...                      "unknown": {"killed": 0, "injured": 0}}}
    >>> print(casualties_statement(data)[0].en)
    From 10 November 2020 to 26 October 2023, 334 people fell victim to mines and explosive remnants of war: 65 killed and 269 injured. Civilians: 50 killed, 105 injured; military: 15 killed, 164 injured.
    """  # noqa: E501
    t, groups = data["totals"], data["by_group"]
    start, end = _period(data)
    when = _from_to(start, end)
    names = {
        "civilian": ("Civilians", "Mülki şəxslər", "Гражданские лица"),
        "military": ("military", "hərbçilər", "военнослужащие"),
        "deminer": ("deminers", "minaaxtaranlar", "сапёры"),
        "unknown": ("status unknown", "statusu naməlum", "статус неизвестен"),
    }
    shown = [g for g in names if groups[g]["killed"] or groups[g]["injured"]]

    def detail(lang: int, killed: str, injured: str) -> str:
        code = ("en", "az", "ru")[lang]
        parts = [
            f"{names[g][lang]}: {number(groups[g]['killed'], code)} {killed}, "
            f"{number(groups[g]['injured'], code)} {injured}"
            for g in shown
        ]
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]

    victims, killed, injured = t["victims"], t["killed"], t["injured"]
    en = (
        f"{when.en}, {number(victims)} {'person' if victims == 1 else 'people'} fell victim to "
        f"mines and explosive remnants of war: {number(killed)} killed and {number(injured)} "
        f"injured."
    )
    az = (
        f"{when.az} mina və partlamamış hərbi sursat qalıqları səbəbindən {number(victims, 'az')} "
        f"nəfər zərər çəkib: {number(killed, 'az')} nəfər həlak olub, {number(injured, 'az')} "
        f"nəfər yaralanıb."
    )
    ru = (
        f"{when.ru} от мин и взрывоопасных пережитков войны пострадали {number(victims, 'ru')} "
        f"{ru_plural(victims, 'человек', 'человека', 'человек')}: {number(killed, 'ru')} погибли, "
        f"{number(injured, 'ru')} получили ранения."
    )
    if shown:
        en += " " + detail(0, "killed", "injured") + "."
        az += " " + detail(1, "həlak", "yaralı") + "."
        ru += " " + detail(2, "погибли", "ранены") + "."
    return [Labels(en, az, ru)]
