"""The interface in English, Azerbaijani or Russian: the catalogue and the current language.

Templates and pages write interface words in English as ``_("English text")``
(values by name: ``_("record {id}", id=7)``); the
catalogue ``web/translations.yaml`` gives each English text its Azerbaijani
and Russian translation.  A text the catalogue lacks is shown as written.

The language of a request is chosen in a fixed order: the ``mineaction_lang``
cookie the language switch sets, then the browser's ``Accept-Language``, then
``MINEACTION_DEFAULT_LANGUAGE`` (English unless set).  It is held in a context
variable for the request, so ``_`` needs no argument wherever it is called.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from fastapi import FastAPI, Request
from markupsafe import Markup, escape

from mineaction.domain.vocab import LANGUAGES
from mineaction.errors import ConfigurationError

#: The cookie the language switch sets (a preference, not a secret).
LANGUAGE_COOKIE = "mineaction_lang"
#: Each language named in itself, as the switch shows it.
LANGUAGE_NAMES = {"en": "English", "az": "Azərbaycanca", "ru": "Русский"}
CATALOGUE_FILE = "translations.yaml"

_current: ContextVar[str] = ContextVar("mineaction_language", default="en")


@dataclass(frozen=True)
class Entry:
    """One English text of the interface and its translations."""

    az: str
    ru: str
    same: bool = False  # the same in every language on purpose (a code, a proper name)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Entry]:
    """Return the interface catalogue: English text -> its translations."""
    text = resources.files("mineaction.web").joinpath(CATALOGUE_FILE).read_text("utf-8")
    return parse_catalogue(text)


def parse_catalogue(text: str) -> dict[str, Entry]:
    """Return the entries of a catalogue's YAML text; refuse a broken one, naming the file."""
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(
            f"The interface catalogue web/{CATALOGUE_FILE} is not valid YAML: {exc}",
            hint='Write each entry on one line as: "English": {az: "…", ru: "…"}',
        ) from exc
    bad = [str(k) for k, t in raw.items() if not isinstance(k, str) or not isinstance(t, dict)]
    if bad:
        raise ConfigurationError(
            f"The interface catalogue web/{CATALOGUE_FILE} has entries without az and ru: "
            f"{', '.join(bad[:5])}",
            hint='Write each entry on one line as: "English": {az: "…", ru: "…"}',
        )
    return {
        english: Entry(az=str(t.get("az", "")), ru=str(t.get("ru", "")), same=bool(t.get("same")))
        for english, t in raw.items()
    }


def translate(text: str, lang: str, **values: Any) -> str:
    """Return ``text`` in ``lang`` (as written when the catalogue lacks it), values filled in.

    >>> translate("Map", "ru"), translate("record {id}", "az", id=7), translate("PMN-2", "ru")
    ('Карта', 'qeyd 7', 'PMN-2')
    >>> translate("With {scenario}: between {p10} and {p90}, most likely {p50}.", "en",
    ...           scenario="<b>", p10=Markup("<strong>2030</strong>"), p90="2032", p50="2031")
    Markup('With &lt;b&gt;: between <strong>2030</strong> and 2032, most likely 2031.')
    """
    entry = catalogue().get(text) if lang != "en" else None
    out = (getattr(entry, lang) or text) if entry is not None else text
    if any(isinstance(value, Markup) for value in values.values()):
        # A value already made HTML (a template macro's <strong>) stays HTML; the
        # translation itself and every other value are escaped.
        return Markup(escape(out)).format(**values)
    return out.format(**values) if values else out


def gettext(text: str, **values: Any) -> str:
    """Return ``text`` in the current request's language (the ``_`` of templates and pages)."""
    return translate(text, _current.get(), **values)


def current_language() -> str:
    """Return the language of the request being answered (en outside a request)."""
    return _current.get()


def activate(lang: str) -> None:
    """Make ``lang`` the language of the rest of this request."""
    _current.set(lang if lang in LANGUAGES else "en")


def from_accept_language(header: str) -> str | None:
    """Return the supported language the browser prefers most, or None.

    >>> from_accept_language("de-DE,ru;q=0.8,az-Latn-AZ;q=0.9,en;q=0.5")
    'az'
    >>> from_accept_language("fr") is None
    True
    """
    best: tuple[float, str] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-", 1)[0]
        if lang not in LANGUAGES:
            continue
        try:
            weight = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, lang)
    return best[1] if best else None


def language_of(request: Request) -> str:
    """Choose the request's language: the cookie, then Accept-Language, then the default."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    preferred = from_accept_language(request.headers.get("accept-language", ""))
    if preferred:
        return preferred
    settings = getattr(request.app.state, "settings", None)
    return str(getattr(settings, "default_language", "en"))


def install(app: FastAPI) -> None:
    """Give the app's templates the per-request ``_`` and choose each request's language."""
    from mineaction.web import localise  # the template helpers use this module

    catalogue()  # a broken catalogue stops the start, not the first page
    env = app.state.templates.env
    env.globals.update(
        _=gettext,
        current_language=current_language,
        languages=LANGUAGE_NAMES,
        **localise.TEMPLATE_GLOBALS,
    )
    env.filters.update(localise.TEMPLATE_FILTERS)

    app.add_middleware(LanguageChooser)


class LanguageChooser:
    """Choose each request's language; pages say which (``Content-Language``, ``Vary``).

    A plain ASGI middleware, as ``api.headers.SecurityHeaders``: Starlette's
    ``BaseHTTPMiddleware`` cost a task and a copy of the answer per request.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang = language_of(Request(scope))
        activate(lang)

        async def send_with_language(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower(): value for name, value in headers}
                if present.get(b"content-type", b"").startswith(b"text/html"):
                    if b"content-language" not in present:
                        headers.append((b"content-language", _current.get().encode()))
                    if b"vary" not in present:
                        headers.append((b"vary", b"Accept-Language, Cookie"))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_language)
