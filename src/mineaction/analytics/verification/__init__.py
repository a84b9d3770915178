"""Verification of minefield records against clearance, survey, findings and accidents.

``verify_records(session, start=…, end=…, rules=…)`` returns a
``Verification``: each record's class (accurate, partially accurate,
inaccurate, unverified) with the reason, and the national picture.  The
rules and their thresholds are in ``rules.py`` and docs/minefield-records.md.
"""

from mineaction.analytics.verification.engine import verify_records
from mineaction.analytics.verification.result import SUMMARY_KEYS, Verification
from mineaction.analytics.verification.rules import CLASSES, Evidence, Rules, classify, load_rules

__all__ = [
    "CLASSES",
    "SUMMARY_KEYS",
    "Evidence",
    "Rules",
    "Verification",
    "classify",
    "load_rules",
    "verify_records",
]
