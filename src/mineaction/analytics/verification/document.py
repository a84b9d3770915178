"""The verification as a ``render.Document``: the same figures as the JSON, for XLSX, HTML, PDF."""

from __future__ import annotations

from mineaction.analytics.verification.result import Verification
from mineaction.analytics.verification.rules import CLASSES
from mineaction.domain.vocab import Labels
from mineaction.render import Chart, Column, Document, Paragraph, Section, Series, Table, Text
from mineaction.render.labels import SYNTHETIC

__all__ = ["CLASS_LABELS", "verification_document"]

CLASS_LABELS = {
    "accurate": Labels("Accurate", "Dəqiq", "Точный"),
    "partially_accurate": Labels("Partially accurate", "Qismən dəqiq", "Частично точный"),
    "inaccurate": Labels("Inaccurate", "Qeyri-dəqiq", "Неточный"),
    "unverified": Labels("Unverified", "Yoxlanılmayıb", "Не проверен"),
}
TITLE = Labels(
    "Minefield record verification",
    "Mina sahəsi formulyarlarının yoxlanması",
    "Проверка формуляров минных полей",
)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def verification_document(v: Verification, *, synthetic: bool) -> Document:
    """Return the document of a verification: summary, records by class, proposed areas."""
    s = v.summary()
    counts = v.counts()
    period = (v.start, v.end) if v.start and v.end else None
    parameters: list[tuple[Text, Text]] = [
        (Labels("Buffer", "Bufer", "Буфер"), f"{v.rules.buffer_m:g} m"),
        (
            Labels("Least share worked to judge", "Ən az işlənmiş pay", "Минимальная доля"),
            f"{v.rules.min_coverage:.0%}",
        ),
    ]
    if period is None and (v.start or v.end):
        parameters.append(
            (Labels("Period", "Dövr", "Период"), f"{v.start or '…'} – {v.end or '…'}")
        )
    accurate = "–" if s["accurate_share"] is None else f"{s['accurate_share']:.0%}"
    outside = (
        "–"
        if s["accidents_outside_records_share"] is None
        else f"{s['accidents_outside_records_share']:.0%}"
    )
    summary: list[Text] = [
        f"{s['records']} minefield records: {s['accurate']} accurate, "
        f"{s['partially_accurate']} partially accurate, {s['inaccurate']} inaccurate and "
        f"{s['unverified']} unverified; {accurate} of the verified records are accurate.",
        f"{s['accidents_outside_records']} of {s['accidents']} mine accidents ({outside}) "
        f"happened outside every record, {s['accidents_outside_records_and_hazards']} outside "
        f"every record and every known hazard.",
        f"{s['findings_outside_records']} of {s['findings']} mine finds lie outside every "
        f"record; {len(v.proposed)} clusters of them are proposed as suspected hazardous areas.",
    ]
    records = Table(
        name="records",
        columns=[
            Column("id", Labels("Record", "Formulyar", "Формуляр")),
            Column("class", Labels("Class", "Sinif", "Класс")),
            Column("coverage", Labels("Worked", "İşlənib", "Обследовано"), "percent"),
            Column("expected_ap", Labels("AP expected", "PP gözlənilən", "ПП ожид."), "int"),
            Column("found_ap", Labels("AP found", "PP tapılan", "ПП найдено"), "int"),
            Column("expected_at", Labels("AT expected", "TƏ gözlənilən", "ПТ ожид."), "int"),
            Column("found_at", Labels("AT found", "TƏ tapılan", "ПТ найдено"), "int"),
            Column("findings_inside", Labels("Finds inside", "İçində", "Внутри"), "int"),
            Column("findings_buffer", Labels("In buffer", "Buferdə", "В буфере"), "int"),
            Column("accidents_inside", Labels("Accidents", "Hadisələr", "Инциденты"), "int"),
        ],
        rows=[
            {
                **(d := r.as_dict()),
                "class": CLASS_LABELS[r.klass],
                "coverage": _pct(d["coverage_share"]),
            }
            for r in v.records
        ],
    )
    reasons = Table(
        name="reasons",
        title=Labels("Why each record has its class", "Səbəblər", "Обоснование"),
        columns=[
            Column("id", Labels("Record", "Formulyar", "Формуляр")),
            Column("reason", Labels("Why", "Səbəb", "Почему")),
        ],
        rows=[{"id": r.reference, "reason": r.reason} for r in v.records],
    )
    by_class = Chart(
        "bar",
        Labels("Records by class", "Sinif üzrə formulyarlar", "Формуляры по классам"),
        categories=[CLASS_LABELS[c] for c in CLASSES],
        series=[
            Series(Labels("Records", "Formulyarlar", "Формуляры"), [counts[c] for c in CLASSES])
        ],
    )
    proposed = Table(
        name="proposed_areas",
        columns=[
            Column("id", Labels("Proposal", "Təklif", "Предложение")),
            Column("district", Labels("District", "Rayon", "Район")),
            Column("findings", Labels("Finds", "Tapıntılar", "Находки"), "int"),
            Column("mines", Labels("Mines", "Minalar", "Мины"), "int"),
            Column("accidents", Labels("Accidents", "Hadisələr", "Инциденты"), "int"),
            Column("area_ha", Labels("Area", "Sahə", "Площадь"), "ha", unit="ha"),
            Column("first_date", Labels("First", "İlk", "Первая"), "date"),
            Column("last_date", Labels("Last", "Son", "Последняя"), "date"),
        ],
        rows=[
            {**p.as_dict(), "first_date": p.first_date, "last_date": p.last_date}
            for p in v.proposed
        ],
    )
    near = v.distances
    distances = Paragraph(
        f"Mine finds outside every record lie a median {near.median_m or 0:,.0f} m from the "
        f"nearest record (90 % within {near.p90_m or 0:,.0f} m); {near.within_500_m} of "
        f"{near.count} "
        "within 500 m, which may be a misplaced map rather than an unknown minefield."
    )
    return Document(
        title=TITLE,
        period=period,
        parameters=parameters,
        notices=[SYNTHETIC] if synthetic else [],
        summary=summary,
        name="records-verification",
        sections=[
            Section(
                Labels("Records by class", "Sinif üzrə", "По классам"),
                [by_class, records, reasons],
                name="records",
            ),
            Section(
                Labels(
                    "Proposed suspected hazardous areas",
                    "Təklif edilən şübhəli təhlükəli ərazilər",
                    "Предлагаемые подозреваемые опасные районы",
                ),
                [distances, proposed],
                name="proposed_areas",
            ),
        ],
    )
