"""The catalogue covers every interface text, in Azerbaijani and Russian, carefully.

The texts are found where they are written: every ``_("…")`` in the
templates and in the web package's Python modules, and the names the pages
pass through ``_`` at run time (kinds of record, the field a list shows).
A new text without its translations fails here on purpose: translate it in
``src/mineaction/web/translations.yaml``.
"""

from __future__ import annotations

import ast
import string
from importlib import resources
from pathlib import Path

import pytest
import yaml
from jinja2 import Environment
from jinja2.ext import extract_from_ast

from mineaction.errors import ConfigurationError
from mineaction.intake.kinds import KINDS as IMPORT_KINDS
from mineaction.services.catalogue import KINDS
from mineaction.services.status import KIND_LABELS
from mineaction.web.i18n import CATALOGUE_FILE, catalogue, parse_catalogue, translate
from mineaction.web.localise import FIELD_LABELS

WEB = Path(resources.files("mineaction.web"))  # type: ignore[arg-type]
TRANSLATED = ("az", "ru")


def _template_texts() -> dict[str, str]:
    env = Environment()
    found: dict[str, str] = {}
    for path in sorted((WEB / "templates").rglob("*.html")):
        tree = env.parse(path.read_text("utf-8"))
        for line, _name, message in extract_from_ast(tree, gettext_functions=("_",)):
            text = message[0] if isinstance(message, tuple) else message
            if isinstance(text, str):
                found.setdefault(text, f"{path.name}:{line}")
    return found


def _python_texts() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(WEB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.name}:{node.lineno}")
    return found


def _run_time_texts() -> dict[str, str]:
    """The texts pages translate from a variable: kinds' names, the field a list shows."""
    found = {info.label: "services/catalogue.py" for info in KINDS.values()}
    found |= {label: "services/status.py" for label in KIND_LABELS.values()}
    found |= {label: "web/localise.py FIELD_LABELS" for label in FIELD_LABELS.values()}
    found |= {
        column.description: f"intake/kinds {kind.name}.{column.name} (record_form.html)"
        for kind in IMPORT_KINDS.values()
        for column in kind.columns
        if column.description
    }
    found |= {
        info.status.replace("_", " "): "records.html (KindInfo.status)"
        for info in KINDS.values()
        if info.status
    }
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_the_extraction_finds_the_texts_of_pages_and_templates() -> None:
    texts = _template_texts() | _python_texts()
    assert "Land released by district" in texts  # a template
    assert "Sign in to see this page." in texts  # pages.py
    assert "New record: {kind}" in texts  # a text with a value


def test_every_interface_text_has_an_azerbaijani_and_a_russian_translation() -> None:
    known = catalogue()
    texts = _template_texts() | _python_texts() | _run_time_texts()
    missing = {
        text: where
        for text, where in texts.items()
        if text not in known or not all(getattr(known[text], lang) for lang in TRANSLATED)
    }
    assert missing == {}, (
        f"translate these in src/mineaction/web/{CATALOGUE_FILE} (text: where it is used): "
        f"{missing}"
    )


def test_no_translation_is_empty_or_merely_the_english() -> None:
    lazy = [
        (english, lang)
        for english, entry in catalogue().items()
        for lang in TRANSLATED
        if not getattr(entry, lang).strip() or (getattr(entry, lang) == english and not entry.same)
    ]
    assert lazy == [], f"empty, or the English left as it is without `same: true`: {lazy}"


def test_translations_keep_the_values_of_the_english_text() -> None:
    broken = [
        (english, lang)
        for english, entry in catalogue().items()
        for lang in TRANSLATED
        if _placeholders(getattr(entry, lang)) != _placeholders(english)
    ]
    assert broken == []
    assert translate("New record: {kind}", "ru", kind="Оборудование") == (
        "Новая запись: Оборудование"
    )


def test_the_catalogue_holds_only_az_ru_and_same() -> None:
    raw = yaml.safe_load((WEB / CATALOGUE_FILE).read_text("utf-8"))
    odd = {
        k: sorted(set(v) - {"az", "ru", "same"})
        for k, v in raw.items()
        if set(v) - {"az", "ru", "same"}
    }
    assert odd == {}, f"unknown keys (a typo of az or ru?): {odd}"


def test_every_field_a_record_page_shows_has_a_name_to_translate() -> None:
    from sqlalchemy import inspect

    from mineaction.services.browse import HIDDEN

    fields = {c.name for kind in IMPORT_KINDS.values() for c in kind.columns}
    fields |= {
        attr.key
        for info in KINDS.values()
        for attr in inspect(info.model).column_attrs
        if attr.key not in HIDDEN
    }
    missing = sorted(fields - set(FIELD_LABELS))
    assert missing == [], f"name these fields in web/localise.py FIELD_LABELS: {missing}"


@pytest.mark.parametrize(
    ("text", "az", "ru"),
    [
        ("Cleared", "Təmizlənib", "Очищено"),  # as domain/vocab.py's release method
        ("Total", "Cəmi", "Итого"),  # as render/labels.py's reports
        ("Period", "Dövr", "Период"),
    ],
)
def test_the_interface_uses_the_vocabularies_words(text: str, az: str, ru: str) -> None:
    assert (translate(text, "az"), translate(text, "ru")) == (az, ru)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('"Map": {az: "Xəritə", ru: "Карта"\n', "is not valid YAML"),
        ('"Map": "Xəritə"\n', "has entries without az and ru: Map"),
    ],
)
def test_a_broken_catalogue_is_refused_with_the_file_named(text: str, reason: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        parse_catalogue(text)
    assert f"web/{CATALOGUE_FILE}" in refused.value.message and reason in refused.value.message
