"""What the field forms say to people: titles, labels, hints and messages in en, az and ru.

The choice lists' labels are not here; they come from the vocabularies in
``mineaction.domain.vocab``.  Keys are field names, ``<name>.hint`` for a
field's hint and ``msg.<what>`` for a constraint message.
"""

from __future__ import annotations

from mineaction.domain.vocab import Labels

# The language names ODK Collect and KoboToolbox show in their language menus; the
# code in brackets lets them pick the device's language automatically.
LANGUAGE_NAMES = {"en": "English (en)", "az": "Azərbaycan (az)", "ru": "Русский (ru)"}

_T = Labels

UI: dict[str, Labels] = {
    # form titles
    "form.nts": _T("Non-technical survey", "Qeyri-texniki tədqiqat", "Нетехническое обследование"),
    "form.clearance_progress": _T(
        "Clearance daily progress",
        "Təmizləmə işlərinin gündəlik hesabatı",
        "Ежедневный отчёт о ходе разминирования",
    ),
    "form.finding": _T(
        "Explosive ordnance found",
        "Aşkar edilmiş partlayıcı sursat",
        "Обнаруженный взрывоопасный предмет",
    ),
    "form.accident": _T(
        "Accident and victims", "Hadisə və zərərçəkənlər", "Несчастный случай и пострадавшие"
    ),
    "form.eore": _T(
        "Explosive ordnance risk education session",
        "Partlayıcı sursat təhlükəsi barədə maarifləndirmə",
        "Занятие по информированию о рисках ВОП",
    ),
    # fields every form shares
    "date": _T("Date", "Tarix", "Дата"),
    "date.hint": _T(
        "The day the work was done.", "İşin görüldüyü gün.", "День, когда была выполнена работа."
    ),
    "finding_date.hint": _T(
        "The day the item was found.", "Sursatın aşkar edildiyi gün.", "День обнаружения предмета."
    ),
    "accident_date.hint": _T(
        "The day of the accident.", "Hadisənin baş verdiyi gün.", "День несчастного случая."
    ),
    "eore_date.hint": _T(
        "The day of the session.", "Sessiyanın keçirildiyi gün.", "День проведения занятия."
    ),
    "operator": _T("Operator", "Operator", "Оператор"),
    "operator.hint": _T(
        "Code of your organisation in the national database, e.g. ANAMA.",
        "Təşkilatınızın milli məlumat bazasındakı kodu, məsələn ANAMA.",
        "Код вашей организации в национальной базе данных, например ANAMA.",
    ),
    "team": _T("Team", "Qrup", "Группа"),
    "team.hint": _T(
        "Team code, e.g. MC-07.", "Qrupun kodu, məsələn MC-07.", "Код группы, например MC-07."
    ),
    "district": _T("District or city", "Rayon və ya şəhər", "Район или город"),
    "district.hint": _T(
        "Name as in the national database, e.g. Fuzuli. Leave blank to take it from the position.",
        "Milli məlumat bazasındakı adı, məsələn Füzuli. Boş qalarsa, mövqeyə görə təyin edilir.",
        "Название, как в национальной базе данных, например Физули. Если оставить пустым, "
        "район определяется по координатам.",
    ),
    "position": _T("Position", "Mövqe", "Местоположение"),
    "position.hint": _T(
        "Record the GPS position on the spot; wait until the accuracy is under 10 m.",
        "Mövqeyi yerində GPS ilə qeyd edin; dəqiqlik 10 m-dən az olana qədər gözləyin.",
        "Запишите GPS-координаты на месте; дождитесь точности лучше 10 м.",
    ),
    "activity_id": _T("Task reference", "Tapşırığın nömrəsi", "Номер задачи"),
    "activity_id.hint": _T(
        "ID or reference of the survey or clearance task, e.g. CL-2024-0153.",
        "Tədqiqat və ya təmizləmə tapşırığının nömrəsi, məsələn CL-2024-0153.",
        "Номер задачи по обследованию или разминированию, например CL-2024-0153.",
    ),
    "hazard_id": _T(
        "Hazardous area reference", "Təhlükəli ərazinin nömrəsi", "Номер опасного района"
    ),
    "hazard_id.hint": _T(
        "Reference of the suspected or confirmed hazardous area, if it has one.",
        "Şübhəli və ya təsdiqlənmiş təhlükəli ərazinin nömrəsi (əgər varsa).",
        "Номер предположительно или подтверждённо опасного района, если он есть.",
    ),
    "notes": _T("Notes", "Qeydlər", "Примечания"),
    # non-technical survey
    "hazard_type": _T("Hazardous area type", "Təhlükəli ərazinin növü", "Тип опасного района"),
    "contamination": _T("Contamination", "Çirklənmənin növü", "Тип загрязнения"),
    "evidence": _T("Main evidence", "Əsas sübut", "Основное доказательство"),
    "evidence_notes": _T("Evidence details", "Sübutun təfərrüatları", "Подробности доказательств"),
    "evidence_notes.hint": _T(
        "What was seen or reported, by whom and when.",
        "Nə görülüb və ya bildirilib, kim tərəfindən və nə vaxt.",
        "Что видели или о чём сообщили, кто и когда.",
    ),
    "blockages": _T("What the area blocks", "Ərazi nəyə mane olur", "Чему препятствует район"),
    "blockages.hint": _T(
        "Select all that apply.",
        "Uyğun olanların hamısını seçin.",
        "Выберите все подходящие варианты.",
    ),
    "expected_beneficiaries": _T(
        "People who will benefit",
        "Faydalanacaq insanların sayı",
        "Число людей, которые получат пользу",
    ),
    "expected_beneficiaries.hint": _T(
        "Estimated number of people who will use the land once it is released.",
        "Torpaq azad edildikdən sonra ondan istifadə edəcək insanların təxmini sayı.",
        "Примерное число людей, которые будут пользоваться землёй после её высвобождения.",
    ),
    "boundary": _T("Area boundary", "Ərazinin sərhədi", "Граница района"),
    "boundary.hint": _T(
        "Walk or draw the outline of the area.",
        "Ərazinin konturunu gəzərək və ya xəritədə çəkərək qeyd edin.",
        "Обойдите район по контуру или нарисуйте его на карте.",
    ),
    "surveyed_m2": _T(
        "Area surveyed (m²)", "Tədqiq edilmiş sahə (m²)", "Обследованная площадь (м²)"
    ),
    "cancelled_m2": _T("Area cancelled (m²)", "Ləğv edilmiş sahə (m²)", "Исключённая площадь (м²)"),
    "cancelled_m2.hint": _T(
        "Land found to hold no evidence of contamination.",
        "Çirklənmə sübutu tapılmayan torpaq.",
        "Земля, на которой не найдено признаков загрязнения.",
    ),
    "team_days": _T("Team-days", "Qrup-gün", "Группо-дни"),
    "team_days.hint": _T(
        "Working days of the whole team; half a day is 0.5.",
        "Bütün qrupun iş günləri; yarım gün 0.5-dir.",
        "Рабочие дни всей группы; полдня — 0.5.",
    ),
    # clearance daily progress
    "area_m2": _T(
        "Area cleared today (m²)", "Bu gün təmizlənmiş sahə (m²)", "Площадь, очищенная за день (м²)"
    ),
    "status": _T(
        "Task status at the end of the day",
        "Günün sonunda tapşırığın vəziyyəti",
        "Статус задачи на конец дня",
    ),
    "status.hint": _T(
        "Completed only when the whole task area is done.",
        "Yalnız tapşırığın bütün sahəsi başa çatdıqda “Tamamlanıb” seçin.",
        "«Завершено» — только когда вся площадь задачи пройдена.",
    ),
    "depth_cm": _T("Clearance depth (cm)", "Təmizləmə dərinliyi (sm)", "Глубина очистки (см)"),
    "eo_found": _T(
        "EO items found today", "Bu gün aşkar edilmiş sursatın sayı", "Найдено ВОП за день"
    ),
    "eo_found.hint": _T(
        "Record each item in the form “Explosive ordnance found” as well.",
        "Hər birini “Aşkar edilmiş partlayıcı sursat” formasında da qeyd edin.",
        "Каждый предмет также запишите в форме «Обнаруженный взрывоопасный предмет».",
    ),
    # EO finding
    "category": _T("Category", "Kateqoriya", "Категория"),
    "model": _T("Model", "Model", "Модель"),
    "model.hint": _T(
        "For example PMN-2 or TM-62M; leave blank if unknown.",
        "Məsələn PMN-2 və ya TM-62M; bilinmirsə boş saxlayın.",
        "Например PMN-2 или TM-62M; если неизвестна, оставьте пустым.",
    ),
    "quantity": _T("Quantity", "Sayı", "Количество"),
    "condition": _T("Condition", "Vəziyyəti", "Состояние"),
    "found_depth_cm": _T(
        "Depth found (cm)", "Aşkar edildiyi dərinlik (sm)", "Глубина залегания (см)"
    ),
    "disposal": _T("What was done with it", "Onunla nə edilib", "Что с ним сделано"),
    # accident and victims
    "device_category": _T("Device category", "Qurğunun kateqoriyası", "Категория устройства"),
    "accident_type": _T("Accident type", "Hadisənin növü", "Тип несчастного случая"),
    "accident_position.hint": _T(
        "Where the accident happened; if you are not there, place the point on the map.",
        "Hadisənin baş verdiyi yer; orada deyilsinizsə, nöqtəni xəritədə qeyd edin.",
        "Место происшествия; если вы не на месте, отметьте точку на карте.",
    ),
    "description": _T("What happened", "Nə baş verib", "Что произошло"),
    "victims": _T("Victim", "Zərərçəkən", "Пострадавший"),
    "sex": _T("Sex", "Cinsi", "Пол"),
    "age": _T("Age (years)", "Yaşı (il)", "Возраст (лет)"),
    "age.hint": _T(
        "Leave blank if unknown.", "Bilinmirsə boş saxlayın.", "Если неизвестен, оставьте пустым."
    ),
    "group": _T("Victim group", "Zərərçəkənin statusu", "Категория пострадавшего"),
    "outcome": _T("Outcome", "Nəticə", "Исход"),
    "activity_at_time": _T(
        "Activity at the time", "Hadisə anındakı məşğuliyyət", "Занятие в момент происшествия"
    ),
    # EORE
    "method": _T("Delivery method", "Keçirilmə üsulu", "Форма проведения"),
    "location": _T("Place", "Yer", "Место"),
    "location.hint": _T(
        "Settlement, school or community where the session was held.",
        "Sessiyanın keçirildiyi yaşayış məntəqəsi, məktəb və ya icma.",
        "Населённый пункт, школа или община, где проходило занятие.",
    ),
    "beneficiaries": _T("Participants", "İştirakçılar", "Участники"),
    "female_child": _T("Girls (under 18)", "Qızlar (18 yaşa qədər)", "Девочки (до 18 лет)"),
    "male_child": _T("Boys (under 18)", "Oğlanlar (18 yaşa qədər)", "Мальчики (до 18 лет)"),
    "female_adult": _T("Women (18 to 59)", "Qadınlar (18–59)", "Женщины (18–59)"),
    "male_adult": _T("Men (18 to 59)", "Kişilər (18–59)", "Мужчины (18–59)"),
    "female_elderly": _T("Women (60 and over)", "Qadınlar (60 və yuxarı)", "Женщины (60 и старше)"),
    "male_elderly": _T("Men (60 and over)", "Kişilər (60 və yuxarı)", "Мужчины (60 и старше)"),
    # constraint messages
    "msg.date": _T(
        "The date cannot be in the future.",
        "Tarix gələcəkdə ola bilməz.",
        "Дата не может быть в будущем.",
    ),
    "msg.quantity": _T(
        "The quantity must be at least 1.",
        "Say ən azı 1 olmalıdır.",
        "Количество должно быть не меньше 1.",
    ),
    "msg.age": _T(
        "The age must be between 0 and 110.",
        "Yaş 0 ilə 110 arasında olmalıdır.",
        "Возраст должен быть от 0 до 110.",
    ),
    "msg.count": _T(
        "Enter 0 or a positive whole number.",
        "0 və ya müsbət tam ədəd daxil edin.",
        "Введите 0 или целое положительное число.",
    ),
    "msg.area": _T(
        "The area cannot be negative.",
        "Sahə mənfi ola bilməz.",
        "Площадь не может быть отрицательной.",
    ),
    "msg.cancelled": _T(
        "The area cancelled cannot be larger than the area surveyed.",
        "Ləğv edilmiş sahə tədqiq edilmiş sahədən böyük ola bilməz.",
        "Исключённая площадь не может быть больше обследованной.",
    ),
    "msg.team_days": _T(
        "Team-days must be more than 0 and at most 31.",
        "Qrup-gün 0-dan çox olmalı və 31-i keçməməlidir.",
        "Группо-дни должны быть больше 0 и не больше 31.",
    ),
    "msg.depth": _T(
        "The depth must be between 0 and 300 cm.",
        "Dərinlik 0 ilə 300 sm arasında olmalıdır.",
        "Глубина должна быть от 0 до 300 см.",
    ),
}


def text(key: str, lang: str) -> str:
    """Return the UI text ``key`` in ``lang`` (a KeyError names a missing key)."""
    return str(getattr(UI[key], lang))
