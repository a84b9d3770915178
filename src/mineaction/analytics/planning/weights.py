"""The priority weights: a YAML file with sensible defaults shipped in the package."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mineaction.errors import Problem, ValidationError

GROUPS = ("impact", "threat", "cost")
CRITERIA = (
    "projects",
    "blockages",
    "beneficiaries",
    "accidents",
    "contamination",
    "evidence",
    "effort",
)


@dataclass(frozen=True)
class Criterion:
    """One criterion: its group, weight, half-saturation and value table."""

    name: str
    group: str
    weight: float
    half: float = 1.0
    values: dict[str, float] | None = None
    radius_m: float = 1000.0
    years: float = 5.0


@dataclass(frozen=True)
class Weights:
    """Every criterion by name, and the buffer around projects."""

    criteria: dict[str, Criterion]
    project_buffer_m: float
    source: str

    def __getitem__(self, name: str) -> Criterion:
        return self.criteria[name]


def default_text() -> str:
    """Return the text of the shipped default weights file."""
    path = resources.files("mineaction.analytics.planning") / "default_weights.yaml"
    return path.read_text(encoding="utf-8")


def load(path: Path | None = None) -> Weights:
    """Read weights from ``path``, or the shipped defaults; criteria left out keep theirs."""
    defaults = yaml.safe_load(default_text())
    if path is None:
        return _parse(defaults, defaults, "default")
    if not path.exists():
        raise ValidationError(
            f"The weights file {path} does not exist.",
            hint="Start from the defaults: `mineaction plan weights > weights.yaml`.",
        )
    try:
        given = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ValidationError(
            f"The weights file {path} is not valid YAML: {exc}",
            hint="Start from the defaults: `mineaction plan weights > weights.yaml`.",
        ) from exc
    return _parse(given, defaults, str(path))


def _parse(given: Any, defaults: dict[str, Any], source: str) -> Weights:
    problems: list[Problem] = []
    if not isinstance(given, dict):
        given = {}
        problems.append(Problem("the file must hold a mapping with `criteria:`", source=source))
    criteria_in = given.get("criteria") or {}
    for name in criteria_in:
        if name not in CRITERIA:
            problems.append(
                Problem(
                    f"{name!r} is not a criterion",
                    field=f"criteria.{name}",
                    source=source,
                    hint=f"Use one of: {', '.join(CRITERIA)}.",
                )
            )
    criteria = {}
    for name in CRITERIA:
        merged = dict(defaults["criteria"][name])
        merged.update(criteria_in.get(name) or {})
        try:
            criterion = Criterion(
                name=name,
                group=str(merged["group"]),
                weight=float(merged["weight"]),
                half=float(merged.get("half", 1.0)),
                values={str(k): float(v) for k, v in merged["values"].items()}
                if "values" in merged
                else None,
                radius_m=float(merged.get("radius_m", 1000.0)),
                years=float(merged.get("years", 5.0)),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            problems.append(
                Problem(f"is not valid: {exc}", field=f"criteria.{name}", source=source)
            )
            continue
        if criterion.group not in GROUPS or criterion.weight < 0 or criterion.half <= 0:
            problems.append(
                Problem(
                    "needs a group (impact, threat or cost), a weight ≥ 0 and a half > 0",
                    field=f"criteria.{name}",
                    source=source,
                )
            )
        criteria[name] = criterion
    buffer = given.get("project_buffer_m", defaults["project_buffer_m"])
    try:
        buffer_m = float(buffer)
        if buffer_m < 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(
            Problem("is not a distance ≥ 0", field="project_buffer_m", value=buffer, source=source)
        )
        buffer_m = 0.0
    if problems:
        raise ValidationError(
            f"The weights in {source} have {len(problems)} problem(s).",
            hint="Fix them, or start again from `mineaction plan weights`.",
            problems=problems,
        )
    return Weights(criteria, buffer_m, source)
