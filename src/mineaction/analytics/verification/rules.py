"""The rules that class a minefield record: accurate, partially accurate, inaccurate, unverified.

The thresholds are a ``Rules`` value: the defaults below, or a YAML file of
the same names (``load_rules``), documented in docs/minefield-records.md.
``classify`` is a pure function of one record's evidence and the rules, and
returns the class with a sentence saying why.

>>> rules = Rules()
>>> e = Evidence(coverage_share=0.8, expected_ap=100, expected_at=0, found_ap=70, found_at=0,
...              mines_inside=70, mines_buffer=0, accidents_inside=0)
>>> classify(e, rules)[0]
'accurate'
>>> classify(Evidence(coverage_share=0.1), rules)[0]
'unverified'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from mineaction.domain import vocab
from mineaction.errors import ValidationError

__all__ = ["CLASSES", "Evidence", "Rules", "classify", "load_rules"]

#: The classes, in the order reports list them.
CLASSES = ("accurate", "partially_accurate", "inaccurate", "unverified")


@dataclass(frozen=True)
class Rules:
    """Thresholds of the verification (docs/minefield-records.md explains each)."""

    #: Findings within this many metres of a record's perimeter count for it (the buffer).
    buffer_m: float = 50.0
    #: Share of a record's area surveyed or cleared below which a record where nothing
    #: was found is unverified (too little of it worked to say).
    min_coverage: float = 0.5
    #: Found mines ÷ mines expected in the worked part: the range an accurate record is
    #: in.  By default any count is accepted (see the docs: mines laid are lifted, set off
    #: or moved before a record is verified); the reason always says how the counts compare.
    min_found_ratio: float = 0.0
    max_found_ratio: float | None = None
    #: Whether finding a category of mine the record does not list (AP where it lists only
    #: AT, or the reverse) keeps it from being accurate.  By default it is only said.
    types_must_match: bool = False
    #: Share of the mines found near a record that must lie inside its perimeter
    #: (not in the buffer) for it to be accurate.
    min_inside_share: float = 0.8
    #: Finding categories that count as mines of the record.
    finding_categories: tuple[str, ...] = ("ap_mine", "at_mine")
    #: Accident device categories that count as mine accidents.
    accident_devices: tuple[str, ...] = ("ap_mine", "at_mine")
    #: Clusters of finds/accidents outside every record and hazard: neighbours within
    #: ``cluster_eps_m`` metres, at least ``cluster_min_points`` events.
    cluster_eps_m: float = 250.0
    cluster_min_points: int = 3

    def __post_init__(self) -> None:
        problems = []
        for name in ("min_coverage", "min_inside_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(f"{name} must be a share between 0 and 1")
        top = math.inf if self.max_found_ratio is None else self.max_found_ratio
        if not 0.0 <= self.min_found_ratio <= top:
            problems.append("min_found_ratio must be at least 0 and at most max_found_ratio")
        if not (math.isfinite(self.buffer_m) and 0.0 <= self.buffer_m <= 10_000.0):
            problems.append("buffer_m must be between 0 and 10,000 metres")
        if not (self.cluster_eps_m > 0 and self.cluster_min_points >= 1):
            problems.append("cluster_eps_m must be positive and cluster_min_points at least 1")
        for name in ("finding_categories", "accident_devices"):
            unknown = [c for c in getattr(self, name) if c not in vocab.EO_CATEGORY]
            if unknown or not getattr(self, name):
                problems.append(f"{name} must list EO categories ({', '.join(vocab.EO_CATEGORY)})")
        if problems:
            raise ValidationError(
                f"The verification rules are not valid: {'; '.join(problems)}.",
                hint="Correct the rules file (see docs/minefield-records.md).",
            )

    def as_dict(self) -> dict[str, Any]:
        """Return the rules as a JSON-ready dict."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def with_buffer(self, buffer_m: float | None) -> Rules:
        """Return these rules with another buffer (None keeps this one)."""
        if buffer_m is None:
            return self
        return Rules(**{**asdict(self), "buffer_m": float(buffer_m)})


def load_rules(path: Path | None) -> Rules:
    """Return the rules of a YAML file (names as in ``Rules``; missing ones keep defaults)."""
    if path is None:
        return Rules()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ValidationError(
            f"The rules file {path} does not exist.", hint="Check the path given to --rules."
        ) from exc
    except yaml.YAMLError as exc:
        raise ValidationError(
            f"The rules file {path} is not valid YAML: {exc}",
            hint="Write one `name: value` per line, as in docs/minefield-records.md.",
        ) from exc
    if not isinstance(data, dict):
        raise ValidationError(
            f"The rules file {path} must hold `name: value` lines.",
            hint="See docs/minefield-records.md for the names.",
        )
    known = {f.name: f for f in fields(Rules)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValidationError(
            f"The rules file {path} names unknown rules: {', '.join(unknown)}.",
            hint=f"Known rules: {', '.join(known)}.",
        )
    values: dict[str, Any] = {}
    for name, value in data.items():
        default = getattr(Rules(), name)
        try:
            if value is None and name == "max_found_ratio":
                values[name] = None
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError(name)
                values[name] = value
            elif isinstance(default, tuple):
                items = [value] if isinstance(value, str) else list(value)
                values[name] = tuple(str(v) for v in items)
            elif isinstance(default, int) and not isinstance(default, bool):
                values[name] = int(value)
            else:
                values[name] = float(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"The rules file {path}: {name} has the value {value!r}, which is not "
                f"{_type_name(default)}.",
                hint="See docs/minefield-records.md for each rule's type.",
            ) from exc
    return Rules(**values)


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    return "a list" if isinstance(default, tuple) else "a number"


@dataclass(frozen=True)
class Evidence:
    """What the database knows about one record (the inputs of ``classify``).

    ``mines_inside`` and ``mines_buffer`` are quantities of mines found inside
    the perimeter and in the buffer; ``found_ap``/``found_at`` both together by
    category.  Expected counts are None when the record gives none.
    """

    coverage_share: float
    expected_ap: int | None = None
    expected_at: int | None = None
    found_ap: int = 0
    found_at: int = 0
    mines_inside: int = 0
    mines_buffer: int = 0
    accidents_inside: int = 0


def classify(e: Evidence, rules: Rules) -> tuple[str, str]:
    """Return the record's class and a sentence that says why (the rules in the docs)."""
    worked = f"{e.coverage_share:.0%} of its area has been surveyed or cleared"
    near = e.mines_inside + e.mines_buffer
    if near == 0:
        accidents = (
            f"; {e.accidents_inside} mine accident(s) happened inside it"
            if e.accidents_inside
            else ""
        )
        if e.coverage_share < rules.min_coverage:
            return (
                "unverified",
                f"Only {worked} (at least {rules.min_coverage:.0%} is needed to judge) and no "
                f"mine has been found within {rules.buffer_m:g} m of it{accidents}.",
            )
        if e.accidents_inside:
            return (
                "partially_accurate",
                f"{worked.capitalize()} and no mine was found within {rules.buffer_m:g} m, but "
                f"{e.accidents_inside} mine accident(s) happened inside it: mines were there.",
            )
        return (
            "inaccurate",
            f"{worked.capitalize()} and no mine was found inside it or within "
            f"{rules.buffer_m:g} m.",
        )
    faults, remarks = _faults(e, rules)
    found = f"{near} mine(s) found inside or within {rules.buffer_m:g} m"
    said = f" Note: {'; '.join(remarks)}." if remarks else ""
    if not faults:
        return (
            "accurate",
            f"{found}, {e.mines_inside / near:.0%} of them inside the perimeter, and "
            f"{e.coverage_share:.0%} of it surveyed or cleared.{said}",
        )
    return ("partially_accurate", f"{found}, but {'; '.join(faults)}.{said}")


def _faults(e: Evidence, rules: Rules) -> tuple[list[str], list[str]]:
    """Return what keeps a record where mines were found from being accurate, and remarks."""
    faults: list[str] = []
    remarks: list[str] = []
    near = e.mines_inside + e.mines_buffer
    if e.coverage_share < rules.min_coverage:
        faults.append(
            f"only {e.coverage_share:.0%} of it has been surveyed or cleared (at least "
            f"{rules.min_coverage:.0%} is needed to judge it)"
        )
    elif e.expected_ap is None and e.expected_at is None:
        remarks.append("the record gives no expected counts to compare with")
    else:
        expected = (e.expected_ap or 0) + (e.expected_at or 0)
        due = expected * e.coverage_share
        ratio = near / due if due > 0 else math.inf
        top = math.inf if rules.max_found_ratio is None else rules.max_found_ratio
        counts = (
            f"{near} found where about {due:,.0f} of {expected} were expected in the worked "
            f"{e.coverage_share:.0%} (ratio {ratio:.2f})"
        )
        if rules.min_found_ratio <= ratio <= top:
            remarks.append(counts)
        else:
            faults.append(
                f"{counts}, outside the accepted {rules.min_found_ratio:g} to "
                f"{'any' if rules.max_found_ratio is None else f'{top:g}'}"
            )
    for label, expected_n, found_n in (
        ("AP", e.expected_ap, e.found_ap),
        ("AT", e.expected_at, e.found_at),
    ):
        if expected_n == 0 and found_n > 0:
            text = f"{found_n} {label} mine(s) found where the record lists none"
            (faults if rules.types_must_match else remarks).append(text)
        elif expected_n and found_n == 0 and e.coverage_share >= rules.min_coverage:
            text = f"no {label} mine found where the record lists {expected_n}"
            (faults if rules.types_must_match else remarks).append(text)
    inside_share = e.mines_inside / near
    if inside_share < rules.min_inside_share:
        faults.append(
            f"only {inside_share:.0%} of them lie inside the perimeter (at least "
            f"{rules.min_inside_share:.0%} for an accurate record): the map is misplaced"
        )
    return faults, remarks
