"""Reading a column mapping's YAML: every key checked, every mistake named with its key.

The grammar is in docs/import-formats.md ("Column mappings").  A mistake in
the file is refused with a ValidationError naming the mapping file and the key
(``columns.sex.values``, ``rows[1].set.quantity``), or the line for YAML that
cannot be read at all.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, NoReturn

import yaml

from mineaction.errors import Problem, ValidationError
from mineaction.intake.mapping.areas import AreaRule
from mineaction.intake.mapping.mapper import Mapping, RowSet
from mineaction.intake.mapping.rules import (
    Condition,
    DateRule,
    FromRule,
    Rule,
    TemplateRule,
    ValueMap,
    ValueRule,
    Where,
    cell_text,
    fold,
)

TOP_KEYS = ("kind", "country", "description", "columns", "create_areas", "rows", "filter")
FROM_KEYS = ("from", "values", "default", "number", "thousands", "format")
RULE_SHAPES = "{from: COLUMN, ...}, {value: CONSTANT}, {template: TEXT} or {year: COLUMN, ...}"
QUOTE_HINT = (
    "YAML reads unquoted yes/no/on/off/true/false as true or false; quote the text, "
    'e.g. "No" or "Si".'
)


def load_mapping(path: Path | str) -> Mapping:
    """Return the column mapping in the YAML file ``path``; refuse a mistake with its key."""
    path = Path(path)
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"The column mapping {path} could not be read: {exc}.",
            hint="Give the path of a YAML file saved as UTF-8.",
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ValidationError(
            f"The column mapping {path.name} is not valid YAML{where}: {exc.problem}.",
            hint="Check the indentation and quoting on that line (a value with ':' or '#' "
            "needs quotes).",
            problems=[Problem(reason=str(exc.problem), row=mark.line + 1 if mark else None)],
        ) from exc
    except yaml.YAMLError as exc:
        raise ValidationError(
            f"The column mapping {path.name} is not valid YAML: {exc}.",
            hint="Check the file with a YAML validator.",
        ) from exc
    return _Reader(path.name).mapping(data)


class _Reader:
    """Turns the parsed YAML into a Mapping, naming the key of every mistake."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.references: list[tuple[str, str]] = []

    def fail(self, key: str, message: str, hint: str) -> NoReturn:
        raise ValidationError(
            f"Column mapping {self.source}, {key}: {message}",
            hint=hint,
            problems=[Problem(reason=message, field=key, hint=hint, source=self.source)],
        )

    def mapping(self, data: Any) -> Mapping:
        if not isinstance(data, dict):
            self.fail("(top)", "the file holds no mapping.", "Start with `columns:`.")
        self.keys("(top)", data, TOP_KEYS)
        if "columns" not in data:
            self.fail("columns", "the mapping has no columns.", "Add `columns:`.")
        kind = self.text("kind", data.get("kind"))
        if kind is not None:
            from mineaction.intake.kinds import KINDS

            if kind not in KINDS:
                self.fail("kind", f"{kind!r} is not a kind.", f"Use one of: {', '.join(KINDS)}.")
        country = self.text("country", data.get("country"))
        rules = self.rules("columns", data["columns"])
        row_sets = [
            self.row_set(f"rows[{i}]", spec) for i, spec in enumerate(self.items("rows", data))
        ]
        filters = self.conditions("filter", data.get("filter"))
        areas = self.areas(data.get("create_areas"), country)
        return Mapping(
            source=self.source,
            rules=rules,
            kind=kind,
            country=country.upper() if country else None,
            description=self.text("description", data.get("description")),
            row_sets=row_sets,
            filters=filters,
            create_areas=areas,
            references=self.references,
        )

    def keys(self, key: str, spec: dict[Any, Any], allowed: tuple[str, ...]) -> None:
        for name in spec:
            if name not in allowed:
                self.fail(
                    f"{key}.{name}" if key != "(top)" else str(name),
                    f"{name!r} is not a key of {key}.",
                    f"Use: {', '.join(allowed)}.",
                )

    def items(self, key: str, data: dict[str, Any]) -> list[Any]:
        value = data.get(key) or []
        if not isinstance(value, list):
            self.fail(key, "this must be a list (lines starting with '- ').", "See the examples.")
        return value

    def text(self, key: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(key, f"expected a text, got {value!r}.", QUOTE_HINT)
        return str(value)

    def column(self, key: str, value: Any) -> str:
        name = self.text(key, value)
        if not name:
            self.fail(key, "a source column name is needed here.", "Write the column's header.")
        self.references.append((key, name))
        return name

    def scalar(self, key: str, value: Any) -> Any:
        if isinstance(value, bool):
            self.fail(key, f"{value!r} is read as true/false.", QUOTE_HINT)
        if isinstance(value, dict | list):
            self.fail(key, "expected a single value here.", "Write one text or number.")
        return value

    def rules(self, key: str, spec: Any) -> dict[str, Rule]:
        if not isinstance(spec, dict) or not spec:
            self.fail(
                key, "expected canonical columns, each with a rule.", f"Rules: {RULE_SHAPES}."
            )
        return {
            str(name): self.rule(f"{key}.{name}", str(name), value) for name, value in spec.items()
        }

    def rule(self, key: str, name: str, spec: Any) -> Rule:
        where = Where(mapping=self.source, key=key, column=name)
        if isinstance(spec, str):
            return FromRule(self.column(key, spec), where=where)
        if not isinstance(spec, dict):
            self.fail(key, f"{spec!r} is not a rule.", f"Rules: {RULE_SHAPES}.")
        if "value" in spec:
            self.keys(key, spec, ("value",))
            return ValueRule(self.scalar(f"{key}.value", spec["value"]))
        if "template" in spec:
            self.keys(key, spec, ("template",))
            return self.template(f"{key}.template", spec["template"])
        if "year" in spec:
            self.keys(key, spec, ("year", "month", "day"))
            if "day" in spec and "month" not in spec:
                self.fail(key, "a day needs a month.", "Add `month: COLUMN`.")
            parts = {
                p: self.column(f"{key}.{p}", spec[p]) for p in ("year", "month", "day") if p in spec
            }
            return DateRule(where=where, **parts)
        if "from" in spec:
            return self.from_rule(key, spec, where)
        self.fail(
            key, "the rule has none of from, value, template, year.", f"Rules: {RULE_SHAPES}."
        )

    def template(self, key: str, spec: Any) -> TemplateRule:
        text = self.text(key, spec) or ""
        try:
            fields = [name for _lit, name, _spec, _conv in string.Formatter().parse(text)]
        except ValueError as exc:
            self.fail(key, f"the template {text!r} is not valid: {exc}.", "Write {{ for a brace.")
        for name in fields:
            if name and name != "row":
                self.column(key, name)
        return TemplateRule(text)

    def from_rule(self, key: str, spec: dict[str, Any], where: Where) -> FromRule:
        self.keys(key, spec, FROM_KEYS)
        ways: list[str] = [w for w in ("values", "format") if w in spec]
        if "number" in spec or "thousands" in spec:
            ways.append("number")
        if len(ways) > 1:
            self.fail(key, f"a rule takes one of {' / '.join(ways)}, not both.", "Keep one.")
        values = None
        if "values" in spec:
            values = self.value_map(f"{key}.values", spec["values"])
        number = spec.get("number", False)
        if not isinstance(number, bool):
            self.fail(f"{key}.number", "number must be true or false.", "Write `number: true`.")
        fmt = self.text(f"{key}.format", spec.get("format"))
        if fmt is not None and "%" not in fmt:
            self.fail(f"{key}.format", f"{fmt!r} has no date codes.", "E.g. %d/%m/%Y or %Y-%m.")
        return FromRule(
            self.column(f"{key}.from", spec["from"]),
            values=values,
            default=self.scalar(f"{key}.default", spec.get("default")),
            number=number,
            thousands=self.text(f"{key}.thousands", spec.get("thousands")),
            format=fmt,
            where=where,
        )

    def value_map(self, key: str, spec: Any) -> ValueMap:
        if not isinstance(spec, dict) or not spec:
            self.fail(key, "expected source values and their meaning.", "E.g. {Herido: injured}.")
        values: dict[str, Any] = {}
        folded: dict[str, Any] = {}
        for source, meaning in spec.items():
            text = cell_text(self.scalar(f"{key}[{source!r}]", source)) or ""
            meaning = self.scalar(f"{key}.{text}", meaning)
            if fold(text) in folded and folded[fold(text)] != meaning and text not in values:
                self.fail(
                    f"{key}.{text}",
                    f"{text!r} differs from another value only in case or accents and maps "
                    "to something else.",
                    "Give both the same meaning, or remove one.",
                )
            values[text] = meaning
            folded.setdefault(fold(text), meaning)
        return ValueMap(values)

    def conditions(self, key: str, spec: Any) -> list[Condition]:
        if spec is None:
            return []
        specs = spec if isinstance(spec, list) else [spec]
        return [
            self.condition(f"{key}[{i}]" if isinstance(spec, list) else key, s)
            for i, s in enumerate(specs)
        ]

    def condition(self, key: str, spec: Any) -> Condition:
        if not isinstance(spec, dict) or "column" not in spec:
            self.fail(key, "expected {column: NAME, in: [...]} or not_in.", "See the examples.")
        self.keys(key, spec, ("column", "in", "not_in"))
        tests = [t for t in ("in", "not_in") if t in spec]
        if len(tests) != 1:
            self.fail(key, "a condition takes one of in / not_in.", "Write `in: [A, B]`.")
        raw = spec[tests[0]]
        values = raw if isinstance(raw, list) else [raw]
        texts = frozenset(
            fold(cell_text(self.scalar(f"{key}.{tests[0]}", v)) or "") for v in values
        )
        return Condition(self.column(f"{key}.column", spec["column"]), texts, tests[0] == "not_in")

    def row_set(self, key: str, spec: Any) -> RowSet:
        if not isinstance(spec, dict) or "set" not in spec:
            self.fail(
                key, "each entry of rows needs `set:`.", "E.g. {set: {category: {value: uxo}}}."
            )
        self.keys(key, spec, ("when", "set"))
        return RowSet(
            self.conditions(f"{key}.when", spec.get("when")), self.rules(f"{key}.set", spec["set"])
        )

    def areas(self, spec: Any, country: str | None) -> AreaRule | None:
        if spec is None:
            return None
        key = "create_areas"
        if not isinstance(spec, dict) or "from" not in spec:
            self.fail(
                key, "expected {from: COLUMN, parent: COLUMN, country: ISO3}.", "See the examples."
            )
        self.keys(key, spec, ("from", "parent", "country"))
        iso3 = self.text(f"{key}.country", spec.get("country")) or country
        return AreaRule(
            name=self.column(f"{key}.from", spec["from"]),
            parent=self.column(f"{key}.parent", spec["parent"]) if "parent" in spec else None,
            country=iso3.upper() if iso3 else None,
            mapping=self.source,
        )
