"""The planning and reports pages in Azerbaijani and Russian, without a browser.

Elvin (the IM officer) plans in Azerbaijani and Russian; Rauf (a viewer)
chooses a report in Russian.  The forecast reads as one sentence in the
chosen language, with the API's own dates and area in it; no English
fragment of the old patchwork is left.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from mineaction.analytics.reports import get_report
from mineaction.domain.vocab import ACTIVITY_TYPE
from mineaction.render.labels import number
from mineaction.web.i18n import LANGUAGE_COOKIE
from tests.api.conftest import World

HTML = {"Accept": "text/html"}
RUNS = {"simulations": 300, "seed": 5}


def _reader(world: World, persona: str, lang: str) -> TestClient:
    """Return a client of its own for ``persona`` reading in ``lang`` (others keep theirs)."""
    client = TestClient(world.app, headers={"Authorization": f"Bearer {world.tokens[persona]}"})
    client.cookies.set(LANGUAGE_COOKIE, lang)
    return client


def _text(page: str, testid: str, end: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?){end}', page, flags=re.S)
    assert match, f"no {testid} on the page"
    return re.sub(r"[ \t\n]+", " ", html.unescape(match.group(1))).strip()  # keeps no-break spaces


@pytest.mark.parametrize(
    ("lang", "sentence", "words"),
    [
        (
            "az",
            "{count} açıq təhlükəli ərazidə {area} ha: işlər <strong>{p10}</strong> (P10) ilə "
            "<strong>{p90}</strong> (P90) arasında başa çatacaq, ən çox ehtimal olunan tarix "
            "<strong>{p50}</strong> (P50).",
            [">Planlaşdırma<", ">Hesabatlar<", "Tamamlanma proqnozu", "Prioritetlər xəritəsi",
             "Sıralanmış açıq təhlükəli ərazilər", "Proqnozu hesabla", "Qalan sahə (ha)"],
        ),
        (
            "ru",
            "Открытые опасные районы ({count}), {area} га: работы завершатся между "
            "<strong>{p10}</strong> (P10) и <strong>{p90}</strong> (P90), наиболее вероятно — "
            "<strong>{p50}</strong> (P50).",
            [">Планирование<", ">Отчёты<", "Прогноз завершения работ", "Карта приоритетов",
             "Рейтинг открытых опасных районов", "Рассчитать прогноз", "Осталось (га)"],
        ),
    ],
)  # fmt: skip
def test_the_forecast_reads_as_one_sentence_in_the_chosen_language(
    demo_world: World, lang: str, sentence: str, words: list[str]
) -> None:
    elvin = _reader(demo_world, "elvin", lang)
    page = elvin.get("/plan", params=RUNS | {"top": 5}, headers=HTML)
    assert page.status_code == 200, page.text
    national = elvin.get("/api/plan/forecast", params=RUNS).json()["national"]
    expected = sentence.format(
        count=number(national["hazards"], lang),
        area=number(national["remaining_ha"], lang, 1),
        **{k: national[k] for k in ("p10", "p50", "p90")},
    )
    assert _text(page.text, "forecast-summary", "</p>") == expected
    for word in words:
        assert word in page.text, word
    shown = _text(page.text, "ranked", "</table>")
    assert re.search(r"\d[\d\u00a0]*,\d", shown), "areas and scores use the decimal comma"
    for fragment in ("ha in", "most likely", "the first", "finished between", "simulations ·"):
        assert fragment not in page.text.split("<main>", 1)[1].split("<script", 1)[0], fragment


def test_a_what_if_is_told_in_russian_with_the_method_s_own_name(demo_world: World) -> None:
    elvin = _reader(demo_world, "elvin", "ru")
    what_if = {"method": "clearance_mechanical", "teams": 10}
    page = elvin.get("/plan", params=RUNS | what_if, headers=HTML).text
    api = elvin.get(
        "/api/plan/forecast", params=RUNS | {"add_teams": "clearance_mechanical:10"}
    ).json()["national"]
    summary = _text(page, "forecast-summary", "</p>")
    assert (
        "По сценарию «Механическое разминирование, команд: +10»: между "
        f"<strong>{api['p10']}</strong> и <strong>{api['p90']}</strong>, "
        f"наиболее вероятно — <strong>{api['p50']}</strong>."
    ) in summary
    selected = ACTIVITY_TYPE["clearance_mechanical"].ru
    assert f'<option value="clearance_mechanical" selected>{selected}</option>' in page
    assert "P50, сценарий" in page and "В срок, сценарий" in page
    fan = page.split('data-testid="fan-chart"', 1)[1].split("</figure>", 1)[0]
    assert "Высвобождено земель нарастающим итогом" in html.unescape(fan)
    assert "P50 (Механическое разминирование, команд: +10)" in html.unescape(fan)
    assert "P10–P90 (базовый сценарий)" in html.unescape(fan)


def test_a_wrong_day_is_explained_in_the_chosen_language(demo_world: World) -> None:
    page = _reader(demo_world, "rauf", "ru").get(
        "/plan", params=RUNS | {"as_of": "2024-13-01"}, headers=HTML
    )
    assert page.status_code == 422
    error = _text(page.text, "plan-error", "</div>")
    assert "«По состоянию на»: 2024-13-01 не является датой." in error
    assert "Записывайте даты как ГГГГ-ММ-ДД" in error
    what_if = _reader(demo_world, "rauf", "az").get(
        "/plan", params=RUNS | {"method": "clearance_manual", "teams": 0}, headers=HTML
    )
    assert "Ssenari heç bir komanda əlavə etmir." in _text(what_if.text, "plan-error", "</div>")


@pytest.mark.parametrize(
    ("lang", "words", "grouped"),
    [
        ("az", ["— hesabatı seçin —", "və ya ISO həftəsi", "— qruplaşdırmadan —", "Önbaxış"],
         "qruplaşdırma: operator, rayon"),
        ("ru", ["— выберите отчёт —", "или неделя ISO", "— без группировки —", "Предпросмотр"],
         "группировка: оператор, район"),
    ],
)  # fmt: skip
def test_the_reports_page_offers_the_reports_by_their_names_in_the_language(
    world: World, lang: str, words: list[str], grouped: str
) -> None:
    page = _reader(world, "rauf", lang).get("/reports", headers=HTML)
    assert page.status_code == 200
    operations = getattr(get_report("operations").title, lang)
    assert f"{operations} ({grouped}" in html.unescape(page.text)
    for word in words:
        assert word in page.text, word


def test_a_report_without_a_period_is_explained_in_russian(world: World) -> None:
    page = _reader(world, "rauf", "ru").get(
        "/reports", params={"report": "operations", "date_from": "2024-05-05"}, headers=HTML
    )
    assert page.status_code == 422
    error = _text(page.text, "report-error", "</div>")
    assert "Для отчёта нужен период" in error and "неделя 2024-W18" in error
