"""IMAS vocabularies: language-neutral codes with English, Azerbaijani and Russian labels.

Codes are what the database stores and what files and the API exchange; labels
are for people.  A vocabulary is a small immutable mapping ``code -> Labels``.

>>> CONTAMINATION.label("at_mines", "en")
'Anti-tank mines'
>>> CONTAMINATION.suggest("at_mine")
'at_mines'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

LANGUAGES = ("en", "az", "ru")


@dataclass(frozen=True)
class Labels:
    """The label of one code in each supported language."""

    en: str
    az: str
    ru: str


class Vocabulary(Mapping[str, Labels]):
    """A named, ordered set of codes, each with its labels."""

    def __init__(self, name: str, terms: dict[str, tuple[str, str, str]]) -> None:
        self.name = name
        self._terms = {code: Labels(*labels) for code, labels in terms.items()}

    def __getitem__(self, code: str) -> Labels:
        return self._terms[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def label(self, code: str, lang: str = "en") -> str:
        """Return the label of ``code`` in ``lang`` (en, az or ru)."""
        return str(getattr(self._terms[code], lang))

    def suggest(self, value: str) -> str | None:
        """Return the code closest to ``value`` (for "did you mean …" hints), or None."""
        wanted = value.strip().lower()
        for code, labels in self._terms.items():
            if wanted in (labels.en.lower(), labels.az.lower(), labels.ru.lower()):
                return code
        close = difflib.get_close_matches(wanted, list(self._terms), n=1, cutoff=0.6)
        return close[0] if close else None


ORGANISATION_TYPE = Vocabulary(
    "organisation_type",
    {
        "national_authority": (
            "National mine action authority",
            "Milli minatəmizləmə agentliyi",
            "Национальный орган по разминированию",
        ),
        "military": ("Military", "Hərbi", "Военные"),
        "civil_protection": ("Civil protection", "Mülki müdafiə", "Гражданская защита"),
        "border_service": ("Border service", "Sərhəd xidməti", "Пограничная служба"),
        "ngo": (
            "Non-governmental organisation",
            "Qeyri-hökumət təşkilatı",
            "Неправительственная организация",
        ),
        "commercial": ("Commercial company", "Kommersiya şirkəti", "Коммерческая компания"),
    },
)

HAZARD_TYPE = Vocabulary(
    "hazard_type",
    {
        "sha": (
            "Suspected hazardous area",
            "Şübhəli təhlükəli ərazi",
            "Предположительно опасный район",
        ),
        "cha": (
            "Confirmed hazardous area",
            "Təsdiqlənmiş təhlükəli ərazi",
            "Подтвержденный опасный район",
        ),
    },
)

CONTAMINATION = Vocabulary(
    "contamination",
    {
        "ap_mines": ("Anti-personnel mines", "Piyada əleyhinə minalar", "Противопехотные мины"),
        "at_mines": ("Anti-tank mines", "Tank əleyhinə minalar", "Противотанковые мины"),
        "mixed_mines": ("Mixed mines (AP and AT)", "Qarışıq minalar", "Смешанные мины"),
        "uxo": (
            "Unexploded ordnance (ERW)",
            "Partlamamış hərbi sursat",
            "Неразорвавшиеся боеприпасы",
        ),
        "cluster_munitions": (
            "Cluster munition remnants",
            "Kasetli sursat qalıqları",
            "Остатки кассетных боеприпасов",
        ),
        "ied": (
            "Improvised explosive devices",
            "Əldəqayırma partlayıcı qurğular",
            "Самодельные взрывные устройства",
        ),
    },
)

HAZARD_STATUS = Vocabulary(
    "hazard_status",
    {
        "open": ("Open", "Açıq", "Открыт"),
        "closed": ("Closed (fully released)", "Bağlı", "Закрыт"),
        "handed_over": ("Handed over", "Təhvil verilib", "Передан"),
    },
)

EVIDENCE = Vocabulary(
    "evidence",
    {
        "direct": ("Direct evidence", "Birbaşa sübut", "Прямые доказательства"),
        "indirect": ("Indirect evidence", "Dolayı sübut", "Косвенные доказательства"),
        "accident": ("Accident record", "Hadisə qeydi", "Запись о несчастном случае"),
        "minefield_record": ("Minefield record", "Mina sahəsi qeydi", "Формуляр минного поля"),
        "informant": ("Informant", "Məlumat verən", "Информатор"),
    },
)

BLOCKAGE = Vocabulary(
    "blockage",
    {
        "road": ("Road", "Yol", "Дорога"),
        "agriculture": (
            "Agricultural land",
            "Kənd təsərrüfatı torpağı",
            "Сельскохозяйственные угодья",
        ),
        "housing": ("Housing", "Yaşayış", "Жильё"),
        "infrastructure": ("Infrastructure", "İnfrastruktur", "Инфраструктура"),
        "water": ("Water access", "Suya çıxış", "Доступ к воде"),
        "pasture": ("Pasture", "Otlaq", "Пастбище"),
    },
)

ACTIVITY_TYPE = Vocabulary(
    "activity_type",
    {
        "nts": ("Non-technical survey", "Qeyri-texniki tədqiqat", "Нетехническое обследование"),
        "ts": ("Technical survey", "Texniki tədqiqat", "Техническое обследование"),
        "clearance_manual": ("Manual clearance", "Əl ilə təmizləmə", "Ручное разминирование"),
        "clearance_mechanical": (
            "Mechanical clearance",
            "Mexaniki təmizləmə",
            "Механическое разминирование",
        ),
        "clearance_dogs": (
            "Clearance with mine detection dogs",
            "Mina axtaran itlərlə təmizləmə",
            "Разминирование с минно-розыскными собаками",
        ),
        "bac": (
            "Battle area clearance",
            "Döyüş ərazisinin təmizlənməsi",
            "Очистка района боевых действий",
        ),
        "eod": (
            "EOD spot task",
            "Partlayıcı sursatın zərərsizləşdirilməsi",
            "Точечное обезвреживание ВОП",
        ),
    },
)

ACTIVITY_STATUS = Vocabulary(
    "activity_status",
    {
        "planned": ("Planned", "Planlaşdırılıb", "Запланировано"),
        "ongoing": ("Ongoing", "Davam edir", "Выполняется"),
        "suspended": ("Suspended", "Dayandırılıb", "Приостановлено"),
        "completed": ("Completed", "Tamamlanıb", "Завершено"),
    },
)

RELEASE_METHOD = Vocabulary(
    "release_method",
    {
        "cancelled": (
            "Cancelled (non-technical survey)",
            "Ləğv edilib (qeyri-texniki tədqiqat)",
            "Исключено (нетехническое обследование)",
        ),
        "reduced": (
            "Reduced (technical survey)",
            "Azaldılıb (texniki tədqiqat)",
            "Сокращено (техническое обследование)",
        ),
        "cleared": ("Cleared", "Təmizlənib", "Очищено"),
    },
)

EO_CATEGORY = Vocabulary(
    "eo_category",
    {
        "ap_mine": ("Anti-personnel mine", "Piyada əleyhinə mina", "Противопехотная мина"),
        "at_mine": ("Anti-tank mine", "Tank əleyhinə mina", "Противотанковая мина"),
        "uxo": ("Unexploded ordnance", "Partlamamış hərbi sursat", "Неразорвавшийся боеприпас"),
        "submunition": ("Submunition", "Kaset sursatı elementi", "Суббоеприпас"),
        "ied": (
            "Improvised explosive device",
            "Əldəqayırma partlayıcı qurğu",
            "Самодельное взрывное устройство",
        ),
        "abandoned_ordnance": (
            "Abandoned explosive ordnance",
            "Tərk edilmiş hərbi sursat",
            "Оставленный взрывоопасный боеприпас",
        ),
        "other": ("Other", "Digər", "Другое"),
    },
)

FINDING_CONDITION = Vocabulary(
    "finding_condition",
    {
        "armed": ("Armed", "Döyüş vəziyyətində", "Взведён"),
        "unarmed": ("Unarmed", "Döyüş vəziyyətində deyil", "Не взведён"),
        "damaged": ("Damaged", "Zədələnmiş", "Повреждён"),
        "unknown": ("Unknown", "Naməlum", "Неизвестно"),
    },
)

DISPOSAL = Vocabulary(
    "disposal",
    {
        "destroyed_in_situ": ("Destroyed in situ", "Yerində məhv edilib", "Уничтожен на месте"),
        "removed": (
            "Removed for later destruction",
            "Sonradan məhv etmək üçün götürülüb",
            "Вывезен для последующего уничтожения",
        ),
        "rendered_safe": ("Rendered safe", "Zərərsizləşdirilib", "Обезврежен"),
    },
)

ACCIDENT_TYPE = Vocabulary(
    "accident_type",
    {
        "mine": ("Mine/ERW accident", "Mina hadisəsi", "Подрыв на мине/ВПВ"),
        "demining": (
            "Demining accident",
            "Minatəmizləmə zamanı hadisə",
            "Несчастный случай при разминировании",
        ),
    },
)

SEX = Vocabulary(
    "sex",
    {
        "male": ("Male", "Kişi", "Мужской"),
        "female": ("Female", "Qadın", "Женский"),
        "unknown": ("Unknown", "Naməlum", "Неизвестно"),
    },
)

AGE_BAND = Vocabulary(
    "age_band",
    {
        "child": ("Child (under 18)", "Uşaq (18 yaşa qədər)", "Ребёнок (до 18 лет)"),
        "adult": ("Adult (18 to 59)", "Yetkin (18–59)", "Взрослый (18–59)"),
        "elderly": ("Elderly (60 and over)", "Yaşlı (60 və yuxarı)", "Пожилой (60 и старше)"),
        "unknown": ("Unknown", "Naməlum", "Неизвестно"),
    },
)

VICTIM_GROUP = Vocabulary(
    "victim_group",
    {
        "civilian": ("Civilian", "Mülki şəxs", "Гражданское лицо"),
        "military": ("Military", "Hərbçi", "Военнослужащий"),
        "deminer": ("Deminer", "Minaaxtaran", "Сапёр"),
        "unknown": ("Unknown", "Naməlum", "Неизвестно"),
    },
)

OUTCOME = Vocabulary(
    "outcome",
    {
        "killed": ("Killed", "Həlak olub", "Погиб"),
        "injured": ("Injured", "Yaralanıb", "Ранен"),
    },
)

VICTIM_ACTIVITY = Vocabulary(
    "victim_activity",
    {
        "farming": (
            "Farming or herding",
            "Əkinçilik və ya heyvandarlıq",
            "Земледелие или выпас скота",
        ),
        "travelling": ("Travelling", "Yol gedərkən", "В пути"),
        "collecting": (
            "Collecting wood or food",
            "Odun və ya qida toplayarkən",
            "Сбор дров или пищи",
        ),
        "tampering": ("Handling or tampering", "Əl ilə toxunma", "Обращение с предметом"),
        "reconstruction": ("Construction work", "Tikinti işləri", "Строительные работы"),
        "military_duty": ("Military duty", "Hərbi xidmət", "Военная служба"),
        "demining": ("Demining", "Minatəmizləmə", "Разминирование"),
        "other": ("Other", "Digər", "Другое"),
        "unknown": ("Unknown", "Naməlum", "Неизвестно"),
    },
)

ASSISTANCE_TYPE = Vocabulary(
    "assistance_type",
    {
        "medical": ("Emergency and continuing medical care", "Tibbi yardım", "Медицинская помощь"),
        "rehabilitation": (
            "Physical rehabilitation",
            "Fiziki reabilitasiya",
            "Физическая реабилитация",
        ),
        "psychosocial": (
            "Psychological and psychosocial support",
            "Psixoloji dəstək",
            "Психологическая поддержка",
        ),
        "economic": (
            "Socio-economic inclusion",
            "Sosial-iqtisadi inteqrasiya",
            "Социально-экономическая интеграция",
        ),
        "education": ("Education", "Təhsil", "Образование"),
    },
)

EORE_METHOD = Vocabulary(
    "eore_method",
    {
        "session": ("Face-to-face session", "Üzbəüz görüş", "Очное занятие"),
        "school": ("School lesson", "Məktəb dərsi", "Школьный урок"),
        "community": ("Community meeting", "İcma görüşü", "Собрание общины"),
        "media": (
            "Mass or digital media",
            "Kütləvi informasiya vasitələri",
            "Средства массовой информации",
        ),
    },
)

EQUIPMENT_TYPE = Vocabulary(
    "equipment_type",
    {
        "detector": ("Mine detector", "Mina axtaran cihaz", "Миноискатель"),
        "machine": ("Demining machine", "Minatəmizləmə maşını", "Машина разминирования"),
        "ppe": (
            "Personal protective equipment",
            "Fərdi mühafizə vasitəsi",
            "Средства индивидуальной защиты",
        ),
        "vehicle": ("Vehicle", "Nəqliyyat vasitəsi", "Транспортное средство"),
        "dog": ("Mine detection dog", "Mina axtaran it", "Минно-розыскная собака"),
        "other": ("Other", "Digər", "Другое"),
    },
)

EQUIPMENT_STATUS = Vocabulary(
    "equipment_status",
    {
        "operational": ("Operational", "İşlək", "Исправно"),
        "damaged": ("Damaged", "Zədələnmiş", "Повреждено"),
        "destroyed": ("Destroyed", "Məhv edilmiş", "Уничтожено"),
        "lost": ("Lost", "İtirilmiş", "Утрачено"),
    },
)

PROJECT_TYPE = Vocabulary(
    "project_type",
    {
        "road": ("Road", "Yol", "Дорога"),
        "railway": ("Railway", "Dəmir yolu", "Железная дорога"),
        "power_line": ("Power line", "Elektrik xətti", "Линия электропередачи"),
        "solar": ("Solar power plant", "Günəş elektrik stansiyası", "Солнечная электростанция"),
        "wind": ("Wind farm", "Külək elektrik stansiyası", "Ветровая электростанция"),
        "settlement": (
            "Settlement for return",
            "Qayıdış üçün yaşayış məntəqəsi",
            "Населённый пункт для возвращения",
        ),
        "agriculture": (
            "Agricultural project",
            "Kənd təsərrüfatı layihəsi",
            "Сельскохозяйственный проект",
        ),
        "other": ("Other", "Digər", "Другое"),
    },
)

INSPECTION_TYPE = Vocabulary(
    "inspection_type",
    {
        "qa": (
            "Quality assurance visit",
            "Keyfiyyət təminatı yoxlaması",
            "Проверка обеспечения качества",
        ),
        "qc": (
            "Quality control sampling",
            "Keyfiyyətə nəzarət yoxlaması",
            "Выборочный контроль качества",
        ),
    },
)

INSPECTION_RESULT = Vocabulary(
    "inspection_result",
    {
        "pass": ("Passed", "Keçdi", "Пройдена"),
        "fail": ("Failed", "Keçmədi", "Не пройдена"),
    },
)

NONCONFORMITY_SEVERITY = Vocabulary(
    "nonconformity_severity",
    {
        "minor": ("Minor", "Kiçik", "Незначительное"),
        "major": ("Major", "Əhəmiyyətli", "Значительное"),
        "critical": ("Critical", "Kritik", "Критическое"),
    },
)

ACCREDITATION_STATUS = Vocabulary(
    "accreditation_status",
    {
        "granted": ("Granted", "Verilib", "Выдана"),
        "suspended": ("Suspended", "Dayandırılıb", "Приостановлена"),
        "withdrawn": ("Withdrawn", "Ləğv edilib", "Отозвана"),
        "expired": ("Expired", "Müddəti bitib", "Истекла"),
    },
)

APPROVAL = Vocabulary(
    "approval",
    {
        "draft": ("Draft", "Qaralama", "Черновик"),
        "submitted": ("Submitted", "Təqdim edilib", "Представлено"),
        "approved": ("Approved", "Təsdiqlənib", "Утверждено"),
        "rejected": ("Rejected", "Rədd edilib", "Отклонено"),
        "superseded": ("Superseded", "Əvəz edilib", "Заменено"),
    },
)

ROLE = Vocabulary(
    "role",
    {
        "admin": ("Administrator", "Administrator", "Администратор"),
        "im_officer": (
            "Information management officer",
            "İnformasiya idarəetməsi üzrə mütəxəssis",
            "Специалист по управлению информацией",
        ),
        "operator_officer": (
            "Operator data officer",
            "Operatorun məlumat mütəxəssisi",
            "Специалист оператора по данным",
        ),
        "qa_officer": (
            "Quality management officer",
            "Keyfiyyətin idarə edilməsi üzrə mütəxəssis",
            "Специалист по управлению качеством",
        ),
        "viewer": ("Viewer", "İzləyici", "Наблюдатель"),
        "public": ("Public", "İctimaiyyət", "Общественность"),
    },
)

LAYING_METHOD = Vocabulary(
    "laying_method",
    {
        "hand": ("Laid by hand", "Əl ilə basdırılıb", "Установлены вручную"),
        "mechanical": (
            "Laid mechanically",
            "Mexaniki üsulla basdırılıb",
            "Установлены механизированно",
        ),
        "remote": ("Remotely delivered", "Məsafədən atılıb", "Дистанционное минирование"),
        "unknown": ("Unknown", "Naməlum", "Неизвестно"),
    },
)

ADMIN_LEVEL = Vocabulary(
    "admin_level",
    {
        "country": ("Country", "Ölkə", "Страна"),
        "region": ("Region", "İqtisadi rayon", "Экономический район"),
        "district": ("District or city", "Rayon və ya şəhər", "Район или город"),
        "settlement": ("Settlement", "Yaşayış məntəqəsi", "Населённый пункт"),
    },
)

DATE_PRECISION = Vocabulary(
    "date_precision",
    {
        "day": ("Exact day", "Dəqiq gün", "Точная дата"),
        "month": ("Month only", "Yalnız ay", "Только месяц"),
        "year": ("Year only", "Yalnız il", "Только год"),
    },
)

ALL: dict[str, Vocabulary] = {
    v.name: v
    for v in (
        ORGANISATION_TYPE,
        HAZARD_TYPE,
        CONTAMINATION,
        HAZARD_STATUS,
        EVIDENCE,
        BLOCKAGE,
        ACTIVITY_TYPE,
        ACTIVITY_STATUS,
        RELEASE_METHOD,
        EO_CATEGORY,
        FINDING_CONDITION,
        DISPOSAL,
        ACCIDENT_TYPE,
        SEX,
        AGE_BAND,
        VICTIM_GROUP,
        OUTCOME,
        VICTIM_ACTIVITY,
        ASSISTANCE_TYPE,
        EORE_METHOD,
        EQUIPMENT_TYPE,
        EQUIPMENT_STATUS,
        PROJECT_TYPE,
        INSPECTION_TYPE,
        INSPECTION_RESULT,
        NONCONFORMITY_SEVERITY,
        ACCREDITATION_STATUS,
        APPROVAL,
        ROLE,
        LAYING_METHOD,
        ADMIN_LEVEL,
        DATE_PRECISION,
    )
}


def age_band(age: int | None) -> str:
    """Return the age band code of an age in years (None -> 'unknown').

    >>> age_band(12), age_band(18), age_band(60), age_band(None)
    ('child', 'adult', 'elderly', 'unknown')
    """
    if age is None:
        return "unknown"
    if age < 18:
        return "child"
    return "adult" if age < 60 else "elderly"
