"""The approval workflow of a record: which step may follow which.

A record is written as a ``draft``; its organisation ``submit``s it; an IM
officer ``approve``s or ``reject``s it (with a reason).  A rejected record
may be edited and submitted again.  An approved record is never edited in
place: a change is a new record that supersedes it, and when that one is
approved the old one becomes ``superseded``.

>>> next_state("draft", "submit")
'submitted'
>>> can_edit("approved")
False
"""

from __future__ import annotations

#: (state, step) -> the state the step leads to.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("rejected", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
}

#: The states in which a record may still be changed in place.
EDITABLE = frozenset({"draft", "rejected"})

STEPS = ("submit", "approve", "reject")


def next_state(state: str, step: str) -> str | None:
    """Return the state ``step`` leads to from ``state``, or None when it may not be taken."""
    return TRANSITIONS.get((state, step))


def can_edit(state: str) -> bool:
    """Tell whether a record in ``state`` may be changed in place."""
    return state in EDITABLE


def allowed_steps(state: str) -> list[str]:
    """Return the steps that may be taken from ``state``."""
    return [step for (s, step) in TRANSITIONS if s == state]
