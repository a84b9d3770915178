"""An operator's data officer builds the field forms; pyxform turns each into an XForm.

pyxform's own conversion is the check (it raises on any error); the XForm is
then read back to see that every label is translated, every choice list is
its vocabulary and every rule the national database relies on is there.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from mineaction.domain import vocab
from mineaction.errors import ValidationError
from mineaction.intake.forms import FORMS, build_xlsform, form_columns, xform_of
from mineaction.intake.forms.labels import LANGUAGE_NAMES, UI

NS = {"x": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}
JR = "{http://openrosa.org/javarosa}"
LANGUAGE_SETS = {"en": ("en",), "en,az,ru": ("en", "az", "ru")}


def xform(kind: str, tmp_path: Path, languages: tuple[str, ...] = ("en", "az", "ru"), **kw):
    """Build the form, convert it with pyxform and return the parsed XForm."""
    path = build_xlsform(kind, tmp_path / f"{kind}.xlsx", languages=languages, **kw)
    warnings: list[str] = []
    result = convert(xlsform=str(path), warnings=warnings)
    assert warnings == []
    return ET.fromstring(result.xform)


def model(root: ET.Element) -> ET.Element:
    found = root.find("h:head/x:model", NS)
    assert found is not None
    return found


def binds(root: ET.Element) -> dict[str, ET.Element]:
    return {b.get("nodeset", ""): b for b in model(root).findall("x:bind", NS)}


def translations(root: ET.Element) -> dict[str, dict[str, str]]:
    """Return lang -> {text id: value} of the XForm's itext."""
    out: dict[str, dict[str, str]] = {}
    for tr in model(root).findall("x:itext/x:translation", NS):
        values = {t.get("id", ""): "".join(t.itertext()).strip() for t in tr.findall("x:text", NS)}
        out[tr.get("lang", "")] = values
    return out


def leaves(node: ET.Element, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Return the names of the data nodes under ``node``, group levels flattened."""
    names: list[str] = []
    for child in node:
        tag = child.tag.split("}")[-1]
        if tag in skip:
            continue
        if len(child):
            names.extend(leaves(child, skip=skip))
        elif tag not in names:
            names.append(tag)
    return names


# --- every form, in one language and in three -------------------------------------------


@pytest.mark.parametrize("langs", LANGUAGE_SETS, ids=list(LANGUAGE_SETS))
@pytest.mark.parametrize("kind", sorted(FORMS))
def test_every_form_converts_with_every_label_translated(kind, langs, tmp_path):
    languages = LANGUAGE_SETS[langs]
    root = xform(kind, tmp_path, languages)

    texts = translations(root)
    assert set(texts) == {LANGUAGE_NAMES[lang] for lang in languages}
    ids = {frozenset(values) for values in texts.values()}
    assert len(ids) == 1, "every language translates the same labels"
    for lang, values in texts.items():
        empty = [i for i, v in values.items() if not v]
        assert empty == [], f"{lang} has empty labels: {empty}"
    for label in root.iter(f"{{{NS['x']}}}label"):
        assert label.get("ref", "").startswith("jr:itext("), "labels come from the translations"
    if "ru" in languages:
        russian = texts[LANGUAGE_NAMES["ru"]]
        assert russian["/data/date:label"] == "Дата"
        assert russian["/data/date:jr:constraintMsg"] == "Дата не может быть в будущем."


@pytest.mark.parametrize("langs", LANGUAGE_SETS, ids=list(LANGUAGE_SETS))
@pytest.mark.parametrize("kind", sorted(FORMS))
def test_every_choice_list_is_its_vocabulary(kind, langs, tmp_path):
    languages = LANGUAGE_SETS[langs]
    root = xform(kind, tmp_path, languages)
    lists = {
        inst.get("id"): [
            i.findtext("x:name", namespaces=NS) for i in inst.iter(f"{{{NS['x']}}}item")
        ]
        for inst in model(root).findall("x:instance[@id]", NS)
    }
    selects = [f for f in FORMS[kind].fields() if f.choices is not None]
    assert selects, "every form asks at least one coded question"
    for field in selects:
        assert field.choices is not None
        assert lists[field.choices.name] == list(vocab.ALL[field.choices.name])
    texts = translations(root)
    for lang in languages:
        for vocabulary in FORMS[kind].vocabularies():
            for n, code in enumerate(vocabulary):
                label = texts[LANGUAGE_NAMES[lang]][f"{vocabulary.name}-{n}"]
                assert label == vocabulary.label(code, lang)


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_the_export_columns_are_the_forms_data_nodes(kind, tmp_path):
    root = xform(kind, tmp_path)
    data = model(root).find("x:instance/x:data", NS)
    assert data is not None
    assert data.get("id") == f"mineaction_{kind}"
    assert data.get("version", "").isdigit()
    assert leaves(data, skip=tuple(FORMS[kind].repeats)) == form_columns(kind)
    for name in FORMS[kind].repeats:
        template = data.find(f"x:{name}", NS)
        assert template is not None
        assert leaves(template) == form_columns(kind, repeat=name)


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_dates_cannot_be_in_the_future_and_records_carry_an_id(kind, tmp_path):
    b = binds(xform(kind, tmp_path))
    assert b["/data/date"].get("constraint") == ". <= today()"
    assert b["/data/date"].get("required") == "true()"
    assert b["/data/id"].get("calculate") == "once(uuid())"
    assert b["/data/meta/instanceID"].get(f"{JR}preload") == "uid"


# --- what the importer reads -------------------------------------------------------------


FINDINGS = ["id", "date", "operator", "district", "category", "model", "quantity", "lon", "lat"]
ACCIDENTS = ["id", "date", "lon", "lat", "district", "device_category", "accident_type"]
VICTIMS = ["id", "accident_id", "sex", "age", "group", "outcome"]


def test_the_finding_form_asks_what_the_findings_import_reads(tmp_path):
    assert set([*FINDINGS, "activity_id"]) <= set(form_columns("finding"))
    b = binds(xform("finding", tmp_path))
    assert b["/data/lon"].get("calculate") == (
        "if( /data/position  = '', '', selected-at( /data/position , 1))"
    )
    assert b["/data/quantity"].get("constraint") == ". >= 1"
    assert b["/data/quantity"].get("type") == "int"
    assert b["/data/position"].get("type") == "geopoint"
    assert b["/data/position"].get("required") == "true()"


def test_the_accident_form_repeats_its_victims(tmp_path):
    root = xform("accident", tmp_path)
    assert set(ACCIDENTS) <= set(form_columns("accident"))
    assert form_columns("accident", repeat="victims")[:6] == VICTIMS
    repeat = root.find("h:body//x:repeat", NS)
    assert repeat is not None
    assert repeat.get("nodeset") == "/data/victims"
    b = binds(root)
    assert b["/data/victims/age"].get("constraint") == ". >= 0 and . <= 110"
    assert b["/data/victims/accident_id"].get("calculate") == "../../id"
    assert b["/data/victims/outcome"].get("required") == "true()"
    texts = translations(root)
    assert texts["Azərbaycan (az)"]["/data/victims:label"] == "Zərərçəkən"
    assert texts["Русский (ru)"]["/data/victims/age:jr:constraintMsg"].startswith("Возраст")


def test_the_nts_form_lists_blockages_as_a_multiple_choice(tmp_path):
    root = xform("nts", tmp_path)
    select = root.find("h:body/x:select[@ref='/data/blockages']", NS)
    assert select is not None
    b = binds(root)
    assert "/data/surveyed_m2" in (b["/data/cancelled_m2"].get("constraint") or "")
    assert b["/data/boundary"].get("type") == "geoshape"


def test_the_eore_form_counts_participants_by_sex_and_age(tmp_path):
    columns = form_columns("eore")
    bands = ["female_child", "male_child", "female_adult", "male_adult"]
    bands += ["female_elderly", "male_elderly"]
    assert [c for c in columns if c in bands] == bands
    b = binds(xform("eore", tmp_path))
    for band in bands:
        assert b[f"/data/beneficiaries/{band}"].get("constraint") == ". >= 0"


def test_a_form_for_one_operator_carries_its_code(tmp_path):
    root = xform("finding", tmp_path, operator_code="ANAMA")
    data = model(root).find("x:instance/x:data", NS)
    assert data is not None
    assert data.findtext("x:operator", namespaces=NS) == "ANAMA"
    assert binds(root)["/data/operator"].get("readonly") == "true()"


# --- the workbook itself ----------------------------------------------------------------


def test_the_workbook_has_a_label_column_per_language(tmp_path):
    path = build_xlsform("finding", tmp_path, languages="az,ru", version="2024050201")
    assert path == tmp_path / "mineaction_finding.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in book["survey"][1]]
    assert "label::Azərbaycan (az)" in header
    assert "label::Русский (ru)" in header
    assert "label::English (en)" not in header
    settings = {
        c.value: v.value for c, v in zip(book["settings"][1], book["settings"][2], strict=True)
    }
    assert settings["form_id"] == "mineaction_finding"
    assert settings["version"] == "2024050201"
    assert settings["default_language"] == "Azərbaycan (az)"
    assert "<itext>" in xform_of(path)


def test_every_ui_text_is_written_in_all_three_languages():
    assert set(LANGUAGE_NAMES) == set(vocab.LANGUAGES)
    for key, labels in UI.items():
        assert labels.en and labels.az and labels.ru, key
        assert any("а" <= ch.lower() <= "я" for ch in labels.ru), f"{key} has no Russian"


# --- mistakes ---------------------------------------------------------------------------


def test_it_rejects_an_unknown_form(tmp_path):
    with pytest.raises(ValidationError) as caught:
        build_xlsform("findings", tmp_path / "x.xlsx")
    assert "finding" in str(caught.value)
    assert all(kind in (caught.value.hint or "") for kind in FORMS)


def test_it_rejects_an_unknown_language(tmp_path):
    with pytest.raises(ValidationError) as caught:
        build_xlsform("finding", tmp_path / "x.xlsx", languages=("en", "fr"))
    assert "'fr'" in caught.value.message
    assert "en, az, ru" in (caught.value.hint or "")
    assert caught.value.problems[0].value == "fr"


def test_it_rejects_an_empty_language_list(tmp_path):
    with pytest.raises(ValidationError):
        build_xlsform("finding", tmp_path / "x.xlsx", languages=())


@pytest.mark.parametrize("code", ["", "ANAMA; drop", "x" * 41, "concat('a')"])
def test_it_rejects_an_operator_code_that_is_not_a_code(code, tmp_path):
    with pytest.raises(ValidationError, match="operator code"):
        build_xlsform("finding", tmp_path / "x.xlsx", operator_code=code)


def test_it_rejects_a_version_that_is_not_a_number_and_a_path_that_is_not_xlsx(tmp_path):
    with pytest.raises(ValidationError, match="version"):
        build_xlsform("finding", tmp_path / "x.xlsx", version="v2")
    with pytest.raises(ValidationError, match=r"\.xlsx"):
        build_xlsform("finding", tmp_path / "x.csv")


def test_it_rejects_an_unknown_repeat():
    with pytest.raises(ValidationError, match="victims"):
        form_columns("accident", repeat="witnesses")
