"""The language of the pages: the switch, the browser's preference, the default.

Rauf (a viewer) reads the dashboard in Azerbaijani, Elvin (the IM officer)
reads the map and a record in Russian; the public's browser asks for Russian
first; a national server may default to Azerbaijani.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient

from mineaction.api.app import create_app
from mineaction.config import Settings
from mineaction.render.labels import number
from mineaction.web.i18n import LANGUAGE_COOKIE
from tests.api.conftest import World

HTML = {"Accept": "text/html"}


def _in(client: TestClient, lang: str) -> TestClient:
    client.cookies.set(LANGUAGE_COOKIE, lang)
    return client


def _lang_of(page: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', page)
    assert match, "the page does not say its language"
    return match.group(1)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("az", ["İdarə paneli", "Bu həftə", "Azad edilmiş hektarlar", "Yoxlamanı gözləyir",
                "Aşkarlanmış partlayıcı sursatlar", "İzləyici", "Çıxış"]),
        ("ru", ["Панель показателей", "Эта неделя", "Высвобождено гектаров", "Ожидают проверки",
                "Обнаруженные ВОП", "Наблюдатель", "Выйти"]),
    ],
)  # fmt: skip
def test_the_dashboard_is_shown_in_the_chosen_language(
    world: World, lang: str, words: list[str]
) -> None:
    rauf, _csrf = world.signed_in("rauf")
    page = _in(rauf, lang).get("/dashboard", headers=HTML)
    assert page.status_code == 200 and _lang_of(page.text) == lang
    assert page.headers["content-language"] == lang
    for word in words:
        assert word in page.text, word
    for english in ("Dashboard", "This week", "Hectares released", "Sign out", "viewer"):
        assert f">{english}<" not in page.text and f"{english} <" not in page.text


def test_the_home_page_writes_hectares_the_russian_way(world: World) -> None:
    client = _in(TestClient(world.app), "ru")
    page = client.get("/", headers=HTML).text
    total = client.get("/api/public/summary").json()["released_hectares_total"]
    assert f"{number(total, 'ru', 1)} га" in page  # a decimal comma, and hectares as га
    assert "Высвобожденные земли по районам" in page and "Исключено" in page
    assert "Агдам район" in page and "Agdam District" not in page  # the cleared land's district


@pytest.mark.parametrize(
    ("lang", "layer", "record", "ap_mine", "words"),
    [
        (
            "az",
            "Təhlükəli ərazilər",
            "qeyd",
            "Piyada əleyhinə mina",
            ["Xəritə", "Dövr", "Tətbiq et"],
        ),
        (
            "ru",
            "Опасные районы",
            "запись",
            "Противопехотная мина",
            ["Карта", "Период", "Применить"],
        ),
    ],
)
def test_the_map_and_its_script_words_are_in_the_chosen_language(
    world: World, lang: str, layer: str, record: str, ap_mine: str, words: list[str]
) -> None:
    elvin, _csrf = world.signed_in("elvin")
    page = _in(elvin, lang).get("/map", headers=HTML).text
    assert _lang_of(page) == lang
    for word in words:
        assert word in page, word
    layers = json.loads(html.unescape(_attribute(page, "data-layers")))
    assert layer in [entry["label"] for entry in layers]
    script = json.loads(html.unescape(_attribute(page, "data-words")))
    assert script["lang"] == lang and script["record"] == record
    assert script["terms"]["ap_mine"] == ap_mine


def _attribute(page: str, name: str) -> str:
    match = re.search(rf"{name}='([^']*)'", page)
    assert match, f"no {name} on the page"
    return match.group(1)


def test_a_record_shows_its_state_and_steps_in_russian(world: World) -> None:
    elvin, _csrf = world.signed_in("elvin")
    page = _in(elvin, "ru").get("/records/findings/1", headers=HTML).text
    assert 'data-state="approved">Утверждено<' in page
    assert "История" in page and "создано" in page
    assert 'title="category">Категория<' in page and 'title="quantity">Количество<' in page
    form = _in(elvin, "az").get("/records/findings/1/edit", headers=HTML).text
    assert 'Uzunluq <code class="muted">lon</code>' in form and "Qaralama kimi saxla" in form
    listing = _in(elvin, "ru").get("/records/findings", headers=HTML).text
    assert "Противопехотная мина" in listing or "Противотанковая мина" in listing
    count = elvin.get("/api/records/findings?limit=1").json()["count"]
    assert f"Записей: {count}; страница 1 из 1." in listing


def test_the_switch_remembers_the_choice_and_keeps_the_user_on_the_same_page(
    world: World,
) -> None:
    client = TestClient(world.app, follow_redirects=False)
    home = client.get("/map?period=2024", headers=HTML).text
    assert 'href="/language?lang=az&amp;next=/map%3Fperiod%3D2024"' in home
    switched = client.get("/language", params={"lang": "az", "next": "/map?period=2024"})
    assert switched.status_code == 303 and switched.headers["location"] == "/map?period=2024"
    assert f"{LANGUAGE_COOKIE}=az" in switched.headers["set-cookie"]
    again = client.get("/map?period=2024", headers=HTML).text
    assert _lang_of(again) == "az" and 'aria-current="true">az<' in again


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_the_switch_never_sends_the_user_off_site(world: World, target: str) -> None:
    client = TestClient(world.app, follow_redirects=False)
    answer = client.get("/language", params={"lang": "ru", "next": target})
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_an_unknown_language_is_refused_with_the_choices_and_nothing_is_set(world: World) -> None:
    client = TestClient(world.app, follow_redirects=False)
    page = client.get("/language", params={"lang": "fr", "next": "/"}, headers=HTML)
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "The language &#39;fr&#39; is not supported." in page.text
    assert "Use one of: en, az, ru." in page.text
    assert LANGUAGE_COOKIE not in page.headers.get("set-cookie", "")


def test_the_browser_s_language_is_used_until_the_user_chooses(world: World) -> None:
    client = TestClient(world.app)
    page = client.get("/", headers=HTML | {"Accept-Language": "de-DE,ru;q=0.8,en;q=0.5"})
    assert _lang_of(page.text) == "ru" and "Главная" in page.text
    _in(client, "az")
    page = client.get("/", headers=HTML | {"Accept-Language": "ru"})
    assert _lang_of(page.text) == "az" and "Ana səhifə" in page.text
    english = TestClient(world.app).get("/", headers=HTML | {"Accept-Language": "fr"})
    assert _lang_of(english.text) == "en" and "Land released by district" in english.text


def test_a_server_may_default_to_azerbaijani(world: World) -> None:
    app = create_app(world.db.url, settings=Settings(default_language="az"))
    page = TestClient(app).get("/", headers=HTML)
    assert _lang_of(page.text) == "az" and "Rayonlar üzrə azad edilmiş ərazilər" in page.text


def test_the_error_page_is_in_the_chosen_language(world: World) -> None:
    client = _in(TestClient(world.app), "az")
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and _lang_of(page.text) == "az"
    assert "Bu ünvanda heç nə yoxdur." in page.text and ">Ana səhifə<" in page.text
    rauf, _csrf = world.signed_in("rauf")
    refused = _in(rauf, "ru").get("/review", headers=HTML)
    assert refused.status_code == 403
    assert "Утверждать и отклонять записи может только специалист" in refused.text
