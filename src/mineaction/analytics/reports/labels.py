"""Report headings and column labels in English, Azerbaijani and Russian."""

from __future__ import annotations

from mineaction.domain.vocab import Labels

L = Labels

OPERATIONS = L("Operations summary", "Əməliyyatlar üzrə xülasə", "Сводка операций")
LAND_RELEASE = L("Land release", "Torpaqların azad edilməsi", "Высвобождение земель")
CASUALTIES = L("Mine and ERW casualties", "Mina və PHS qurbanları", "Жертвы мин и ВПВ")
EORE = L(
    "Explosive ordnance risk education",
    "Partlayıcı sursat riski barədə maarifləndirmə",
    "Просвещение о рисках взрывоопасных предметов",
)
ASSISTANCE = L("Victim assistance", "Qurbanlara yardım", "Помощь пострадавшим")
EQUIPMENT = L("Equipment", "Avadanlıq", "Оборудование")
OPERATORS = L("Operators' output", "Operatorların nəticələri", "Результаты операторов")
LANDMINE_MONITOR = L(
    "Landmine Monitor casualty table",
    "Landmine Monitor qurbanlar cədvəli",
    "Таблица жертв для Landmine Monitor",
)
ARTICLE7 = L(
    "Mine Ban Treaty Article 7: areas released and mines destroyed",
    "Mina Qadağası Müqaviləsi, 7-ci maddə: azad edilmiş ərazilər və məhv edilmiş minalar",
    "Конвенция о запрете мин, статья 7: высвобожденные районы и уничтоженные мины",
)

# Sections
TOTALS = L("National totals", "Ölkə üzrə cəmi", "Итого по стране")
BY_OPERATOR = L("By operator", "Operatorlar üzrə", "По операторам")
BY_DISTRICT = L("By district", "Rayonlar üzrə", "По районам")
BY_WEEK = L("By week", "Həftələr üzrə", "По неделям")
BY_MONTH = L("By month", "Aylar üzrə", "По месяцам")
BY_YEAR = L("By year", "İllər üzrə", "По годам")
BY_MODEL = L("By category and model", "Kateqoriya və model üzrə", "По категориям и моделям")
BY_METHOD = L("By method", "Üsul üzrə", "По методам")
BY_STATUS = L("By status", "Status üzrə", "По статусу")
BY_TYPE = L("By type", "Növ üzrə", "По видам")
BY_GROUP = L("By group and outcome", "Qrup və nəticə üzrə", "По группам и исходу")
BY_SEX = L("By sex", "Cins üzrə", "По полу")
BY_AGE = L("By age", "Yaş üzrə", "По возрасту")
BY_DEVICE = L("By device", "Qurğu üzrə", "По типу устройства")
HAZARDS = L("Hazard progress", "Təhlükəli ərazilər üzrə irəliləyiş", "Ход работ по опасным районам")
MAP = L(
    "Land released (shading) and items found (circles) by district",
    "Rayonlar üzrə azad edilmiş ərazi (rəng) və tapılmış sursat (dairələr)",
    "Высвобожденная площадь (заливка) и найденные предметы (круги) по районам",
)
CASUALTY_MAP = L("Casualties by district", "Rayonlar üzrə qurbanlar", "Жертвы по районам")
LOSSES = L(
    "Damaged, destroyed and lost in the period",
    "Dövr ərzində zədələnmiş, məhv edilmiş və itirilmiş",
    "Повреждено, уничтожено и утрачено за период",
)
REMAINING = L(
    "Remaining contamination at the end of the period",
    "Dövrün sonunda qalan çirklənmə",
    "Оставшееся загрязнение на конец периода",
)
RELEASED = L("Areas released", "Azad edilmiş ərazilər", "Высвобожденные районы")
DESTROYED = L("Mines destroyed", "Məhv edilmiş minalar", "Уничтоженные мины")

# Columns
OPERATOR = L("Operator", "Operator", "Оператор")
DISTRICT = L("District", "Rayon", "Район")
PERIOD_COL = L("Period", "Dövr", "Период")
YEAR = L("Year", "İl", "Год")
MONTH = L("Month", "Ay", "Месяц")
WEEK = L("Week", "Həftə", "Неделя")
CATEGORY = L("Category", "Kateqoriya", "Категория")
MODEL = L("Model", "Model", "Модель")
ITEMS = L("Items", "Ədəd", "Штук")
ITEMS_TOTAL = L("All items", "Bütün sursat", "Всего предметов")
AP_MINES = L("AP mines", "Piyada əleyhinə minalar", "ПП мины")
AT_MINES = L("AT mines", "Tank əleyhinə minalar", "ПТ мины")
UXO = L("UXO", "PHS", "НВБ")
SUBMUNITIONS = L("Submunitions", "Kaset elementləri", "Суббоеприпасы")
IEDS = L("IEDs", "ƏPQ", "СВУ")
OTHER = L("Other", "Digər", "Другое")
CANCELLED = L("Cancelled", "Ləğv edilib", "Исключено")
REDUCED = L("Reduced", "Azaldılıb", "Сокращено")
CLEARED = L("Cleared", "Təmizlənib", "Очищено")
RELEASED_COL = L("Released", "Azad edilib", "Высвобождено")
RELEASED_HA = L("Released (ha)", "Azad edilib (ha)", "Высвобождено (га)")
HA = L("ha", "ha", "га")
M2 = L("m²", "m²", "м²")
ACCIDENTS = L("Accidents", "Hadisələr", "Инциденты")
VICTIMS = L("Victims", "Qurbanlar", "Жертвы")
KILLED = L("Killed", "Həlak olub", "Погибли")
INJURED = L("Injured", "Yaralanıb", "Ранены")
UNKNOWN = L("Unknown", "Naməlum", "Неизвестно")
TOTAL = L("Total", "Cəmi", "Всего")
GROUP = L("Group", "Qrup", "Группа")
SEX = L("Sex", "Cins", "Пол")
AGE = L("Age", "Yaş", "Возраст")
CHILDREN = L("Children", "Uşaqlar", "Дети")
ADULTS = L("Adults", "Yetkinlər", "Взрослые")
DEVICE = L("Device", "Qurğu", "Устройство")
SESSIONS = L("Sessions", "Sessiyalar", "Занятия")
RECORDS = L("Records", "Qeydlər", "Записи")
METHOD = L("Method", "Üsul", "Метод")
TYPE = L("Type", "Növ", "Вид")
STATUS = L("Status", "Status", "Статус")
OWNER = L("Owner", "Sahibi", "Владелец")
COUNT = L("Count", "Say", "Количество")
GIRLS = L("Girls", "Qızlar", "Девочки")
BOYS = L("Boys", "Oğlanlar", "Мальчики")
WOMEN = L("Women", "Qadınlar", "Женщины")
MEN = L("Men", "Kişilər", "Мужчины")
ELDERLY_WOMEN = L("Elderly women", "Yaşlı qadınlar", "Пожилые женщины")
ELDERLY_MEN = L("Elderly men", "Yaşlı kişilər", "Пожилые мужчины")
BENEFICIARIES = L("Beneficiaries", "Benefisiarlar", "Бенефициары")
HAZARD = L("Hazard", "Təhlükəli ərazi", "Опасный район")
HAZARD_COUNT = L("Hazards", "Təhlükəli ərazilər", "Опасные районы")
AREA = L("Area", "Sahə", "Площадь")
REMAINING_COL = L("Remaining", "Qalıb", "Осталось")
RELEASED_PERIOD = L("Released in period", "Dövrdə azad edilib", "Высвобождено за период")
RELEASED_TOTAL = L("Released to date", "İndiyədək azad edilib", "Высвобождено всего")
PROGRESS = L("Progress", "İrəliləyiş", "Прогресс")
TEAM_DAYS = L("Team-days", "Komanda-gün", "Бригадо-дни")
PRODUCTIVITY = L("m² per team-day", "komanda-gün başına m²", "м² на бригадо-день")
ITEMS_PER_HA = L("Items per ha", "Hektara düşən sursat", "Предметов на га")
SHARE = L("Share of national release", "Ölkə üzrə payı", "Доля в национальном итоге")
AREAS_COUNT = L("Areas", "Ərazilər", "Районы")
UNKNOWN_DISTRICT = L("District not recorded", "Rayon qeyd edilməyib", "Район не указан")
GROUPED_BY = L("Grouped by", "Qruplaşdırma", "Группировка")
SCOPE = L("Records counted", "Nəzərə alınan qeydlər", "Учтённые записи")
APPROVED_ONLY = L(
    "approved records only (official statistics)",
    "yalnız təsdiqlənmiş qeydlər (rəsmi statistika)",
    "только утверждённые записи (официальная статистика)",
)
ALL_RECORDS = L(
    "all records, including unapproved",
    "bütün qeydlər, təsdiqlənməmişlər daxil",
    "все записи, включая неутверждённые",
)
