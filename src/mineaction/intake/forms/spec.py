"""A field form as data: its fields, groups and repeats, and the columns its exports hold.

A form is written once here and turned into an XLSForm by ``xlsform.py``.  A
field's label, hint and constraint message are keys of ``labels.UI``; a
select field's choices are a vocabulary of ``mineaction.domain.vocab``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mineaction.domain.vocab import Vocabulary

# XLSForm types that hold no answer the importer reads: pyxform adds
# ``meta/instanceID`` itself, ``start``/``end`` are audit timestamps.
METADATA = ("start", "end")
GEO_TYPES = ("geopoint", "geotrace", "geoshape")


@dataclass(frozen=True)
class Field:
    """One question (or calculated value) of a form.

    ``type`` is the XLSForm type without the list name (``select_one``, not
    ``select_one eo_category``); ``choices`` supplies the list.  ``label``
    defaults to the field's name as a key of ``labels.UI``; ``hint`` and
    ``constraint_message`` are keys too.  ``preset`` marks a field whose
    value may be fixed when the form is built (the operator's code).
    """

    name: str
    type: str
    required: bool = False
    choices: Vocabulary | None = None
    label: str | None = None
    hint: str | None = None
    constraint: str | None = None
    constraint_message: str | None = None
    calculation: str | None = None
    default: str | None = None
    appearance: str | None = None
    preset: bool = False

    @property
    def label_key(self) -> str | None:
        """Return the key of the field's label (None for a calculated value)."""
        if self.type == "calculate":
            return None
        return self.label or self.name

    @property
    def xlsform_type(self) -> str:
        """Return the type as the XLSForm ``type`` column writes it."""
        if self.choices is not None:
            return f"{self.type} {self.choices.name}"
        return self.type


@dataclass(frozen=True)
class Group:
    """A group of fields shown together, or a repeat (one row per victim, say)."""

    name: str
    fields: tuple[Field, ...]
    repeat: bool = False
    appearance: str | None = None
    label: str | None = None

    @property
    def label_key(self) -> str:
        """Return the key of the group's label."""
        return self.label or self.name


@dataclass(frozen=True)
class FormSpec:
    """A field form: what it feeds in the national database and the fields it asks."""

    kind: str
    feeds: str
    items: tuple[Field | Group, ...]
    instance_name: str | None = None

    @property
    def form_id(self) -> str:
        """Return the XForm id, e.g. ``mineaction_finding``."""
        return f"mineaction_{self.kind}"

    @property
    def title_key(self) -> str:
        """Return the key of the form's title in ``labels.UI``."""
        return f"form.{self.kind}"

    @property
    def repeats(self) -> dict[str, Group]:
        """Return the form's repeat groups by name."""
        return {i.name: i for i in self.items if isinstance(i, Group) and i.repeat}

    def fields(self) -> list[Field]:
        """Return every field, those inside groups and repeats included, in form order."""
        out: list[Field] = []
        for item in self.items:
            out.extend(item.fields if isinstance(item, Group) else (item,))
        return out

    def vocabularies(self) -> list[Vocabulary]:
        """Return the vocabularies the form's select fields use, each once, in form order."""
        seen: dict[str, Vocabulary] = {}
        for f in self.fields():
            if f.choices is not None:
                seen.setdefault(f.choices.name, f.choices)
        return list(seen.values())

    def columns(self, repeat: str | None = None) -> list[str]:
        """Return the columns of the flattened export of the main table or of one repeat.

        Group prefixes are dropped (field names are unique within a table), a
        geopoint is one column holding ``"lat lon alt acc"``, and the
        submission's ``instanceID`` (and ``instanceName``, the name Collect
        lists it under) end the main table.
        """
        if repeat is not None:
            return [f.name for f in self.repeats[repeat].fields]
        names = list(METADATA)
        for item in self.items:
            if isinstance(item, Group):
                if not item.repeat:
                    names.extend(f.name for f in item.fields)
            else:
                names.append(item.name)
        meta = ["instanceID", "instanceName"] if self.instance_name else ["instanceID"]
        return names + meta
